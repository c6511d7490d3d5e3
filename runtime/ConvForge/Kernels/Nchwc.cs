using System;
using System.Runtime.CompilerServices;

namespace ConvForge.Kernels;

/// <summary>
/// The blocked activation layout NCHWc: [ceil(C / B)][H][W][B]. Channel c of pixel (y, x) is at
/// <c>((c / B) * H + y) * W + x) * B + c % B</c>. Lanes past C in the last block ("padding lanes")
/// hold finite values that no kernel lets leak into real channels.
/// </summary>
public static class Nchwc
{
    /// <summary>Blocks of <paramref name="blockSize"/> channels needed for <paramref name="channels"/> channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Blocks(int channels, int blockSize) => (channels + blockSize - 1) / blockSize;

    /// <summary>Channels rounded up to whole blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PaddedChannels(int channels, int blockSize) => Blocks(channels, blockSize) * blockSize;

    /// <summary>Floats of an NCHWc activation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Length(int channels, int height, int width, int blockSize) =>
        Blocks(channels, blockSize) * height * width * blockSize;

    /// <summary>
    /// The channel blocks [blockOffset, blockOffset + blockCount) of an NCHWc buffer: blocks are the
    /// outermost dimension, so a block-aligned channel range is contiguous. A producer that writes
    /// into this slice writes its part of a concatenation in place (zero-copy concat).
    /// </summary>
    public static Span<float> ChannelBlocks(Span<float> buffer, int blockOffset, int blockCount, int height, int width, int blockSize)
    {
        int blockLength = height * width * blockSize;
        if (blockOffset < 0 || blockCount < 0 || (long)(blockOffset + blockCount) * blockLength > buffer.Length)
            throw new ArgumentOutOfRangeException(nameof(blockOffset), $"Blocks [{blockOffset}, {blockOffset + blockCount}) of {height}x{width}x{blockSize} do not fit in a buffer of {buffer.Length} floats.");
        return buffer.Slice(blockOffset * blockLength, blockCount * blockLength);
    }

    /// <summary>Read-only form of <see cref="ChannelBlocks(Span{float}, int, int, int, int, int)"/>.</summary>
    public static ReadOnlySpan<float> ChannelBlocks(ReadOnlySpan<float> buffer, int blockOffset, int blockCount, int height, int width, int blockSize)
    {
        int blockLength = height * width * blockSize;
        if (blockOffset < 0 || blockCount < 0 || (long)(blockOffset + blockCount) * blockLength > buffer.Length)
            throw new ArgumentOutOfRangeException(nameof(blockOffset), $"Blocks [{blockOffset}, {blockOffset + blockCount}) of {height}x{width}x{blockSize} do not fit in a buffer of {buffer.Length} floats.");
        return buffer.Slice(blockOffset * blockLength, blockCount * blockLength);
    }
}
