using System;
using System.Runtime.CompilerServices;

namespace ConvForge.Kernels;

/// <summary>
/// Layout conversions and channel copies. Memory-bound and run once or twice per network, so
/// plain scalar loops serve every family; the block size is the only family-specific input. Each
/// kernel copies the work units [start, end), so workers can share a call; units are chosen so that
/// each worker writes a contiguous run of the destination where the layout allows.
/// </summary>
internal static unsafe class Layout
{
    /// <summary>NCHW to NCHWc, for the units [start, end) of (channel block, row) pairs, unit cb * H + row; padding lanes become zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToNchwc<TShape>(int b, float* source, float* destination, int start, int end) where TShape : struct, ITensorShape
    {
        int height = TShape.Height, width = TShape.Width;
        int plane = height * width;
        for (int unit = start; unit < end; unit++)
        {
            int cb = unit / height, row = unit % height;
            float* to = destination + (cb * plane + row * width) * b;
            for (int lane = 0; lane < b; lane++)
            {
                int c = cb * b + lane;
                if (c >= TShape.Channels)
                {
                    for (int x = 0; x < width; x++)
                        to[x * b + lane] = 0f;
                    continue;
                }
                float* from = source + c * plane + row * width;
                for (int x = 0; x < width; x++)
                    to[x * b + lane] = from[x];
            }
        }
    }

    /// <summary>NCHWc to NCHW, for the units [start, end) of (channel, row) pairs, unit c * H + row; padding lanes are dropped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToNchw<TShape>(int b, float* source, float* destination, int start, int end) where TShape : struct, ITensorShape
    {
        int height = TShape.Height, width = TShape.Width;
        int plane = height * width;
        for (int unit = start; unit < end; unit++)
        {
            int c = unit / height, row = unit % height;
            float* from = source + ((c / b) * plane + row * width) * b + c % b;
            float* to = destination + unit * width;
            for (int x = 0; x < width; x++)
                to[x] = from[x * b];
        }
    }

    /// <summary>
    /// Copies the rows [start, end) of an NCHWc activation into channels [offset, offset + C) of a larger NCHWc buffer
    /// with <paramref name="destinationChannels"/> channels (concat when the offset is not block-aligned, or when the
    /// producer cannot write in place). Whole source blocks that land on whole destination blocks are block copies.
    /// When this part ends the destination, its padding lanes are zeroed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CopyChannels<TShape>(int b, float* source, float* destination, int destinationChannels, int offset, int start, int end)
        where TShape : struct, ITensorShape
    {
        int plane = TShape.Height * TShape.Width;
        int channels = TShape.Channels;
        int first = start * TShape.Width, last = end * TShape.Width;
        int c = 0;
        if (offset % b == 0)
        {
            int wholeBlocks = channels / b;
            long bytes = (long)(last - first) * b * sizeof(float);
            for (int cb = 0; cb < wholeBlocks; cb++)
                Buffer.MemoryCopy(source + ((long)cb * plane + first) * b, destination + ((long)(offset / b + cb) * plane + first) * b, bytes, bytes);
            c = wholeBlocks * b;
        }
        for (; c < channels; c++)
        {
            int d = offset + c;
            float* from = source + (c / b) * plane * b + c % b;
            float* to = destination + (d / b) * plane * b + d % b;
            for (int p = first; p < last; p++)
                to[p * b] = from[p * b];
        }
        if (offset + channels == destinationChannels)
        {
            for (int d = destinationChannels; d < Nchwc.PaddedChannels(destinationChannels, b); d++)
            {
                float* to = destination + (d / b) * plane * b + d % b;
                for (int p = first; p < last; p++)
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
