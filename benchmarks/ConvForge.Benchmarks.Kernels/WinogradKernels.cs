using System;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.Intrinsics;
using ConvForge.Kernels;

// --winograd: 3x3 stride-1 layers of ResNet-18, GoogLeNet, SqueezeNet 1.1 and NIN, each run three ways on one
// thread per supported vector family: the direct path, Winograd F(2x2,3x3) and F(4x4,3x3). Effective GFLOP/s =
// the direct convolution's FLOPs / time. The kernels pick their path from the shape, so the paths the rule does
// not pick are reached through reflection (the library's internals: ConvDriver.Rows, Winograd.Run with a
// transform). The Winograd outputs are checked against the direct one (max error / max |output|).
static unsafe class WinogradKernels
{
    public static void Run(double seconds)
    {
        Console.WriteLine($"3x3 stride-1 layers, one thread, {seconds:0.0} s per shape and family; medians of 9 interleaved rounds (CPU time).");
        Console.WriteLine($"{"layer",-22} {"family",-7} {"path now",-9} {"direct ms",9} {"F2 ms",8} {"F4 ms",8} {"direct",7} {"F2",7} {"F4",7} {"F2 win",7} {"F4 win",7} {"F2 err",8} {"F4 err",8}");
        Shape<Dims<N64, N64, N56>>("ResNet 64->64 @56", seconds);
        Shape<Dims<N128, N128, N28>>("ResNet 128->128 @28", seconds);
        Shape<Dims<N256, N256, N14>>("ResNet 256->256 @14", seconds);
        Shape<Dims<N512, N512, N7>>("ResNet 512->512 @7", seconds);
        Shape<Dims<N64, N192, N56>>("GoogLeNet 64->192 @56", seconds);
        Shape<Dims<N96, N128, N28>>("GoogLeNet 96->128 @28", seconds);
        Shape<Dims<N128, N192, N28>>("GoogLeNet 128->192 @28", seconds);
        Shape<Dims<N96, N208, N14>>("GoogLeNet 96->208 @14", seconds);
        Shape<Dims<N160, N320, N14>>("GoogLeNet 160->320 @14", seconds);
        Shape<Dims<N160, N320, N7>>("GoogLeNet 160->320 @7", seconds);
        Shape<Dims<N192, N384, N7>>("GoogLeNet 192->384 @7", seconds);
        Shape<Dims<N16, N64, N55>>("Squeeze 16->64 @55", seconds);
        Shape<Dims<N32, N128, N27>>("Squeeze 32->128 @27", seconds);
        Shape<Dims<N48, N192, N13>>("Squeeze 48->192 @13", seconds);
        Shape<Dims<N64, N256, N13>>("Squeeze 64->256 @13", seconds);
        Shape<Dims<N192, N192, N8>>("NIN 192->192 @8", seconds);
    }

    private static void Shape<TShape>(string name, double seconds) where TShape : struct, IConvShape
    {
        if (KernelFamilies.IsSupported(KernelFamily.Avx512))
            Measure<Avx512Kernels, TShape>(name, "Avx512", typeof(Vector512<float>), "Avx512Ops", seconds);
        if (KernelFamilies.IsSupported(KernelFamily.Avx2))
            Measure<Avx2Kernels, TShape>(name, "Avx2", typeof(Vector256<float>), "Avx2Ops", seconds);
    }

    private delegate void Conv(float* input, float* weights, float* bias, float* residual, float* output);
    private delegate void WinogradRun(float* input, float* weights, float* bias, float* residual, float* output, WorkSplit split);
    private delegate void Pack(int blockSize, ReadOnlySpan<float> weights, Span<float> packed);

    private static void Measure<TKernels, TShape>(string name, string family, Type vector, string opsName, double seconds)
        where TKernels : struct, IKernelFamily
        where TShape : struct, IConvShape
    {
        var library = typeof(IKernelFamily).Assembly;
        const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static;
        var ops = library.GetType($"ConvForge.Kernels.{opsName}", throwOnError: true)!;
        var driver = library.GetType("ConvForge.Kernels.ConvDriver`2", true)!.MakeGenericType(vector, ops);
        var geometry = library.GetType("ConvForge.Kernels.BlockedGeometry`2", true)!.MakeGenericType(typeof(TShape), ops);
        var direct = driver.GetMethod("Rows", Private)!.MakeGenericMethod(typeof(TShape), geometry, typeof(Epilogue<Relu>)).CreateDelegate<Conv>();
        var winograd = library.GetType("ConvForge.Kernels.Winograd`2", true)!.MakeGenericType(vector, ops);
        var runWith = winograd.GetMethods(Private);
        WinogradRun RunWith(string transform) => Array.Find(runWith, m => m.Name == "Run" && m.GetGenericArguments().Length == 3)!
            .MakeGenericMethod(typeof(TShape), library.GetType($"ConvForge.Kernels.{transform}", true)!, typeof(Epilogue<Relu>)).CreateDelegate<WinogradRun>();
        var packMethod = Array.Find(library.GetType("ConvForge.Kernels.WinogradWeights", true)!.GetMethods(Private), m => m.Name == "Pack" && m.GetGenericArguments().Length == 2)!;
        Pack PackWith(string transform) => packMethod.MakeGenericMethod(typeof(TShape), library.GetType($"ConvForge.Kernels.{transform}", true)!).CreateDelegate<Pack>();

        int b = TKernels.BlockSize;
        var random = new Random(1);
        float[] Random(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float)(random.NextDouble() * 2 - 1); return a; }
        var weights = Random(ConvWeights.StandardLength<TShape>());
        var input = new float[TKernels.ActivationLength(TShape.InChannels, TShape.InHeight, TShape.InWidth)];
        TKernels.ToNchwc<InputOf<TShape>>(Random(TShape.InChannels * TShape.InHeight * TShape.InWidth), input);
        var bias = new float[Nchwc.PaddedChannels(TShape.OutChannels, b)];
        TKernels.PackChannels(Random(TShape.OutChannels), bias);
        int inBlocks = Nchwc.Blocks(TShape.InChannels, b), outBlocks = Nchwc.Blocks(TShape.OutChannels, b);
        var directWeights = new float[outBlocks * inBlocks * 9 * b * b];
        for (int oc = 0; oc < TShape.OutChannels; oc++)
            for (int ic = 0; ic < TShape.InChannels; ic++)
                for (int t = 0; t < 9; t++)
                    directWeights[((((oc / b) * inBlocks + ic / b) * 9 + t) * b + ic % b) * b + oc % b] = weights[(oc * TShape.InChannels + ic) * 9 + t];
        var f2Weights = new float[16 * outBlocks * inBlocks * b * b];
        PackWith("WinogradF2")(b, weights, f2Weights);
        var f4Weights = new float[36 * outBlocks * inBlocks * b * b];
        PackWith("WinogradF4")(b, weights, f4Weights);
        var runF2 = RunWith("WinogradF2");
        var runF4 = RunWith("WinogradF4");
        int outLength = TKernels.ActivationLength(TShape.OutChannels, TShape.OutHeight, TShape.OutWidth);
        var outDirect = new float[outLength];
        var outF2 = new float[outLength];
        var outF4 = new float[outLength];

        fixed (float* i = input, wd = directWeights, w2 = f2Weights, w4 = f4Weights, bi = bias, od = outDirect, o2 = outF2, o4 = outF4)
        {
            float* iP = i, wdP = wd, w2P = w2, w4P = w4, biP = bi, odP = od, o2P = o2, o4P = o4;
            Action[] runs =
            {
                () => direct(iP, wdP, biP, null, odP),
                () => runF2(iP, w2P, biP, null, o2P, WorkSplit.Whole),
                () => runF4(iP, w4P, biP, null, o4P, WorkSplit.Whole),
            };
            foreach (var run in runs)
                run();
            double scale = 0, errorF2 = 0, errorF4 = 0;
            for (int k = 0; k < outLength; k++)
            {
                scale = Math.Max(scale, Math.Abs(outDirect[k]));
                errorF2 = Math.Max(errorF2, Math.Abs(outF2[k] - outDirect[k]));
                errorF4 = Math.Max(errorF4, Math.Abs(outF4[k] - outDirect[k]));
            }

            // Interleaved rounds: the three paths see the same machine load.
            const int Rounds = 9;
            var watch = Stopwatch.StartNew();
            runs[0]();
            int reps = Math.Max(1, (int)(seconds / 3 / Rounds / Math.Max(watch.Elapsed.TotalSeconds, 1e-6)));
            var times = new double[3][];
            for (int p = 0; p < 3; p++)
                times[p] = new double[Rounds];
            for (int round = 0; round < Rounds; round++)
                for (int p = 0; p < 3; p++)
                {
                    double before = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
                    for (int r = 0; r < reps; r++)
                        runs[p]();
                    times[p][round] = (Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - before) / reps;
                }
            double[] median = new double[3];
            for (int p = 0; p < 3; p++)
            {
                Array.Sort(times[p]);
                median[p] = times[p][Rounds / 2];
            }
            double flops = 2.0 * TShape.OutChannels * TShape.OutHeight * TShape.OutWidth * TShape.InChannels * 9;
            string now = ConvPaths.Select<TShape>(b) == ConvPath.Winograd ? $"F{WinogradRule.TileSize<TShape>(b)}" : "direct";
            Console.WriteLine($"{name,-22} {family,-7} {now,-9} {median[0] * 1e3,9:0.000} {median[1] * 1e3,8:0.000} {median[2] * 1e3,8:0.000} " +
                $"{flops / median[0] / 1e9,7:0.0} {flops / median[1] / 1e9,7:0.0} {flops / median[2] / 1e9,7:0.0} " +
                $"{median[0] / median[1],7:0.00} {median[0] / median[2],7:0.00} {errorF2 / scale,8:0.0e+0} {errorF4 / scale,8:0.0e+0}");
        }
    }
}

interface IValue { static abstract int Value { get; } }
readonly struct N7 : IValue { public static int Value => 7; }
readonly struct N8 : IValue { public static int Value => 8; }
readonly struct N13 : IValue { public static int Value => 13; }
readonly struct N14 : IValue { public static int Value => 14; }
readonly struct N16 : IValue { public static int Value => 16; }
readonly struct N27 : IValue { public static int Value => 27; }
readonly struct N28 : IValue { public static int Value => 28; }
readonly struct N32 : IValue { public static int Value => 32; }
readonly struct N48 : IValue { public static int Value => 48; }
readonly struct N55 : IValue { public static int Value => 55; }
readonly struct N56 : IValue { public static int Value => 56; }
readonly struct N64 : IValue { public static int Value => 64; }
readonly struct N96 : IValue { public static int Value => 96; }
readonly struct N128 : IValue { public static int Value => 128; }
readonly struct N160 : IValue { public static int Value => 160; }
readonly struct N192 : IValue { public static int Value => 192; }
readonly struct N208 : IValue { public static int Value => 208; }
readonly struct N256 : IValue { public static int Value => 256; }
readonly struct N320 : IValue { public static int Value => 320; }
readonly struct N384 : IValue { public static int Value => 384; }
readonly struct N512 : IValue { public static int Value => 512; }

/// <summary>3x3, stride 1, pad 1, square maps: TIn -> TOut channels at TSize x TSize.</summary>
readonly struct Dims<TIn, TOut, TSize> : IConvShape
    where TIn : struct, IValue
    where TOut : struct, IValue
    where TSize : struct, IValue
{
    public static int InChannels => TIn.Value;
    public static int InHeight => TSize.Value;
    public static int InWidth => TSize.Value;
    public static int OutChannels => TOut.Value;
    public static int OutHeight => TSize.Value;
    public static int OutWidth => TSize.Value;
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
