using System;
using ConvForge.Kernels;
using static ConvForge.Runtime.Tests.Kernels.KernelTesting;

namespace ConvForge.Runtime.Tests.Kernels;

public readonly struct SlopeTwoTenths : ILeakyReluSlope
{
    public static float Slope => 0.2f;
}

/// <summary>A slope above 1, where max(x, slope * x) would be wrong: exercises the select form.</summary>
public readonly struct SteepSlope : ILeakyReluSlope
{
    public static float Slope => 1.5f;
}

public class ConvolutionTests
{
    public static TheoryData<KernelFamily> Families => KernelTesting.Families;

    [Theory, MemberData(nameof(Families))]
    public void Direct_3x3_pad_1_with_relu(KernelFamily family) =>
        Run(family, new ConvCheck<Direct3x3, Epilogue<Relu>>(Reference.Relu));

    [Theory, MemberData(nameof(Families))]
    public void Direct_stride_2_with_asymmetric_padding(KernelFamily family) =>
        Run(family, new ConvCheck<Stride2Asymmetric, Epilogue<Identity>>(Reference.Identity));

    [Theory, MemberData(nameof(Families))]
    public void Direct_dilation_2_with_residual_and_relu(KernelFamily family) =>
        Run(family, new ConvCheck<Dilated, ResidualEpilogue<Relu>>(Reference.Relu));

    [Theory, MemberData(nameof(Families))]
    public void Direct_5x5_on_a_wide_row_with_leaky_relu(KernelFamily family) =>
        Run(family, new ConvCheck<Wide5x5, Epilogue<LeakyRelu<SlopeTwoTenths>>>(Reference.LeakyRelu(0.2)));

    [Theory, MemberData(nameof(Families))]
    public void Pointwise_with_residual_and_relu6(KernelFamily family) =>
        Run(family, new ConvCheck<Pointwise, ResidualEpilogue<Relu6>>(Reference.Relu6));

    [Theory, MemberData(nameof(Families))]
    public void Residual_may_be_the_output_buffer(KernelFamily family) =>
        Run(family, new ConvCheck<Direct3x3, ResidualEpilogue<Relu>>(Reference.Relu, residualInPlace: true));

    [Theory, MemberData(nameof(Families))]
    public void Pointwise_stride_2(KernelFamily family) =>
        Run(family, new ConvCheck<PointwiseStride2, Epilogue<Relu>>(Reference.Relu));

    [Theory, MemberData(nameof(Families))]
    public void Kernel_larger_than_the_image_with_sigmoid(KernelFamily family) =>
        Run(family, new ConvCheck<LargeKernelSmallImage, Epilogue<Sigmoid>>(Reference.Sigmoid));

    [Theory, MemberData(nameof(Families))]
    public void One_by_five_kernel_with_a_steep_leaky_relu(KernelFamily family) =>
        Run(family, new ConvCheck<Row1x5, Epilogue<LeakyRelu<SteepSlope>>>(Reference.LeakyRelu(1.5)));

    [Theory, MemberData(nameof(Families))]
    public void Last_window_overhanging_the_edges_with_residual(KernelFamily family) =>
        Run(family, new ConvCheck<CeilModeLike, ResidualEpilogue<Identity>>(Reference.Identity));

    [Theory, MemberData(nameof(Families))]
    public void Depthwise_3x3(KernelFamily family) =>
        Run(family, new ConvCheck<Depthwise3x3, Epilogue<Relu>>(Reference.Relu));

    [Theory, MemberData(nameof(Families))]
    public void Depthwise_stride_2_dilation_2_with_residual_and_sigmoid(KernelFamily family) =>
        Run(family, new ConvCheck<DepthwiseStride2Dilated, ResidualEpilogue<Sigmoid>>(Reference.Sigmoid));

    [Theory, MemberData(nameof(Families))]
    public void Two_block_aligned_groups(KernelFamily family) =>
        Run(family, new ConvCheck<Grouped2Wide, Epilogue<Relu>>(Reference.Relu));

    [Theory, MemberData(nameof(Families))]
    public void Two_groups_of_8_with_residual(KernelFamily family) =>
        Run(family, new ConvCheck<Grouped2Narrow, ResidualEpilogue<Relu>>(Reference.Relu));

    [Theory, MemberData(nameof(Families))]
    public void Three_unaligned_groups_stride_2_with_sigmoid(KernelFamily family) =>
        Run(family, new ConvCheck<Grouped3, Epilogue<Sigmoid>>(Reference.Sigmoid));

    [Theory, MemberData(nameof(Families))]
    public void Depthwise_with_channel_multiplier(KernelFamily family) =>
        Run(family, new ConvCheck<DepthMultiplier, Epilogue<Relu6>>(Reference.Relu6));

    [Theory, MemberData(nameof(Families))]
    public void First_layer_7x7_stride_2_from_nchw(KernelFamily family) =>
        Run(family, new ConvCheck<FirstLayer7x7, Epilogue<Relu>>(Reference.Relu, nchwInput: true));

    [Theory, MemberData(nameof(Families))]
    public void First_layer_3x3_from_nchw_with_residual(KernelFamily family) =>
        Run(family, new ConvCheck<FirstLayer3x3, ResidualEpilogue<Relu>>(Reference.Relu, nchwInput: true));

    [Theory, MemberData(nameof(Families))]
    public void First_layer_shape_also_runs_from_blocked_input(KernelFamily family) =>
        Run(family, new ConvCheck<FirstLayer7x7, Epilogue<Relu>>(Reference.Relu));

    [Theory, MemberData(nameof(Families))]
    public void Conv_writes_its_channel_slice_of_a_concat_in_place(KernelFamily family) =>
        Run(family, new SliceCheck());

    [Theory, MemberData(nameof(Families))]
    public void Folded_batch_norm_matches_conv_then_batch_norm(KernelFamily family) =>
        Run(family, new FoldedBatchNormCheck());

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    public void Paths_follow_the_shape(int block)
    {
        Assert.Equal(ConvPath.Direct, ConvPaths.Select<Direct3x3>(block));
        Assert.Equal(ConvPath.Pointwise, ConvPaths.Select<Pointwise>(block));
        Assert.Equal(ConvPath.Direct, ConvPaths.Select<PointwiseStride2>(block));
        Assert.Equal(ConvPath.Depthwise, ConvPaths.Select<Depthwise3x3>(block));
        Assert.Equal(ConvPath.BlockGrouped, ConvPaths.Select<Grouped2Wide>(block));
        Assert.Equal(block == 8 ? ConvPath.BlockGrouped : ConvPath.Grouped, ConvPaths.Select<Grouped2Narrow>(block));
        Assert.Equal(ConvPath.Grouped, ConvPaths.Select<Grouped3>(block));
        Assert.Equal(ConvPath.Grouped, ConvPaths.Select<DepthMultiplier>(block));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    public void Direct_weights_land_where_the_layout_says(int block)
    {
        // Weight (oc, ic, kh, kw) of Stride2Asymmetric (17 -> 33, 3x3) goes to
        // ((((oc/B * ICB + ic/B) * KH + kh) * KW + kw) * B + ic%B) * B + oc%B; everything else is zero.
        var weights = RandomArray(ConvWeights.StandardLength<Stride2Asymmetric>(), 5, 0.5f, 1f);
        var packed = new float[ConvWeights.PackedLength<Stride2Asymmetric>(block)];
        ConvWeights.Pack<Stride2Asymmetric>(block, weights, packed);
        int inBlocks = (17 + block - 1) / block;
        int placed = 0;
        for (int oc = 0; oc < 33; oc++)
            for (int ic = 0; ic < 17; ic++)
                for (int t = 0; t < 9; t++)
                {
                    int target = ((((oc / block) * inBlocks + ic / block) * 9 + t) * block + ic % block) * block + oc % block;
                    Assert.Equal(weights[(oc * 17 + ic) * 9 + t], packed[target]);
                    placed++;
                }
        Assert.Equal(placed, Array.FindAll(packed, v => v != 0).Length);
        Assert.Equal(((33 + block - 1) / block) * inBlocks * 9 * block * block, packed.Length);
    }

    [Fact]
    public void Wrong_lengths_name_the_expected_length() => WrongLengths<PortableKernels>();

    private static void WrongLengths<TKernels>() where TKernels : struct, IKernelFamily
    {
        var input = new float[TKernels.ActivationLength(5, 9, 11) - 1];
        var weights = new float[TKernels.ConvWeightsLength<Direct3x3>()];
        var bias = new float[16];
        var output = new float[TKernels.ActivationLength(13, 9, 11)];
        var error = Assert.Throws<ArgumentException>(() => TKernels.Conv<Direct3x3, Epilogue<Relu>>(input, weights, bias, default, output));
        Assert.Equal("input", error.ParamName);
        Assert.Contains($"Expected {input.Length + 1} floats", error.Message, StringComparison.Ordinal);

        var residualMissing = Assert.Throws<ArgumentException>(() => TKernels.Conv<Direct3x3, ResidualEpilogue<Relu>>(
            new float[input.Length + 1], weights, bias, default, output));
        Assert.Equal("residual", residualMissing.ParamName);
    }

    [Theory, MemberData(nameof(Families))]
    public void Kernels_allocate_nothing_per_call(KernelFamily family) => Run(family, new AllocationCheck());

    private static void Run(KernelFamily family, IFamilyCheck check) => KernelTesting.Run(family, check);
}

internal sealed class AllocationCheck : IFamilyCheck
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int b = TKernels.BlockSize;
        var input = new float[TKernels.ActivationLength(17, 13, 15)];
        var weights = new float[TKernels.ConvWeightsLength<Stride2Asymmetric>()];
        var bias = new float[Nchwc.PaddedChannels(33, b)];
        var output = new float[TKernels.ActivationLength(33, 6, 7)];
        var pooled = new float[TKernels.ActivationLength(13, 4, 5)];
        var poolInput = new float[TKernels.ActivationLength(13, 9, 10)];
        void Calls()
        {
            TKernels.Conv<Stride2Asymmetric, ResidualEpilogue<Relu>>(input, weights, bias, output, output);
            TKernels.Conv<Stride2Asymmetric, Epilogue<Sigmoid>>(input, weights, bias, default, output);
            TKernels.MaxPool<MaxCeil3x3>(poolInput, pooled);
            TKernels.Activate<Image13x5x7, Sigmoid>(output.AsSpan(0, TKernels.ActivationLength(13, 5, 7)), output.AsSpan(0, TKernels.ActivationLength(13, 5, 7)));
        }
        Calls();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Calls();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

/// <summary>One convolution against <see cref="Reference.Conv"/>, with garbage in the input's padding lanes and NaN in the output beforehand.</summary>
/// <param name="nonFinite">Puts NaN or infinities into the (NCHW) input; the reference output must then hold NaN.</param>
internal sealed class ConvCheck<TShape, TEpilogue>(Func<double, double> activation, bool nchwInput = false, bool residualInPlace = false, Action<float[]>? nonFinite = null) : IFamilyCheck
    where TShape : struct, IConvShape
    where TEpilogue : struct, IEpilogue
{
    public static Reference.ConvParams Params => new(
        TShape.InChannels, TShape.InHeight, TShape.InWidth, TShape.OutChannels, TShape.OutHeight, TShape.OutWidth,
        TShape.KernelHeight, TShape.KernelWidth, TShape.StrideHeight, TShape.StrideWidth, TShape.PadTop, TShape.PadLeft,
        TShape.DilationHeight, TShape.DilationWidth, TShape.Groups);

    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        var p = Params;
        int b = TKernels.BlockSize;
        var x = RandomArray(p.InChannels * p.InHeight * p.InWidth, 1);
        nonFinite?.Invoke(x);
        var w = RandomArray(ConvWeights.StandardLength<TShape>(), 2);
        var bias = RandomArray(p.OutChannels, 3);
        var residual = TEpilogue.AddsResidual ? RandomArray(p.OutChannels * p.OutHeight * p.OutWidth, 4) : null;
        var expected = Reference.Conv(p, x, w, bias, residual, activation);
        if (nonFinite is not null)
            AssertHasNonFinite(expected);

        var packedBias = new float[Nchwc.PaddedChannels(p.OutChannels, b)];
        TKernels.PackChannels(bias, packedBias);
        var blockedResidual = residual is null ? null : ToBlocked(residual, p.OutChannels, p.OutHeight, p.OutWidth, b, padding: -3f);
        var output = new float[TKernels.ActivationLength(p.OutChannels, p.OutHeight, p.OutWidth)];
        Array.Fill(output, float.NaN);
        if (residualInPlace)
        {
            blockedResidual!.CopyTo(output, 0);
            blockedResidual = output;
        }
        if (nchwInput)
        {
            var packed = new float[TKernels.ConvNchwWeightsLength<TShape>()];
            TKernels.PackConvNchwWeights<TShape>(w, packed);
            TKernels.ConvNchw<TShape, TEpilogue>(x, packed, packedBias, blockedResidual, output);
        }
        else
        {
            var packed = new float[TKernels.ConvWeightsLength<TShape>()];
            TKernels.PackConvWeights<TShape>(w, packed);
            var input = ToBlocked(x, p.InChannels, p.InHeight, p.InWidth, b, padding: 7.5f);
            TKernels.Conv<TShape, TEpilogue>(input, packed, packedBias, blockedResidual, output);
        }

        var actual = FromBlocked(output, p.OutChannels, p.OutHeight, p.OutWidth, b);
        AssertClose(expected, actual, $"{typeof(TKernels).Name} {typeof(TShape).Name}");
    }
}

/// <summary>SliceWriter (16 output channels) writes channels [16, 32) of a 48-channel buffer; the rest stays untouched.</summary>
internal sealed class SliceCheck : IFamilyCheck
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        var p = ConvCheck<SliceWriter, Epilogue<Relu>>.Params;
        int b = TKernels.BlockSize;
        var x = RandomArray(p.InChannels * p.InHeight * p.InWidth, 11);
        var w = RandomArray(ConvWeights.StandardLength<SliceWriter>(), 12);
        var bias = RandomArray(p.OutChannels, 13);
        var expected = Reference.Conv(p, x, w, bias, null, Reference.Relu);

        var packed = new float[TKernels.ConvWeightsLength<SliceWriter>()];
        TKernels.PackConvWeights<SliceWriter>(w, packed);
        var packedBias = new float[Nchwc.PaddedChannels(p.OutChannels, b)];
        TKernels.PackChannels(bias, packedBias);
        var concat = new float[TKernels.ActivationLength(48, p.OutHeight, p.OutWidth)];
        Array.Fill(concat, -42f);
        var slice = Nchwc.ChannelBlocks(concat.AsSpan(), 16 / b, 16 / b, p.OutHeight, p.OutWidth, b);
        TKernels.Conv<SliceWriter, Epilogue<Relu>>(ToBlocked(x, p.InChannels, p.InHeight, p.InWidth, b), packed, packedBias, default, slice);

        var all = FromBlocked(concat, 48, p.OutHeight, p.OutWidth, b);
        int plane = p.OutHeight * p.OutWidth;
        AssertClose(expected, all[(16 * plane)..(32 * plane)], $"{typeof(TKernels).Name} slice");
        Assert.All(all[..(16 * plane)], v => Assert.Equal(-42f, v));
        Assert.All(all[(32 * plane)..], v => Assert.Equal(-42f, v));
    }
}

/// <summary>BatchNorm folded into Direct3x3's weights and bias equals the conv followed by the BatchNorm.</summary>
internal sealed class FoldedBatchNormCheck : IFamilyCheck
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        var p = ConvCheck<Direct3x3, Epilogue<Relu>>.Params;
        int b = TKernels.BlockSize;
        int channels = p.OutChannels, plane = p.OutHeight * p.OutWidth;
        var x = RandomArray(p.InChannels * p.InHeight * p.InWidth, 21);
        var w = RandomArray(ConvWeights.StandardLength<Direct3x3>(), 22);
        var bias = RandomArray(channels, 23);
        var gamma = RandomArray(channels, 24, 0.5f, 1.5f);
        var beta = RandomArray(channels, 25);
        var mean = RandomArray(channels, 26);
        var variance = RandomArray(channels, 27, 0.1f, 2f);
        var convolved = Reference.Conv(p, x, w, bias, null, Reference.Identity);
        var expected = Reference.BatchNorm(channels, plane, convolved, gamma, beta, mean, variance, 1e-5, Reference.Relu);

        BatchNorm.FoldInto(w, bias, gamma, beta, mean, variance, 1e-5);
        var packed = new float[TKernels.ConvWeightsLength<Direct3x3>()];
        TKernels.PackConvWeights<Direct3x3>(w, packed);
        var packedBias = new float[Nchwc.PaddedChannels(channels, b)];
        TKernels.PackChannels(bias, packedBias);
        var output = new float[TKernels.ActivationLength(channels, p.OutHeight, p.OutWidth)];
        TKernels.Conv<Direct3x3, Epilogue<Relu>>(ToBlocked(x, p.InChannels, p.InHeight, p.InWidth, b), packed, packedBias, default, output);

        AssertClose(expected, FromBlocked(output, channels, p.OutHeight, p.OutWidth, b), $"{typeof(TKernels).Name} folded BatchNorm");
    }
}
