using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace ConvForge.Benchmarks;

/// <summary>What every benchmark table names: the CPU, and how busy the machine was around the run.</summary>
internal static class MachineInfo
{
    /// <summary>The CPU's model name from /proc/cpuinfo (the architecture elsewhere).</summary>
    public static string CpuName()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    /// <summary>The 1, 5 and 15 minute load averages, or "unknown".</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
