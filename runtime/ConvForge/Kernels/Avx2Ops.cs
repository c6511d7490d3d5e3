using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ConvForge.Kernels;

/// <summary>
/// The AVX2 + FMA family's operations: 8-channel blocks, one <see cref="Vector256{T}"/> per block, and a
/// register tile of 6 pixels x 2 output blocks (12 ymm accumulators + 2 weight vectors + 1 broadcast).
/// </summary>
internal readonly unsafe struct Avx2Ops : IFamilyOps<Vector256<float>>
{
    private const int Block = 8;

    public static KernelFamily Family => KernelFamily.Avx2;
    public static int BlockSize => Block;
    public static int Lanes => 8;
    public static int TilePixels => 6;
    public static int TileBlocks => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(float* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* p, Vector256<float> value) => Vector256.Store(value, p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Splat(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fma256(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => VectorMath.MaxPropagatingNaN(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Activate<TActivation>(Vector256<float> x) where TActivation : struct, IActivation => TActivation.Apply(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ActivationGradient<TActivation>(Vector256<float> y) where TActivation : struct, IActivation => TActivation.GradientFromOutput(y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TrackMax(ref Vector256<float> max, ref Vector256<float> index, Vector256<float> value, Vector256<float> valueIndex)
    {
        var wins = Vector256.GreaterThan(value, max) | (Vector256.Equals(max, max) & ~Vector256.Equals(value, value));
        max = Vector256.ConditionalSelect(wins, value, max);
        index = Vector256.ConditionalSelect(wins, valueIndex, index);
    }

    // Fused with FMA3. Elsewhere (no FMA, or another architecture) Vector256 computes a * b + c
    // unfused, so the family stays correct everywhere. IsSupported is a JIT-time constant.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fma256(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Emit<TEpilogue>(float* output, float* residual, Vector256<float> value) where TEpilogue : struct, IEpilogue
    {
        if (TEpilogue.AddsResidual)
            value += Vector256.Load(residual);
        Vector256.Store(TEpilogue.Activate(value), output);
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
        Vector256<float> acc0a = default, acc0b = default;
        Vector256<float> acc1a = default, acc1b = default;
        Vector256<float> acc2a = default, acc2b = default;
        Vector256<float> acc3a = default, acc3b = default;
        Vector256<float> acc4a = default, acc4b = default;
        Vector256<float> acc5a = default, acc5b = default;

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
                        var wa = Vector256.Load(w);
                        var wb = twoBlocks ? Vector256.Load(w + weightBlockStride) : default;
                        var x0 = Vector256.Create(x[at0]);
                        acc0a = Fma256(x0, wa, acc0a);
                        if (twoBlocks) acc0b = Fma256(x0, wb, acc0b);
                        if (pixels > 1)
                        {
                            var x1 = Vector256.Create(x[at1]);
                            acc1a = Fma256(x1, wa, acc1a);
                            if (twoBlocks) acc1b = Fma256(x1, wb, acc1b);
                        }
                        if (pixels > 2)
                        {
                            var x2 = Vector256.Create(x[at2]);
                            acc2a = Fma256(x2, wa, acc2a);
                            if (twoBlocks) acc2b = Fma256(x2, wb, acc2b);
                        }
                        if (pixels > 3)
                        {
                            var x3 = Vector256.Create(x[at3]);
                            acc3a = Fma256(x3, wa, acc3a);
                            if (twoBlocks) acc3b = Fma256(x3, wb, acc3b);
                        }
                        if (pixels > 4)
                        {
                            var x4 = Vector256.Create(x[at4]);
                            acc4a = Fma256(x4, wa, acc4a);
                            if (twoBlocks) acc4b = Fma256(x4, wb, acc4b);
                        }
                        if (pixels > 5)
                        {
                            var x5 = Vector256.Create(x[at5]);
                            acc5a = Fma256(x5, wa, acc5a);
                            if (twoBlocks) acc5b = Fma256(x5, wb, acc5b);
                        }
                    }
                }
            }
        }

        var biasA = Vector256.Load(bias);
        var biasB = twoBlocks ? Vector256.Load(bias + Block) : default;
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

        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
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
                        var x0 = Vector256.Create(x[0]);
                        var x1 = Vector256.Create(x[1]);
                        var x2 = Vector256.Create(x[2]);
                        var x3 = Vector256.Create(x[3]);
                        a0 = Fma256(x0, Vector256.Load(w), a0);
                        a1 = Fma256(x1, Vector256.Load(w + Block), a1);
                        a2 = Fma256(x2, Vector256.Load(w + 2 * Block), a2);
                        a3 = Fma256(x3, Vector256.Load(w + 3 * Block), a3);
                        if (twoBlocks)
                        {
                            b0 = Fma256(x0, Vector256.Load(w + weightBlockStride), b0);
                            b1 = Fma256(x1, Vector256.Load(w + weightBlockStride + Block), b1);
                            b2 = Fma256(x2, Vector256.Load(w + weightBlockStride + 2 * Block), b2);
                            b3 = Fma256(x3, Vector256.Load(w + weightBlockStride + 3 * Block), b3);
                        }
                    }
                }
            }
        }

        Emit<TEpilogue>(output, residual, (a0 + a1) + (a2 + a3) + Vector256.Load(bias));
        if (twoBlocks)
            Emit<TEpilogue>(output + outputBlockStride, residual + outputBlockStride, (b0 + b1) + (b2 + b3) + Vector256.Load(bias + Block));
    }
}
