using System;
using System.Linq;
using ConvForge.Kernels;
using static ConvForge.Runtime.Tests.Kernels.Training.GradientReference;
using static ConvForge.Runtime.Tests.Kernels.Training.GradientTesting;

namespace ConvForge.Runtime.Tests.Kernels.Training;

// The training kernels of the layers without weights, and BatchNorm, on every family (tolerances: GradientTesting).

#pragma warning disable CA1815 // shape markers are never compared
public readonly struct Grad5x4x4 : ITensorShape
{
    public static int Channels => 5;
    public static int Height => 4;
    public static int Width => 4;
}

public readonly struct Grad20x4x4 : ITensorShape
{
    public static int Channels => 20;
    public static int Height => 4;
    public static int Width => 4;
}

/// <summary>Large enough for the dropout rate's statistical bound: 10,240 values.</summary>
public readonly struct Grad40x16x16 : ITensorShape
{
    public static int Channels => 40;
    public static int Height => 16;
    public static int Width => 16;
}

/// <summary>81-pixel planes: every channel's draws end in the scalar tail (3,000 values).</summary>
public readonly struct Grad37x9x9 : ITensorShape
{
    public static int Channels => 37;
    public static int Height => 9;
    public static int Width => 9;
}

/// <summary>A concat part of 13 channels, 3x4 pixels.</summary>
public readonly struct Grad13x3x4 : ITensorShape
{
    public static int Channels => 13;
    public static int Height => 3;
    public static int Width => 4;
}
#pragma warning restore CA1815

public class LayerGradientTests
{
    public static TheoryData<KernelFamily> Families => KernelTesting.Families;

    private static void Run(KernelFamily family, IFamilyCheck check) => KernelTesting.Run(family, check);

    private static (int, int, int) Dims<TShape>() where TShape : struct, ITensorShape => (TShape.Channels, TShape.Height, TShape.Width);

    private static UnaryGradientCheck Activation<TShape, TActivation>(Func<double, double> f, Func<double, double> derivative, double low, double high, params double[] kinks)
        where TShape : struct, ITensorShape
        where TActivation : struct, IActivation =>
        new(Dims<TShape>(), Dims<TShape>(), seed => Uniform(TShape.Channels * TShape.Height * TShape.Width, seed, low, high, kinks),
            x => Map(x, f), ActivationBackward(derivative), new ActivationKernel<TShape, TActivation>());

    [Theory, MemberData(nameof(Families))]
    public void Relu_backward(KernelFamily family) => Run(family, Activation<Image13x5x7, Relu>(Relu, ReluDerivative, -2, 2, 0));

    [Theory, MemberData(nameof(Families))]
    public void Relu6_backward(KernelFamily family) => Run(family, Activation<Image17x3x4, Relu6>(Relu6, Relu6Derivative, -2, 8, 0, 6));

    [Theory, MemberData(nameof(Families))]
    public void LeakyRelu_backward(KernelFamily family) => Run(family, Activation<Image13x5x7, LeakyRelu<DefaultLeakyReluSlope>>(Leaky, LeakyDerivative, -2, 2, 0));

    [Theory, MemberData(nameof(Families))]
    public void Sigmoid_backward(KernelFamily family) => Run(family, Activation<Image21x3x2, Sigmoid>(Sigmoid, SigmoidDerivative, -4, 4));

    [Theory, MemberData(nameof(Families))]
    public void Identity_backward(KernelFamily family) => Run(family, Activation<Image7x2x5, Identity>(v => v, _ => 1, -2, 2));

    [Theory, MemberData(nameof(Families))]
    public void Accumulate_gradient(KernelFamily family) =>
        Run(family, new UnaryGradientCheck(Dims<Image33x2x3>(), Dims<Image33x2x3>(), seed => Uniform(33 * 6, seed, -1, 1),
            x => x, (_, g) => g, new AccumulateKernel<Image33x2x3>()));

    private static Pool Params<TShape>() where TShape : struct, IPoolShape => new(
        TShape.Channels, TShape.InHeight, TShape.InWidth, TShape.OutHeight, TShape.OutWidth, TShape.KernelHeight, TShape.KernelWidth,
        TShape.StrideHeight, TShape.StrideWidth, TShape.PadTop, TShape.PadLeft, TShape.PadBottom, TShape.PadRight, TShape.CountIncludePad);

    private static UnaryGradientCheck MaxPool<TShape>(Func<int, double[]>? sample = null) where TShape : struct, IPoolShape
    {
        var p = Params<TShape>();
        return new((p.Channels, p.InHeight, p.InWidth), (p.Channels, p.OutHeight, p.OutWidth),
            sample ?? (seed => Distinct(p.Channels * p.InHeight * p.InWidth, seed)),
            x => GradientReference.MaxPool(p, x), (x, g) => MaxPoolBackward(p, x, g), new MaxPoolKernel<TShape>(), finiteDifferences: sample is null);
    }

    private static UnaryGradientCheck AvgPool<TShape>() where TShape : struct, IPoolShape
    {
        var p = Params<TShape>();
        return new((p.Channels, p.InHeight, p.InWidth), (p.Channels, p.OutHeight, p.OutWidth),
            seed => Uniform(p.Channels * p.InHeight * p.InWidth, seed, -1, 1),
            x => GradientReference.AvgPool(p, x), (x, g) => AvgPoolBackward(p, x, g), new AvgPoolKernel<TShape>());
    }

    [Theory, MemberData(nameof(Families))]
    public void MaxPool_backward_3x3_stride_2_ceil_mode(KernelFamily family) => Run(family, MaxPool<MaxCeil3x3>());

    [Theory, MemberData(nameof(Families))]
    public void MaxPool_backward_asymmetric_padding(KernelFamily family) => Run(family, MaxPool<MaxAsymmetric2x2>());

    [Theory, MemberData(nameof(Families))]
    public void MaxPool_backward_overlapping_stride_1_padded(KernelFamily family) => Run(family, MaxPool<MaxSameStride1>());

    [Theory, MemberData(nameof(Families))]
    public void MaxPool_backward_routes_ties_to_the_first_maximum(KernelFamily family) =>
        // Values from {0, 0.25, 0.5}: most windows hold their maximum several times.
        Run(family, MaxPool<MaxSameStride1>(seed => Uniform(24 * 6 * 5, seed, 0, 3).Select(v => Math.Floor(v) / 4).ToArray()));

    [Theory, MemberData(nameof(Families))]
    public void MaxPool_backward_routes_to_the_first_NaN(KernelFamily family) =>
        Run(family, MaxPool<MaxCeil3x3>(seed => Distinct(13 * 9 * 10, seed).Select((v, i) => i % 7 == 3 ? double.NaN : v).ToArray()));

    [Theory, MemberData(nameof(Families))]
    public void AvgPool_backward_ceil_mode_counting_padding(KernelFamily family) => Run(family, AvgPool<AvgCeilIncludePad>());

    [Theory, MemberData(nameof(Families))]
    public void AvgPool_backward_ceil_mode_not_counting_padding(KernelFamily family) => Run(family, AvgPool<AvgCeilExcludePad>());

    [Theory, MemberData(nameof(Families))]
    public void AvgPool_backward_rectangular_asymmetric(KernelFamily family) => Run(family, AvgPool<AvgAsymmetric>());

    [Theory, MemberData(nameof(Families))]
    public void AvgPool_backward_overlapping_ceil_mode(KernelFamily family) => Run(family, AvgPool<MaxCeil3x3>());

    [Theory, MemberData(nameof(Families))]
    public void GlobalAvgPool_backward(KernelFamily family) =>
        Run(family, new UnaryGradientCheck(Dims<Image13x5x7>(), (13, 1, 1), seed => Uniform(13 * 35, seed, -1, 1),
            x => GlobalPool(13, 35, x, max: false), (x, g) => GlobalPoolBackward(13, 35, x, g, max: false), new GlobalAvgPoolKernel<Image13x5x7>()));

    [Theory, MemberData(nameof(Families))]
    public void GlobalMaxPool_backward(KernelFamily family) =>
        Run(family, new UnaryGradientCheck(Dims<Image17x3x4>(), (17, 1, 1), seed => Distinct(17 * 12, seed),
            x => GlobalPool(17, 12, x, max: true), (x, g) => GlobalPoolBackward(17, 12, x, g, max: true), new GlobalMaxPoolKernel<Image17x3x4>()));

    [Theory, MemberData(nameof(Families))]
    public void Lrn_backward_odd_window(KernelFamily family) => Run(family, Lrn<Image13x5x7>(size: 5, alpha: 0.8, beta: 0.75, k: 1));

    [Theory, MemberData(nameof(Families))]
    public void Lrn_backward_even_window(KernelFamily family) => Run(family, Lrn<Image17x3x4>(size: 4, alpha: 0.5, beta: 0.6, k: 2));

    private static UnaryGradientCheck Lrn<TShape>(int size, double alpha, double beta, double k) where TShape : struct, ITensorShape
    {
        int channels = TShape.Channels, plane = TShape.Height * TShape.Width;
        return new(Dims<TShape>(), Dims<TShape>(), seed => Uniform(channels * plane, seed, -2, 2),
            x => GradientReference.Lrn(channels, plane, x, size, alpha, beta, k), (x, g) => LrnBackward(channels, plane, x, g, size, alpha, beta, k),
            new LrnKernel<TShape>(size, (float)alpha, (float)beta, (float)k));
    }

    [Theory, MemberData(nameof(Families))]
    public void Softmax_backward_vector(KernelFamily family) => Run(family, Softmax<Image10x1x1>());

    [Theory, MemberData(nameof(Families))]
    public void Softmax_backward_per_pixel(KernelFamily family) => Run(family, Softmax<Image7x2x5>());

    private static UnaryGradientCheck Softmax<TShape>() where TShape : struct, ITensorShape
    {
        int channels = TShape.Channels, plane = TShape.Height * TShape.Width;
        return new(Dims<TShape>(), Dims<TShape>(), seed => Uniform(channels * plane, seed, -3, 3),
            x => GradientReference.Softmax(channels, plane, x), (x, g) => SoftmaxBackward(channels, plane, x, g), new SoftmaxKernel<TShape>(), plain: true);
    }

    [Theory, MemberData(nameof(Families))]
    public void ChannelScale_backward(KernelFamily family) => Run(family, new ChannelScaleCheck<Image13x5x7>());

    [Theory, MemberData(nameof(Families))]
    public void AccumulateChannels_at_a_block_aligned_offset(KernelFamily family) => Run(family, new AccumulateChannelsCheck<Grad13x3x4>(40, 16));

    [Theory, MemberData(nameof(Families))]
    public void AccumulateChannels_at_an_unaligned_offset(KernelFamily family) => Run(family, new AccumulateChannelsCheck<Grad13x3x4>(40, 5));

    [Theory, MemberData(nameof(Families))]
    public void AccumulateChannels_of_the_last_part(KernelFamily family) => Run(family, new AccumulateChannelsCheck<Grad13x3x4>(40, 27));

    [Theory, MemberData(nameof(Families))]
    public void AccumulateChannels_of_the_first_part(KernelFamily family) => Run(family, new AccumulateChannelsCheck<Grad13x3x4>(21, 0));

    [Theory, MemberData(nameof(Families))]
    public void Dropout(KernelFamily family) => Run(family, new DropoutCheck<Grad40x16x16>());

    [Theory, MemberData(nameof(Families))]
    public void Dropout_with_planes_off_the_vector_width(KernelFamily family) => Run(family, new DropoutCheck<Grad37x9x9>());

    [Theory, MemberData(nameof(Families))]
    public void BatchNorm_training_5_channels(KernelFamily family) => Run(family, new BatchNormTrainingCheck<Grad5x4x4>());

    [Theory, MemberData(nameof(Families))]
    public void BatchNorm_training_20_channels(KernelFamily family) => Run(family, new BatchNormTrainingCheck<Grad20x4x4>());

    [Theory, MemberData(nameof(Families))]
    public void BatchNorm_training_split_by_channel_blocks_matches_the_whole_call(KernelFamily family) => Run(family, new BatchNormSplitCheck<Grad20x4x4>());

    [Theory, MemberData(nameof(Families))]
    public void BatchNorm_inference_backward_input(KernelFamily family)
    {
        var bn = BatchNormInferenceCheck<Image13x5x7>.Parameters();
        int plane = 35;
        Run(family, new UnaryGradientCheck(Dims<Image13x5x7>(), Dims<Image13x5x7>(), seed => Uniform(13 * plane, seed, -2, 2),
            x => BatchNormInferenceCheck<Image13x5x7>.Forward(bn, x),
            (_, g) => g.Select((v, i) => v * bn.Gamma[i / plane] / Math.Sqrt(bn.Variance[i / plane] + bn.Epsilon)).ToArray(),
            new BatchNormInferenceInputKernel<Image13x5x7>(bn)));
    }

    [Theory, MemberData(nameof(Families))]
    public void BatchNorm_inference_forward_and_parameter_gradients(KernelFamily family) => Run(family, new BatchNormInferenceCheck<Image13x5x7>());

    [Fact]
    public void Dropout_masks_agree_across_families()
    {
        // The draw is keyed by the NCHW index, so block size does not change which values drop.
        static float[] Mask<TKernels, TShape>() where TKernels : struct, IKernelFamily where TShape : struct, ITensorShape
        {
            int length = TKernels.ActivationLength(TShape.Channels, TShape.Height, TShape.Width);
            var mask = new float[length];
            TKernels.DropoutForward<TShape>(new float[length], new float[length], mask, 0.4f, 7, 3);
            return KernelTesting.FromBlocked(mask, TShape.Channels, TShape.Height, TShape.Width, TKernels.BlockSize);
        }
        var portable = Mask<PortableKernels, Grad40x16x16>();
        Assert.Equal(portable, Mask<Avx2Kernels, Grad40x16x16>());
        Assert.Equal(portable, Mask<Avx512Kernels, Grad40x16x16>());

        // Channel 0's NCHW indices are its pixels in both shapes: pixel 80 is drawn in the scalar tail of a 9x9 plane
        // and in vector lanes of a 16x16 one, so the two paths must agree.
        Assert.Equal(portable.Take(81), Mask<PortableKernels, Grad37x9x9>().Take(81));
    }

    [Fact]
    public void Bad_lengths_and_arguments_are_named() => Check<PortableKernels>();

    private static void Check<TKernels>() where TKernels : struct, IKernelFamily
    {
        int length = TKernels.ActivationLength(13, 5, 7);
        var ex = Assert.Throws<ArgumentException>(() => TKernels.ActivationBackward<Image13x5x7, Relu>(new float[length], new float[length], new float[length - 1]));
        Assert.Equal("inputGradient", ex.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => TKernels.DropoutForward<Image13x5x7>(new float[length], new float[length], new float[length], 1f, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TKernels.AccumulateChannels<Grad13x3x4>(new float[TKernels.ActivationLength(20, 3, 4)], 20, 8, new float[TKernels.ActivationLength(13, 3, 4)]));
        int bn = TKernels.ActivationLength(5, 4, 4);
        var five = new float[5];
        Assert.Throws<ArgumentException>(() => TKernels.BatchNormTrainingForward<Grad5x4x4>(new float[3 * bn - 1], bn, 3, 0, 0, five, five, new float[5], new float[5], 0.1f, 1e-5f, new float[5], new float[5]));
        Assert.Throws<ArgumentException>(() => TKernels.BatchNormTrainingForward<Grad5x4x4>(new float[3 * bn], bn, 3, 0, 0, new float[4], five, new float[5], new float[5], 0.1f, 1e-5f, new float[5], new float[5]));
    }
}

internal sealed class ActivationKernel<TShape, TActivation> : IGradientKernel where TShape : struct, ITensorShape where TActivation : struct, IActivation
{
    public void Run<TKernels>(float[] x, float[] y, float[] dy, float[] dx) where TKernels : struct, IKernelFamily => TKernels.ActivationBackward<TShape, TActivation>(y, dy, dx);
}

internal sealed class AccumulateKernel<TShape> : IGradientKernel where TShape : struct, ITensorShape
{
    public void Run<TKernels>(float[] x, float[] y, float[] dy, float[] dx) where TKernels : struct, IKernelFamily => TKernels.AccumulateGradient<TShape>(dy, dx);
}

internal sealed class MaxPoolKernel<TShape> : IGradientKernel where TShape : struct, IPoolShape
{
    public void Run<TKernels>(float[] x, float[] y, float[] dy, float[] dx) where TKernels : struct, IKernelFamily => TKernels.MaxPoolBackward<TShape>(x, dy, dx);
}

internal sealed class AvgPoolKernel<TShape> : IGradientKernel where TShape : struct, IPoolShape
{
    public void Run<TKernels>(float[] x, float[] y, float[] dy, float[] dx) where TKernels : struct, IKernelFamily => TKernels.AvgPoolBackward<TShape>(dy, dx);
}

internal sealed class GlobalAvgPoolKernel<TShape> : IGradientKernel where TShape : struct, ITensorShape
{
    public void Run<TKernels>(float[] x, float[] y, float[] dy, float[] dx) where TKernels : struct, IKernelFamily => TKernels.GlobalAvgPoolBackward<TShape>(dy, dx);
}

internal sealed class GlobalMaxPoolKernel<TShape> : IGradientKernel where TShape : struct, ITensorShape
{
    public void Run<TKernels>(float[] x, float[] y, float[] dy, float[] dx) where TKernels : struct, IKernelFamily => TKernels.GlobalMaxPoolBackward<TShape>(x, dy, dx);
}

internal sealed class LrnKernel<TShape>(int size, float alpha, float beta, float k) : IGradientKernel where TShape : struct, ITensorShape
{
    public void Run<TKernels>(float[] x, float[] y, float[] dy, float[] dx) where TKernels : struct, IKernelFamily
    {
        // The kernel reads the forward's output: take the family's own (its padding lanes are 0).
        var output = new float[x.Length];
        TKernels.Lrn<TShape>(x, output, size, alpha, beta, k);
        TKernels.LrnBackward<TShape>(x, output, dy, dx, size, alpha, beta, k);
    }
}

internal sealed class SoftmaxKernel<TShape> : IGradientKernel where TShape : struct, ITensorShape
{
    public void Run<TKernels>(float[] x, float[] y, float[] dy, float[] dx) where TKernels : struct, IKernelFamily => TKernels.SoftmaxBackward<TShape>(y, dy, dx);
}

internal sealed class BatchNormInferenceInputKernel<TShape>(BatchNormInferenceCheck<TShape>.Set bn) : IGradientKernel where TShape : struct, ITensorShape
{
    public void Run<TKernels>(float[] x, float[] y, float[] dy, float[] dx) where TKernels : struct, IKernelFamily =>
        TKernels.BatchNormInferenceBackwardInput<TShape>(dy, bn.Gamma, bn.Variance, bn.Epsilon, dx);
}

/// <summary>y = x * gate[c]: gradients to x and to the gate (summed over pixels) against the reference and finite differences.</summary>
internal sealed class ChannelScaleCheck<TShape> : IFamilyCheck where TShape : struct, ITensorShape
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = TShape.Channels, h = TShape.Height, w = TShape.Width, plane = h * w, b = TKernels.BlockSize;
        string what = $"{typeof(TKernels).Name} ChannelScale";
        var x = Uniform(c * plane, 21, -1, 1);
        var gate = Uniform(c, 22, 0, 1);
        var g = Uniform(c * plane, 23, -1, 1);
        var initialX = Uniform(c * plane, 24, -1, 1);
        var initialGate = Uniform(c, 25, -1, 1);
        var dx = Block(initialX, c, h, w, b, 0f);
        var dGate = Block(initialGate, c, 1, 1, b, 0f);
        TKernels.ChannelScaleBackward<TShape>(Block(x, c, h, w, b, ActivationPadding), Block(gate, c, 1, 1, b, ActivationPadding), Block(g, c, h, w, b, 0f), dx, dGate);

        double Loss(double[] xs, double[] gs)
        {
            double sum = 0;
            for (int i = 0; i < xs.Length; i++)
                sum += g[i] * xs[i] * gs[i / plane];
            return sum;
        }
        var inputGradient = Subtract(Unblock(dx, c, h, w, b, what), initialX);
        var gateGradient = Subtract(Unblock(dGate, c, 1, 1, b, what), initialGate);
        AssertGradient(what + " input", g.Select((v, i) => v * gate[i / plane]).ToArray(), inputGradient);
        AssertGradient(what + " gate", Enumerable.Range(0, c).Select(ch => Enumerable.Range(0, plane).Sum(p => g[ch * plane + p] * x[ch * plane + p])).ToArray(), gateGradient);
        AssertFiniteDifferences(what + " input", v => Loss(v, gate), x, inputGradient, 26);
        AssertFiniteDifferences(what + " gate", v => Loss(x, v), gate, gateGradient, 27);
    }
}

/// <summary>A concat part's gradient: its channels of the concat's gradient added in, and nothing else touched (a copy, so no finite differences).</summary>
internal sealed class AccumulateChannelsCheck<TShape>(int concatChannels, int offset) : IFamilyCheck where TShape : struct, ITensorShape
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = TShape.Channels, h = TShape.Height, w = TShape.Width, plane = h * w, b = TKernels.BlockSize;
        string what = $"{typeof(TKernels).Name} AccumulateChannels at {offset}";
        var concat = Uniform(concatChannels * plane, 31, -1, 1);
        var initial = Uniform(c * plane, 32, -1, 1);
        var part = Block(initial, c, h, w, b, 0f);
        TKernels.AccumulateChannels<TShape>(Block(concat, concatChannels, h, w, b, 0f), concatChannels, offset, part);
        AssertGradient(what, concat.Skip(offset * plane).Take(c * plane).ToArray(), Subtract(Unblock(part, c, h, w, b, what), initial));
    }
}

internal sealed class DropoutCheck<TShape> : IFamilyCheck where TShape : struct, ITensorShape
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = TShape.Channels, h = TShape.Height, w = TShape.Width, n = c * h * w, b = TKernels.BlockSize;
        int length = TKernels.ActivationLength(c, h, w);
        string what = $"{typeof(TKernels).Name} Dropout";
        const float Rate = 0.3f;
        var x = Uniform(n, 41, -1, 1);
        var input = Block(x, c, h, w, b, ActivationPadding);
        var output = new float[length];
        var mask = new float[length];
        Array.Fill(mask, float.NaN);
        TKernels.DropoutForward<TShape>(input, output, mask, Rate, seed: 1234, stream: 5);

        // Mask values, padding lanes 0, and the rate within 5 standard deviations of a binomial draw.
        var plainMask = Unblock(mask, c, h, w, b, what + " mask");
        float keep = 1f / (1f - Rate);
        Assert.All(plainMask, m => Assert.True(m == 0 || m == keep, $"{what}: mask value {m}."));
        int dropped = plainMask.Count(m => m == 0);
        double sd = Math.Sqrt(n * Rate * (1 - Rate));
        Assert.True(Math.Abs(dropped - n * Rate) <= 5 * sd, $"{what}: {dropped} of {n} dropped at rate {Rate}.");
        var y = Unblock(output, c, h, w, b, what + " output");
        for (int i = 0; i < n; i++)
            Assert.Equal((float)x[i] * (float)plainMask[i], (float)y[i]);

        // Deterministic for the same (seed, stream); another stream or seed draws another mask.
        var again = new float[length];
        TKernels.DropoutForward<TShape>(input, new float[length], again, Rate, 1234, 5);
        Assert.Equal(mask, again);
        var otherStream = new float[length];
        TKernels.DropoutForward<TShape>(input, new float[length], otherStream, Rate, 1234, 6);
        var otherSeed = new float[length];
        TKernels.DropoutForward<TShape>(input, new float[length], otherSeed, Rate, 1235, 5);
        Assert.True(mask.Zip(otherStream).Count(p => p.First != p.Second) > n / 5, $"{what}: stream 6 draws nearly the same mask as stream 5.");
        Assert.True(mask.Zip(otherSeed).Count(p => p.First != p.Second) > n / 5, $"{what}: seed 1235 draws nearly the same mask as seed 1234.");

        // Backward: dx += dy * mask, against finite differences of L = sum(g * x * mask).
        var g = Uniform(n, 42, -1, 1);
        var initial = Uniform(n, 43, -1, 1);
        var dx = Block(initial, c, h, w, b, 0f);
        TKernels.DropoutBackward<TShape>(mask, Block(g, c, h, w, b, 0f), dx);
        var gradient = Subtract(Unblock(dx, c, h, w, b, what), initial);
        AssertGradient(what, g.Select((v, i) => v * plainMask[i]).ToArray(), gradient);
        AssertFiniteDifferences(what, v => v.Select((xi, i) => g[i] * xi * plainMask[i]).Sum(), x, gradient, 44);
    }
}

/// <summary>
/// BatchNorm in training mode over 3 images placed inside larger per-image buffers at offsets (as the engine lays out
/// a batch): forward against the PyTorch definition (batch mean, biased variance, running averages with the unbiased
/// variance), backward to the input through the batch statistics and to gamma and beta, against the analytic
/// reference and finite differences of L = sum over the batch of g * y.
/// </summary>
internal sealed class BatchNormTrainingCheck<TShape> : IFamilyCheck where TShape : struct, ITensorShape
{
    private const int Images = 3;
    private const double Momentum = 0.1, Epsilon = 1e-5;

    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = TShape.Channels, h = TShape.Height, w = TShape.Width, plane = h * w, n = c * plane, b = TKernels.BlockSize;
        string what = $"{typeof(TKernels).Name} BatchNorm {c}x{h}x{w}";
        int length = TKernels.ActivationLength(c, h, w);
        int inputOffset = 5, outputOffset = inputOffset + length + 3, imageLength = outputOffset + length + 4;
        const float Junk = 7.25f;

        // Each channel its own mean and spread, so a wrong channel's statistics show.
        var x = new double[Images][];
        for (int i = 0; i < Images; i++)
            x[i] = Uniform(n, 50 + i, -1, 1).Select((v, k) => (double)(float)(v * (0.5 + k / plane % 3) + (k / plane) * 0.3)).ToArray();
        var gamma = Uniform(c, 54, 0.5, 1.5);
        var beta = Uniform(c, 55, -0.5, 0.5);
        var runningMean = Uniform(c, 56, -0.2, 0.2);
        var runningVariance = Uniform(c, 57, 0.5, 1.5);

        var values = new float[Images * imageLength];
        Array.Fill(values, Junk);
        for (int i = 0; i < Images; i++)
        {
            Block(x[i], c, h, w, b, ActivationPadding).CopyTo(values, i * imageLength + inputOffset);
            Array.Fill(values, float.NaN, i * imageLength + outputOffset, length); // every output lane must be written
        }
        var before = (float[])values.Clone();
        var rm = ToFloats(runningMean);
        var rv = ToFloats(runningVariance);
        var savedMean = new float[c];
        var savedInverseStd = new float[c];
        TKernels.BatchNormTrainingForward<TShape>(values, imageLength, Images, inputOffset, outputOffset, ToFloats(gamma), ToFloats(beta), rm, rv, (float)Momentum, (float)Epsilon, savedMean, savedInverseStd);

        var (mean, variance) = Statistics(x, c, plane);
        int count = Images * plane;
        for (int ch = 0; ch < c; ch++)
        {
            Assert.True(Math.Abs(savedMean[ch] - mean[ch]) <= 1e-6 * (1 + Math.Abs(mean[ch])), $"{what}: saved mean of channel {ch} is {savedMean[ch]}, expected {mean[ch]}.");
            double inverseStd = 1 / Math.Sqrt(variance[ch] + Epsilon);
            Assert.True(Math.Abs(savedInverseStd[ch] - inverseStd) <= 1e-6 * inverseStd, $"{what}: saved 1/std of channel {ch} is {savedInverseStd[ch]}, expected {inverseStd}.");
            double expectedMean = (1 - Momentum) * runningMean[ch] + Momentum * mean[ch];
            double expectedVariance = (1 - Momentum) * runningVariance[ch] + Momentum * variance[ch] * count / (count - 1);
            Assert.True(Math.Abs(rm[ch] - expectedMean) <= 1e-6, $"{what}: running mean of channel {ch} is {rm[ch]}, expected {expectedMean}.");
            Assert.True(Math.Abs(rv[ch] - expectedVariance) <= 1e-6 * expectedVariance, $"{what}: running variance of channel {ch} is {rv[ch]}, expected {expectedVariance}.");
        }
        var y = Forward(x, gamma, beta, c, plane);
        for (int i = 0; i < Images; i++)
        {
            var output = Unblock(values.AsSpan(i * imageLength + outputOffset, length).ToArray(), c, h, w, b, what + " output");
            AssertGradient($"{what} output of image {i}", y[i], output);
            for (int k = 0; k < imageLength; k++)
                if (k < outputOffset || k >= outputOffset + length)
                    Assert.True(before[i * imageLength + k].Equals(values[i * imageLength + k]), $"{what}: float {k} of image {i} outside the output changed.");
        }

        // Backward: the gradient buffer has the batch's layout; dy at the output, dx (added into) at the input.
        var g = Enumerable.Range(0, Images).Select(i => Uniform(n, 60 + i, -1, 1)).ToArray();
        var initial = Enumerable.Range(0, Images).Select(i => Uniform(n, 63 + i, -1, 1)).ToArray();
        var gradients = new float[values.Length];
        for (int i = 0; i < Images; i++)
        {
            Block(g[i], c, h, w, b, 0f).CopyTo(gradients, i * imageLength + outputOffset);
            Block(initial[i], c, h, w, b, 0f).CopyTo(gradients, i * imageLength + inputOffset);
        }
        var gradientsBefore = (float[])gradients.Clone();
        var initialGamma = Uniform(c, 66, -1, 1);
        var initialBeta = Uniform(c, 67, -1, 1);
        var gammaGradient = ToFloats(initialGamma);
        var betaGradient = ToFloats(initialBeta);
        TKernels.BatchNormTrainingBackwardInput<TShape>(values, gradients, imageLength, Images, inputOffset, outputOffset, ToFloats(gamma), savedMean, savedInverseStd);
        TKernels.BatchNormTrainingBackwardParameters<TShape>(values, gradients, imageLength, Images, inputOffset, outputOffset, savedMean, savedInverseStd, gammaGradient, betaGradient);

        var flatX = x.SelectMany(v => v).ToArray();
        double Loss(double[] flat, double[] gm, double[] bt)
        {
            var images = Enumerable.Range(0, Images).Select(i => flat.Skip(i * n).Take(n).ToArray()).ToArray();
            var outputs = Forward(images, gm, bt, c, plane);
            return Enumerable.Range(0, Images).Sum(i => Dot(g[i], outputs[i]));
        }
        var inputGradient = new double[Images * n];
        for (int i = 0; i < Images; i++)
        {
            var dx = Unblock(gradients.AsSpan(i * imageLength + inputOffset, length).ToArray(), c, h, w, b, what + " input gradient");
            Subtract(dx, initial[i]).CopyTo(inputGradient, i * n);
            for (int k = 0; k < imageLength; k++)
                if (k < inputOffset || k >= inputOffset + length)
                    Assert.True(gradientsBefore[i * imageLength + k].Equals(gradients[i * imageLength + k]), $"{what}: gradient float {k} of image {i} outside the input changed.");
        }
        var (referenceInput, referenceGamma, referenceBeta) = Backward(x, g, gamma, c, plane);
        AssertGradient(what + " input gradient", referenceInput, inputGradient);
        AssertFiniteDifferences(what + " input gradient", v => Loss(v, gamma, beta), flatX, inputGradient, 68);
        var gammaIncrement = Subtract(gammaGradient.Select(v => (double)v).ToArray(), initialGamma);
        var betaIncrement = Subtract(betaGradient.Select(v => (double)v).ToArray(), initialBeta);
        AssertGradient(what + " gamma gradient", referenceGamma, gammaIncrement);
        AssertGradient(what + " beta gradient", referenceBeta, betaIncrement);
        AssertFiniteDifferences(what + " gamma gradient", v => Loss(flatX, v, beta), gamma, gammaIncrement, 69);
        AssertFiniteDifferences(what + " beta gradient", v => Loss(flatX, gamma, v), beta, betaIncrement, 70);
    }

    private static float[] ToFloats(double[] values) => values.Select(v => (float)v).ToArray();

    private static (double[] Mean, double[] Variance) Statistics(double[][] x, int channels, int plane)
    {
        var mean = new double[channels];
        var variance = new double[channels];
        int count = x.Length * plane;
        for (int c = 0; c < channels; c++)
        {
            mean[c] = x.Sum(image => Enumerable.Range(0, plane).Sum(p => image[c * plane + p])) / count;
            variance[c] = x.Sum(image => Enumerable.Range(0, plane).Sum(p => Math.Pow(image[c * plane + p] - mean[c], 2))) / count;
        }
        return (mean, variance);
    }

    private static double[][] Forward(double[][] x, double[] gamma, double[] beta, int channels, int plane)
    {
        var (mean, variance) = Statistics(x, channels, plane);
        return x.Select(image => image.Select((v, k) => (v - mean[k / plane]) / Math.Sqrt(variance[k / plane] + Epsilon) * gamma[k / plane] + beta[k / plane]).ToArray()).ToArray();
    }

    /// <summary>The textbook BatchNorm backward: dx = gamma / std * (dy - mean(dy) - xhat * mean(dy * xhat)).</summary>
    private static (double[] Input, double[] Gamma, double[] Beta) Backward(double[][] x, double[][] g, double[] gamma, int channels, int plane)
    {
        var (mean, variance) = Statistics(x, channels, plane);
        int count = x.Length * plane, n = channels * plane;
        var dx = new double[x.Length * n];
        var dGamma = new double[channels];
        var dBeta = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            double std = Math.Sqrt(variance[c] + Epsilon);
            double sumDy = 0, sumDyXhat = 0;
            for (int i = 0; i < x.Length; i++)
                for (int p = 0; p < plane; p++)
                {
                    sumDy += g[i][c * plane + p];
                    sumDyXhat += g[i][c * plane + p] * (x[i][c * plane + p] - mean[c]) / std;
                }
            dGamma[c] = sumDyXhat;
            dBeta[c] = sumDy;
            for (int i = 0; i < x.Length; i++)
                for (int p = 0; p < plane; p++)
                {
                    double xhat = (x[i][c * plane + p] - mean[c]) / std;
                    dx[i * n + c * plane + p] = gamma[c] / std * (g[i][c * plane + p] - sumDy / count - xhat * sumDyXhat / count);
                }
        }
        return (dx, dGamma, dBeta);
    }
}

/// <summary>BatchNorm with running statistics on one image: forward against the definition, gamma and beta gradients against the reference and finite differences.</summary>
internal sealed class BatchNormInferenceCheck<TShape> : IFamilyCheck where TShape : struct, ITensorShape
{
    public sealed record Set(float[] Gamma, float[] Beta, float[] Mean, float[] Variance, float Epsilon);

    public static Set Parameters()
    {
        int c = TShape.Channels;
        float[] F(double[] v) => v.Select(d => (float)d).ToArray();
        return new(F(Uniform(c, 71, 0.5, 1.5)), F(Uniform(c, 72, -0.5, 0.5)), F(Uniform(c, 73, -0.3, 0.3)), F(Uniform(c, 74, 0.2, 2)), 1e-3f);
    }

    public static double[] Forward(Set bn, double[] x) => Forward(x, bn.Gamma.Select(v => (double)v).ToArray(), bn.Beta.Select(v => (double)v).ToArray(), bn);

    private static double[] Forward(double[] x, double[] gamma, double[] beta, Set bn)
    {
        int plane = TShape.Height * TShape.Width;
        return x.Select((v, k) => (v - bn.Mean[k / plane]) / Math.Sqrt(bn.Variance[k / plane] + (double)bn.Epsilon) * gamma[k / plane] + beta[k / plane]).ToArray();
    }

    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = TShape.Channels, h = TShape.Height, w = TShape.Width, plane = h * w, b = TKernels.BlockSize;
        string what = $"{typeof(TKernels).Name} BatchNorm inference";
        var bn = Parameters();
        var x = Uniform(c * plane, 75, -2, 2);
        var input = Block(x, c, h, w, b, ActivationPadding);
        var output = new float[input.Length];
        Array.Fill(output, float.NaN);
        TKernels.BatchNormInference<TShape>(input, bn.Gamma, bn.Beta, bn.Mean, bn.Variance, bn.Epsilon, output);
        AssertGradient(what + " output", Forward(bn, x), Unblock(output, c, h, w, b, what + " output"));

        var g = Uniform(c * plane, 76, -1, 1);
        var initialGamma = Uniform(c, 77, -1, 1);
        var initialBeta = Uniform(c, 78, -1, 1);
        var gammaGradient = initialGamma.Select(v => (float)v).ToArray();
        var betaGradient = initialBeta.Select(v => (float)v).ToArray();
        TKernels.BatchNormInferenceBackwardParameters<TShape>(input, Block(g, c, h, w, b, 0f), bn.Mean, bn.Variance, bn.Epsilon, gammaGradient, betaGradient);
        var gammaIncrement = Subtract(gammaGradient.Select(v => (double)v).ToArray(), initialGamma);
        var betaIncrement = Subtract(betaGradient.Select(v => (double)v).ToArray(), initialBeta);
        var gamma = bn.Gamma.Select(v => (double)v).ToArray();
        var beta = bn.Beta.Select(v => (double)v).ToArray();
        AssertGradient(what + " gamma gradient", Enumerable.Range(0, c).Select(ch => Enumerable.Range(0, plane).Sum(p =>
            g[ch * plane + p] * (x[ch * plane + p] - bn.Mean[ch]) / Math.Sqrt(bn.Variance[ch] + (double)bn.Epsilon))).ToArray(), gammaIncrement);
        AssertGradient(what + " beta gradient", Enumerable.Range(0, c).Select(ch => Enumerable.Range(0, plane).Sum(p => g[ch * plane + p])).ToArray(), betaIncrement);
        AssertFiniteDifferences(what + " gamma gradient", v => Dot(g, Forward(x, v, beta, bn)), gamma, gammaIncrement, 79);
        AssertFiniteDifferences(what + " beta gradient", v => Dot(g, Forward(x, gamma, v, bn)), beta, betaIncrement, 80);
    }
}

/// <summary>Two workers taking channel blocks [0, 1) and [1, end) of one batch produce the whole call's results bit for bit.</summary>
internal sealed class BatchNormSplitCheck<TShape> : IFamilyCheck where TShape : struct, ITensorShape
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int c = TShape.Channels, h = TShape.Height, w = TShape.Width, b = TKernels.BlockSize, images = 3;
        int length = TKernels.ActivationLength(c, h, w), imageLength = 2 * length, blocks = (c + b - 1) / b;
        Assert.True(blocks >= 2, "The shape must span two blocks for a split.");
        var gamma = KernelTesting.RandomArray(c, 81, 0.5f, 1.5f);
        var beta = KernelTesting.RandomArray(c, 82);
        var values = KernelTesting.RandomArray(images * imageLength, 83);
        var gradients = KernelTesting.RandomArray(images * imageLength, 84);
        var runningVariance = KernelTesting.RandomArray(c, 85, 0.5f, 1.5f);

        (float[] Values, float[] Gradients, float[][] Channels) Compute(params (int Begin, int End)[] ranges)
        {
            var v = (float[])values.Clone();
            var d = (float[])gradients.Clone();
            float[] rm = new float[c], rv = (float[])runningVariance.Clone(), mean = new float[c], inverseStd = new float[c], dGamma = new float[c], dBeta = new float[c];
            foreach (var (begin, end) in ranges)
                TKernels.BatchNormTrainingForwardBlocks<TShape>(v, imageLength, images, 0, length, gamma, beta, rm, rv, 0.1f, 1e-5f, mean, inverseStd, begin, end);
            foreach (var (begin, end) in ranges)
            {
                TKernels.BatchNormTrainingBackwardInputBlocks<TShape>(v, d, imageLength, images, 0, length, gamma, mean, inverseStd, begin, end);
                TKernels.BatchNormTrainingBackwardParametersBlocks<TShape>(v, d, imageLength, images, 0, length, mean, inverseStd, dGamma, dBeta, begin, end);
            }
            return (v, d, new[] { rm, rv, mean, inverseStd, dGamma, dBeta });
        }
        var whole = Compute((0, blocks));
        var split = Compute((1, blocks), (0, 1));
        Assert.Equal(whole.Values, split.Values);
        Assert.Equal(whole.Gradients, split.Gradients);
        for (int i = 0; i < whole.Channels.Length; i++)
            Assert.Equal(whole.Channels[i], split.Channels[i]);
        Assert.Throws<ArgumentOutOfRangeException>(() => TKernels.BatchNormTrainingForwardBlocks<TShape>(values, imageLength, images, 0, length, gamma, beta,
            new float[c], new float[c], 0.1f, 1e-5f, new float[c], new float[c], 0, blocks + 1));
    }
}
