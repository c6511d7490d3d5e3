using System;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ConvForge.Benchmarks;

/// <summary>Wall-clock and thread CPU time of single runs, and order statistics of many.</summary>
internal static class Timing
{
    /// <summary>Seconds since an arbitrary start, wall clock.</summary>
    public static double WallSeconds() => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;

    /// <summary>
    /// CPU seconds of the calling thread (Linux; NaN elsewhere). Both sides run on this thread, so this
    /// leaves out the time the scheduler gave other processes on a shared machine, which wall time counts.
    /// </summary>
    public static double ThreadCpuSeconds()
    {
        if (!OperatingSystem.IsLinux())
            return double.NaN;
        return ClockGetTime(ThreadCpuClock, out var time) == 0 ? time.Seconds + time.Nanoseconds * 1e-9 : double.NaN;
    }

    /// <summary>
    /// CPU seconds of every thread of this process (Linux; NaN elsewhere): with several threads per side, the
    /// pool threads' work (and their waiting, when they spin) counts too.
    /// </summary>
    public static double ProcessCpuSeconds()
    {
        if (!OperatingSystem.IsLinux())
            return double.NaN;
        return ClockGetTime(ProcessCpuClock, out var time) == 0 ? time.Seconds + time.Nanoseconds * 1e-9 : double.NaN;
    }

    /// <summary>The <paramref name="fraction"/> quantile (0.5 = median) of <paramref name="values"/>, sorted in place.</summary>
    public static double Quantile(double[] values, double fraction)
    {
        Array.Sort(values);
        var position = fraction * (values.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, values.Length - 1);
        return values[low] + (position - low) * (values[high] - values[low]);
    }

    private const int ProcessCpuClock = 2;  // CLOCK_PROCESS_CPUTIME_ID
    private const int ThreadCpuClock = 3;   // CLOCK_THREAD_CPUTIME_ID

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);
}
