using System;
using System.Linq;
using ConvForge.Kernels;
using static ConvForge.Runtime.Tests.Kernels.KernelTesting;
using static ConvForge.Runtime.Tests.Kernels.SplitTesting;

namespace ConvForge.Runtime.Tests.Kernels;

/// <summary>
/// Every kernel that splits its work by <see cref="WorkSplit"/>, called once per worker (in turn, on one thread) for
/// 2, 3 and 5 workers: the output has the same bits as one whole call, and each worker computes exactly its chunk.
/// Shapes include channel counts off the block size (padding lanes) and fewer work units than workers (empty chunks).
/// </summary>
public class SplitTests
{
    public static TheoryData<KernelFamily> Families => KernelTesting.Families;

    [Theory, MemberData(nameof(Families))]
    public void Pools_split_by_channel_block_and_row(KernelFamily family)
    {
        KernelTesting.Run(family, new PoolSplitCheck<MaxCeil3x3>());
        KernelTesting.Run(family, new PoolSplitCheck<MaxAsymmetric2x2>());
        KernelTesting.Run(family, new PoolSplitCheck<MaxSameStride1>());
        KernelTesting.Run(family, new PoolSplitCheck<AvgCeilIncludePad>());
        KernelTesting.Run(family, new PoolSplitCheck<AvgCeilExcludePad>());
        KernelTesting.Run(family, new PoolSplitCheck<AvgAsymmetric>());
    }

    [Theory, MemberData(nameof(Families))]
    public void Global_pools_split_by_channel_block(KernelFamily family)
    {
        KernelTesting.Run(family, new GlobalPoolSplitCheck<Image13x5x7>());
        KernelTesting.Run(family, new GlobalPoolSplitCheck<Image33x2x3>());
        KernelTesting.Run(family, new GlobalPoolSplitCheck<Image48x5x5>());
    }

    [Theory, MemberData(nameof(Families))]
    public void Elementwise_kernels_split_by_block_pixel(KernelFamily family)
    {
        KernelTesting.Run(family, new ElementwiseSplitCheck<Image13x5x7>());
        KernelTesting.Run(family, new ElementwiseSplitCheck<Image33x2x3>());
        KernelTesting.Run(family, new ElementwiseSplitCheck<Image10x1x1>());
    }

    [Theory, MemberData(nameof(Families))]
    public void Dense_splits_by_output_block_and_the_last_block_owner_zeroes_the_padding_lanes(KernelFamily family)
    {
        KernelTesting.Run(family, new DenseSplitCheck<Dense13x3x2To10>(nonFiniteInput: false));
        KernelTesting.Run(family, new DenseSplitCheck<Dense17x1x1To21>(nonFiniteInput: false));
        // NaN in the input reaches every output lane, padding lanes included, until the last block's owner zeroes them.
        KernelTesting.Run(family, new DenseSplitCheck<Dense17x1x1To21>(nonFiniteInput: true));
    }

    [Theory, MemberData(nameof(Families))]
    public void Layout_conversions_split_by_rows(KernelFamily family)
    {
        KernelTesting.Run(family, new LayoutSplitCheck<Image13x5x7>());
        KernelTesting.Run(family, new LayoutSplitCheck<Image33x2x3>());
        KernelTesting.Run(family, new LayoutSplitCheck<Image10x1x1>());
    }

    [Theory, MemberData(nameof(Families))]
    public void Concat_copies_split_by_rows(KernelFamily family)
    {
        KernelTesting.Run(family, new ConcatSplitCheck<Rows5>());
        KernelTesting.Run(family, new ConcatSplitCheck<Rows2>());
    }

    [Theory, MemberData(nameof(Families))]
    public void Softmax_is_computed_by_worker_0(KernelFamily family) => KernelTesting.Run(family, new SoftmaxSplitCheck());

    [Fact]
    public void A_split_that_skips_a_chunk_is_caught() => SkippedChunkIsCaught<PortableKernels>();

    private static void SkippedChunkIsCaught<TKernels>() where TKernels : struct, IKernelFamily
    {
        int length = TKernels.ActivationLength(13, 5, 7);
        int units = Nchwc.Blocks(13, TKernels.BlockSize) * 5 * 7;
        var a = RandomArray(length, 1);
        var b = RandomArray(length, 2);

        // Worker 1 of 2 does nothing: its chunk stays unwritten.
        KernelCall skipsWorkerOne = (output, split) =>
        {
            if (split.Workers != 2 || split.Worker != 1)
                TKernels.Add<Image13x5x7, Identity>(a, b, output, split);
        };
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertSplitIsExact("Add without worker 1 of 2", length, units, skipsWorkerOne));

        // Every worker computes everything: right results, but not a split.
        KernelCall everyoneDoesAll = (output, split) => TKernels.Add<Image13x5x7, Identity>(a, b, output, WorkSplit.Whole);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertSplitIsExact("Add done whole by every worker", length, units, everyoneDoesAll));

        AssertSplitIsExact("Add", length, units, (output, split) => TKernels.Add<Image13x5x7, Identity>(a, b, output, split));
    }
}

internal static class SplitTesting
{
    public delegate void KernelCall(float[] output, WorkSplit split);

    /// <summary>What an output element holds until a kernel writes it: a quiet NaN with a payload no arithmetic produces.</summary>
    public static readonly float Unwritten = BitConverter.Int32BitsToSingle(0x7FC5A5A5);

    private static readonly int[] WorkerCounts = [2, 3, 5];

    /// <summary>
    /// For 2, 3 and 5 workers, calls <paramref name="kernel"/> once per worker into an output prefilled with
    /// <see cref="Unwritten"/> and asserts the bits equal those of one whole call (which must write every element).
    /// Then asserts the split is by <paramref name="units"/> work units: leaving out worker w's call leaves elements
    /// unwritten exactly when its chunk <see cref="WorkSplit.Range"/>(<paramref name="units"/>) is not empty.
    /// </summary>
    public static void AssertSplitIsExact(string what, int outputLength, int units, KernelCall kernel)
    {
        var whole = RunWorkers(outputLength, kernel, 1, skip: -1);
        Assert.False(whole.Any(IsUnwritten), $"{what}: the whole call left elements unwritten.");
        foreach (int workers in WorkerCounts)
        {
            AssertSameBits(whole, RunWorkers(outputLength, kernel, workers, skip: -1), $"{what}, {workers} workers");
            for (int skipped = 0; skipped < workers; skipped++)
            {
                var (start, end) = new WorkSplit(skipped, workers).Range(units);
                var output = RunWorkers(outputLength, kernel, workers, skipped);
                if (start < end)
                    Assert.True(output.Any(IsUnwritten), $"{what}: without worker {skipped} of {workers} (units [{start}, {end}) of {units}) nothing is missing, so other workers computed its chunk too.");
                else
                    AssertSameBits(whole, output, $"{what}, {workers} workers, worker {skipped} (no units) left out");
            }
        }
    }

    private static float[] RunWorkers(int outputLength, KernelCall kernel, int workers, int skip)
    {
        var output = new float[outputLength];
        Array.Fill(output, Unwritten);
        for (int worker = 0; worker < workers; worker++)
        {
            if (worker != skip)
                kernel(output, workers == 1 ? default : new WorkSplit(worker, workers));
        }
        return output;
    }

    private static bool IsUnwritten(float value) => BitConverter.SingleToInt32Bits(value) == BitConverter.SingleToInt32Bits(Unwritten);

    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]:R} (bits {BitConverter.SingleToInt32Bits(actual[i]):X8}), the whole call gives {expected[i]:R} (bits {BitConverter.SingleToInt32Bits(expected[i]):X8}).");
        }
    }

    public static string Name<TKernels, TShape>(string kernel) => $"{typeof(TKernels).Name}.{kernel}<{typeof(TShape).Name}>";
}

internal sealed class PoolSplitCheck<TShape> : IFamilyCheck where TShape : struct, IPoolShape
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = TShape.Channels, b = TKernels.BlockSize;
        var input = ToBlocked(RandomArray(c * TShape.InHeight * TShape.InWidth, 71), c, TShape.InHeight, TShape.InWidth, b, padding: 3f);
        int outputLength = TKernels.ActivationLength(c, TShape.OutHeight, TShape.OutWidth);
        int units = Nchwc.Blocks(c, b) * TShape.OutHeight;
        AssertSplitIsExact(Name<TKernels, TShape>("MaxPool"), outputLength, units, (output, split) => TKernels.MaxPool<TShape>(input, output, split));
        AssertSplitIsExact(Name<TKernels, TShape>("AvgPool"), outputLength, units, (output, split) => TKernels.AvgPool<TShape>(input, output, split));
    }
}

internal sealed class GlobalPoolSplitCheck<TShape> : IFamilyCheck where TShape : struct, ITensorShape
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = TShape.Channels, b = TKernels.BlockSize;
        var input = ToBlocked(RandomArray(c * TShape.Height * TShape.Width, 72), c, TShape.Height, TShape.Width, b, padding: 3f);
        int outputLength = Nchwc.PaddedChannels(c, b);
        int units = Nchwc.Blocks(c, b);
        AssertSplitIsExact(Name<TKernels, TShape>("GlobalAvgPool"), outputLength, units, (output, split) => TKernels.GlobalAvgPool<TShape>(input, output, split));
        AssertSplitIsExact(Name<TKernels, TShape>("GlobalMaxPool"), outputLength, units, (output, split) => TKernels.GlobalMaxPool<TShape>(input, output, split));
    }
}

internal sealed class ElementwiseSplitCheck<TShape> : IFamilyCheck where TShape : struct, ITensorShape
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = TShape.Channels, h = TShape.Height, w = TShape.Width, b = TKernels.BlockSize;
        // Padding lanes hold a finite value that is not zero, so they go through the arithmetic like real channels.
        var x = ToBlocked(RandomArray(c * h * w, 73, -3f, 3f), c, h, w, b, padding: 2f);
        var y = ToBlocked(RandomArray(c * h * w, 74, -3f, 3f), c, h, w, b, padding: -1f);
        var scale = new float[Nchwc.PaddedChannels(c, b)];
        var shift = new float[scale.Length];
        TKernels.PackChannels(RandomArray(c, 75, 0.5f, 2f), scale);
        TKernels.PackChannels(RandomArray(c, 76), shift);
        int length = TKernels.ActivationLength(c, h, w);
        int units = Nchwc.Blocks(c, b) * h * w;
        AssertSplitIsExact(Name<TKernels, TShape>("ScaleShift"), length, units, (output, split) => TKernels.ScaleShift<TShape, Relu>(x, scale, shift, output, split));
        AssertSplitIsExact(Name<TKernels, TShape>("Activate"), length, units, (output, split) => TKernels.Activate<TShape, Sigmoid>(x, output, split));
        AssertSplitIsExact(Name<TKernels, TShape>("Add"), length, units, (output, split) => TKernels.Add<TShape, Relu>(x, y, output, split));
        AssertSplitIsExact(Name<TKernels, TShape>("ChannelScale"), length, units, (output, split) => TKernels.ChannelScale<TShape>(x, scale, output, split));
    }
}

internal sealed class DenseSplitCheck<TShape>(bool nonFiniteInput) : IFamilyCheck where TShape : struct, IDenseShape
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = TShape.InChannels, h = TShape.InHeight, w = TShape.InWidth, b = TKernels.BlockSize;
        var x = RandomArray(c * h * w, 77);
        if (nonFiniteInput)
            WithNonFinite(x, 7);
        var input = ToBlocked(x, c, h, w, b, padding: 6f);
        var weights = new float[TKernels.DenseWeightsLength<TShape>()];
        TKernels.PackDenseWeights<TShape>(RandomArray(TShape.Units * c * h * w, 78), weights);
        var bias = new float[Nchwc.PaddedChannels(TShape.Units, b)];
        TKernels.PackChannels(RandomArray(TShape.Units, 79), bias);
        int units = Nchwc.Blocks(TShape.Units, b);
        string what = Name<TKernels, TShape>("Dense") + (nonFiniteInput ? " with NaN and infinities in the input" : "");
        AssertSplitIsExact(what, bias.Length, units, (output, split) => TKernels.Dense<TShape, Identity>(input, weights, bias, output, split));

        var whole = new float[bias.Length];
        TKernels.Dense<TShape, Identity>(input, weights, bias, whole);
        Assert.All(whole[TShape.Units..], v => Assert.Equal(0f, v));
        if (nonFiniteInput)
            Assert.Contains(whole[..TShape.Units], float.IsNaN);
    }
}

internal sealed class LayoutSplitCheck<TShape> : IFamilyCheck where TShape : struct, ITensorShape
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = TShape.Channels, h = TShape.Height, w = TShape.Width, b = TKernels.BlockSize;
        var nchw = RandomArray(c * h * w, 80);
        AssertSplitIsExact(Name<TKernels, TShape>("ToNchwc"), TKernels.ActivationLength(c, h, w), Nchwc.Blocks(c, b) * h,
            (output, split) => TKernels.ToNchwc<TShape>(nchw, output, split));
        var blocked = ToBlocked(nchw, c, h, w, b, padding: 5f);
        AssertSplitIsExact(Name<TKernels, TShape>("ToNchw"), c * h * w, c * h, (output, split) => TKernels.ToNchw<TShape>(blocked, output, split));
    }
}

internal interface IRowCount
{
    static abstract int Value { get; }
}

internal readonly struct Rows5 : IRowCount { public static int Value => 5; }
internal readonly struct Rows2 : IRowCount { public static int Value => 2; }

/// <summary>A <typeparamref name="TRows"/> x 3 image with a channel count given by a type.</summary>
internal readonly struct ImageRowsx3<TChannels, TRows> : ITensorShape
    where TChannels : struct, IChannelCount
    where TRows : struct, IRowCount
{
    public static int Channels => TChannels.Value;
    public static int Height => TRows.Value;
    public static int Width => 3;
}

internal sealed class ConcatSplitCheck<TRows> : IFamilyCheck where TRows : struct, IRowCount
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int h = TRows.Value, w = 3, b = TKernels.BlockSize;
        float[] Part(int channels, int seed) => ToBlocked(RandomArray(channels * h * w, seed), channels, h, w, b, padding: 1f);
        var c5 = Part(5, 81);
        var c17 = Part(17, 82);
        var c26 = Part(26, 83);
        var c16 = Part(16, 84);
        var c32 = Part(32, 85);
        string what = $"{typeof(TKernels).Name}.CopyChannels, {h} rows";

        // Unaligned offsets: 5 + 17 + 26 = 48 channels.
        AssertSplitIsExact(what + ", 5 + 17 + 26", TKernels.ActivationLength(48, h, w), h, (output, split) =>
        {
            TKernels.CopyChannels<ImageRowsx3<C5, TRows>>(c5, output, 48, 0, split);
            TKernels.CopyChannels<ImageRowsx3<C17, TRows>>(c17, output, 48, 5, split);
            TKernels.CopyChannels<ImageRowsx3<C26, TRows>>(c26, output, 48, 22, split);
        });
        // Block copies: 16 + 32 = 48 channels.
        AssertSplitIsExact(what + ", 16 + 32", TKernels.ActivationLength(48, h, w), h, (output, split) =>
        {
            TKernels.CopyChannels<ImageRowsx3<C16, TRows>>(c16, output, 48, 0, split);
            TKernels.CopyChannels<ImageRowsx3<C32, TRows>>(c32, output, 48, 16, split);
        });
        // 5 + 17 = 22 channels: the last part zeroes the destination's padding lanes.
        AssertSplitIsExact(what + ", 5 + 17", TKernels.ActivationLength(22, h, w), h, (output, split) =>
        {
            TKernels.CopyChannels<ImageRowsx3<C5, TRows>>(c5, output, 22, 0, split);
            TKernels.CopyChannels<ImageRowsx3<C17, TRows>>(c17, output, 22, 5, split);
        });
    }
}

internal sealed class SoftmaxSplitCheck : IFamilyCheck
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int length = Image7x2x5.Channels * Image7x2x5.Height * Image7x2x5.Width;
        var x = RandomArray(length, 86, -20f, 20f);
        // One unit: worker 0 computes everything, the others nothing.
        AssertSplitIsExact(Name<TKernels, Image7x2x5>("Softmax"), length, 1, (output, split) => TKernels.Softmax<Image7x2x5>(x, output, split));
    }
}
