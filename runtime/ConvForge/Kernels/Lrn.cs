using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ConvForge.Kernels;

/// <summary>
/// Local response normalization across channels on NCHWc, ONNX semantics:
/// y = x / (k + alpha / size * sum x^2)^beta, the sum over channels [c - (size - 1) / 2, c + size / 2] clipped to [0, C).
/// Padding lanes of the output become 0.
/// </summary>
/// <remarks>
/// The window runs across channels, which NCHWc spreads over the lanes of one block and over neighbouring blocks
/// (a plane apart). So a chunk of pixels is done in two passes: the first writes each pixel's squares as one
/// contiguous row of channels into a scratch buffer, with zeros before channel 0 and from channel C on; the second
/// sums each window as <c>size</c> unaligned loads from that row (a window is a shifted run of the row) and scales
/// the input by the power of the denominator, a vector of channels at a time. Every output is the same sum of the
/// same terms in the same order whoever computes it, so any split of the pixels gives bit-identical results, and
/// nothing cancels (no running sum that adds and subtracts).
/// </remarks>
internal static unsafe class Lrn<TVector, TOps>
    where TVector : struct
    where TOps : struct, IFamilyOps<TVector>
{
    // Scratch rows for a chunk of pixels, on the stack: 16 KB stays in L1 beside the chunk's input and output.
    private const int ScratchFloats = 4096;

    /// <summary>Normalizes pixels [<paramref name="pixelBegin"/>, <paramref name="pixelEnd"/>) of the plane, every channel.</summary>
    public static void Normalize<TShape>(float* input, float* output, int size, float alpha, float beta, float k, int pixelBegin, int pixelEnd)
        where TShape : struct, ITensorShape
    {
        // The usual exponents get vector forms (chosen once per call, outside the loops); others go through MathF.Pow.
        if (beta == 0.75f)
            Normalize<TShape, ThreeQuarters>(input, output, size, alpha, beta, k, pixelBegin, pixelEnd);
        else if (beta == 0.5f)
            Normalize<TShape, Half>(input, output, size, alpha, beta, k, pixelBegin, pixelEnd);
        else if (beta == 1f)
            Normalize<TShape, One>(input, output, size, alpha, beta, k, pixelBegin, pixelEnd);
        else
            Normalize<TShape, AnyPower>(input, output, size, alpha, beta, k, pixelBegin, pixelEnd);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Normalize<TShape, TPower>(float* input, float* output, int size, float alpha, float beta, float k, int pixelBegin, int pixelEnd)
        where TShape : struct, ITensorShape
        where TPower : struct, IPower
    {
        int b = TOps.BlockSize;
        int below = (size - 1) / 2;
        // A row: `below` zeros, the channels (padding channels zeroed), zeros up to the last window's end.
        int row = below + Nchwc.PaddedChannels(TShape.Channels, b) + size - 1 - below;
        int chunk = Math.Max(1, Math.Min(ScratchFloats / row, pixelEnd - pixelBegin));
        float[]? rented = chunk * row > ScratchFloats ? ArrayPool<float>.Shared.Rent(row) : null; // beyond 4000-odd channels
        try
        {
            float* stack = stackalloc float[rented is null ? ScratchFloats : 0];
            fixed (float* heap = rented)
            {
                float* scratch = rented is null ? stack : heap;
                new Span<float>(scratch, chunk * row).Clear(); // the margins; the channels are overwritten per chunk
                for (int p = pixelBegin; p < pixelEnd; p += chunk)
                    NormalizeChunk<TShape, TPower>(input, output, scratch, row, size, alpha / size, beta, k, p, Math.Min(chunk, pixelEnd - p));
            }
        }
        finally
        {
            if (rented is not null)
                ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>Pixels [<paramref name="first"/>, first + <paramref name="count"/>), with one scratch row per pixel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NormalizeChunk<TShape, TPower>(float* input, float* output, float* scratch, int row, int size, float alphaOverSize, float beta, float k, int first, int count)
        where TShape : struct, ITensorShape
        where TPower : struct, IPower
    {
        int b = TOps.BlockSize;
        int lanes = TOps.Lanes;
        int channels = TShape.Channels;
        int blocks = Nchwc.Blocks(channels, b);
        int blockStride = TShape.Height * TShape.Width * b;
        int below = (size - 1) / 2;
        int used = channels - (blocks - 1) * b; // real lanes of the last block (a shape constant)

        // Squares, one row of channels per pixel. The whole chunk is written before any of it is read back, so the
        // unaligned loads below do not wait on stores still in flight.
        for (int cb = 0; cb < blocks; cb++)
        {
            float* x = input + cb * blockStride + first * b;
            float* s = scratch + below + cb * b;
            for (int p = 0; p < count; p++, x += b, s += row)
            {
                for (int part = 0; part < b; part += lanes)
                {
                    var v = TOps.Load(x + part);
                    TOps.Store(s + part, TOps.Multiply(v, v));
                }
            }
        }
        if (used < b)
        {
            float* s = scratch + below + channels;
            for (int p = 0; p < count; p++, s += row)
                for (int lane = 0; lane < b - used; lane++)
                    s[lane] = 0f;
        }

        var scale = TOps.Splat(alphaOverSize);
        var bias = TOps.Splat(k);
        for (int cb = 0; cb < blocks; cb++)
        {
            float* x = input + cb * blockStride + first * b;
            float* y = output + cb * blockStride + first * b;
            float* s = scratch + cb * b; // channel c's window starts at row position c: the row begins `below` early
            for (int p = 0; p < count; p++, x += b, y += b, s += row)
            {
                for (int part = 0; part < b; part += lanes)
                {
                    float* window = s + part;
                    var sum = TOps.Load(window);
                    for (int j = 1; j < size; j++)
                        sum = TOps.Add(sum, TOps.Load(window + j));
                    var denominator = TOps.MultiplyAdd(sum, scale, bias);
                    TOps.Store(y + part, TOps.Multiply(TOps.Load(x + part), TPower.NegativePower(denominator, beta)));
                }
            }
        }
        if (used < b)
        {
            float* y = output + (blocks - 1) * blockStride + first * b + used;
            for (int p = 0; p < count; p++, y += b)
                for (int lane = 0; lane < b - used; lane++)
                    y[lane] = 0f;
        }
    }

    /// <summary>d^-beta for one exponent.</summary>
    private interface IPower
    {
        static abstract TVector NegativePower(TVector d, float beta);
    }

    private readonly struct ThreeQuarters : IPower
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector NegativePower(TVector d, float beta)
        {
            if (typeof(TVector) == typeof(Vector512<float>))
                return Unsafe.BitCast<Vector512<float>, TVector>(LrnPowers.MinusThreeQuarters(Unsafe.BitCast<TVector, Vector512<float>>(d)));
            if (typeof(TVector) == typeof(Vector256<float>))
                return Unsafe.BitCast<Vector256<float>, TVector>(LrnPowers.MinusThreeQuarters(Unsafe.BitCast<TVector, Vector256<float>>(d)));
            return Unsafe.BitCast<float, TVector>(LrnPowers.MinusThreeQuarters(Unsafe.BitCast<TVector, float>(d)));
        }
    }

    private readonly struct Half : IPower
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector NegativePower(TVector d, float beta)
        {
            if (typeof(TVector) == typeof(Vector512<float>))
                return Unsafe.BitCast<Vector512<float>, TVector>(LrnPowers.MinusHalf(Unsafe.BitCast<TVector, Vector512<float>>(d)));
            if (typeof(TVector) == typeof(Vector256<float>))
                return Unsafe.BitCast<Vector256<float>, TVector>(LrnPowers.MinusHalf(Unsafe.BitCast<TVector, Vector256<float>>(d)));
            return Unsafe.BitCast<float, TVector>(LrnPowers.MinusHalf(Unsafe.BitCast<TVector, float>(d)));
        }
    }

    private readonly struct One : IPower
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector NegativePower(TVector d, float beta)
        {
            if (typeof(TVector) == typeof(Vector512<float>))
                return Unsafe.BitCast<Vector512<float>, TVector>(Vector512<float>.One / Unsafe.BitCast<TVector, Vector512<float>>(d));
            if (typeof(TVector) == typeof(Vector256<float>))
                return Unsafe.BitCast<Vector256<float>, TVector>(Vector256<float>.One / Unsafe.BitCast<TVector, Vector256<float>>(d));
            return Unsafe.BitCast<float, TVector>(1f / Unsafe.BitCast<TVector, float>(d));
        }
    }

    // Rare exponents: a call per lane, so the vector registers do not survive it; correct, not fast.
    private readonly struct AnyPower : IPower
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector NegativePower(TVector d, float beta)
        {
            float* lanes = (float*)Unsafe.AsPointer(ref d); // a by-value parameter: a local on the stack
            for (int i = 0; i < TOps.Lanes; i++)
                lanes[i] = MathF.Pow(lanes[i], -beta);
            return d;
        }
    }
}

/// <summary>
/// The powers LRN raises its denominator d (at least k &gt; 0, or +Inf, or NaN) to, per vector type. IFamilyOps has no
/// square roots (only LRN needs them), so the generic kernel reaches these through type tests that the JIT folds.
/// </summary>
/// <remarks>
/// Where the hardware has a reciprocal-square-root estimate (14 bits on AVX-512, 12 on AVX2), one Newton step refines
/// it to about float precision: d^-1/2 and then its square root r * (r^-1/2) in about ten instructions, against two
/// square roots and a division (four times slower, measured). Newton's step makes NaN of d = +Inf (Inf * 0), where the
/// exact value is 0: a select restores it. Without the instructions (the families in software, in tests), and in the
/// scalar family, the exact forms: 1 / sqrt(d) and its square root.
/// </remarks>
internal static class LrnPowers
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MinusThreeQuarters(Vector512<float> d)
    {
        if (!Avx512F.IsSupported)
        {
            var exact = Vector512<float>.One / Vector512.Sqrt(d);
            return exact * Vector512.Sqrt(exact);
        }
        var r = Refine(Avx512F.ReciprocalSqrt14(d), d);
        var y = r * (r * Refine(Avx512F.ReciprocalSqrt14(r), r));
        return Vector512.ConditionalSelect(Vector512.Equals(d, Vector512.Create(float.PositiveInfinity)), Vector512<float>.Zero, y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MinusHalf(Vector512<float> d)
    {
        if (!Avx512F.IsSupported)
            return Vector512<float>.One / Vector512.Sqrt(d);
        var r = Refine(Avx512F.ReciprocalSqrt14(d), d);
        return Vector512.ConditionalSelect(Vector512.Equals(d, Vector512.Create(float.PositiveInfinity)), Vector512<float>.Zero, r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MinusThreeQuarters(Vector256<float> d)
    {
        if (!Avx.IsSupported || !Fma.IsSupported)
        {
            var exact = Vector256<float>.One / Vector256.Sqrt(d);
            return exact * Vector256.Sqrt(exact);
        }
        var r = Refine(Avx.ReciprocalSqrt(d), d);
        var y = r * (r * Refine(Avx.ReciprocalSqrt(r), r));
        return Vector256.ConditionalSelect(Vector256.Equals(d, Vector256.Create(float.PositiveInfinity)), Vector256<float>.Zero, y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MinusHalf(Vector256<float> d)
    {
        if (!Avx.IsSupported || !Fma.IsSupported)
            return Vector256<float>.One / Vector256.Sqrt(d);
        var r = Refine(Avx.ReciprocalSqrt(d), d);
        return Vector256.ConditionalSelect(Vector256.Equals(d, Vector256.Create(float.PositiveInfinity)), Vector256<float>.Zero, r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MinusThreeQuarters(float d)
    {
        float r = 1f / MathF.Sqrt(d);
        return r * MathF.Sqrt(r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MinusHalf(float d) => 1f / MathF.Sqrt(d);

    // One Newton step for 1/sqrt(d) from the estimate r: r * (1.5 - (d / 2) * r * r); the relative error e becomes about 1.5 e^2.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Refine(Vector512<float> r, Vector512<float> d) =>
        r * Avx512F.FusedMultiplyAddNegated(d * Vector512.Create(0.5f) * r, r, Vector512.Create(1.5f));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Refine(Vector256<float> r, Vector256<float> d) =>
        r * Fma.MultiplyAddNegated(d * Vector256.Create(0.5f) * r, r, Vector256.Create(1.5f));
}
