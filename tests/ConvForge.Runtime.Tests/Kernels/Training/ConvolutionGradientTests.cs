using System;
using System.Linq;
using ConvForge.Kernels;
using static ConvForge.Runtime.Tests.Kernels.KernelTesting;

namespace ConvForge.Runtime.Tests.Kernels.Training;

// The convolution and dense gradient kernels of every family against (a) a double-precision reference of
// the same formulas and (b) central finite differences, in double, of L = sum(outputGradient * layer(input, W, b)).
// Tolerances: whole tensors as KernelTesting.AssertClose (max error <= 1e-4 * max |expected|: float
// accumulation in another order); each finite-difference entry within 1e-4 * the largest reference
// gradient of its tensor (L is bilinear, so the central difference is exact up to double rounding).
// Every kernel accumulates: gradients start from random values that must survive, and the NCHWc input
// gradient's padding lanes must stay exactly zero while the input's padding lanes hold a nonzero value.

#pragma warning disable CA1815 // shape markers are never compared

/// <summary>5x5 pad 2, channels off the block sizes: 10x9x8 -> 20x9x8.</summary>
public readonly struct Grad5x5Pad2 : IConvShape
{
    public static int InChannels => 10;
    public static int InHeight => 9;
    public static int InWidth => 8;
    public static int OutChannels => 20;
    public static int OutHeight => 9;
    public static int OutWidth => 8;
    public static int KernelHeight => 5;
    public static int KernelWidth => 5;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 2;
    public static int PadLeft => 2;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>7x7 stride 2 pad 3 on NCHWc input: 20x11x13 -> 10x6x7.</summary>
public readonly struct Grad7x7Stride2 : IConvShape
{
    public static int InChannels => 20;
    public static int InHeight => 11;
    public static int InWidth => 13;
    public static int OutChannels => 10;
    public static int OutHeight => 6;
    public static int OutWidth => 7;
    public static int KernelHeight => 7;
    public static int KernelWidth => 7;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 3;
    public static int PadLeft => 3;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>3x3 stride 2 pad 1: 10x8x9 -> 20x4x5.</summary>
public readonly struct Grad3x3Stride2 : IConvShape
{
    public static int InChannels => 10;
    public static int InHeight => 8;
    public static int InWidth => 9;
    public static int OutChannels => 20;
    public static int OutHeight => 4;
    public static int OutWidth => 5;
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

/// <summary>3x3 stride 1, padding top 0 / left 2 / bottom 2 / right 0: 6x7x8 -> 20x7x8.</summary>
public readonly struct GradAsymmetricStride1 : IConvShape
{
    public static int InChannels => 6;
    public static int InHeight => 7;
    public static int InWidth => 8;
    public static int OutChannels => 20;
    public static int OutHeight => 7;
    public static int OutWidth => 8;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 0;
    public static int PadLeft => 2;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>1x1 with padding 1 (padding beyond the kernel: no stride-1 transposed form): 3x4x5 -> 10x6x7.</summary>
public readonly struct GradPadBeyondKernel : IConvShape
{
    public static int InChannels => 3;
    public static int InHeight => 4;
    public static int InWidth => 5;
    public static int OutChannels => 10;
    public static int OutHeight => 6;
    public static int OutWidth => 7;
    public static int KernelHeight => 1;
    public static int KernelWidth => 1;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>2 block-aligned groups, stride 2: 32x7x7 -> 32x4x4.</summary>
public readonly struct GradGroupedStride2 : IConvShape
{
    public static int InChannels => 32;
    public static int InHeight => 7;
    public static int InWidth => 7;
    public static int OutChannels => 32;
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
    public static int Groups => 2;
}

/// <summary>3x3 stride 2 dilation 2 (odd input rows get no gradient): 10x11x12 -> 20x6x6.</summary>
public readonly struct GradStride2Dilation2 : IConvShape
{
    public static int InChannels => 10;
    public static int InHeight => 11;
    public static int InWidth => 12;
    public static int OutChannels => 20;
    public static int OutHeight => 6;
    public static int OutWidth => 6;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 2;
    public static int PadLeft => 2;
    public static int DilationHeight => 2;
    public static int DilationWidth => 2;
    public static int Groups => 1;
}

/// <summary>3x3 stride 3 dilation 2 (three phases, taps two output rows apart): 6x13x14 -> 9x4x4.</summary>
public readonly struct GradStride3Dilation2 : IConvShape
{
    public static int InChannels => 6;
    public static int InHeight => 13;
    public static int InWidth => 14;
    public static int OutChannels => 9;
    public static int OutHeight => 4;
    public static int OutWidth => 4;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 3;
    public static int StrideWidth => 3;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int DilationHeight => 2;
    public static int DilationWidth => 2;
    public static int Groups => 1;
}

/// <summary>3x3 stride 2 on a wide row (full microkernel tiles in each phase): 16x9x40 -> 20x5x20.</summary>
public readonly struct GradWideStride2 : IConvShape
{
    public static int InChannels => 16;
    public static int InHeight => 9;
    public static int InWidth => 40;
    public static int OutChannels => 20;
    public static int OutHeight => 5;
    public static int OutWidth => 20;
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

/// <summary>Fashion-MNIST-style first layer on NCHW input, 1 channel, 5x5 pad 2: 1x12x12 -> 20x12x12.</summary>
public readonly struct GradFirst5x5 : IConvShape
{
    public static int InChannels => 1;
    public static int InHeight => 12;
    public static int InWidth => 12;
    public static int OutChannels => 20;
    public static int OutHeight => 12;
    public static int OutWidth => 12;
    public static int KernelHeight => 5;
    public static int KernelWidth => 5;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 2;
    public static int PadLeft => 2;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>NCHW input, 9 kernel columns (more than one column tile): 2x10x11 -> 20x10x11.</summary>
public readonly struct GradFirst9x9 : IConvShape
{
    public static int InChannels => 2;
    public static int InHeight => 10;
    public static int InWidth => 11;
    public static int OutChannels => 20;
    public static int OutHeight => 10;
    public static int OutWidth => 11;
    public static int KernelHeight => 9;
    public static int KernelWidth => 9;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 4;
    public static int PadLeft => 4;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>NCHW input, dilation 2 and stride 2: 3x11x12 -> 17x6x6.</summary>
public readonly struct GradFirstDilated : IConvShape
{
    public static int InChannels => 3;
    public static int InHeight => 11;
    public static int InWidth => 12;
    public static int OutChannels => 17;
    public static int OutHeight => 6;
    public static int OutWidth => 6;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 2;
    public static int PadLeft => 2;
    public static int DilationHeight => 2;
    public static int DilationWidth => 2;
    public static int Groups => 1;
}

/// <summary>Dense over 320 features (more than one chunk of 256): 20x4x4 -> 10.</summary>
public readonly struct GradDense20x4x4To10 : IDenseShape
{
    public static int InChannels => 20;
    public static int InHeight => 4;
    public static int InWidth => 4;
    public static int Units => 10;
}

#pragma warning restore CA1815

public class ConvolutionGradientTests
{
    public static TheoryData<KernelFamily> Families => KernelTesting.Families;

    [Theory, MemberData(nameof(Families))]
    public void Pointwise_1x1(KernelFamily family) => Run(family, new ConvGradientCheck<Pointwise>());

    [Theory, MemberData(nameof(Families))]
    public void Pointwise_1x1_stride_2(KernelFamily family) => Run(family, new ConvGradientCheck<PointwiseStride2>());

    [Theory, MemberData(nameof(Families))]
    public void Direct_3x3_pad_1(KernelFamily family) => Run(family, new ConvGradientCheck<Direct3x3>());

    [Theory, MemberData(nameof(Families))]
    public void Direct_5x5_pad_2_channels_10_to_20(KernelFamily family) => Run(family, new ConvGradientCheck<Grad5x5Pad2>());

    [Theory, MemberData(nameof(Families))]
    public void Direct_5x5_on_a_wide_row(KernelFamily family) => Run(family, new ConvGradientCheck<Wide5x5>());

    [Theory, MemberData(nameof(Families))]
    public void Direct_7x7_stride_2_pad_3(KernelFamily family) => Run(family, new ConvGradientCheck<Grad7x7Stride2>());

    [Theory, MemberData(nameof(Families))]
    public void Direct_3x3_stride_2_pad_1(KernelFamily family) => Run(family, new ConvGradientCheck<Grad3x3Stride2>());

    [Theory, MemberData(nameof(Families))]
    public void Stride_2_dilation_2(KernelFamily family) => Run(family, new ConvGradientCheck<GradStride2Dilation2>());

    [Theory, MemberData(nameof(Families))]
    public void Stride_3_dilation_2(KernelFamily family) => Run(family, new ConvGradientCheck<GradStride3Dilation2>());

    [Theory, MemberData(nameof(Families))]
    public void Stride_2_on_a_wide_row(KernelFamily family) => Run(family, new ConvGradientCheck<GradWideStride2>());

    [Theory, MemberData(nameof(Families))]
    public void Stride_2_with_asymmetric_padding(KernelFamily family) => Run(family, new ConvGradientCheck<Stride2Asymmetric>());

    [Theory, MemberData(nameof(Families))]
    public void Stride_1_with_asymmetric_padding(KernelFamily family) => Run(family, new ConvGradientCheck<GradAsymmetricStride1>());

    [Theory, MemberData(nameof(Families))]
    public void Last_window_overhanging_the_edges(KernelFamily family) => Run(family, new ConvGradientCheck<CeilModeLike>());

    [Theory, MemberData(nameof(Families))]
    public void Padding_beyond_the_kernel(KernelFamily family) => Run(family, new ConvGradientCheck<GradPadBeyondKernel>());

    [Theory, MemberData(nameof(Families))]
    public void Kernel_larger_than_the_image(KernelFamily family) => Run(family, new ConvGradientCheck<LargeKernelSmallImage>());

    [Theory, MemberData(nameof(Families))]
    public void One_by_five_kernel(KernelFamily family) => Run(family, new ConvGradientCheck<Row1x5>());

    [Theory, MemberData(nameof(Families))]
    public void Dilation_2(KernelFamily family) => Run(family, new ConvGradientCheck<Dilated>());

    [Theory, MemberData(nameof(Families))]
    public void Two_block_aligned_groups(KernelFamily family) => Run(family, new ConvGradientCheck<Grouped2Wide>());

    [Theory, MemberData(nameof(Families))]
    public void Two_groups_of_8(KernelFamily family) => Run(family, new ConvGradientCheck<Grouped2Narrow>());

    [Theory, MemberData(nameof(Families))]
    public void Two_block_aligned_groups_stride_2(KernelFamily family) => Run(family, new ConvGradientCheck<GradGroupedStride2>());

    [Theory, MemberData(nameof(Families))]
    public void Three_unaligned_groups_stride_2(KernelFamily family) => Run(family, new ConvGradientCheck<Grouped3>());

    [Theory, MemberData(nameof(Families))]
    public void Depthwise_3x3(KernelFamily family) => Run(family, new ConvGradientCheck<Depthwise3x3>());

    [Theory, MemberData(nameof(Families))]
    public void Depthwise_stride_2_dilation_2(KernelFamily family) => Run(family, new ConvGradientCheck<DepthwiseStride2Dilated>());

    [Theory, MemberData(nameof(Families))]
    public void Depth_multiplier_2(KernelFamily family) => Run(family, new ConvGradientCheck<DepthMultiplier>());

    [Theory, MemberData(nameof(Families))]
    public void Without_bias(KernelFamily family) => Run(family, new ConvGradientCheck<Grad5x5Pad2>(withBias: false));

    [Theory, MemberData(nameof(Families))]
    public void Nchw_input_1_channel_5x5(KernelFamily family) => Run(family, new ConvGradientCheck<GradFirst5x5>(nchwInput: true));

    [Theory, MemberData(nameof(Families))]
    public void Nchw_input_3x3(KernelFamily family) => Run(family, new ConvGradientCheck<FirstLayer3x3>(nchwInput: true));

    [Theory, MemberData(nameof(Families))]
    public void Nchw_input_7x7_stride_2(KernelFamily family) => Run(family, new ConvGradientCheck<FirstLayer7x7>(nchwInput: true));

    [Theory, MemberData(nameof(Families))]
    public void Nchw_input_9x9(KernelFamily family) => Run(family, new ConvGradientCheck<GradFirst9x9>(nchwInput: true));

    [Theory, MemberData(nameof(Families))]
    public void Nchw_input_dilated_strided_without_bias(KernelFamily family) => Run(family, new ConvGradientCheck<GradFirstDilated>(nchwInput: true, withBias: false));

    [Theory, MemberData(nameof(Families))]
    public void Dense_from_a_13x3x2_activation(KernelFamily family) => Run(family, new DenseGradientCheck<Dense13x3x2To10>());

    [Theory, MemberData(nameof(Families))]
    public void Dense_from_a_pooled_vector(KernelFamily family) => Run(family, new DenseGradientCheck<Dense17x1x1To21>());

    [Theory, MemberData(nameof(Families))]
    public void Dense_over_more_than_one_chunk_without_bias(KernelFamily family) => Run(family, new DenseGradientCheck<GradDense20x4x4To10>(withBias: false));

    [Fact]
    public void Wrong_lengths_name_the_argument()
    {
        Assert.Equal("biasGradient", WrongBiasLength<Avx2Kernels>().ParamName);
        Assert.Equal("transposedWeights", WrongTransposedWeightsLength<PortableKernels>().ParamName);
    }

    private static ArgumentException WrongBiasLength<TKernels>() where TKernels : struct, IKernelFamily =>
        Assert.Throws<ArgumentException>(() => TKernels.ConvBackwardWeights<Direct3x3>(
            new float[TKernels.ActivationLength(5, 9, 11)], new float[TKernels.ActivationLength(13, 9, 11)],
            new float[ConvWeights.StandardLength<Direct3x3>()], new float[5]));

    private static ArgumentException WrongTransposedWeightsLength<TKernels>() where TKernels : struct, IKernelFamily =>
        Assert.Throws<ArgumentException>(() => TKernels.ConvBackwardInput<Direct3x3>(
            new float[TKernels.ActivationLength(13, 9, 11)], new float[3], new float[TKernels.ActivationLength(5, 9, 11)]));
}

/// <summary>Double-precision definitions on plain NCHW arrays.</summary>
internal static partial class GradientReference
{
    public static Reference.ConvParams Params<TShape>() where TShape : struct, IConvShape => new(
        TShape.InChannels, TShape.InHeight, TShape.InWidth, TShape.OutChannels, TShape.OutHeight, TShape.OutWidth,
        TShape.KernelHeight, TShape.KernelWidth, TShape.StrideHeight, TShape.StrideWidth, TShape.PadTop, TShape.PadLeft,
        TShape.DilationHeight, TShape.DilationWidth, TShape.Groups);

    /// <summary>
    /// Visits every (output element, weight, input element) triple of the convolution: the one loop both the
    /// loss and the gradients are written from.
    /// </summary>
    private static void ForEachTerm(Reference.ConvParams p, Action<int, int, int> term)
    {
        int inPerGroup = p.InChannels / p.Groups, outPerGroup = p.OutChannels / p.Groups;
        for (int oc = 0; oc < p.OutChannels; oc++)
            for (int oh = 0; oh < p.OutHeight; oh++)
                for (int ow = 0; ow < p.OutWidth; ow++)
                    for (int i = 0; i < inPerGroup; i++)
                    {
                        int ic = oc / outPerGroup * inPerGroup + i;
                        for (int kh = 0; kh < p.KernelHeight; kh++)
                        {
                            int ih = oh * p.StrideHeight - p.PadTop + kh * p.DilationHeight;
                            if (ih < 0 || ih >= p.InHeight)
                                continue;
                            for (int kw = 0; kw < p.KernelWidth; kw++)
                            {
                                int iw = ow * p.StrideWidth - p.PadLeft + kw * p.DilationWidth;
                                if (iw < 0 || iw >= p.InWidth)
                                    continue;
                                term((oc * p.OutHeight + oh) * p.OutWidth + ow,
                                    ((oc * inPerGroup + i) * p.KernelHeight + kh) * p.KernelWidth + kw,
                                    (ic * p.InHeight + ih) * p.InWidth + iw);
                            }
                        }
                    }
    }

    /// <summary>L = sum over outputs of g * (b[oc] + conv(x, w)).</summary>
    public static double ConvLoss(Reference.ConvParams p, double[] x, double[] w, double[] bias, double[] g)
    {
        double loss = 0;
        int plane = p.OutHeight * p.OutWidth;
        for (int o = 0; o < g.Length; o++)
            loss += g[o] * bias[o / plane];
        ForEachTerm(p, (o, k, i) => loss += g[o] * w[k] * x[i]);
        return loss;
    }

    public static (double[] Input, double[] Weights, double[] Bias) ConvGradients(Reference.ConvParams p, double[] x, double[] w, double[] g)
    {
        var dx = new double[x.Length];
        var dw = new double[w.Length];
        var db = new double[p.OutChannels];
        int plane = p.OutHeight * p.OutWidth;
        for (int o = 0; o < g.Length; o++)
            db[o / plane] += g[o];
        ForEachTerm(p, (o, k, i) =>
        {
            dx[i] += g[o] * w[k];
            dw[k] += g[o] * x[i];
        });
        return (dx, dw, db);
    }

    public static double[] ToDouble(float[] values) => values.Select(v => (double)v).ToArray();

    /// <summary>initial + gradient, rounded to float: what an accumulating kernel should leave.</summary>
    public static float[] Accumulated(float[] initial, double[] gradient) =>
        initial.Select((v, i) => (float)(v + gradient[i])).ToArray();

    /// <summary>
    /// Central differences of <paramref name="loss"/> at a few random entries of <paramref name="values"/>,
    /// each compared with what the kernel added there (<paramref name="after"/> - <paramref name="before"/>).
    /// </summary>
    public static void AssertFiniteDifferences(string what, double[] values, Func<double[], double> loss, float[] before, float[] after, double[] reference, int seed)
    {
        const double Step = 1e-3;
        double scale = reference.Max(Math.Abs);
        Assert.True(scale > 0, $"{what}: the reference gradient is all zeros.");
        var random = new Random(seed);
        for (int n = 0; n < 6; n++)
        {
            int index = random.Next(values.Length);
            double saved = values[index];
            values[index] = saved + Step;
            double plus = loss(values);
            values[index] = saved - Step;
            double minus = loss(values);
            values[index] = saved;
            double numeric = (plus - minus) / (2 * Step);
            double kernel = (double)after[index] - before[index];
            Assert.True(Math.Abs(kernel - numeric) <= 1e-4 * scale,
                $"{what}[{index}]: the kernel added {kernel}, the central difference is {numeric} (allowed {1e-4 * scale:g3}).");
        }
    }
}

internal sealed class ConvGradientCheck<TShape>(bool nchwInput = false, bool withBias = true) : IFamilyCheck where TShape : struct, IConvShape
{
    /// <summary>What the input's NCHWc padding lanes hold: finite, nonzero, and never to leak into a gradient.</summary>
    private const float InputPadding = 3.5f;

    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        var p = GradientReference.Params<TShape>();
        int b = TKernels.BlockSize;
        int inputLength = p.InChannels * p.InHeight * p.InWidth;
        var x = RandomArray(inputLength, 1);
        var w = RandomArray(ConvWeights.StandardLength<TShape>(), 2);
        var bias = RandomArray(p.OutChannels, 3);
        var g = RandomArray(p.OutChannels * p.OutHeight * p.OutWidth, 4);
        var (dx, dw, db) = GradientReference.ConvGradients(p, GradientReference.ToDouble(x), GradientReference.ToDouble(w), GradientReference.ToDouble(g));
        var gBlocked = ToBlocked(g, p.OutChannels, p.OutHeight, p.OutWidth, b);

        double[] xd = GradientReference.ToDouble(x), wd = GradientReference.ToDouble(w), bd = GradientReference.ToDouble(bias), gd = GradientReference.ToDouble(g);

        // Weights and bias.
        var dwBefore = RandomArray(dw.Length, 5);
        var dbBefore = RandomArray(db.Length, 6);
        var dwActual = (float[])dwBefore.Clone();
        var dbActual = withBias ? (float[])dbBefore.Clone() : Array.Empty<float>();
        if (nchwInput)
            TKernels.ConvNchwBackwardWeights<TShape>(x, gBlocked, dwActual, dbActual);
        else
            TKernels.ConvBackwardWeights<TShape>(ToBlocked(x, p.InChannels, p.InHeight, p.InWidth, b, InputPadding), gBlocked, dwActual, dbActual);
        AssertClose(GradientReference.Accumulated(dwBefore, dw), dwActual, "weight gradient");
        GradientReference.AssertFiniteDifferences("weight gradient", wd, v => GradientReference.ConvLoss(p, xd, v, bd, gd), dwBefore, dwActual, dw, 7);
        if (withBias)
        {
            AssertClose(GradientReference.Accumulated(dbBefore, db), dbActual, "bias gradient");
            GradientReference.AssertFiniteDifferences("bias gradient", bd, v => GradientReference.ConvLoss(p, xd, wd, v, gd), dbBefore, dbActual, db, 8);
        }

        if (nchwInput)
            return; // the first layer's input gradient is never needed: no kernel computes it

        // Input.
        var packed = new float[TKernels.ConvTransposedWeightsLength<TShape>()];
        TKernels.PackConvTransposedWeights<TShape>(w, packed);
        var dxBefore = RandomArray(inputLength, 9);
        var dxBlocked = ToBlocked(dxBefore, p.InChannels, p.InHeight, p.InWidth, b);
        TKernels.ConvBackwardInput<TShape>(gBlocked, packed, dxBlocked);
        AssertPaddingLanesZero(dxBlocked, p.InChannels, p.InHeight * p.InWidth, b);
        var dxActual = FromBlocked(dxBlocked, p.InChannels, p.InHeight, p.InWidth, b);
        AssertClose(GradientReference.Accumulated(dxBefore, dx), dxActual, "input gradient");
        GradientReference.AssertFiniteDifferences("input gradient", xd, v => GradientReference.ConvLoss(p, v, wd, bd, gd), dxBefore, dxActual, dx, 10);
    }

    public static void AssertPaddingLanesZero(float[] blocked, int channels, int plane, int b)
    {
        int blocks = (channels + b - 1) / b;
        for (int c = channels; c < blocks * b; c++)
            for (int pixel = 0; pixel < plane; pixel++)
                Assert.True(blocked[((c / b) * plane + pixel) * b + c % b] == 0f, $"Padding lane of channel {c} at pixel {pixel} is not zero.");
    }
}

internal sealed class DenseGradientCheck<TShape>(bool withBias = true) : IFamilyCheck where TShape : struct, IDenseShape
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int b = TKernels.BlockSize;
        int c = TShape.InChannels, h = TShape.InHeight, wd = TShape.InWidth, units = TShape.Units;
        int features = c * h * wd;
        var x = RandomArray(features, 1);
        var w = RandomArray(units * features, 2);
        var bias = RandomArray(units, 3);
        var g = RandomArray(units, 4);
        var gBlocked = ToBlocked(g, units, 1, 1, b);

        var dx = new double[features];
        var dw = new double[units * features];
        var db = new double[units];
        for (int u = 0; u < units; u++)
        {
            db[u] = g[u];
            for (int f = 0; f < features; f++)
            {
                dx[f] += (double)w[u * features + f] * g[u];
                dw[u * features + f] = (double)g[u] * x[f];
            }
        }
        double[] xs = GradientReference.ToDouble(x), ws = GradientReference.ToDouble(w), bs = GradientReference.ToDouble(bias), gs = GradientReference.ToDouble(g);
        double Loss(double[] xv, double[] wv, double[] bv)
        {
            double loss = 0;
            for (int u = 0; u < units; u++)
            {
                double y = bv[u];
                for (int f = 0; f < features; f++)
                    y += wv[u * features + f] * xv[f];
                loss += gs[u] * y;
            }
            return loss;
        }

        var dwBefore = RandomArray(dw.Length, 5);
        var dbBefore = RandomArray(units, 6);
        var dwActual = (float[])dwBefore.Clone();
        var dbActual = withBias ? (float[])dbBefore.Clone() : Array.Empty<float>();
        TKernels.DenseBackwardWeights<TShape>(ToBlocked(x, c, h, wd, b, 3.5f), gBlocked, dwActual, dbActual);
        AssertClose(GradientReference.Accumulated(dwBefore, dw), dwActual, "weight gradient");
        GradientReference.AssertFiniteDifferences("weight gradient", ws, v => Loss(xs, v, bs), dwBefore, dwActual, dw, 7);
        if (withBias)
        {
            AssertClose(GradientReference.Accumulated(dbBefore, db), dbActual, "bias gradient");
            GradientReference.AssertFiniteDifferences("bias gradient", bs, v => Loss(xs, ws, v), dbBefore, dbActual, db, 8);
        }

        var dxBefore = RandomArray(features, 9);
        var dxBlocked = ToBlocked(dxBefore, c, h, wd, b);
        TKernels.DenseBackwardInput<TShape>(gBlocked, w, dxBlocked);
        ConvGradientCheck<Direct3x3>.AssertPaddingLanesZero(dxBlocked, c, h * wd, b);
        var dxActual = FromBlocked(dxBlocked, c, h, wd, b);
        AssertClose(GradientReference.Accumulated(dxBefore, dx), dxActual, "input gradient");
        GradientReference.AssertFiniteDifferences("input gradient", xs, v => Loss(v, ws, bs), dxBefore, dxActual, dx, 10);
    }
}
