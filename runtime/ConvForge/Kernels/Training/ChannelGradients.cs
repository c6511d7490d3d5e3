using System;
using System.Buffers;
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
    /// Each element's draw is a counter-based hash (SplitMix64's finalizer) of (seed, stream) and its NCHW index
    /// c * H * W + pixel, so the mask depends on neither the thread schedule nor the kernel family's block size.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DropoutMask<TShape>(int b, float* mask, float rate, ulong seed, ulong stream) where TShape : struct, ITensorShape
    {
        int plane = TShape.Height * TShape.Width;
        int channels = TShape.Channels;
        ulong key = Mix(seed ^ Mix(stream + Golden));
        // Dropped when the draw's top 32 bits fall below rate * 2^32.
        ulong threshold = (ulong)Math.Round(rate * 4294967296.0);
        float keep = 1f / (1f - rate);
        for (int c = 0; c < Nchwc.PaddedChannels(channels, b); c++)
        {
            float* to = mask + (c / b) * plane * b + c % b;
            if (c >= channels)
            {
                for (int p = 0; p < plane; p++)
                    to[p * b] = 0f;
                continue;
            }
            ulong index = (ulong)c * (ulong)plane;
            for (int p = 0; p < plane; p++)
                to[p * b] = Mix(key + (index + (ulong)p + 1) * Golden) >> 32 < threshold ? 0f : keep;
        }
    }

    private const ulong Golden = 0x9E3779B97F4A7C15;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
