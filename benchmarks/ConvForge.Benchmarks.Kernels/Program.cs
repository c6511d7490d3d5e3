using System;
using System.Diagnostics;
using System.Linq;
using System.Runtime.CompilerServices;
using ConvForge.Kernels;

// Times ResNet-style convolutions per supported kernel family and prints GFLOP/s against the peaks in
// perf-facts (../shared/notes/perf-facts.md) and against an FMA loop measured in the same run. Outputs
// are first checked against the portable family, because a kernel that skips work looks fast.
// Usage: ConvForge.Benchmarks.Kernels [seconds per measurement, default 1] [--more] [--resnet] [--only=TEXT] [--training-kernels] [--split-scaling] [--winograd]
// --resnet: every distinct ResNet-18 / ResNet-50 convolution shape (ResNetShapes.cs); --only=TEXT: only layers whose name contains TEXT.

const double Avx2Peak = 105, Avx512Peak = 210;
double seconds = args.Length > 0 && double.TryParse(args[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 1.0;

if (args.Contains("--split-scaling"))
{
    SplitScaling.Run(seconds);
    return;
}

if (args.Contains("--winograd"))
{
    WinogradKernels.Run(seconds);
    return;
}

if (args.Contains("--training-kernels"))
{
    TrainingKernels.Run(seconds);
    return;
}

Console.WriteLine($"Best family here: {KernelFamilies.Best}; {seconds:0.0} s per measurement, median of 7 runs (and the best).");
double measuredPeak256 = PeakLoop.Measure();
Console.WriteLine($"12-accumulator Vector256 FMA loop per CPU second: {measuredPeak256:0.0} GFLOP/s (perf-facts AVX2 peak: {Avx2Peak}).");
Console.WriteLine($"{"layer",-22} {"family",-8} {"ms",8} {"GFLOP/s",8} {"% peak",7} {"max rel err",12}");
string? only = args.FirstOrDefault(a => a.StartsWith("--only=", StringComparison.Ordinal))?["--only=".Length..];
if (args.Contains("--resnet"))
{
    Run<R18_conv1_7x7s2>("7x7/2 3->64 224", nchwInput: true);
    Run<R3x3_64_56>("3x3 64->64 56");
    Run<R3x3s2_64_128_56>("3x3/2 64->128 56");
    Run<R3x3_128_28>("3x3 128->128 28");
    Run<R3x3s2_128_256_28>("3x3/2 128->256 28");
    Run<R3x3_256_14>("3x3 256->256 14");
    Run<R3x3s2_256_512_14>("3x3/2 256->512 14");
    Run<R3x3_512_7>("3x3 512->512 7");
    Run<R1x1s2_64_128_56>("1x1/2 64->128 56");
    Run<R1x1s2_128_256_28>("1x1/2 128->256 28");
    Run<R1x1s2_256_512_14>("1x1/2 256->512 14");
    Run<R1x1_64_64_56>("1x1 64->64 56");
    Run<R1x1_64_256_56>("1x1 64->256 56");
    Run<R1x1_256_64_56>("1x1 256->64 56");
    Run<R1x1_256_128_56>("1x1 256->128 56");
    Run<R3x3s2_128_128_56>("3x3/2 128->128 56");
    Run<R1x1_128_512_28>("1x1 128->512 28");
    Run<R1x1_512_128_28>("1x1 512->128 28");
    Run<R1x1s2_256_512_56>("1x1/2 256->512 56");
    Run<R1x1_512_256_28>("1x1 512->256 28");
    Run<R3x3s2_256_256_28>("3x3/2 256->256 28");
    Run<R1x1_256_1024_14>("1x1 256->1024 14");
    Run<R1x1_1024_256_14>("1x1 1024->256 14");
    Run<R1x1s2_512_1024_28>("1x1/2 512->1024 28");
    Run<R1x1_1024_512_14>("1x1 1024->512 14");
    Run<R3x3s2_512_512_14>("3x3/2 512->512 14");
    Run<R1x1_512_2048_7>("1x1 512->2048 7");
    Run<R1x1_2048_512_7>("1x1 2048->512 7");
    Run<R1x1s2_1024_2048_14>("1x1/2 1024->2048 14");
    return;
}
Run<Conv3x3>("3x3 64->64 56x56");
Run<Conv1x1>("1x1 256->64 56x56");
if (args.Contains("--more"))
{
    Run<Conv1x1Small>("1x1 256->64 14x14");
    Run<Conv3x3Deep>("3x3 256->256 14x14");
    Run<FirstConv7x7>("7x7/2 3->64 224 NCHW", nchwInput: true);
}

static double CpuSeconds() => PeakLoop.CpuSeconds();

void Run<TShape>(string name, bool nchwInput = false) where TShape : struct, IConvShape
{
    if (only is not null && !name.Contains(only, StringComparison.Ordinal))
        return;
    double flops = 2.0 * TShape.OutChannels * TShape.OutHeight * TShape.OutWidth * TShape.InChannels * TShape.KernelHeight * TShape.KernelWidth;
    var random = new Random(1);
    var input = new float[TShape.InChannels * TShape.InHeight * TShape.InWidth];
    var weights = new float[ConvWeights.StandardLength<TShape>()];
    var bias = new float[TShape.OutChannels];
    foreach (var a in new[] { input, weights, bias })
        for (int i = 0; i < a.Length; i++)
            a[i] = (float)(random.NextDouble() * 2 - 1);

    var reference = Family<PortableKernels, TShape>.Prepare(input, weights, bias, nchwInput);
    reference.Run();
    var expected = reference.Output();

    if (KernelFamilies.IsSupported(KernelFamily.Avx512))
        Measure(Family<Avx512Kernels, TShape>.Prepare(input, weights, bias, nchwInput), "Avx512", Avx512Peak);
    if (KernelFamilies.IsSupported(KernelFamily.Avx2))
        Measure(Family<Avx2Kernels, TShape>.Prepare(input, weights, bias, nchwInput), "Avx2", Avx2Peak);

    void Measure(IPrepared prepared, string family, double peak)
    {
        prepared.Run();
        var actual = prepared.Output();
        double maxRef = 0, maxErr = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            maxRef = Math.Max(maxRef, Math.Abs(expected[i]));
            maxErr = Math.Max(maxErr, Math.Abs(expected[i] - actual[i]));
        }
        int reps = 1;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed.TotalSeconds < 0.2) { prepared.Run(); reps++; }
        reps = Math.Max(1, (int)(reps * seconds / 7 / watch.Elapsed.TotalSeconds));
        var times = new double[7];
        var cpuTimes = new double[7];
        for (int t = 0; t < times.Length; t++)
        {
            var cpuBefore = CpuSeconds();
            watch.Restart();
            for (int r = 0; r < reps; r++)
                prepared.Run();
            times[t] = watch.Elapsed.TotalSeconds / reps;
            cpuTimes[t] = (CpuSeconds() - cpuBefore) / reps;
        }
        Array.Sort(cpuTimes);
        Array.Sort(times);
        double median = times[3], best = times[0];
        double gflops = flops / median / 1e9, bestGflops = flops / best / 1e9;
        // On a shared machine the fastest run is the least disturbed one; print both.
        // CPU time leaves out the time the scheduler gave to other processes (cache sharing remains).
        double cpuGflops = flops / cpuTimes[3] / 1e9;
        string vsLoop = $"  best {bestGflops:0.0}; per CPU second {cpuGflops:0.0} = {100 * cpuGflops / peak:0}% of peak" +
            (family == "Avx2" ? $", {100 * cpuGflops / measuredPeak256:0}% of the FMA loop" : "");
        Console.WriteLine($"{name,-22} {family,-8} {median * 1e3,8:0.000} {gflops,8:0.0} {100 * gflops / peak,6:0}% {maxErr / maxRef,12:0.0e+0}{vsLoop}");
    }
}

static class PeakLoop
{
    /// <summary>CPU seconds used by this process so far.</summary>
    public static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    // The perf-facts reference: 12 independent FMA chains in a call-free method.
    public static double Measure()
    {
        const long Iterations = 5_000_000;
        Loop(1000);
        var times = new double[5];
        for (int t = 0; t < times.Length; t++)
        {
            var before = CpuSeconds();
            Loop(4 * Iterations);
            times[t] = CpuSeconds() - before;
        }
        Array.Sort(times);
        return 4 * Iterations * 12 * 8 * 2 / times[2] / 1e9; // per CPU second, median

    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop(long iterations)
    {
        var a = System.Runtime.Intrinsics.Vector256.Create(1.0001f);
        var b = System.Runtime.Intrinsics.Vector256.Create(0.9999f);
        System.Runtime.Intrinsics.Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default,
            c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (long i = 0; i < iterations; i++)
        {
            c0 = System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c0); c1 = System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c1);
            c2 = System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c2); c3 = System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c3);
            c4 = System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c4); c5 = System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c5);
            c6 = System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c6); c7 = System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c7);
            c8 = System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c8); c9 = System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c9);
            c10 = System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c10); c11 = System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c11);
        }
        var sum = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
        return System.Runtime.Intrinsics.Vector256.Sum(sum);
    }
}

interface IPrepared
{
    void Run();
    float[] Output();
}

sealed class Family<TKernels, TShape> : IPrepared
    where TKernels : struct, IKernelFamily
    where TShape : struct, IConvShape
{
    private readonly float[] _input, _weights, _bias, _output;
    private readonly bool _nchwInput;

    private Family(float[] input, float[] weights, float[] bias, float[] output, bool nchwInput) =>
        (_input, _weights, _bias, _output, _nchwInput) = (input, weights, bias, output, nchwInput);

    public static Family<TKernels, TShape> Prepare(float[] nchw, float[] weights, float[] bias, bool nchwInput)
    {
        var input = nchw;
        float[] packed;
        if (nchwInput)
        {
            packed = new float[TKernels.ConvNchwWeightsLength<TShape>()];
            TKernels.PackConvNchwWeights<TShape>(weights, packed);
        }
        else
        {
            input = new float[TKernels.ActivationLength(TShape.InChannels, TShape.InHeight, TShape.InWidth)];
            TKernels.ToNchwc<InputOf<TShape>>(nchw, input);
            packed = new float[TKernels.ConvWeightsLength<TShape>()];
            TKernels.PackConvWeights<TShape>(weights, packed);
        }
        var packedBias = new float[Nchwc.PaddedChannels(TShape.OutChannels, TKernels.BlockSize)];
        TKernels.PackChannels(bias, packedBias);
        var output = new float[TKernels.ActivationLength(TShape.OutChannels, TShape.OutHeight, TShape.OutWidth)];
        return new Family<TKernels, TShape>(input, packed, packedBias, output, nchwInput);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Run()
    {
        if (_nchwInput)
            TKernels.ConvNchw<TShape, Epilogue<Relu>>(_input, _weights, _bias, default, _output);
        else
            TKernels.Conv<TShape, Epilogue<Relu>>(_input, _weights, _bias, default, _output);
    }

    public float[] Output()
    {
        var nchw = new float[TShape.OutChannels * TShape.OutHeight * TShape.OutWidth];
        TKernels.ToNchw<OutputOf<TShape>>(_output, nchw);
        return nchw;
    }
}

readonly struct InputOf<TShape> : ITensorShape where TShape : struct, IConvShape
{
    public static int Channels => TShape.InChannels;
    public static int Height => TShape.InHeight;
    public static int Width => TShape.InWidth;
}

readonly struct OutputOf<TShape> : ITensorShape where TShape : struct, IConvShape
{
    public static int Channels => TShape.OutChannels;
    public static int Height => TShape.OutHeight;
    public static int Width => TShape.OutWidth;
}

readonly struct Conv3x3 : IConvShape
{
    public static int InChannels => 64;
    public static int InHeight => 56;
    public static int InWidth => 56;
    public static int OutChannels => 64;
    public static int OutHeight => 56;
    public static int OutWidth => 56;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

readonly struct FirstConv7x7 : IConvShape
{
    public static int InChannels => 3;
    public static int InHeight => 224;
    public static int InWidth => 224;
    public static int OutChannels => 64;
    public static int OutHeight => 112;
    public static int OutWidth => 112;
    public static int KernelHeight => 7;
    public static int KernelWidth => 7;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 3;
    public static int PadLeft => 3;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

readonly struct Conv1x1Small : IConvShape
{
    public static int InChannels => 256;
    public static int InHeight => 14;
    public static int InWidth => 14;
    public static int OutChannels => 64;
    public static int OutHeight => 14;
    public static int OutWidth => 14;
    public static int KernelHeight => 1;
    public static int KernelWidth => 1;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 0;
    public static int PadLeft => 0;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

readonly struct Conv3x3Deep : IConvShape
{
    public static int InChannels => 256;
    public static int InHeight => 14;
    public static int InWidth => 14;
    public static int OutChannels => 256;
    public static int OutHeight => 14;
    public static int OutWidth => 14;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

readonly struct Conv1x1 : IConvShape
{
    public static int InChannels => 256;
    public static int InHeight => 56;
    public static int InWidth => 56;
    public static int OutChannels => 64;
    public static int OutHeight => 56;
    public static int OutWidth => 56;
    public static int KernelHeight => 1;
    public static int KernelWidth => 1;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 0;
    public static int PadLeft => 0;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}
