using System;
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace ConvForge.Kernels;

/// <summary>
/// Backward of the layers that mix a pixel's channels (LRN, softmax) and dropout's mask: scalar loops that serve
/// every family, as <see cref="ChannelNormalization"/> does for their forwards; the block size is the only
/// family-specific input.
/// </summary>
internal static unsafe class ChannelGradients
{
    /// <summary>
    /// LRN backward. With S_c = k + alpha / size * sum over the window of c of x^2, and y_c = x_c * S_c^-beta:
    /// d loss / d x_j = g_j * S_j^-beta - 2 * beta * alpha / size * x_j * sum over the channels c whose window
    /// holds j (c in [j - above, j + below]) of g_c * y_c / S_c.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LrnBackward<TShape>(int b, float* input, float* output, float* outputGradient, float* inputGradient, int size, float alpha, float beta, float k)
        where TShape : struct, ITensorShape
    {
        int plane = TShape.Height * TShape.Width;
        int channels = TShape.Channels;
        int below = (size - 1) / 2, above = size / 2;
        float alphaOverSize = alpha / size;
        float crossFactor = -2f * beta * alphaOverSize;
        // Two per-channel scratch rows for one pixel: on the stack unless the layer is unusually wide.
        const int StackChannels = 2048;
        float[]? rented = channels > StackChannels ? ArrayPool<float>.Shared.Rent(2 * channels) : null;
        Span<float> scratch = rented is not null ? rented : stackalloc float[2 * channels];
        fixed (float* rows = scratch)
        {
            float* power = rows; // S_c^-beta
            float* ratio = rows + channels; // g_c * y_c / S_c
            for (int p = 0; p < plane; p++)
            {
                for (int c = 0; c < channels; c++)
                {
                    float sum = 0f;
                    for (int j = Math.Max(0, c - below); j <= Math.Min(channels - 1, c + above); j++)
                    {
                        float v = input[((j / b) * plane + p) * b + j % b];
                        sum += v * v;
                    }
                    float s = k + alphaOverSize * sum;
                    int at = ((c / b) * plane + p) * b + c % b;
                    power[c] = MathF.Pow(s, -beta);
                    ratio[c] = outputGradient[at] * output[at] / s;
                }
                for (int j = 0; j < channels; j++)
                {
                    float cross = 0f;
                    for (int c = Math.Max(0, j - above); c <= Math.Min(channels - 1, j + below); c++)
                        cross += ratio[c];
                    int at = ((j / b) * plane + p) * b + j % b;
                    inputGradient[at] += outputGradient[at] * power[j] + crossFactor * input[at] * cross;
                }
            }
        }
        if (rented is not null)
            ArrayPool<float>.Shared.Return(rented);
    }

    /// <summary>Softmax backward over the channels of a plain NCHW activation, at each pixel: inputGradient += y * (g - sum(g * y)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SoftmaxBackward<TShape>(float* output, float* outputGradient, float* inputGradient) where TShape : struct, ITensorShape
    {
        int plane = TShape.Height * TShape.Width;
        int channels = TShape.Channels;
        for (int p = 0; p < plane; p++)
        {
            float dot = 0f;
            for (int c = 0; c < channels; c++)
                dot += outputGradient[c * plane + p] * output[c * plane + p];
            for (int c = 0; c < channels; c++)
                inputGradient[c * plane + p] += output[c * plane + p] * (outputGradient[c * plane + p] - dot);
        }
    }

    /// <summary>
    /// Inverted dropout's mask on NCHWc: 0 with probability <paramref name="rate"/>, else 1 / (1 - rate); padding lanes 0.
    /// Each element's draw is a counter-based hash of its NCHW index c * H * W + pixel keyed by (seed, stream), so the
    /// mask depends on neither the thread schedule nor the kernel family's block size. The hash is two rounds of a
    /// 32-bit integer mixer (Wellons' lowbias32), keyed by the two halves of SplitMix64(seed, stream): cheap in
    /// <see cref="Vector{T}"/> lanes, which run along a channel's pixels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DropoutMask<TShape>(int b, float* mask, float rate, ulong seed, ulong stream) where TShape : struct, ITensorShape
    {
        int plane = TShape.Height * TShape.Width;
        int channels = TShape.Channels;
        ulong key = SplitMix(seed ^ SplitMix(stream));
        uint key1 = (uint)key, key2 = (uint)(key >> 32);
        // Dropped when the draw falls below rate * 2^32.
        uint threshold = (uint)Math.Min(uint.MaxValue, Math.Round(rate * 4294967296.0));
        float keep = 1f / (1f - rate);
        int width = Vector<uint>.Count;
        float* drawn = stackalloc float[width];
        uint* counting = stackalloc uint[width];
        for (int j = 0; j < width; j++)
            counting[j] = (uint)j;
        var lanes = Vector.Load(counting); // 0, 1, 2, ...
        var thresholds = new Vector<uint>(threshold);
        var keeps = new Vector<float>(keep);
        for (int c = 0; c < Nchwc.PaddedChannels(channels, b); c++)
        {
            float* to = mask + (c / b) * plane * b + c % b;
            if (c >= channels)
            {
                for (int p = 0; p < plane; p++)
                    to[p * b] = 0f;
                continue;
            }
            uint first = (uint)(c * plane);
            int pixel = 0;
            for (; pixel + width <= plane; pixel += width)
            {
                var draws = Draw(new Vector<uint>(first + (uint)pixel) + lanes, key1, key2);
                Vector.Store(Vector.ConditionalSelect(Vector.AsVectorInt32(Vector.LessThan(draws, thresholds)), Vector<float>.Zero, keeps), drawn);
                for (int j = 0; j < width; j++)
                    to[(pixel + j) * b] = drawn[j];
            }
            for (; pixel < plane; pixel++)
                to[pixel * b] = Draw(first + (uint)pixel, key1, key2) < threshold ? 0f : keep;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SplitMix(ulong z)
    {
        z += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Draw(uint index, uint key1, uint key2) => LowBias(LowBias(index ^ key1) + key2);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint LowBias(uint x)
    {
        x ^= x >> 16;
        x *= 0x21F0AAAD;
        x ^= x >> 15;
        x *= 0xD35A2D97;
        return x ^ (x >> 15);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<uint> Draw(Vector<uint> index, uint key1, uint key2) => LowBias(LowBias(index ^ new Vector<uint>(key1)) + new Vector<uint>(key2));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<uint> LowBias(Vector<uint> x)
    {
        x ^= Vector.ShiftRightLogical(x, 16);
        x *= new Vector<uint>(0x21F0AAAD);
        x ^= Vector.ShiftRightLogical(x, 15);
        x *= new Vector<uint>(0xD35A2D97);
        return x ^ Vector.ShiftRightLogical(x, 15);
    }
}
