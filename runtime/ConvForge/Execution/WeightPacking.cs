using System;
using System.ComponentModel;
using ConvForge.Kernels;

namespace ConvForge.Execution;

/// <summary>
/// Fills a generated network's packed-weight buffer for <typeparamref name="TKernels"/>, one layer per call: the
/// layer's parameters (with a BatchNorm folded in, in double precision, when the plan says so) into its weights in
/// the family's layout and its bias padded to whole blocks. Offsets are floats: into the parameter buffer for the
/// parameters, into the packed buffer for the packed tensors, whose lengths follow from the family and the shape.
/// </summary>
/// <typeparam name="TKernels">The kernel family the weights are packed for.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WeightPacking<TKernels> where TKernels : struct, IKernelFamily
{
    /// <summary>A convolution on NCHWc input.</summary>
    /// <param name="parameters">The network's parameter buffer.</param>
    /// <param name="packed">The packed-weight buffer of the family.</param>
    /// <param name="scratch">Room for the folded weights and bias.</param>
    /// <param name="packedWeights">Offset of the packed weights.</param>
    /// <param name="packedBias">Offset of the packed bias.</param>
    /// <param name="weights">Offset of its weight tensor [OC][IC/groups][KH][KW].</param>
    /// <param name="bias">Offset of its bias, or -1 when it has none (the packed bias is zero, or the folded BatchNorm's shift).</param>
    /// <param name="batchNorm">Offset of the gamma of the BatchNorm folded into it (beta, mean, variance follow), or -1.</param>
    /// <param name="epsilon">That BatchNorm's epsilon.</param>
    public static void Conv<TShape>(ReadOnlySpan<float> parameters, Span<float> packed, Span<float> scratch, int packedWeights, int packedBias,
        int weights, int bias = -1, int batchNorm = -1, double epsilon = 0)
        where TShape : struct, IConvShape
    {
        var folded = Fold(parameters, scratch, weights, ConvWeightLength<TShape>(), bias, TShape.OutChannels, batchNorm, epsilon, out var foldedBias);
        TKernels.PackConvWeights<TShape>(folded, packed.Slice(packedWeights, TKernels.ConvWeightsLength<TShape>()));
        PackBias(foldedBias, packed.Slice(packedBias, TKernels.ActivationLength(TShape.OutChannels, 1, 1)));
    }

    /// <summary>A convolution on the plain network input; parameters as for <see cref="Conv{TShape}"/>.</summary>
    public static void ConvNchw<TShape>(ReadOnlySpan<float> parameters, Span<float> packed, Span<float> scratch, int packedWeights, int packedBias,
        int weights, int bias = -1, int batchNorm = -1, double epsilon = 0)
        where TShape : struct, IConvShape
    {
        var folded = Fold(parameters, scratch, weights, ConvWeightLength<TShape>(), bias, TShape.OutChannels, batchNorm, epsilon, out var foldedBias);
        TKernels.PackConvNchwWeights<TShape>(folded, packed.Slice(packedWeights, TKernels.ConvNchwWeightsLength<TShape>()));
        PackBias(foldedBias, packed.Slice(packedBias, TKernels.ActivationLength(TShape.OutChannels, 1, 1)));
    }

    /// <summary>A dense layer: weights [Units][C*H*W] at <paramref name="weights"/>, bias at <paramref name="bias"/> or -1.</summary>
    public static void Dense<TShape>(ReadOnlySpan<float> parameters, Span<float> packed, int packedWeights, int packedBias, int weights, int bias = -1)
        where TShape : struct, IDenseShape
    {
        var length = TShape.Units * TShape.InChannels * TShape.InHeight * TShape.InWidth;
        TKernels.PackDenseWeights<TShape>(parameters.Slice(weights, length), packed.Slice(packedWeights, TKernels.DenseWeightsLength<TShape>()));
        PackBias(bias < 0 ? default : parameters.Slice(bias, TShape.Units), packed.Slice(packedBias, TKernels.ActivationLength(TShape.Units, 1, 1)));
    }

    /// <summary>A BatchNorm that runs on its own: its per-channel scale and shift (gamma at <paramref name="batchNorm"/>).</summary>
    public static void BatchNorm(ReadOnlySpan<float> parameters, Span<float> packed, Span<float> scratch, int packedScale, int packedShift,
        int batchNorm, int channels, double epsilon)
    {
        var scale = scratch.Slice(0, channels);
        var shift = scratch.Slice(channels, channels);
        Kernels.BatchNorm.ScaleShift(
            parameters.Slice(batchNorm, channels), parameters.Slice(batchNorm + channels, channels),
            parameters.Slice(batchNorm + 2 * channels, channels), parameters.Slice(batchNorm + 3 * channels, channels),
            epsilon, scale, shift);
        TKernels.PackChannels(scale, packed.Slice(packedScale, TKernels.ActivationLength(channels, 1, 1)));
        TKernels.PackChannels(shift, packed.Slice(packedShift, TKernels.ActivationLength(channels, 1, 1)));
    }

    private static int ConvWeightLength<TShape>() where TShape : struct, IConvShape
        => TShape.OutChannels * (TShape.InChannels / TShape.Groups) * TShape.KernelHeight * TShape.KernelWidth;

    /// <summary>
    /// The weights and bias to pack: the parameters themselves, or, with a BatchNorm to fold, copies in scratch
    /// (weights, then bias) with it folded in. An empty bias means zeros.
    /// </summary>
    private static ReadOnlySpan<float> Fold(ReadOnlySpan<float> parameters, Span<float> scratch, int weights, int weightLength, int bias, int channels,
        int batchNorm, double epsilon, out ReadOnlySpan<float> foldedBias)
    {
        if (batchNorm < 0)
        {
            foldedBias = bias < 0 ? default : parameters.Slice(bias, channels);
            return parameters.Slice(weights, weightLength);
        }
        var w = scratch.Slice(0, weightLength);
        var b = scratch.Slice(weightLength, channels);
        parameters.Slice(weights, weightLength).CopyTo(w);
        if (bias < 0)
            b.Clear();
        else
            parameters.Slice(bias, channels).CopyTo(b);
        Kernels.BatchNorm.FoldInto(
            w, b,
            parameters.Slice(batchNorm, channels), parameters.Slice(batchNorm + channels, channels),
            parameters.Slice(batchNorm + 2 * channels, channels), parameters.Slice(batchNorm + 3 * channels, channels),
            epsilon);
        foldedBias = b;
        return w;
    }

    private static void PackBias(ReadOnlySpan<float> bias, Span<float> packed)
    {
        if (bias.IsEmpty)
            packed.Clear();
        else
            TKernels.PackChannels(bias, packed);
    }
}
