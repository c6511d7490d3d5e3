using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ConvForge.Kernels;

// --training-kernels: the convolution gradient kernels next to the forward convolution of the same shape,
// one thread, per supported vector family. GFLOP/s = 2 * MACs / median time; every pass has the forward's
// MAC count (the weight gradient's bias sum is not counted). Results are checked against the portable
// family first, because a kernel that skips work looks fast.
static class TrainingKernels
{
    public static void Run(double seconds)
    {
        Console.WriteLine($"Training kernels, one thread, {seconds:0.0} s per measurement, median of 7 (CPU time in brackets).");
        Console.WriteLine($"{"layer",-26} {"family",-8} {"pass",-16} {"ms",8} {"GFLOP/s",8} {"(cpu)",8} {"max rel err",12}");
        Shape<Fwd3x3x64At28>("3x3 64->64 28x28", seconds);
        Shape<Fwd1x1x96To64At28>("1x1 96->64 28x28", seconds);
        Shape<Fwd3x3Stride2At28>("3x3/2 64->128 28x28", seconds);
        Shape<Fwd5x5x48To128At14>("5x5 48->128 14x14", seconds);
        Shape<Fwd3x3x128At7>("3x3 128->128 7x7", seconds);
        Shape<First5x5At28>("5x5 1->96 28x28 NCHW", seconds, nchwInput: true);
    }

    private static void Shape<TShape>(string name, double seconds, bool nchwInput = false) where TShape : struct, IConvShape
    {
        var reference = Passes<PortableKernels, TShape>.Create(nchwInput);
        if (KernelFamilies.IsSupported(KernelFamily.Avx512))
            Passes<Avx512Kernels, TShape>.Create(nchwInput).Measure(name, "Avx512", seconds, reference);
        if (KernelFamilies.IsSupported(KernelFamily.Avx2))
            Passes<Avx2Kernels, TShape>.Create(nchwInput).Measure(name, "Avx2", seconds, reference);
    }
}

sealed class Passes<TKernels, TShape>
    where TKernels : struct, IKernelFamily
    where TShape : struct, IConvShape
{
    private readonly bool _nchwInput;
    private readonly float[] _nchwIn, _in, _packed, _transposed, _bias, _out, _gradient, _inputGradient, _weightGradient, _biasGradient;

    private Passes(bool nchwInput)
    {
        _nchwInput = nchwInput;
        var random = new Random(1);
        float[] Random(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float)(random.NextDouble() * 2 - 1); return a; }
        int b = TKernels.BlockSize;
        _nchwIn = Random(TShape.InChannels * TShape.InHeight * TShape.InWidth);
        _in = new float[TKernels.ActivationLength(TShape.InChannels, TShape.InHeight, TShape.InWidth)];
        TKernels.ToNchwc<In>(_nchwIn, _in);
        var weights = Random(ConvWeights.StandardLength<TShape>());
        _packed = new float[nchwInput ? TKernels.ConvNchwWeightsLength<TShape>() : TKernels.ConvWeightsLength<TShape>()];
        if (nchwInput) TKernels.PackConvNchwWeights<TShape>(weights, _packed); else TKernels.PackConvWeights<TShape>(weights, _packed);
        _transposed = new float[TKernels.ConvTransposedWeightsLength<TShape>()];
        TKernels.PackConvTransposedWeights<TShape>(weights, _transposed);
        _bias = new float[Nchwc.PaddedChannels(TShape.OutChannels, b)];
        _out = new float[TKernels.ActivationLength(TShape.OutChannels, TShape.OutHeight, TShape.OutWidth)];
        _gradient = new float[_out.Length];
        TKernels.ToNchwc<Out>(Random(TShape.OutChannels * TShape.OutHeight * TShape.OutWidth), _gradient);
        _inputGradient = new float[_in.Length];
        _weightGradient = new float[weights.Length];
        _biasGradient = new float[TShape.OutChannels];
    }

    public static Passes<TKernels, TShape> Create(bool nchwInput)
    {
        var passes = new Passes<TKernels, TShape>(nchwInput);
        passes.Forward();
        passes.BackwardWeights();
        if (!nchwInput)
            passes.BackwardInput();
        return passes;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Forward()
    {
        if (_nchwInput)
            TKernels.ConvNchw<TShape, Epilogue<Identity>>(_nchwIn, _packed, _bias, default, _out);
        else
            TKernels.Conv<TShape, Epilogue<Identity>>(_in, _packed, _bias, default, _out);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void BackwardInput() => TKernels.ConvBackwardInput<TShape>(_gradient, _transposed, _inputGradient);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void BackwardWeights()
    {
        if (_nchwInput)
            TKernels.ConvNchwBackwardWeights<TShape>(_nchwIn, _gradient, _weightGradient, _biasGradient);
        else
            TKernels.ConvBackwardWeights<TShape>(_in, _gradient, _weightGradient, _biasGradient);
    }

    private float[] PlainInputGradient()
    {
        var nchw = new float[_nchwIn.Length];
        TKernels.ToNchw<In>(_inputGradient, nchw);
        return nchw;
    }

    public void Measure<TReference>(string name, string family, double seconds, Passes<TReference, TShape> reference) where TReference : struct, IKernelFamily
    {
        double flops = 2.0 * TShape.OutChannels * TShape.OutHeight * TShape.OutWidth * (TShape.InChannels / TShape.Groups) * TShape.KernelHeight * TShape.KernelWidth;
        // Both sides ran each pass once from zeroed gradients: compare before timing accumulates more.
        double forwardError = RelativeError(reference.PlainOutput(), PlainOutput());
        double weightError = RelativeError(reference._weightGradient, _weightGradient);
        double inputError = _nchwInput ? 0 : RelativeError(reference.PlainInputGradient(), PlainInputGradient());
        Report(name, family, "forward", Time(Forward, seconds), flops, forwardError);
        Report(name, family, "weight gradient", Time(BackwardWeights, seconds), flops, weightError);
        if (!_nchwInput)
            Report(name, family, "input gradient", Time(BackwardInput, seconds), flops, inputError);
    }

    private float[] PlainOutput()
    {
        var nchw = new float[TShape.OutChannels * TShape.OutHeight * TShape.OutWidth];
        TKernels.ToNchw<Out>(_out, nchw);
        return nchw;
    }

    private static double RelativeError(float[] expected, float[] actual)
    {
        double max = 0, error = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            max = Math.Max(max, Math.Abs(expected[i]));
            error = Math.Max(error, Math.Abs(expected[i] - actual[i]));
        }
        return error / max;
    }

    private static (double Wall, double Cpu) Time(Action pass, double seconds)
    {
        int reps = 1;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed.TotalSeconds < 0.2) { pass(); reps++; }
        reps = Math.Max(1, (int)(reps * seconds / 7 / watch.Elapsed.TotalSeconds));
        var wall = new double[7];
        var cpu = new double[7];
        for (int t = 0; t < 7; t++)
        {
            double cpuBefore = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
            watch.Restart();
            for (int r = 0; r < reps; r++)
                pass();
            wall[t] = watch.Elapsed.TotalSeconds / reps;
            cpu[t] = (Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - cpuBefore) / reps;
        }
        Array.Sort(wall);
        Array.Sort(cpu);
        return (wall[3], cpu[3]);
    }

    private static void Report(string name, string family, string pass, (double Wall, double Cpu) time, double flops, double error) =>
        Console.WriteLine($"{name,-26} {family,-8} {pass,-16} {time.Wall * 1e3,8:0.000} {flops / time.Wall / 1e9,8:0.0} {flops / time.Cpu / 1e9,8:0.0} {error,12:0.0e+0}");

    private readonly struct In : ITensorShape
    {
        public static int Channels => TShape.InChannels;
        public static int Height => TShape.InHeight;
        public static int Width => TShape.InWidth;
    }

    private readonly struct Out : ITensorShape
    {
        public static int Channels => TShape.OutChannels;
        public static int Height => TShape.OutHeight;
        public static int Width => TShape.OutWidth;
    }
}

readonly struct Fwd3x3x64At28 : IConvShape
{
    public static int InChannels => 64;
    public static int InHeight => 28;
    public static int InWidth => 28;
    public static int OutChannels => 64;
    public static int OutHeight => 28;
    public static int OutWidth => 28;
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

readonly struct Fwd1x1x96To64At28 : IConvShape
{
    public static int InChannels => 96;
    public static int InHeight => 28;
    public static int InWidth => 28;
    public static int OutChannels => 64;
    public static int OutHeight => 28;
    public static int OutWidth => 28;
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

readonly struct Fwd3x3Stride2At28 : IConvShape
{
    public static int InChannels => 64;
    public static int InHeight => 28;
    public static int InWidth => 28;
    public static int OutChannels => 128;
    public static int OutHeight => 14;
    public static int OutWidth => 14;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

readonly struct Fwd5x5x48To128At14 : IConvShape
{
    public static int InChannels => 48;
    public static int InHeight => 14;
    public static int InWidth => 14;
    public static int OutChannels => 128;
    public static int OutHeight => 14;
    public static int OutWidth => 14;
    public static int KernelHeight => 5;
    public static int KernelWidth => 5;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 2;
    public static int PadLeft => 2;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

readonly struct First5x5At28 : IConvShape
{
    public static int InChannels => 1;
    public static int InHeight => 28;
    public static int InWidth => 28;
    public static int OutChannels => 96;
    public static int OutHeight => 28;
    public static int OutWidth => 28;
    public static int KernelHeight => 5;
    public static int KernelWidth => 5;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 2;
    public static int PadLeft => 2;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

readonly struct Fwd3x3x128At7 : IConvShape
{
    public static int InChannels => 128;
    public static int InHeight => 7;
    public static int InWidth => 7;
    public static int OutChannels => 128;
    public static int OutHeight => 7;
    public static int OutWidth => 7;
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
