using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ConvForge.Kernels;

/// <summary>
/// The AVX-512 family's operations: 16-channel blocks, one <see cref="Vector512{T}"/> per block, and a
/// register tile of 14 pixels x 2 output blocks (28 zmm accumulators + 2 weight vectors + 1 broadcast).
/// </summary>
internal readonly unsafe struct Avx512Ops : IFamilyOps<Vector512<float>>
{
    private const int Block = 16;

    public static KernelFamily Family => KernelFamily.Avx512;
    public static int BlockSize => Block;
    public static int Lanes => 16;
    public static int TilePixels => 14;
    public static int TileBlocks => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* p, Vector512<float> value) => Vector512.Store(value, p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Splat(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Fma512(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => VectorMath.MaxPropagatingNaN(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Activate<TActivation>(Vector512<float> x) where TActivation : struct, IActivation => TActivation.Apply(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ActivationGradient<TActivation>(Vector512<float> y) where TActivation : struct, IActivation => TActivation.GradientFromOutput(y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TrackMax(ref Vector512<float> max, ref Vector512<float> index, Vector512<float> value, Vector512<float> valueIndex)
    {
        var wins = Vector512.GreaterThan(value, max) | (Vector512.Equals(max, max) & ~Vector512.Equals(value, value));
        max = Vector512.ConditionalSelect(wins, value, max);
        index = Vector512.ConditionalSelect(wins, valueIndex, index);
    }

    // Fused on AVX-512 hardware. Elsewhere Vector512 runs in software (unfused), which is slow but
    // lets the tests check this family's logic on any machine. IsSupported is a JIT-time constant.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fma512(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Emit<TEpilogue>(float* output, float* residual, Vector512<float> value) where TEpilogue : struct, IEpilogue
    {
        if (TEpilogue.AddsResidual)
            value += Vector512.Load(residual);
        Vector512.Store(TEpilogue.Activate(value), output);
    }

    /// <inheritdoc cref="IFamilyOps{TVector}.ConvTile"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ConvTile<TGeometry, TPixels, TBlocks, TEpilogue>(
        float* input, float* weights, float* bias, float* residual, float* output,
        int khBegin, int khEnd, int kwBegin, int kwEnd)
        where TGeometry : struct, IConvGeometry
        where TPixels : struct, IConstant
        where TBlocks : struct, IConstant
        where TEpilogue : struct, IEpilogue
    {
        // Read every geometry constant once, up front: the JIT inlines these first, before the large
        // body can exhaust its inline budget (a call left in the loop would spill every accumulator).
        int inputBlocks = TGeometry.InputBlocks;
        int inputBlockStride = TGeometry.InputBlockStride;
        int tapRowStride = TGeometry.TapRowStride;
        int tapColumnStride = TGeometry.TapColumnStride;
        int pixelStride = TGeometry.PixelStride;
        int kernelHeight = TGeometry.KernelHeight;
        int kernelWidth = TGeometry.KernelWidth;
        int inputLanes = TGeometry.InputLanes;
        int weightBlockStride = TGeometry.WeightBlockStride;
        int outputBlockStride = TGeometry.OutputBlockStride;
        int outWidth = TGeometry.OutputWidth;
        int outputRowStep = TGeometry.OutputRowStep;
        // Input offset of tile pixel p: p / outWidth output rows down, p % outWidth columns right (tiles that
        // span rows start at a row's first column; within one row this is p * pixelStride). Constants.
        int at0 = 0;
        int at1 = 1 / outWidth * outputRowStep + 1 % outWidth * pixelStride;
        int at2 = 2 / outWidth * outputRowStep + 2 % outWidth * pixelStride;
        int at3 = 3 / outWidth * outputRowStep + 3 % outWidth * pixelStride;
        int at4 = 4 / outWidth * outputRowStep + 4 % outWidth * pixelStride;
        int at5 = 5 / outWidth * outputRowStep + 5 % outWidth * pixelStride;
        int at6 = 6 / outWidth * outputRowStep + 6 % outWidth * pixelStride;
        int at7 = 7 / outWidth * outputRowStep + 7 % outWidth * pixelStride;
        int at8 = 8 / outWidth * outputRowStep + 8 % outWidth * pixelStride;
        int at9 = 9 / outWidth * outputRowStep + 9 % outWidth * pixelStride;
        int at10 = 10 / outWidth * outputRowStep + 10 % outWidth * pixelStride;
        int at11 = 11 / outWidth * outputRowStep + 11 % outWidth * pixelStride;
        int at12 = 12 / outWidth * outputRowStep + 12 % outWidth * pixelStride;
        int at13 = 13 / outWidth * outputRowStep + 13 % outWidth * pixelStride;
        int pixels = TPixels.Value;
        bool twoBlocks = TBlocks.Value == 2;
        if (TBlocks.Value > 2)
            throw new NotSupportedException("The microkernel computes one or two output blocks.");
        if (pixels == 1 && inputLanes % 4 == 0)
        {
            // Border pixels: two accumulators would leave the FMA units waiting on latency.
            SinglePixelTile<TGeometry, TBlocks, TEpilogue>(input, weights, bias, residual, output, khBegin, khEnd, kwBegin, kwEnd);
            return;
        }

        // acc{p}{a|b}: output pixel p of output block a or b. `pixels` and `twoBlocks` are
        // constants, so the guarded statements of pixels beyond the tile's width compile to nothing.
        Vector512<float> acc0a = default, acc0b = default;
        Vector512<float> acc1a = default, acc1b = default;
        Vector512<float> acc2a = default, acc2b = default;
        Vector512<float> acc3a = default, acc3b = default;
        Vector512<float> acc4a = default, acc4b = default;
        Vector512<float> acc5a = default, acc5b = default;
        Vector512<float> acc6a = default, acc6b = default;
        Vector512<float> acc7a = default, acc7b = default;
        Vector512<float> acc8a = default, acc8b = default;
        Vector512<float> acc9a = default, acc9b = default;
        Vector512<float> acc10a = default, acc10b = default;
        Vector512<float> acc11a = default, acc11b = default;
        Vector512<float> acc12a = default, acc12b = default;
        Vector512<float> acc13a = default, acc13b = default;

        for (int block = 0; block < inputBlocks; block++)
        {
            for (int kh = khBegin; kh < khEnd; kh++)
            {
                for (int kw = kwBegin; kw < kwEnd; kw++)
                {
                    float* x = input + block * inputBlockStride + kh * tapRowStride + kw * tapColumnStride;
                    float* w = weights + ((block * kernelHeight + kh) * kernelWidth + kw) * inputLanes * Block;
                    for (int lane = 0; lane < inputLanes; lane++, x++, w += Block)
                    {
                        var wa = Vector512.Load(w);
                        var wb = twoBlocks ? Vector512.Load(w + weightBlockStride) : default;
                        var x0 = Vector512.Create(x[at0]);
                        acc0a = Fma512(x0, wa, acc0a);
                        if (twoBlocks) acc0b = Fma512(x0, wb, acc0b);
                        if (pixels > 1)
                        {
                            var x1 = Vector512.Create(x[at1]);
                            acc1a = Fma512(x1, wa, acc1a);
                            if (twoBlocks) acc1b = Fma512(x1, wb, acc1b);
                        }
                        if (pixels > 2)
                        {
                            var x2 = Vector512.Create(x[at2]);
                            acc2a = Fma512(x2, wa, acc2a);
                            if (twoBlocks) acc2b = Fma512(x2, wb, acc2b);
                        }
                        if (pixels > 3)
                        {
                            var x3 = Vector512.Create(x[at3]);
                            acc3a = Fma512(x3, wa, acc3a);
                            if (twoBlocks) acc3b = Fma512(x3, wb, acc3b);
                        }
                        if (pixels > 4)
                        {
                            var x4 = Vector512.Create(x[at4]);
                            acc4a = Fma512(x4, wa, acc4a);
                            if (twoBlocks) acc4b = Fma512(x4, wb, acc4b);
                        }
                        if (pixels > 5)
                        {
                            var x5 = Vector512.Create(x[at5]);
                            acc5a = Fma512(x5, wa, acc5a);
                            if (twoBlocks) acc5b = Fma512(x5, wb, acc5b);
                        }
                        if (pixels > 6)
                        {
                            var x6 = Vector512.Create(x[at6]);
                            acc6a = Fma512(x6, wa, acc6a);
                            if (twoBlocks) acc6b = Fma512(x6, wb, acc6b);
                        }
                        if (pixels > 7)
                        {
                            var x7 = Vector512.Create(x[at7]);
                            acc7a = Fma512(x7, wa, acc7a);
                            if (twoBlocks) acc7b = Fma512(x7, wb, acc7b);
                        }
                        if (pixels > 8)
                        {
                            var x8 = Vector512.Create(x[at8]);
                            acc8a = Fma512(x8, wa, acc8a);
                            if (twoBlocks) acc8b = Fma512(x8, wb, acc8b);
                        }
                        if (pixels > 9)
                        {
                            var x9 = Vector512.Create(x[at9]);
                            acc9a = Fma512(x9, wa, acc9a);
                            if (twoBlocks) acc9b = Fma512(x9, wb, acc9b);
                        }
                        if (pixels > 10)
                        {
                            var x10 = Vector512.Create(x[at10]);
                            acc10a = Fma512(x10, wa, acc10a);
                            if (twoBlocks) acc10b = Fma512(x10, wb, acc10b);
                        }
                        if (pixels > 11)
                        {
                            var x11 = Vector512.Create(x[at11]);
                            acc11a = Fma512(x11, wa, acc11a);
                            if (twoBlocks) acc11b = Fma512(x11, wb, acc11b);
                        }
                        if (pixels > 12)
                        {
                            var x12 = Vector512.Create(x[at12]);
                            acc12a = Fma512(x12, wa, acc12a);
                            if (twoBlocks) acc12b = Fma512(x12, wb, acc12b);
                        }
                        if (pixels > 13)
                        {
                            var x13 = Vector512.Create(x[at13]);
                            acc13a = Fma512(x13, wa, acc13a);
                            if (twoBlocks) acc13b = Fma512(x13, wb, acc13b);
                        }
                    }
                }
            }
        }

        var biasA = Vector512.Load(bias);
        var biasB = twoBlocks ? Vector512.Load(bias + Block) : default;
        Emit<TEpilogue>(output + 0 * Block, residual + 0 * Block, acc0a + biasA);
        if (twoBlocks) Emit<TEpilogue>(output + outputBlockStride + 0 * Block, residual + outputBlockStride + 0 * Block, acc0b + biasB);
        if (pixels > 1)
        {
            Emit<TEpilogue>(output + 1 * Block, residual + 1 * Block, acc1a + biasA);
            if (twoBlocks) Emit<TEpilogue>(output + outputBlockStride + 1 * Block, residual + outputBlockStride + 1 * Block, acc1b + biasB);
        }
        if (pixels > 2)
        {
            Emit<TEpilogue>(output + 2 * Block, residual + 2 * Block, acc2a + biasA);
            if (twoBlocks) Emit<TEpilogue>(output + outputBlockStride + 2 * Block, residual + outputBlockStride + 2 * Block, acc2b + biasB);
        }
        if (pixels > 3)
        {
            Emit<TEpilogue>(output + 3 * Block, residual + 3 * Block, acc3a + biasA);
            if (twoBlocks) Emit<TEpilogue>(output + outputBlockStride + 3 * Block, residual + outputBlockStride + 3 * Block, acc3b + biasB);
        }
        if (pixels > 4)
        {
            Emit<TEpilogue>(output + 4 * Block, residual + 4 * Block, acc4a + biasA);
            if (twoBlocks) Emit<TEpilogue>(output + outputBlockStride + 4 * Block, residual + outputBlockStride + 4 * Block, acc4b + biasB);
        }
        if (pixels > 5)
        {
            Emit<TEpilogue>(output + 5 * Block, residual + 5 * Block, acc5a + biasA);
            if (twoBlocks) Emit<TEpilogue>(output + outputBlockStride + 5 * Block, residual + outputBlockStride + 5 * Block, acc5b + biasB);
        }
        if (pixels > 6)
        {
            Emit<TEpilogue>(output + 6 * Block, residual + 6 * Block, acc6a + biasA);
            if (twoBlocks) Emit<TEpilogue>(output + outputBlockStride + 6 * Block, residual + outputBlockStride + 6 * Block, acc6b + biasB);
        }
        if (pixels > 7)
        {
            Emit<TEpilogue>(output + 7 * Block, residual + 7 * Block, acc7a + biasA);
            if (twoBlocks) Emit<TEpilogue>(output + outputBlockStride + 7 * Block, residual + outputBlockStride + 7 * Block, acc7b + biasB);
        }
        if (pixels > 8)
        {
            Emit<TEpilogue>(output + 8 * Block, residual + 8 * Block, acc8a + biasA);
            if (twoBlocks) Emit<TEpilogue>(output + outputBlockStride + 8 * Block, residual + outputBlockStride + 8 * Block, acc8b + biasB);
        }
        if (pixels > 9)
        {
            Emit<TEpilogue>(output + 9 * Block, residual + 9 * Block, acc9a + biasA);
            if (twoBlocks) Emit<TEpilogue>(output + outputBlockStride + 9 * Block, residual + outputBlockStride + 9 * Block, acc9b + biasB);
        }
        if (pixels > 10)
        {
            Emit<TEpilogue>(output + 10 * Block, residual + 10 * Block, acc10a + biasA);
            if (twoBlocks) Emit<TEpilogue>(output + outputBlockStride + 10 * Block, residual + outputBlockStride + 10 * Block, acc10b + biasB);
        }
        if (pixels > 11)
        {
            Emit<TEpilogue>(output + 11 * Block, residual + 11 * Block, acc11a + biasA);
            if (twoBlocks) Emit<TEpilogue>(output + outputBlockStride + 11 * Block, residual + outputBlockStride + 11 * Block, acc11b + biasB);
        }
        if (pixels > 12)
        {
            Emit<TEpilogue>(output + 12 * Block, residual + 12 * Block, acc12a + biasA);
            if (twoBlocks) Emit<TEpilogue>(output + outputBlockStride + 12 * Block, residual + outputBlockStride + 12 * Block, acc12b + biasB);
        }
        if (pixels > 13)
        {
            Emit<TEpilogue>(output + 13 * Block, residual + 13 * Block, acc13a + biasA);
            if (twoBlocks) Emit<TEpilogue>(output + outputBlockStride + 13 * Block, residual + outputBlockStride + 13 * Block, acc13b + biasB);
        }
    }

    /// <summary>
    /// One output pixel: four partial sums per output block (input lanes taken four at a time) keep
    /// eight independent FMA chains in flight instead of two.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SinglePixelTile<TGeometry, TBlocks, TEpilogue>(
        float* input, float* weights, float* bias, float* residual, float* output,
        int khBegin, int khEnd, int kwBegin, int kwEnd)
        where TGeometry : struct, IConvGeometry
        where TBlocks : struct, IConstant
        where TEpilogue : struct, IEpilogue
    {
        int inputBlocks = TGeometry.InputBlocks;
        int inputBlockStride = TGeometry.InputBlockStride;
        int tapRowStride = TGeometry.TapRowStride;
        int tapColumnStride = TGeometry.TapColumnStride;
        int kernelHeight = TGeometry.KernelHeight;
        int kernelWidth = TGeometry.KernelWidth;
        int inputLanes = TGeometry.InputLanes;
        int weightBlockStride = TGeometry.WeightBlockStride;
        int outputBlockStride = TGeometry.OutputBlockStride;
        bool twoBlocks = TBlocks.Value == 2;

        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
        for (int block = 0; block < inputBlocks; block++)
        {
            for (int kh = khBegin; kh < khEnd; kh++)
            {
                for (int kw = kwBegin; kw < kwEnd; kw++)
                {
                    float* x = input + block * inputBlockStride + kh * tapRowStride + kw * tapColumnStride;
                    float* w = weights + ((block * kernelHeight + kh) * kernelWidth + kw) * inputLanes * Block;
                    for (int lane = 0; lane < inputLanes; lane += 4, x += 4, w += 4 * Block)
                    {
                        var x0 = Vector512.Create(x[0]);
                        var x1 = Vector512.Create(x[1]);
                        var x2 = Vector512.Create(x[2]);
                        var x3 = Vector512.Create(x[3]);
                        a0 = Fma512(x0, Vector512.Load(w), a0);
                        a1 = Fma512(x1, Vector512.Load(w + Block), a1);
                        a2 = Fma512(x2, Vector512.Load(w + 2 * Block), a2);
                        a3 = Fma512(x3, Vector512.Load(w + 3 * Block), a3);
                        if (twoBlocks)
                        {
                            b0 = Fma512(x0, Vector512.Load(w + weightBlockStride), b0);
                            b1 = Fma512(x1, Vector512.Load(w + weightBlockStride + Block), b1);
                            b2 = Fma512(x2, Vector512.Load(w + weightBlockStride + 2 * Block), b2);
                            b3 = Fma512(x3, Vector512.Load(w + weightBlockStride + 3 * Block), b3);
                        }
                    }
                }
            }
        }

        Emit<TEpilogue>(output, residual, (a0 + a1) + (a2 + a3) + Vector512.Load(bias));
        if (twoBlocks)
            Emit<TEpilogue>(output + outputBlockStride, residual + outputBlockStride, (b0 + b1) + (b2 + b3) + Vector512.Load(bias + Block));
    }
}
