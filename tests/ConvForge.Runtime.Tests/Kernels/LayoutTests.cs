using System;
using ConvForge.Kernels;
using static ConvForge.Runtime.Tests.Kernels.KernelTesting;

namespace ConvForge.Runtime.Tests.Kernels;

public class LayoutTests
{
    public static TheoryData<KernelFamily> Families => KernelTesting.Families;

    [Theory, MemberData(nameof(Families))]
    public void To_and_from_blocked_layout(KernelFamily family) => KernelTesting.Run(family, new ConversionCheck());

    [Theory, MemberData(nameof(Families))]
    public void Concat_by_copy_at_unaligned_and_aligned_offsets(KernelFamily family) => KernelTesting.Run(family, new CopyChannelsCheck());

    [Fact]
    public void Channel_blocks_of_a_buffer_are_a_contiguous_slice()
    {
        var buffer = new float[Nchwc.Length(40, 3, 2, 8)];
        var slice = Nchwc.ChannelBlocks(buffer.AsSpan(), 2, 3, 3, 2, 8);
        Assert.Equal(3 * 3 * 2 * 8, slice.Length);
        slice[0] = 1f;
        Assert.Equal(1f, buffer[2 * 3 * 2 * 8]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Nchwc.ChannelBlocks(buffer.AsSpan(), 3, 3, 3, 2, 8));
    }

    [Fact]
    public void Block_sizes_match_the_families()
    {
        Assert.Equal(16, BlockSize<Avx512Kernels>());
        Assert.Equal(8, BlockSize<Avx2Kernels>());
        Assert.Equal(8, BlockSize<PortableKernels>());
        Assert.Equal(KernelFamilies.BlockSize(KernelFamilies.Best), KernelFamilies.Best switch
        {
            KernelFamily.Avx512 => BlockSize<Avx512Kernels>(),
            KernelFamily.Avx2 => BlockSize<Avx2Kernels>(),
            _ => BlockSize<PortableKernels>(),
        });
    }

    private static int BlockSize<TKernels>() where TKernels : struct, IKernelFamily => TKernels.BlockSize;
}

internal sealed class ConversionCheck : IFamilyCheck
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = Image13x5x7.Channels, h = Image13x5x7.Height, w = Image13x5x7.Width, b = TKernels.BlockSize;
        var x = RandomArray(c * h * w, 61);
        var blocked = new float[TKernels.ActivationLength(c, h, w)];
        Array.Fill(blocked, float.NaN);
        TKernels.ToNchwc<Image13x5x7>(x, blocked);
        Assert.Equal(ToBlocked(x, c, h, w, b, padding: 0f), blocked);

        var back = new float[c * h * w];
        TKernels.ToNchw<Image13x5x7>(blocked, back);
        Assert.Equal(x, back);
    }
}

internal sealed class CopyChannelsCheck : IFamilyCheck
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        // 48 channels = 5 (offset 0) + 17 (offset 5, unaligned) + 26 (offset 22) — then the same
        // buffer refilled as 16 (aligned) + 32 (aligned, written by one block copy).
        int h = 5, w = 5, b = TKernels.BlockSize;
        var a = RandomArray(5 * h * w, 62);
        var mid = RandomArray(17 * h * w, 63);
        var tail = RandomArray(26 * h * w, 64);
        var destination = new float[TKernels.ActivationLength(48, h, w)];
        Array.Fill(destination, float.NaN);
        TKernels.CopyChannels<Image5x5<C5>>(ToBlocked(a, 5, h, w, b, 1f), destination, 48, 0);
        TKernels.CopyChannels<Image5x5<C17>>(ToBlocked(mid, 17, h, w, b, 1f), destination, 48, 5);
        TKernels.CopyChannels<Image5x5<C26>>(ToBlocked(tail, 26, h, w, b, 1f), destination, 48, 22);
        Assert.Equal([.. a, .. mid, .. tail], FromBlocked(destination, 48, h, w, b));

        var first = RandomArray(16 * h * w, 65);
        var second = RandomArray(32 * h * w, 66);
        TKernels.CopyChannels<Image5x5<C16>>(ToBlocked(first, 16, h, w, b), destination, 48, 0);
        TKernels.CopyChannels<Image5x5<C32>>(ToBlocked(second, 32, h, w, b), destination, 48, 16);
        Assert.Equal([.. first, .. second], FromBlocked(destination, 48, h, w, b));
    }
}

internal interface IChannelCount
{
    static abstract int Value { get; }
}

internal readonly struct C5 : IChannelCount { public static int Value => 5; }
internal readonly struct C16 : IChannelCount { public static int Value => 16; }
internal readonly struct C17 : IChannelCount { public static int Value => 17; }
internal readonly struct C26 : IChannelCount { public static int Value => 26; }
internal readonly struct C32 : IChannelCount { public static int Value => 32; }

/// <summary>A 5x5 image with a channel count given by a type.</summary>
internal readonly struct Image5x5<TChannels> : ITensorShape where TChannels : struct, IChannelCount
{
    public static int Channels => TChannels.Value;
    public static int Height => 5;
    public static int Width => 5;
}
