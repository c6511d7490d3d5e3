using System;
using System.Runtime.InteropServices;
using ConvForge.Kernels;
using static ConvForge.Runtime.Tests.Kernels.KernelTesting;

namespace ConvForge.Runtime.Tests.Kernels;

/// <summary>
/// Convolutions split among workers (<see cref="WorkSplit"/>): every path and family, for several worker
/// counts including more workers than work units, must give the unsplit output bit for bit. The output
/// starts as NaN, so a chunk no worker computes fails; workers run in reverse order, so a worker that
/// wrote (or zeroed) outside its chunk would be caught by another's later write or by the comparison.
/// </summary>
public class ConvolutionSplitTests
{
    public static TheoryData<KernelFamily> Families => KernelTesting.Families;

    [Theory, MemberData(nameof(Families))]
    public void Direct_rows_outer(KernelFamily family) =>
        Run(family, new SplitCheck<Direct3x3, Epilogue<Relu>>());

    [Theory, MemberData(nameof(Families))]
    public void Direct_weights_outer_with_padding_lanes_and_non_finite_input(KernelFamily family) =>
        Run(family, new SplitCheck<Stride2Asymmetric, Epilogue<Identity>>(nonFiniteInput: true));

    [Theory, MemberData(nameof(Families))]
    public void Direct_weights_outer_deep(KernelFamily family) =>
        Run(family, new SplitCheck<DeepSmallImage, Epilogue<Relu>>());

    [Theory, MemberData(nameof(Families))]
    public void Direct_wide_rows_with_residual_in_place(KernelFamily family) =>
        Run(family, new SplitCheck<Wide5x5, ResidualEpilogue<Relu>>(residualInPlace: true));

    [Theory, MemberData(nameof(Families))]
    public void Pointwise_pixels_outer_with_residual(KernelFamily family) =>
        Run(family, new SplitCheck<Pointwise, ResidualEpilogue<Relu6>>());

    [Theory, MemberData(nameof(Families))]
    public void Pointwise_weights_outer_with_non_finite_input(KernelFamily family) =>
        Run(family, new SplitCheck<PointwiseDeep, Epilogue<Identity>>(nonFiniteInput: true));

    [Theory, MemberData(nameof(Families))]
    public void Block_grouped(KernelFamily family) =>
        Run(family, new SplitCheck<Grouped2Wide, Epilogue<Relu>>());

    [Theory, MemberData(nameof(Families))]
    public void Depthwise_with_non_finite_input(KernelFamily family) =>
        Run(family, new SplitCheck<Depthwise3x3, ResidualEpilogue<Sigmoid>>(nonFiniteInput: true));

    [Theory, MemberData(nameof(Families))]
    public void Grouped_general(KernelFamily family) =>
        Run(family, new SplitCheck<Grouped3, Epilogue<Sigmoid>>());

    [Theory, MemberData(nameof(Families))]
    public void Planar_first_layer(KernelFamily family) =>
        Run(family, new SplitCheck<FirstLayer7x7, Epilogue<Relu>>(nchwInput: true));

    [Theory, MemberData(nameof(Families))]
    public void Planar_first_layer_with_residual_in_place(KernelFamily family) =>
        Run(family, new SplitCheck<FirstLayer3x3, ResidualEpilogue<Relu>>(nchwInput: true, residualInPlace: true));

    [Theory, MemberData(nameof(Families))]
    public void Tiles_spanning_rows_stride_2(KernelFamily family) =>
        Run(family, new SplitCheck<SmallStride2, ResidualEpilogue<Relu>>(nonFiniteInput: true));

    [Theory, MemberData(nameof(Families))]
    public void Tiles_spanning_rows_dilated(KernelFamily family) =>
        Run(family, new SplitCheck<SmallDilated, Epilogue<Relu>>());

    [Theory, MemberData(nameof(Families))]
    public void Tiles_spanning_rows_on_tiny_maps(KernelFamily family) =>
        Run(family, new SplitCheck<TinyStride2, Epilogue<Identity>>());

    private static void Run(KernelFamily family, IFamilyCheck check) => KernelTesting.Run(family, check);
}

/// <summary>
/// Tile shapes against the reference. Small maps, where the padded input lets one register tile span several output
/// rows (AVX-512: 14 pixels; AVX2: 6): every row count, stride, dilation, the last group of rows shorter than the
/// others. Rows whose last tile would be very short, cut into tiles of near-equal width instead (AVX2: 14 = 5 + 5 + 4).
/// </summary>
public class SmallMapConvolutionTests
{
    public static TheoryData<KernelFamily> Families => KernelTesting.Families;

    [Theory, MemberData(nameof(Families))]
    public void Three_by_three_on_3x3(KernelFamily family) =>
        KernelTesting.Run(family, new ConvCheck<SmallMap3x3, Epilogue<Relu>>(Reference.Relu));

    [Theory, MemberData(nameof(Families))]
    public void Three_by_three_on_4x5_deep(KernelFamily family) =>
        KernelTesting.Run(family, new ConvCheck<DeepSmallImage, ResidualEpilogue<Relu>>(Reference.Relu));

    [Theory, MemberData(nameof(Families))]
    public void Stride_2_onto_4x4(KernelFamily family) =>
        KernelTesting.Run(family, new ConvCheck<SmallStride2, ResidualEpilogue<Identity>>(Reference.Identity));

    [Theory, MemberData(nameof(Families))]
    public void Stride_2_onto_3x3(KernelFamily family) =>
        KernelTesting.Run(family, new ConvCheck<TinyStride2, Epilogue<Relu>>(Reference.Relu));

    [Theory, MemberData(nameof(Families))]
    public void Dilation_2_on_6x5(KernelFamily family) =>
        KernelTesting.Run(family, new ConvCheck<SmallDilated, Epilogue<Sigmoid>>(Reference.Sigmoid));

    [Theory, MemberData(nameof(Families))]
    public void Rows_cut_into_balanced_tiles(KernelFamily family) =>
        KernelTesting.Run(family, new ConvCheck<Row14, ResidualEpilogue<Relu>>(Reference.Relu));

    [Theory, MemberData(nameof(Families))]
    public void Pointwise_stride_2_unpadded_onto_5x5(KernelFamily family) =>
        KernelTesting.Run(family, new ConvCheck<PointwiseStride2, ResidualEpilogue<Relu>>(Reference.Relu));
}

/// <summary>One convolution unsplit, then split among 2, 3, 5, 7, 64 and 1000 workers; every split must match bit for bit.</summary>
internal sealed class SplitCheck<TShape, TEpilogue>(bool nchwInput = false, bool residualInPlace = false, bool nonFiniteInput = false) : IFamilyCheck
    where TShape : struct, IConvShape
    where TEpilogue : struct, IEpilogue
{
    private static readonly int[] WorkerCounts = { 2, 3, 5, 7, 64, 1000 };

    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        var p = ConvCheck<TShape, TEpilogue>.Params;
        int b = TKernels.BlockSize;
        var x = RandomArray(p.InChannels * p.InHeight * p.InWidth, 31);
        if (nonFiniteInput)
            WithNonFinite(x, 23);
        var w = RandomArray(ConvWeights.StandardLength<TShape>(), 32);
        var bias = RandomArray(p.OutChannels, 33);
        var packedBias = new float[Nchwc.PaddedChannels(p.OutChannels, b)];
        TKernels.PackChannels(bias, packedBias);
        var residual = TEpilogue.AddsResidual
            ? ToBlocked(RandomArray(p.OutChannels * p.OutHeight * p.OutWidth, 34), p.OutChannels, p.OutHeight, p.OutWidth, b, padding: -3f)
            : null;
        float[] input, packed;
        if (nchwInput)
        {
            input = x;
            packed = new float[TKernels.ConvNchwWeightsLength<TShape>()];
            TKernels.PackConvNchwWeights<TShape>(w, packed);
        }
        else
        {
            input = ToBlocked(x, p.InChannels, p.InHeight, p.InWidth, b, padding: 7.5f);
            packed = new float[TKernels.ConvWeightsLength<TShape>()];
            TKernels.PackConvWeights<TShape>(w, packed);
        }

        float[] Convolve(int workers)
        {
            var output = new float[TKernels.ActivationLength(p.OutChannels, p.OutHeight, p.OutWidth)];
            Array.Fill(output, float.NaN);
            float[]? res = residual;
            if (residualInPlace)
            {
                residual!.CopyTo(output, 0);
                res = output;
            }
            for (int worker = workers - 1; worker >= 0; worker--)
            {
                var split = workers == 1 ? WorkSplit.Whole : new WorkSplit(worker, workers);
                if (nchwInput)
                    TKernels.ConvNchw<TShape, TEpilogue>(input, packed, packedBias, res, output, split);
                else
                    TKernels.Conv<TShape, TEpilogue>(input, packed, packedBias, res, output, split);
            }
            return output;
        }

        var whole = Convolve(1);
        // The unsplit output itself: no NaN left where no input was NaN, and finite padding lanes.
        var plain = FromBlocked(whole, p.OutChannels, p.OutHeight, p.OutWidth, b);
        if (!nonFiniteInput)
            Assert.All(plain, v => Assert.True(float.IsFinite(v)));
        foreach (int workers in WorkerCounts)
        {
            var split = Convolve(workers);
            var expectedBits = MemoryMarshal.Cast<float, int>(whole);
            var actualBits = MemoryMarshal.Cast<float, int>(split);
            for (int i = 0; i < expectedBits.Length; i++)
                Assert.True(expectedBits[i] == actualBits[i],
                    $"{typeof(TKernels).Name} {typeof(TShape).Name}, {workers} workers: element {i} is {split[i]}, unsplit {whole[i]}.");
        }
    }
}

/// <summary>3x3 pad 1 with more weights than input (the weights-outer loop order), padding lanes for both block sizes: 40x4x5 -> 50x4x5.</summary>
public readonly struct DeepSmallImage : IConvShape
{
    public static int InChannels => 40;
    public static int InHeight => 4;
    public static int InWidth => 5;
    public static int OutChannels => 50;
    public static int OutHeight => 4;
    public static int OutWidth => 5;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>1x1 with more weights than input (the weights-outer loop order), a partial last tile: 40x3x5 -> 50x3x5.</summary>
public readonly struct PointwiseDeep : IConvShape
{
    public static int InChannels => 40;
    public static int InHeight => 3;
    public static int InWidth => 5;
    public static int OutChannels => 50;
    public static int OutHeight => 3;
    public static int OutWidth => 5;
    public static int KernelHeight => 1;
    public static int KernelWidth => 1;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 0;
    public static int PadLeft => 0;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>3x3 pad 1 on a 3x3 map: 20x3x3 -> 24x3x3.</summary>
public readonly struct SmallMap3x3 : IConvShape
{
    public static int InChannels => 20;
    public static int InHeight => 3;
    public static int InWidth => 3;
    public static int OutChannels => 24;
    public static int OutHeight => 3;
    public static int OutWidth => 3;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>3x3 stride 2 pad 1 onto 4x4: 24x8x8 -> 40x4x4.</summary>
public readonly struct SmallStride2 : IConvShape
{
    public static int InChannels => 24;
    public static int InHeight => 8;
    public static int InWidth => 8;
    public static int OutChannels => 40;
    public static int OutHeight => 4;
    public static int OutWidth => 4;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>3x3 stride 2 pad 1 onto 3x3: 16x5x5 -> 9x3x3.</summary>
public readonly struct TinyStride2 : IConvShape
{
    public static int InChannels => 16;
    public static int InHeight => 5;
    public static int InWidth => 5;
    public static int OutChannels => 9;
    public static int OutHeight => 3;
    public static int OutWidth => 3;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>3x3 dilation 2 pad 2 on 6x5: 8x6x5 -> 17x6x5.</summary>
public readonly struct SmallDilated : IConvShape
{
    public static int InChannels => 8;
    public static int InHeight => 6;
    public static int InWidth => 5;
    public static int OutChannels => 17;
    public static int OutHeight => 6;
    public static int OutWidth => 5;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 2;
    public static int PadLeft => 2;
    public static int DilationHeight => 2;
    public static int DilationWidth => 2;
    public static int Groups => 1;
}

/// <summary>3x3 pad 1 on 14-wide rows (AVX2: balanced tiles 5 + 5 + 4): 12x5x14 -> 20x5x14.</summary>
public readonly struct Row14 : IConvShape
{
    public static int InChannels => 12;
    public static int InHeight => 5;
    public static int InWidth => 14;
    public static int OutChannels => 20;
    public static int OutHeight => 5;
    public static int OutWidth => 14;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}
