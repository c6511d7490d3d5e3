using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
        // The usual exponents get exact vector forms (one chosen per call, outside the loops); others go through MathF.Pow.
        if (beta == 0.75f)
            Normalize<TShape, ThreeQuarters>(input, output, size, alpha, k, beta, pixelBegin, pixelEnd);
        else if (beta == 0.5f)
            Normalize<TShape, Half>(input, output, size, alpha, k, beta, pixelBegin, pixelEnd);
        else if (beta == 1f)
            Normalize<TShape, One>(input, output, size, alpha, k, beta, pixelBegin, pixelEnd);
        else
            Normalize<TShape, AnyPower>(input, output, size, alpha, k, beta, pixelBegin, pixelEnd);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Normalize<TShape, TPower>(float* input, float* output, int size, float alpha, float k, float beta, int pixelBegin, int pixelEnd)
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
                    NormalizeChunk<TShape, TPower>(input, output, scratch, row, size, alpha / size, k, beta, p, Math.Min(chunk, pixelEnd - p));
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
    private static void NormalizeChunk<TShape, TPower>(float* input, float* output, float* scratch, int row, int size, float alphaOverSize, float k, float beta, int first, int count)
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

    // 1 / sqrt(d) and its square root: two correctly rounded square roots and one division, about 2 ulp in all, and
    // d = +Inf gives 0 as the reference's x / Inf does (a reciprocal-square-root estimate refined by Newton's step
    // would give NaN there).
    private readonly struct ThreeQuarters : IPower
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector NegativePower(TVector d, float beta)
        {
            var r = Divide(TOps.Splat(1f), Sqrt(d));
            return TOps.Multiply(r, Sqrt(r));
        }
    }

    private readonly struct Half : IPower
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector NegativePower(TVector d, float beta) => Divide(TOps.Splat(1f), Sqrt(d));
    }

    private readonly struct One : IPower
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector NegativePower(TVector d, float beta) => Divide(TOps.Splat(1f), d);
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

    // Square root and division per family. IFamilyOps has neither (only LRN needs them), so they dispatch here on the
    // vector type: the type tests are JIT-time constants and the bit casts are free, so each compiles to one instruction.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Sqrt(TVector x)
    {
        if (typeof(TVector) == typeof(Vector512<float>))
            return Unsafe.BitCast<Vector512<float>, TVector>(Vector512.Sqrt(Unsafe.BitCast<TVector, Vector512<float>>(x)));
        if (typeof(TVector) == typeof(Vector256<float>))
            return Unsafe.BitCast<Vector256<float>, TVector>(Vector256.Sqrt(Unsafe.BitCast<TVector, Vector256<float>>(x)));
        return Unsafe.BitCast<float, TVector>(MathF.Sqrt(Unsafe.BitCast<TVector, float>(x)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Divide(TVector a, TVector b)
    {
        if (typeof(TVector) == typeof(Vector512<float>))
            return Unsafe.BitCast<Vector512<float>, TVector>(Unsafe.BitCast<TVector, Vector512<float>>(a) / Unsafe.BitCast<TVector, Vector512<float>>(b));
        if (typeof(TVector) == typeof(Vector256<float>))
            return Unsafe.BitCast<Vector256<float>, TVector>(Unsafe.BitCast<TVector, Vector256<float>>(a) / Unsafe.BitCast<TVector, Vector256<float>>(b));
        return Unsafe.BitCast<float, TVector>(Unsafe.BitCast<TVector, float>(a) / Unsafe.BitCast<TVector, float>(b));
    }
}
