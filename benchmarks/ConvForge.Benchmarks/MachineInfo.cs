using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using ConvForge.Kernels;

namespace ConvForge.Benchmarks;

/// <summary>What every benchmark table names: the CPU, the switches that choose our code path, and how busy the machine was.</summary>
internal static class MachineInfo
{
    /// <summary>The environment variables that change which instructions our side runs.</summary>
    private static readonly string[] s_switches =
        { "DOTNET_EnableAVX512", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic", KernelFamilies.OverrideVariable };

    /// <summary>The CPU's model name from /proc/cpuinfo (the architecture elsewhere).</summary>
    public static string CpuName() => CpuInfo("model name") ?? RuntimeInformation.ProcessArchitecture.ToString();

    /// <summary>
    /// One line for the top of a table: "Intel(R) Xeon(R) Processor (family 6, model 207), 2 cores, AVX-512 in hardware".
    /// </summary>
    public static string Cpu()
    {
        var family = CpuInfo("cpu family");
        var model = CpuInfo("model");
        var flags = (CpuInfo("flags") ?? "").Split(' ');
        var isa = flags.Contains("avx512f") ? "AVX-512 (avx512f) in hardware"
            : flags.Contains("avx2") && flags.Contains("fma") ? "AVX2 + FMA in hardware, no AVX-512"
            : flags.Length > 1 ? "neither AVX2 + FMA nor AVX-512 in hardware"
            : "instruction sets unknown";
        var familyModel = family is null || model is null ? "" : $" (family {family}, model {model})";
        return $"{CpuName()}{familyModel}, {Environment.ProcessorCount} cores, {isa}";
    }

    /// <summary>"DOTNET_EnableAVX512=0" for each switch that is set, or "none set".</summary>
    public static string Switches()
    {
        var set = new List<string>();
        foreach (var name in s_switches)
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
                set.Add($"{name}={value}");
        }
        return set.Count == 0 ? $"none of {string.Join(", ", s_switches)} set" : string.Join(", ", set);
    }

    /// <summary>"DOTNET_EnableAVX512=0 " for each switch that is set: what to put before a command to run it the same way.</summary>
    public static string SwitchesAsPrefix() =>
        string.Concat(s_switches.Where(name => Environment.GetEnvironmentVariable(name) is not null)
            .Select(name => $"{name}={Environment.GetEnvironmentVariable(name)} "));

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

    /// <summary>The value of the first /proc/cpuinfo line named <paramref name="key"/>, or null.</summary>
    private static string? CpuInfo(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                var colon = line.IndexOf(':');
                if (colon > 0 && line[..colon].Trim() == key)
                    return line[(colon + 1)..].Trim();
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
