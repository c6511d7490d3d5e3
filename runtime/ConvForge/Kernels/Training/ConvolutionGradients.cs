using System;

namespace ConvForge.Kernels;

// The gradients of the weighted layers (convolution in every form, dense). Activations and gradients of
// activations are NCHWc like the forward kernels'; parameter gradients are in the standard layouts of the
// parameter buffer ([OC][IC/groups][KH][KW], [OC]; dense [Units][C*H*W], [Units]). Every kernel here
// ACCUMULATES (+=) into its outputs, so a value read by several steps sums its gradients, and a
// worker's parameter gradients sum over its images. Padding lanes of NCHWc gradients stay zero.

public partial interface IKernelFamily
{
    /// <summary>Floats of <see cref="PackConvTransposedWeights{TShape}"/>'s output.</summary>
    static abstract int ConvTransposedWeightsLength<TShape>() where TShape : struct, IConvShape;

    /// <summary>Repacks standard weights [OC][IC/groups][KH][KW] into the layout <see cref="ConvBackwardInput{TShape}"/> reads.</summary>
    static abstract void PackConvTransposedWeights<TShape>(ReadOnlySpan<float> weights, Span<float> packed) where TShape : struct, IConvShape;

    /// <summary>
    /// inputGradient += the convolution's transpose applied to outputGradient (d loss / d input), any kernel, stride,
    /// padding, dilation and groups. inputGradient has TShape's input dims, outputGradient its output dims, both NCHWc.
    /// </summary>
    static abstract void ConvBackwardInput<TShape>(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> transposedWeights, Span<float> inputGradient)
        where TShape : struct, IConvShape;

    /// <summary>
    /// weightGradient ([OC][IC/groups][KH][KW]) += sum over output pixels of outputGradient x input window;
    /// biasGradient ([OC]; empty when the layer has no bias) += sum of outputGradient per channel. Input NCHWc.
    /// </summary>
    static abstract void ConvBackwardWeights<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> weightGradient, Span<float> biasGradient)
        where TShape : struct, IConvShape;

    /// <summary>As <see cref="ConvBackwardWeights{TShape}"/> for a plain NCHW input (the ConvNchw first layer; groups 1).</summary>
    static abstract void ConvNchwBackwardWeights<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> weightGradient, Span<float> biasGradient)
        where TShape : struct, IConvShape;

    /// <summary>
    /// inputGradient (NCHWc, the dense layer's input dims) += W^T outputGradient, W the standard [Units][C*H*W] weights
    /// (features in NCHW order); outputGradient is the NCHWc Units x 1 x 1 gradient.
    /// </summary>
    static abstract void DenseBackwardInput<TShape>(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> weights, Span<float> inputGradient)
        where TShape : struct, IDenseShape;

    /// <summary>weightGradient ([Units][C*H*W]) += outputGradient x input (NCHW feature order); biasGradient ([Units] or empty) += outputGradient.</summary>
    static abstract void DenseBackwardWeights<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> weightGradient, Span<float> biasGradient)
        where TShape : struct, IDenseShape;
}

internal unsafe partial interface IFamilyKernels<TVector, TOps>
{
    static int IKernelFamily.ConvTransposedWeightsLength<TShape>() => ConvTransposedWeights.PackedLength<TShape>(B);

    static void IKernelFamily.PackConvTransposedWeights<TShape>(ReadOnlySpan<float> weights, Span<float> packed) =>
        ConvTransposedWeights.Pack<TShape>(B, weights, packed);

    static void IKernelFamily.ConvBackwardInput<TShape>(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> transposedWeights, Span<float> inputGradient)
    {
        Check(outputGradient.Length, Nchwc.Length(TShape.OutChannels, TShape.OutHeight, TShape.OutWidth, B), nameof(outputGradient));
        Check(transposedWeights.Length, ConvTransposedWeights.PackedLength<TShape>(B), nameof(transposedWeights));
        Check(inputGradient.Length, Nchwc.Length(TShape.InChannels, TShape.InHeight, TShape.InWidth, B), nameof(inputGradient));
        // The stride-1 route runs the forward convolution, which adds a bias: a zero one.
        int padded = Nchwc.PaddedChannels(TShape.InChannels, B);
        Span<float> zeroBias = ConvBackwardInputDriver<TVector, TOps>.RunsForward<TShape>()
            ? (padded <= 4096 ? stackalloc float[padded] : new float[padded])
            : default;
        zeroBias.Clear();
        fixed (float* g = outputGradient, w = transposedWeights, z = zeroBias, i = inputGradient)
        {
            ConvBackwardInputDriver<TVector, TOps>.Run<TShape>(g, w, z, i);
            ZeroPaddingLanes(i, TShape.InChannels, TShape.InHeight * TShape.InWidth);
        }
    }

    static void IKernelFamily.ConvBackwardWeights<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> weightGradient, Span<float> biasGradient)
    {
        Check(input.Length, Nchwc.Length(TShape.InChannels, TShape.InHeight, TShape.InWidth, B), nameof(input));
        CheckConvParameterGradients<TShape>(outputGradient, weightGradient, biasGradient);
        fixed (float* i = input, g = outputGradient, w = weightGradient, b = biasGradient)
            ConvWeightGradients<TVector, TOps>.Blocked<TShape>(i, g, w, b);
    }

    static void IKernelFamily.ConvNchwBackwardWeights<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> weightGradient, Span<float> biasGradient)
    {
        if (TShape.Groups != 1)
            throw new NotSupportedException("Convolutions with NCHW input take groups = 1.");
        Check(input.Length, TShape.InChannels * TShape.InHeight * TShape.InWidth, nameof(input));
        CheckConvParameterGradients<TShape>(outputGradient, weightGradient, biasGradient);
        fixed (float* i = input, g = outputGradient, w = weightGradient, b = biasGradient)
            ConvWeightGradients<TVector, TOps>.Planar<TShape>(i, g, w, b);
    }

    private static void CheckConvParameterGradients<TShape>(ReadOnlySpan<float> outputGradient, Span<float> weightGradient, Span<float> biasGradient)
        where TShape : struct, IConvShape
    {
        Check(outputGradient.Length, Nchwc.Length(TShape.OutChannels, TShape.OutHeight, TShape.OutWidth, B), nameof(outputGradient));
        Check(weightGradient.Length, ConvWeights.StandardLength<TShape>(), nameof(weightGradient));
        CheckOptional(biasGradient.Length, TShape.OutChannels, nameof(biasGradient));
    }

    static void IKernelFamily.DenseBackwardInput<TShape>(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> weights, Span<float> inputGradient)
    {
        Check(outputGradient.Length, Nchwc.PaddedChannels(TShape.Units, B), nameof(outputGradient));
        Check(weights.Length, DenseWeights.StandardLength<TShape>(), nameof(weights));
        Check(inputGradient.Length, Nchwc.Length(TShape.InChannels, TShape.InHeight, TShape.InWidth, B), nameof(inputGradient));
        fixed (float* g = outputGradient, w = weights, i = inputGradient)
            DenseGradients<TVector, TOps>.BackwardInput<TShape>(g, w, i);
    }

    static void IKernelFamily.DenseBackwardWeights<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> weightGradient, Span<float> biasGradient)
    {
        Check(input.Length, Nchwc.Length(TShape.InChannels, TShape.InHeight, TShape.InWidth, B), nameof(input));
        Check(outputGradient.Length, Nchwc.PaddedChannels(TShape.Units, B), nameof(outputGradient));
        Check(weightGradient.Length, DenseWeights.StandardLength<TShape>(), nameof(weightGradient));
        CheckOptional(biasGradient.Length, TShape.Units, nameof(biasGradient));
        fixed (float* i = input, g = outputGradient, w = weightGradient, b = biasGradient)
            DenseGradients<TVector, TOps>.BackwardWeights<TShape>(i, g, w, b);
    }

    /// <summary>A bias gradient: empty (no bias) or one float per channel.</summary>
    private static void CheckOptional(int actual, int expected, string name)
    {
        if (actual != 0 && actual != expected)
            throw new ArgumentException($"Expected {expected} floats (or none, for a layer without bias), got {actual}.", name);
    }
}
