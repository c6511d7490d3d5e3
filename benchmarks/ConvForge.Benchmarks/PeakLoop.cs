using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;
using ConvForge.Kernels;

namespace ConvForge.Benchmarks;

/// <summary>
/// The machine's fp32 peak as perf-facts measures it: 12 independent FMA chains in a call-free method, on
/// the vectors of the kernel family being measured (Vector512 for AVX-512, Vector256 + FMA for AVX2),
/// measured in the same run as the networks, so the percentages also hold on a machine other than the notes' one.
/// </summary>
internal static class PeakLoop
{
    /// <summary>
    /// GFLOP/s of <paramref name="threads"/> threads running the loop at once (the sum of their rates per
    /// thread-CPU second; each the best of 9 runs, since other processes can only slow the loop down, through
    /// interrupts and shared caches), or NaN for the portable family or without hardware FMA. Running them at
    /// once catches a clock that drops when more cores are busy.
    /// </summary>
    public static double Measure(KernelFamily family, int threads, out string what)
    {
        Func<long, float> loop;
        int lanes;
        if (family == KernelFamily.Avx512 && Avx512F.IsSupported && Vector512.IsHardwareAccelerated)
        {
            (loop, lanes, what) = (Loop512, 16, "Vector512 FMA loop");
        }
        else if (family != KernelFamily.Portable && Fma.IsSupported)
        {
            (loop, lanes, what) = (Loop256, 8, "Vector256 FMA loop");
        }
        else
        {
            what = family == KernelFamily.Portable ? "no peak for the portable family" : "no hardware FMA";
            return double.NaN;
        }
        var rates = new double[threads];
        using var start = new Barrier(threads);
        var workers = new Thread[threads];
        for (var t = 0; t < threads; t++)
        {
            var index = t;
            workers[t] = new Thread(() =>
            {
                loop(1000);
                start.SignalAndWait();
                rates[index] = Rate(loop, lanes);
            });
            workers[t].Start();
        }
        foreach (var worker in workers)
            worker.Join();
        var total = 0.0;
        foreach (var rate in rates)
            total += rate;
        return total;
    }

    private static double Rate(Func<long, float> loop, int lanes)
    {
        const long Iterations = 10_000_000;
        var times = new double[9];
        for (var t = 0; t < times.Length; t++)
        {
            var before = Timing.ThreadCpuSeconds();
            loop(Iterations);
            times[t] = Timing.ThreadCpuSeconds() - before;
        }
        return Iterations * 12.0 * lanes * 2 / Timing.Quantile(times, 0) / 1e9;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop256(long iterations)
    {
        var a = Vector256.Create(1.0001f);
        var b = Vector256.Create(0.9999f);
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default,
            c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Fma.MultiplyAdd(a, b, c0); c1 = Fma.MultiplyAdd(a, b, c1); c2 = Fma.MultiplyAdd(a, b, c2);
            c3 = Fma.MultiplyAdd(a, b, c3); c4 = Fma.MultiplyAdd(a, b, c4); c5 = Fma.MultiplyAdd(a, b, c5);
            c6 = Fma.MultiplyAdd(a, b, c6); c7 = Fma.MultiplyAdd(a, b, c7); c8 = Fma.MultiplyAdd(a, b, c8);
            c9 = Fma.MultiplyAdd(a, b, c9); c10 = Fma.MultiplyAdd(a, b, c10); c11 = Fma.MultiplyAdd(a, b, c11);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop512(long iterations)
    {
        var a = Vector512.Create(1.0001f);
        var b = Vector512.Create(0.9999f);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default,
            c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Avx512F.FusedMultiplyAdd(a, b, c0); c1 = Avx512F.FusedMultiplyAdd(a, b, c1); c2 = Avx512F.FusedMultiplyAdd(a, b, c2);
            c3 = Avx512F.FusedMultiplyAdd(a, b, c3); c4 = Avx512F.FusedMultiplyAdd(a, b, c4); c5 = Avx512F.FusedMultiplyAdd(a, b, c5);
            c6 = Avx512F.FusedMultiplyAdd(a, b, c6); c7 = Avx512F.FusedMultiplyAdd(a, b, c7); c8 = Avx512F.FusedMultiplyAdd(a, b, c8);
            c9 = Avx512F.FusedMultiplyAdd(a, b, c9); c10 = Avx512F.FusedMultiplyAdd(a, b, c10); c11 = Avx512F.FusedMultiplyAdd(a, b, c11);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
