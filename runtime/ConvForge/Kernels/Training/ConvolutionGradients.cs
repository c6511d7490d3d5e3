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

internal partial interface IFamilyKernels<TVector, TOps>
{
    // Placeholders until the kernels land (owner: the convolution-gradient work).
    static int IKernelFamily.ConvTransposedWeightsLength<TShape>() => throw new NotImplementedException();
    static void IKernelFamily.PackConvTransposedWeights<TShape>(ReadOnlySpan<float> weights, Span<float> packed) => throw new NotImplementedException();
    static void IKernelFamily.ConvBackwardInput<TShape>(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> transposedWeights, Span<float> inputGradient) => throw new NotImplementedException();
    static void IKernelFamily.ConvBackwardWeights<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> weightGradient, Span<float> biasGradient) => throw new NotImplementedException();
    static void IKernelFamily.ConvNchwBackwardWeights<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> weightGradient, Span<float> biasGradient) => throw new NotImplementedException();
    static void IKernelFamily.DenseBackwardInput<TShape>(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> weights, Span<float> inputGradient) => throw new NotImplementedException();
    static void IKernelFamily.DenseBackwardWeights<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> weightGradient, Span<float> biasGradient) => throw new NotImplementedException();
}
