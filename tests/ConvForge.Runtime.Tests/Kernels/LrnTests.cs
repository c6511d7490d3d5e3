using System;
using System.Linq;
using ConvForge.Kernels;
using static ConvForge.Runtime.Tests.Kernels.KernelTesting;

namespace ConvForge.Runtime.Tests.Kernels;

/// <summary>
/// LRN against the ONNX formula in double precision (<see cref="Reference.Lrn"/>), for every family: odd and even
/// windows, the exponents with exact vector forms (0.75, 0.5, 1) and one through the general power, channel counts off
/// the block size, windows wider than the channels, a chunk of pixels that does not fit in one scratch row set, and
/// NaN and infinities; the split over rows bit-identical for any worker count.
/// </summary>
public class LrnTests
{
    public static TheoryData<KernelFamily> Families => KernelTesting.Families;

    public static TheoryData<KernelFamily, int, float> Windows
    {
        get
        {
            var data = new TheoryData<KernelFamily, int, float>();
            foreach (var family in Enum.GetValues<KernelFamily>())
                foreach (var (size, beta) in new[] { (5, 0.75f), (3, 0.75f), (4, 0.75f), (1, 0.75f), (5, 0.5f), (4, 1f), (3, 0.6f) })
                    data.Add(family, size, beta);
            return data;
        }
    }

    public static TheoryData<KernelFamily, float> Exponents
    {
        get
        {
            var data = new TheoryData<KernelFamily, float>();
            foreach (var family in Enum.GetValues<KernelFamily>())
                foreach (var beta in new[] { 0.75f, 0.5f, 1f, 0.6f })
                    data.Add(family, beta);
            return data;
        }
    }

    public static TheoryData<KernelFamily, int> Splits
    {
        get
        {
            var data = new TheoryData<KernelFamily, int>();
            foreach (var family in Enum.GetValues<KernelFamily>())
                foreach (var workers in new[] { 2, 3, 5 })
                    data.Add(family, workers);
            return data;
        }
    }

    [Theory, MemberData(nameof(Windows))]
    public void Channels_off_the_block_size(KernelFamily family, int size, float beta) =>
        Run(family, new LrnAccuracyCheck<Image37x5x3>(size, 0.5f, beta, 1.5f));

    [Theory, MemberData(nameof(Windows))]
    public void Several_chunks_of_pixels(KernelFamily family, int size, float beta) =>
        Run(family, new LrnAccuracyCheck<Image70x7x9>(size, 0.9f, beta, 2f));

    [Theory, MemberData(nameof(Families))]
    public void Block_aligned_channels_with_googlenet_parameters(KernelFamily family) =>
        Run(family, new LrnAccuracyCheck<Image64x3x5>(5, 1e-4f, 0.75f, 1f));

    [Theory, MemberData(nameof(Families))]
    public void Window_wider_than_the_channels(KernelFamily family) =>
        Run(family, new LrnAccuracyCheck<Image5x3x3>(9, 0.7f, 0.75f, 1f));

    [Theory, MemberData(nameof(Families))]
    public void More_channels_than_the_stack_scratch_holds(KernelFamily family) =>
        Run(family, new LrnAccuracyCheck<Image4100x1x3>(5, 0.5f, 0.75f, 1f));

    [Theory, MemberData(nameof(Exponents))]
    public void Nan_and_infinities_follow_the_formula(KernelFamily family, float beta) =>
        Run(family, new LrnAccuracyCheck<Image37x5x3>(5, 0.5f, beta, 1.5f, nonFinite: true));

    [Theory, MemberData(nameof(Splits))]
    public void Split_over_rows_is_bit_identical(KernelFamily family, int workers)
    {
        Run(family, new LrnSplitCheck<Image70x7x9>(workers, 0.75f));
        Run(family, new LrnSplitCheck<Image37x5x3>(workers, 0.6f));
        Run(family, new LrnSplitCheck<Image4100x1x3>(workers, 0.75f));
    }

    [Theory, MemberData(nameof(Families))]
    public void A_window_of_no_channels_is_refused(KernelFamily family) => Run(family, new LrnRefusalCheck());
}

/// <summary>One LRN call against <see cref="Reference.Lrn"/>, with garbage in the input's padding lanes and NaN in the output beforehand.</summary>
internal sealed class LrnAccuracyCheck<TShape>(int size, float alpha, float beta, float k, bool nonFinite = false) : IFamilyCheck
    where TShape : struct, ITensorShape
{
    /// <summary>
    /// The kernel's stated error, per element, relative to the double-precision value (tighter than the suite's
    /// 1e-4 of the output's scale): the sum of squares in float (positive terms, at most size - 1 roundings), then
    /// sqrt, division and sqrt (one rounding each) or MathF.Pow, then the product with x: a few roundings, about 1e-6.
    /// </summary>
    private const double ElementRelativeTolerance = 2e-6;

    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = TShape.Channels, h = TShape.Height, w = TShape.Width, b = TKernels.BlockSize;
        var x = RandomArray(c * h * w, 61 + size, -3f, 3f);
        if (nonFinite)
            WithNonFinite(x, every: 23);
        var expected = Reference.Lrn(c, h * w, x, size, alpha, beta, k);
        if (nonFinite)
            AssertHasNonFinite(expected);
        // 1e30 squares to infinity in float: a padding lane inside a real channel's window would zero that channel.
        var output = new float[TKernels.ActivationLength(c, h, w)];
        Array.Fill(output, float.NaN);
        TKernels.Lrn<TShape>(ToBlocked(x, c, h, w, b, padding: 1e30f), output, size, alpha, beta, k);

        string what = $"{typeof(TKernels).Name} LRN {c}x{h}x{w} size {size} beta {beta}";
        var actual = FromBlocked(output, c, h, w, b);
        AssertClose(expected, actual, what);
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsFinite(expected[i]))
                Assert.True(Math.Abs((double)actual[i] - expected[i]) <= ElementRelativeTolerance * Math.Abs((double)expected[i]),
                    $"{what}: element {i} is {actual[i]}, expected {expected[i]}: relative error {Math.Abs((double)actual[i] - expected[i]) / Math.Abs((double)expected[i]):g3}.");
        }
        AssertPaddingLanesZero(output, c, h * w, b, what);
    }

    private static void AssertPaddingLanesZero(float[] output, int channels, int plane, int b, string what)
    {
        int blocks = Nchwc.Blocks(channels, b);
        for (int channel = channels; channel < blocks * b; channel++)
            for (int p = 0; p < plane; p++)
                Assert.True(output[((blocks - 1) * plane + p) * b + channel % b] == 0f, $"{what}: padding lane of channel {channel} at pixel {p} is not 0.");
    }
}

/// <summary>
/// Every worker of a split run alone on a NaN-filled output writes exactly its chunk of rows, and the workers together
/// give the unsplit result bit for bit.
/// </summary>
internal sealed class LrnSplitCheck<TShape>(int workers, float beta) : IFamilyCheck where TShape : struct, ITensorShape
{
    // A NaN whose payload no arithmetic here produces (a NaN input propagates as float.NaN), so an element any worker
    // wrote is told from one it did not.
    private static readonly float Unwritten = BitConverter.Int32BitsToSingle(0x7FC01234);

    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = TShape.Channels, h = TShape.Height, w = TShape.Width, b = TKernels.BlockSize;
        var x = ToBlocked(WithNonFinite(RandomArray(c * h * w, 71, -3f, 3f), every: 101), c, h, w, b, padding: 5f);
        var whole = new float[x.Length];
        TKernels.Lrn<TShape>(x, whole, 5, 0.5f, beta, 1.5f);

        var together = new float[x.Length];
        Array.Fill(together, float.NaN);
        for (int worker = 0; worker < workers; worker++)
        {
            var split = new WorkSplit(worker, workers);
            var alone = new float[x.Length];
            Array.Fill(alone, Unwritten);
            TKernels.Lrn<TShape>(x, alone, 5, 0.5f, beta, 1.5f, split);
            TKernels.Lrn<TShape>(x, together, 5, 0.5f, beta, 1.5f, split);
            var (rowBegin, rowEnd) = split.Range(h);
            for (int i = 0; i < alone.Length; i++)
            {
                int row = i / b / w % h;
                bool mine = row >= rowBegin && row < rowEnd;
                Assert.True(BitConverter.SingleToInt32Bits(alone[i]) == BitConverter.SingleToInt32Bits(mine ? whole[i] : Unwritten),
                    $"{typeof(TKernels).Name} {split}: element {i} (row {row}, rows [{rowBegin}, {rowEnd}) are this worker's) is {alone[i]}, unsplit {whole[i]}.");
            }
        }
        Assert.Equal(whole.Select(BitConverter.SingleToInt32Bits), together.Select(BitConverter.SingleToInt32Bits));
    }
}

internal sealed class LrnRefusalCheck : IFamilyCheck
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        var x = new float[TKernels.ActivationLength(5, 3, 3)];
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TKernels.Lrn<Image5x3x3>(x, new float[x.Length], 0, 1e-4f, 0.75f, 1f));
        Assert.Equal("size", error.ParamName);
    }
}

#pragma warning disable CA1815 // shape markers are never compared

/// <summary>37 channels: 5 real lanes in the last block of 16 and of 8.</summary>
public readonly struct Image37x5x3 : ITensorShape
{
    public static int Channels => 37;
    public static int Height => 5;
    public static int Width => 3;
}

/// <summary>70 channels over 63 pixels: more pixels than one scratch chunk (4096 floats) holds rows for.</summary>
public readonly struct Image70x7x9 : ITensorShape
{
    public static int Channels => 70;
    public static int Height => 7;
    public static int Width => 9;
}

public readonly struct Image64x3x5 : ITensorShape
{
    public static int Channels => 64;
    public static int Height => 3;
    public static int Width => 5;
}

/// <summary>One pixel's channels need more than the stack scratch: the kernel rents a row.</summary>
public readonly struct Image4100x1x3 : ITensorShape
{
    public static int Channels => 4100;
    public static int Height => 1;
    public static int Width => 3;
}
