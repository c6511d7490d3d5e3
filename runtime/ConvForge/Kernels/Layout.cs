using System;
using System.Runtime.CompilerServices;

namespace ConvForge.Kernels;

/// <summary>
/// Layout conversions and channel copies. Memory-bound and run once or twice per network, so
/// plain scalar loops serve every family; the block size is the only family-specific input.
/// </summary>
internal static unsafe class Layout
{
    /// <summary>NCHW to NCHWc; padding lanes become zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToNchwc<TShape>(int b, float* source, float* destination) where TShape : struct, ITensorShape
    {
        int plane = TShape.Height * TShape.Width;
        int padded = Nchwc.PaddedChannels(TShape.Channels, b);
        for (int c = 0; c < padded; c++)
        {
            float* to = destination + (c / b) * plane * b + c % b;
            if (c >= TShape.Channels)
            {
                for (int p = 0; p < plane; p++)
                    to[p * b] = 0f;
                continue;
            }
            float* from = source + c * plane;
            for (int p = 0; p < plane; p++)
                to[p * b] = from[p];
        }
    }

    /// <summary>NCHWc to NCHW; padding lanes are dropped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToNchw<TShape>(int b, float* source, float* destination) where TShape : struct, ITensorShape
    {
        int plane = TShape.Height * TShape.Width;
        for (int c = 0; c < TShape.Channels; c++)
        {
            float* from = source + (c / b) * plane * b + c % b;
            float* to = destination + c * plane;
            for (int p = 0; p < plane; p++)
                to[p] = from[p * b];
        }
    }

    /// <summary>
    /// Copies an NCHWc activation into channels [offset, offset + C) of a larger NCHWc buffer with
    /// <paramref name="destinationChannels"/> channels (concat when the offset is not block-aligned,
    /// or when the producer cannot write in place). Whole source blocks that land on whole
    /// destination blocks are block copies. When this part ends the destination, its padding lanes
    /// are zeroed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CopyChannels<TShape>(int b, float* source, float* destination, int destinationChannels, int offset)
        where TShape : struct, ITensorShape
    {
        int plane = TShape.Height * TShape.Width;
        int channels = TShape.Channels;
        int c = 0;
        if (offset % b == 0)
        {
            int wholeBlocks = channels / b;
            Buffer.MemoryCopy(source, destination + (offset / b) * plane * b, (long)wholeBlocks * plane * b * sizeof(float), (long)wholeBlocks * plane * b * sizeof(float));
            c = wholeBlocks * b;
        }
        for (; c < channels; c++)
        {
            int d = offset + c;
            float* from = source + (c / b) * plane * b + c % b;
            float* to = destination + (d / b) * plane * b + d % b;
            for (int p = 0; p < plane; p++)
                to[p * b] = from[p * b];
        }
        if (offset + channels == destinationChannels)
        {
            for (int d = destinationChannels; d < Nchwc.PaddedChannels(destinationChannels, b); d++)
            {
                float* to = destination + (d / b) * plane * b + d % b;
                for (int p = 0; p < plane; p++)
                    to[p * b] = 0f;
            }
        }
    }
}

/// <summary>Kernels on channel vectors that are not worth vectorizing per family: softmax.</summary>
internal static unsafe class ChannelNormalization
{
    /// <summary>Softmax over the channels of a plain NCHW activation, at each pixel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Softmax<TShape>(float* input, float* output) where TShape : struct, ITensorShape
    {
        int plane = TShape.Height * TShape.Width;
        int channels = TShape.Channels;
        for (int p = 0; p < plane; p++)
        {
            float max = float.NegativeInfinity;
            for (int c = 0; c < channels; c++)
                max = Math.Max(max, input[c * plane + p]);
            float sum = 0f;
            for (int c = 0; c < channels; c++)
            {
                float e = MathF.Exp(input[c * plane + p] - max);
                output[c * plane + p] = e;
                sum += e;
            }
            float inverse = 1f / sum;
            for (int c = 0; c < channels; c++)
                output[c * plane + p] *= inverse;
        }
    }
}
