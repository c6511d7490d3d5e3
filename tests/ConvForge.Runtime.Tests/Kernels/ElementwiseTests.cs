using System;
using System.Linq;
using ConvForge.Kernels;
using static ConvForge.Runtime.Tests.Kernels.KernelTesting;

namespace ConvForge.Runtime.Tests.Kernels;

public class ElementwiseTests
{
    public static TheoryData<KernelFamily> Families => KernelTesting.Families;

    [Theory, MemberData(nameof(Families))]
    public void Batch_norm_as_scale_and_shift_with_relu(KernelFamily family) => KernelTesting.Run(family, new BatchNormCheck());

    [Theory, MemberData(nameof(Families))]
    public void Relu(KernelFamily family) => KernelTesting.Run(family, new ActivationCheck<Relu>(Reference.Relu));

    [Theory, MemberData(nameof(Families))]
    public void Relu6(KernelFamily family) => KernelTesting.Run(family, new ActivationCheck<Relu6>(Reference.Relu6));

    [Theory, MemberData(nameof(Families))]
    public void Leaky_relu(KernelFamily family) => KernelTesting.Run(family, new ActivationCheck<LeakyRelu<DefaultLeakyReluSlope>>(Reference.LeakyRelu(0.01)));

    [Theory, MemberData(nameof(Families))]
    public void Sigmoid_over_a_wide_range(KernelFamily family) => KernelTesting.Run(family, new ActivationCheck<Sigmoid>(Reference.Sigmoid));

    [Theory, MemberData(nameof(Families))]
    public void Residual_add_with_relu_in_place(KernelFamily family) => KernelTesting.Run(family, new AddCheck());

    [Theory, MemberData(nameof(Families))]
    public void Channel_scale(KernelFamily family) => KernelTesting.Run(family, new ChannelScaleCheck());

    [Theory, MemberData(nameof(Families))]
    public void Dense_reads_blocked_input_in_nchw_order(KernelFamily family) => KernelTesting.Run(family, new DenseCheck<Dense13x3x2To10, Relu>(Reference.Relu));

    [Theory, MemberData(nameof(Families))]
    public void Dense_on_a_pooled_vector(KernelFamily family) => KernelTesting.Run(family, new DenseCheck<Dense17x1x1To21, Relu>(Reference.Relu));

    [Theory, MemberData(nameof(Families))]
    public void Lrn_odd_window(KernelFamily family) => KernelTesting.Run(family, new LrnCheck(5, 1e-2f, 0.75f, 1f));

    [Theory, MemberData(nameof(Families))]
    public void Lrn_even_window(KernelFamily family) => KernelTesting.Run(family, new LrnCheck(4, 2e-2f, 0.5f, 2f));

    [Theory, MemberData(nameof(Families))]
    public void Softmax_over_channels(KernelFamily family) => KernelTesting.Run(family, new SoftmaxCheck());
}

internal sealed class BatchNormCheck : IFamilyCheck
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = Image13x5x7.Channels, h = Image13x5x7.Height, w = Image13x5x7.Width, b = TKernels.BlockSize;
        var x = RandomArray(c * h * w, 41);
        var gamma = RandomArray(c, 42, 0.5f, 2f);
        var beta = RandomArray(c, 43);
        var mean = RandomArray(c, 44);
        var variance = RandomArray(c, 45, 0.1f, 2f);
        var expected = Reference.BatchNorm(c, h * w, x, gamma, beta, mean, variance, 1e-3, Reference.Relu);

        var scale = new float[c];
        var shift = new float[c];
        BatchNorm.ScaleShift(gamma, beta, mean, variance, 1e-3, scale, shift);
        var packedScale = new float[Nchwc.PaddedChannels(c, b)];
        var packedShift = new float[Nchwc.PaddedChannels(c, b)];
        TKernels.PackChannels(scale, packedScale);
        TKernels.PackChannels(shift, packedShift);
        var output = new float[TKernels.ActivationLength(c, h, w)];
        TKernels.ScaleShift<Image13x5x7, Relu>(ToBlocked(x, c, h, w, b, padding: 9f), packedScale, packedShift, output);
        AssertClose(expected, FromBlocked(output, c, h, w, b), $"{typeof(TKernels).Name} BatchNorm");
    }
}

/// <param name="nonFinite">Puts NaN or infinities into the input; the reference output must then hold NaN.</param>
internal sealed class ActivationCheck<TActivation>(Func<double, double> reference, Action<float[]>? nonFinite = null) : IFamilyCheck where TActivation : struct, IActivation
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = Image17x3x4.Channels, h = Image17x3x4.Height, w = Image17x3x4.Width, b = TKernels.BlockSize;
        // Wide enough to reach Relu6's cap and the sigmoid's tails (and exp's clamping beyond +-88).
        var x = RandomArray(c * h * w, 46, -12f, 12f);
        x[0] = -100f;
        x[1] = 100f;
        nonFinite?.Invoke(x);
        var expected = x.Select(v => (float)reference(v)).ToArray();
        if (nonFinite is not null)
            AssertHasNonFinite(expected);
        var data = ToBlocked(x, c, h, w, b, padding: -4f);
        TKernels.Activate<Image17x3x4, TActivation>(data, data);
        AssertClose(expected, FromBlocked(data, c, h, w, b), $"{typeof(TKernels).Name} {typeof(TActivation).Name}");
    }
}

internal sealed class AddCheck : IFamilyCheck
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = Image33x2x3.Channels, h = Image33x2x3.Height, w = Image33x2x3.Width, b = TKernels.BlockSize;
        var x = RandomArray(c * h * w, 47);
        var y = RandomArray(c * h * w, 48);
        var expected = x.Zip(y, (p, q) => (float)Reference.Relu((double)p + q)).ToArray();
        var a = ToBlocked(x, c, h, w, b);
        TKernels.Add<Image33x2x3, Relu>(a, ToBlocked(y, c, h, w, b), a);
        AssertClose(expected, FromBlocked(a, c, h, w, b), $"{typeof(TKernels).Name} Add");
    }
}

internal sealed class ChannelScaleCheck : IFamilyCheck
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = Image17x3x4.Channels, h = Image17x3x4.Height, w = Image17x3x4.Width, b = TKernels.BlockSize;
        var x = RandomArray(c * h * w, 49);
        var gate = RandomArray(c, 50, 0f, 1f);
        var expected = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
            expected[i] = x[i] * gate[i / (h * w)];
        var output = new float[TKernels.ActivationLength(c, h, w)];
        TKernels.ChannelScale<Image17x3x4>(ToBlocked(x, c, h, w, b), ToBlocked(gate, c, 1, 1, b, padding: 3f), output);
        AssertClose(expected, FromBlocked(output, c, h, w, b), $"{typeof(TKernels).Name} ChannelScale");
    }
}

/// <param name="nonFinite">Puts NaN or infinities into the input; the reference output must then hold NaN.</param>
internal sealed class DenseCheck<TShape, TActivation>(Func<double, double> activation, Action<float[]>? nonFinite = null) : IFamilyCheck
    where TShape : struct, IDenseShape
    where TActivation : struct, IActivation
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = TShape.InChannels, h = TShape.InHeight, w = TShape.InWidth, units = TShape.Units, b = TKernels.BlockSize;
        var x = RandomArray(c * h * w, 51);
        nonFinite?.Invoke(x);
        var weights = RandomArray(units * c * h * w, 52);
        var bias = RandomArray(units, 53);
        var expected = Reference.Dense(c * h * w, units, x, weights, bias, activation);
        if (nonFinite is not null)
            AssertHasNonFinite(expected);

        var packed = new float[TKernels.DenseWeightsLength<TShape>()];
        TKernels.PackDenseWeights<TShape>(weights, packed);
        var packedBias = new float[Nchwc.PaddedChannels(units, b)];
        TKernels.PackChannels(bias, packedBias);
        var output = new float[Nchwc.PaddedChannels(units, b)];
        TKernels.Dense<TShape, TActivation>(ToBlocked(x, c, h, w, b, padding: 6f), packed, packedBias, output);
        AssertClose(expected, FromBlocked(output, units, 1, 1, b), $"{typeof(TKernels).Name} Dense");
        Assert.All(output[units..], v => Assert.Equal(0f, v));
    }
}

internal sealed class LrnCheck(int size, float alpha, float beta, float k) : IFamilyCheck
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = Image21x3x2.Channels, h = Image21x3x2.Height, w = Image21x3x2.Width, b = TKernels.BlockSize;
        var x = RandomArray(c * h * w, 54, -3f, 3f);
        var expected = Reference.Lrn(c, h * w, x, size, alpha, beta, k);
        var output = new float[TKernels.ActivationLength(c, h, w)];
        TKernels.Lrn<Image21x3x2>(ToBlocked(x, c, h, w, b, padding: 8f), output, size, alpha, beta, k);
        AssertClose(expected, FromBlocked(output, c, h, w, b), $"{typeof(TKernels).Name} LRN {size}");
    }
}

internal sealed class SoftmaxCheck : IFamilyCheck
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = Image7x2x5.Channels, plane = Image7x2x5.Height * Image7x2x5.Width;
        var x = RandomArray(c * plane, 55, -20f, 20f);
        var expected = Reference.Softmax(c, plane, x);
        TKernels.Softmax<Image7x2x5>(x, x);
        AssertClose(expected, x, $"{typeof(TKernels).Name} Softmax");
    }
}
