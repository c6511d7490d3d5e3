using System;

namespace ConvForge.Kernels;

// Training-mode forward kernels and the gradients of every layer without weights, plus BatchNorm.
// NCHWc unless a method says plain. Gradient kernels ACCUMULATE (+=) into inputGradient (and into
// parameter gradients), so a value read by several steps sums its gradients. Padding lanes stay zero.

public partial interface IKernelFamily
{
    /// <summary>inputGradient += outputGradient * act'(.), computed from the activation's output (Relu, Relu6, LeakyRelu, Sigmoid).</summary>
    static abstract void ActivationBackward<TShape, TActivation>(ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
        where TShape : struct, ITensorShape
        where TActivation : struct, IActivation;

    /// <summary>into += gradient (an Add's backward for each operand; any value's gradient handed on unchanged).</summary>
    static abstract void AccumulateGradient<TShape>(ReadOnlySpan<float> gradient, Span<float> into) where TShape : struct, ITensorShape;

    /// <summary>
    /// Max pooling backward: each output gradient goes to the first position (row-major in its window) holding the
    /// window's maximum, as PyTorch routes ties; computed again from the input.
    /// </summary>
    static abstract void MaxPoolBackward<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient) where TShape : struct, IPoolShape;

    /// <summary>Average pooling backward, with the forward's divisor (count_include_pad, ceil-mode windows).</summary>
    static abstract void AvgPoolBackward<TShape>(ReadOnlySpan<float> outputGradient, Span<float> inputGradient) where TShape : struct, IPoolShape;

    /// <summary>Global average pooling backward: each pixel of channel c gets outputGradient[c] / (H*W).</summary>
    static abstract void GlobalAvgPoolBackward<TShape>(ReadOnlySpan<float> outputGradient, Span<float> inputGradient) where TShape : struct, ITensorShape;

    /// <summary>Global max pooling backward: the first maximum of each channel gets the gradient.</summary>
    static abstract void GlobalMaxPoolBackward<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient) where TShape : struct, ITensorShape;

    /// <summary>Squeeze-excite backward: inputGradient += outputGradient * gate[c]; gateGradient[c] += sum over pixels of outputGradient * input.</summary>
    static abstract void ChannelScaleBackward<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> gate, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, Span<float> gateGradient)
        where TShape : struct, ITensorShape;

    /// <summary>Concat backward for one part: partGradient (TShape) += channels [channelOffset, channelOffset + C) of the concat's gradient.</summary>
    static abstract void AccumulateChannels<TShape>(ReadOnlySpan<float> concatGradient, int concatChannels, int channelOffset, Span<float> partGradient) where TShape : struct, ITensorShape;

    /// <summary>LRN backward (ONNX LRN semantics, as <see cref="Lrn{TShape}"/>).</summary>
    static abstract void LrnBackward<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int size, float alpha, float beta, float k)
        where TShape : struct, ITensorShape;

    /// <summary>Softmax backward over the channels of a plain activation: inputGradient += y * (g - sum(g * y)).</summary>
    static abstract void SoftmaxBackward<TShape>(ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient) where TShape : struct, ITensorShape;

    /// <summary>
    /// Inverted dropout: mask = 0 with probability <paramref name="rate"/>, else 1 / (1 - rate), drawn from
    /// (<paramref name="seed"/>, <paramref name="stream"/>) deterministically; output = input * mask.
    /// </summary>
    static abstract void DropoutForward<TShape>(ReadOnlySpan<float> input, Span<float> output, Span<float> mask, float rate, ulong seed, ulong stream) where TShape : struct, ITensorShape;

    /// <summary>inputGradient += outputGradient * mask.</summary>
    static abstract void DropoutBackward<TShape>(ReadOnlySpan<float> mask, ReadOnlySpan<float> outputGradient, Span<float> inputGradient) where TShape : struct, ITensorShape;

    /// <summary>
    /// BatchNorm in training mode over a whole batch (PyTorch semantics): per channel, mean and biased variance over
    /// images x pixels normalize the input; runningMean and runningVariance move by <paramref name="momentum"/> toward
    /// the batch mean and the unbiased variance. Image i's input is values[i * imageLength + inputOffset ..], its output
    /// values[i * imageLength + outputOffset ..]. Writes the batch mean and 1/sqrt(var + eps) to the saved spans (C each).
    /// gamma, beta, runningMean, runningVariance: plain [C].
    /// </summary>
    static abstract void BatchNormTrainingForward<TShape>(Span<float> values, int imageLength, int images, int inputOffset, int outputOffset,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> runningMean, Span<float> runningVariance, float momentum, float epsilon,
        Span<float> savedMean, Span<float> savedInverseStd) where TShape : struct, ITensorShape;

    /// <summary>
    /// BatchNorm training backward over the batch: gradients at inputOffset += d loss / d input (through the batch
    /// statistics), read from the output gradients at outputOffset; inputs are read from values.
    /// </summary>
    static abstract void BatchNormTrainingBackwardInput<TShape>(ReadOnlySpan<float> values, Span<float> gradients, int imageLength, int images, int inputOffset, int outputOffset,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> savedMean, ReadOnlySpan<float> savedInverseStd) where TShape : struct, ITensorShape;

    /// <summary>gammaGradient += sum of outputGradient * normalized input; betaGradient += sum of outputGradient (per channel, over the batch).</summary>
    static abstract void BatchNormTrainingBackwardParameters<TShape>(ReadOnlySpan<float> values, ReadOnlySpan<float> gradients, int imageLength, int images, int inputOffset, int outputOffset,
        ReadOnlySpan<float> savedMean, ReadOnlySpan<float> savedInverseStd, Span<float> gammaGradient, Span<float> betaGradient) where TShape : struct, ITensorShape;

    /// <summary>BatchNorm with its running statistics, one image (inference, or a frozen BatchNorm): y = (x - mean) / sqrt(var + eps) * gamma + beta.</summary>
    static abstract void BatchNormInference<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, float epsilon, Span<float> output)
        where TShape : struct, ITensorShape;

    /// <summary>Backward of <see cref="BatchNormInference{TShape}"/> to its input: inputGradient += outputGradient * gamma / sqrt(var + eps).</summary>
    static abstract void BatchNormInferenceBackwardInput<TShape>(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> gamma, ReadOnlySpan<float> variance, float epsilon, Span<float> inputGradient)
        where TShape : struct, ITensorShape;

    /// <summary>Backward of <see cref="BatchNormInference{TShape}"/> to gamma and beta (one image; running statistics fixed).</summary>
    static abstract void BatchNormInferenceBackwardParameters<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, float epsilon,
        Span<float> gammaGradient, Span<float> betaGradient) where TShape : struct, ITensorShape;
}

internal partial interface IFamilyKernels<TVector, TOps>
{
    // Placeholders until the kernels land (owner: the layer-gradient work).
    static void IKernelFamily.ActivationBackward<TShape, TActivation>(ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient) => throw new NotImplementedException();
    static void IKernelFamily.AccumulateGradient<TShape>(ReadOnlySpan<float> gradient, Span<float> into) => throw new NotImplementedException();
    static void IKernelFamily.MaxPoolBackward<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient) => throw new NotImplementedException();
    static void IKernelFamily.AvgPoolBackward<TShape>(ReadOnlySpan<float> outputGradient, Span<float> inputGradient) => throw new NotImplementedException();
    static void IKernelFamily.GlobalAvgPoolBackward<TShape>(ReadOnlySpan<float> outputGradient, Span<float> inputGradient) => throw new NotImplementedException();
    static void IKernelFamily.GlobalMaxPoolBackward<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient) => throw new NotImplementedException();
    static void IKernelFamily.ChannelScaleBackward<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> gate, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, Span<float> gateGradient) => throw new NotImplementedException();
    static void IKernelFamily.AccumulateChannels<TShape>(ReadOnlySpan<float> concatGradient, int concatChannels, int channelOffset, Span<float> partGradient) => throw new NotImplementedException();
    static void IKernelFamily.LrnBackward<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int size, float alpha, float beta, float k) => throw new NotImplementedException();
    static void IKernelFamily.SoftmaxBackward<TShape>(ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient) => throw new NotImplementedException();
    static void IKernelFamily.DropoutForward<TShape>(ReadOnlySpan<float> input, Span<float> output, Span<float> mask, float rate, ulong seed, ulong stream) => throw new NotImplementedException();
    static void IKernelFamily.DropoutBackward<TShape>(ReadOnlySpan<float> mask, ReadOnlySpan<float> outputGradient, Span<float> inputGradient) => throw new NotImplementedException();
    static void IKernelFamily.BatchNormTrainingForward<TShape>(Span<float> values, int imageLength, int images, int inputOffset, int outputOffset, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> runningMean, Span<float> runningVariance, float momentum, float epsilon, Span<float> savedMean, Span<float> savedInverseStd) => throw new NotImplementedException();
    static void IKernelFamily.BatchNormTrainingBackwardInput<TShape>(ReadOnlySpan<float> values, Span<float> gradients, int imageLength, int images, int inputOffset, int outputOffset, ReadOnlySpan<float> gamma, ReadOnlySpan<float> savedMean, ReadOnlySpan<float> savedInverseStd) => throw new NotImplementedException();
    static void IKernelFamily.BatchNormTrainingBackwardParameters<TShape>(ReadOnlySpan<float> values, ReadOnlySpan<float> gradients, int imageLength, int images, int inputOffset, int outputOffset, ReadOnlySpan<float> savedMean, ReadOnlySpan<float> savedInverseStd, Span<float> gammaGradient, Span<float> betaGradient) => throw new NotImplementedException();
    static void IKernelFamily.BatchNormInference<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, float epsilon, Span<float> output) => throw new NotImplementedException();
    static void IKernelFamily.BatchNormInferenceBackwardInput<TShape>(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> gamma, ReadOnlySpan<float> variance, float epsilon, Span<float> inputGradient) => throw new NotImplementedException();
    static void IKernelFamily.BatchNormInferenceBackwardParameters<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, float epsilon, Span<float> gammaGradient, Span<float> betaGradient) => throw new NotImplementedException();
}
