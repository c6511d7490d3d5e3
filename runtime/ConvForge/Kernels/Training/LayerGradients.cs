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

    /// <summary>
    /// <see cref="BatchNormTrainingForward{TShape}"/> for the channel blocks [<paramref name="blockBegin"/>, <paramref name="blockEnd"/>) only (of <see cref="BlockSize"/> channels each):
    /// workers that take disjoint block ranges of one batch together do the whole call, with the same results bit for bit.
    /// </summary>
    static abstract void BatchNormTrainingForwardBlocks<TShape>(Span<float> values, int imageLength, int images, int inputOffset, int outputOffset,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> runningMean, Span<float> runningVariance, float momentum, float epsilon,
        Span<float> savedMean, Span<float> savedInverseStd, int blockBegin, int blockEnd) where TShape : struct, ITensorShape;

    /// <summary><see cref="BatchNormTrainingBackwardInput{TShape}"/> for the channel blocks [<paramref name="blockBegin"/>, <paramref name="blockEnd"/>) only.</summary>
    static abstract void BatchNormTrainingBackwardInputBlocks<TShape>(ReadOnlySpan<float> values, Span<float> gradients, int imageLength, int images, int inputOffset, int outputOffset,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> savedMean, ReadOnlySpan<float> savedInverseStd, int blockBegin, int blockEnd) where TShape : struct, ITensorShape;

    /// <summary><see cref="BatchNormTrainingBackwardParameters{TShape}"/> for the channel blocks [<paramref name="blockBegin"/>, <paramref name="blockEnd"/>) only.</summary>
    static abstract void BatchNormTrainingBackwardParametersBlocks<TShape>(ReadOnlySpan<float> values, ReadOnlySpan<float> gradients, int imageLength, int images, int inputOffset, int outputOffset,
        ReadOnlySpan<float> savedMean, ReadOnlySpan<float> savedInverseStd, Span<float> gammaGradient, Span<float> betaGradient, int blockBegin, int blockEnd) where TShape : struct, ITensorShape;

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

internal unsafe partial interface IFamilyKernels<TVector, TOps>
{
    static void IKernelFamily.ActivationBackward<TShape, TActivation>(ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        CheckActivations<TShape>(output, nameof(output), outputGradient, nameof(outputGradient), inputGradient, nameof(inputGradient));
        fixed (float* y = output, dy = outputGradient, dx = inputGradient)
            ElementwiseGradients<TVector, TOps>.Activation<TActivation>(y, dy, dx, inputGradient.Length);
    }

    static void IKernelFamily.AccumulateGradient<TShape>(ReadOnlySpan<float> gradient, Span<float> into)
    {
        Check(gradient.Length, Length<TShape>(), nameof(gradient));
        Check(into.Length, Length<TShape>(), nameof(into));
        fixed (float* g = gradient, d = into)
            ElementwiseGradients<TVector, TOps>.Accumulate(g, d, into.Length);
    }

    static void IKernelFamily.MaxPoolBackward<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        CheckPoolGradients<TShape>(outputGradient, inputGradient);
        Check(input.Length, inputGradient.Length, nameof(input));
        fixed (float* x = input, dy = outputGradient, dx = inputGradient)
            PoolingGradients<TVector, TOps>.Max<TShape>(x, dy, dx);
    }

    static void IKernelFamily.AvgPoolBackward<TShape>(ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        CheckPoolGradients<TShape>(outputGradient, inputGradient);
        fixed (float* dy = outputGradient, dx = inputGradient)
            PoolingGradients<TVector, TOps>.Average<TShape>(dy, dx);
    }

    static void IKernelFamily.GlobalAvgPoolBackward<TShape>(ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        CheckGlobalGradients<TShape>(outputGradient, inputGradient);
        fixed (float* dy = outputGradient, dx = inputGradient)
            PoolingGradients<TVector, TOps>.GlobalAverage<TShape>(dy, dx);
    }

    static void IKernelFamily.GlobalMaxPoolBackward<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        CheckGlobalGradients<TShape>(outputGradient, inputGradient);
        Check(input.Length, inputGradient.Length, nameof(input));
        fixed (float* x = input, dy = outputGradient, dx = inputGradient)
            PoolingGradients<TVector, TOps>.GlobalMax<TShape>(x, dy, dx);
    }

    static void IKernelFamily.ChannelScaleBackward<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> gate, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, Span<float> gateGradient)
    {
        CheckActivations<TShape>(input, nameof(input), outputGradient, nameof(outputGradient), inputGradient, nameof(inputGradient));
        Check(gate.Length, Nchwc.PaddedChannels(TShape.Channels, B), nameof(gate));
        Check(gateGradient.Length, Nchwc.PaddedChannels(TShape.Channels, B), nameof(gateGradient));
        fixed (float* x = input, g = gate, dy = outputGradient, dx = inputGradient, dg = gateGradient)
            ElementwiseGradients<TVector, TOps>.ChannelScale<TShape>(x, g, dy, dx, dg);
    }

    static void IKernelFamily.AccumulateChannels<TShape>(ReadOnlySpan<float> concatGradient, int concatChannels, int channelOffset, Span<float> partGradient)
    {
        if (channelOffset < 0 || channelOffset + TShape.Channels > concatChannels)
            throw new ArgumentOutOfRangeException(nameof(channelOffset), $"Channels [{channelOffset}, {channelOffset + TShape.Channels}) do not fit in {concatChannels} channels.");
        Check(concatGradient.Length, Nchwc.Length(concatChannels, TShape.Height, TShape.Width, B), nameof(concatGradient));
        Check(partGradient.Length, Length<TShape>(), nameof(partGradient));
        fixed (float* from = concatGradient, to = partGradient)
            ElementwiseGradients<TVector, TOps>.AccumulateChannels<TShape>(from, channelOffset, to);
    }

    static void IKernelFamily.LrnBackward<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int size, float alpha, float beta, float k)
    {
        if (size < 1)
            throw new ArgumentOutOfRangeException(nameof(size), "The LRN window needs at least one channel.");
        CheckActivations<TShape>(input, nameof(input), outputGradient, nameof(outputGradient), inputGradient, nameof(inputGradient));
        Check(output.Length, Length<TShape>(), nameof(output));
        fixed (float* x = input, y = output, dy = outputGradient, dx = inputGradient)
            ChannelGradients.LrnBackward<TShape>(B, x, y, dy, dx, size, alpha, beta, k);
    }

    static void IKernelFamily.SoftmaxBackward<TShape>(ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        int length = TShape.Channels * TShape.Height * TShape.Width;
        Check(output.Length, length, nameof(output));
        Check(outputGradient.Length, length, nameof(outputGradient));
        Check(inputGradient.Length, length, nameof(inputGradient));
        fixed (float* y = output, dy = outputGradient, dx = inputGradient)
            ChannelGradients.SoftmaxBackward<TShape>(y, dy, dx);
    }

    static void IKernelFamily.DropoutForward<TShape>(ReadOnlySpan<float> input, Span<float> output, Span<float> mask, float rate, ulong seed, ulong stream)
    {
        if (!(rate >= 0f && rate < 1f))
            throw new ArgumentOutOfRangeException(nameof(rate), $"The dropout rate must be in [0, 1), got {rate}.");
        CheckActivations<TShape>(input, nameof(input), output, nameof(output), mask, nameof(mask));
        fixed (float* x = input, y = output, m = mask)
        {
            ChannelGradients.DropoutMask<TShape>(B, m, rate, seed, stream);
            ElementwiseGradients<TVector, TOps>.Multiply(x, m, y, output.Length);
        }
    }

    static void IKernelFamily.DropoutBackward<TShape>(ReadOnlySpan<float> mask, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        CheckActivations<TShape>(mask, nameof(mask), outputGradient, nameof(outputGradient), inputGradient, nameof(inputGradient));
        fixed (float* m = mask, dy = outputGradient, dx = inputGradient)
            ElementwiseGradients<TVector, TOps>.MultiplyAccumulate(m, dy, dx, inputGradient.Length);
    }

    static void IKernelFamily.BatchNormTrainingForward<TShape>(Span<float> values, int imageLength, int images, int inputOffset, int outputOffset,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> runningMean, Span<float> runningVariance, float momentum, float epsilon,
        Span<float> savedMean, Span<float> savedInverseStd) =>
        CheckedBatchNormForward<TShape>(values, imageLength, images, inputOffset, outputOffset, gamma, beta, runningMean, runningVariance, momentum, epsilon,
            savedMean, savedInverseStd, 0, Nchwc.Blocks(TShape.Channels, B));

    static void IKernelFamily.BatchNormTrainingForwardBlocks<TShape>(Span<float> values, int imageLength, int images, int inputOffset, int outputOffset,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> runningMean, Span<float> runningVariance, float momentum, float epsilon,
        Span<float> savedMean, Span<float> savedInverseStd, int blockBegin, int blockEnd) =>
        CheckedBatchNormForward<TShape>(values, imageLength, images, inputOffset, outputOffset, gamma, beta, runningMean, runningVariance, momentum, epsilon,
            savedMean, savedInverseStd, blockBegin, blockEnd);

    private static void CheckedBatchNormForward<TShape>(Span<float> values, int imageLength, int images, int inputOffset, int outputOffset,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> runningMean, Span<float> runningVariance, float momentum, float epsilon,
        Span<float> savedMean, Span<float> savedInverseStd, int blockBegin, int blockEnd) where TShape : struct, ITensorShape
    {
        CheckBatch<TShape>(values.Length, imageLength, images, inputOffset, outputOffset, blockBegin, blockEnd);
        CheckChannels<TShape>(gamma.Length, nameof(gamma), beta.Length, nameof(beta), runningMean.Length, nameof(runningMean));
        CheckChannels<TShape>(runningVariance.Length, nameof(runningVariance), savedMean.Length, nameof(savedMean), savedInverseStd.Length, nameof(savedInverseStd));
        fixed (float* v = values, g = gamma, b = beta, rm = runningMean, rv = runningVariance, sm = savedMean, ss = savedInverseStd)
            BatchNormKernels<TVector, TOps>.TrainingForward<TShape>(v, imageLength, images, inputOffset, outputOffset, g, b, rm, rv, momentum, epsilon, sm, ss, blockBegin, blockEnd);
    }

    static void IKernelFamily.BatchNormTrainingBackwardInput<TShape>(ReadOnlySpan<float> values, Span<float> gradients, int imageLength, int images, int inputOffset, int outputOffset,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> savedMean, ReadOnlySpan<float> savedInverseStd) =>
        CheckedBatchNormBackwardInput<TShape>(values, gradients, imageLength, images, inputOffset, outputOffset, gamma, savedMean, savedInverseStd, 0, Nchwc.Blocks(TShape.Channels, B));

    static void IKernelFamily.BatchNormTrainingBackwardInputBlocks<TShape>(ReadOnlySpan<float> values, Span<float> gradients, int imageLength, int images, int inputOffset, int outputOffset,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> savedMean, ReadOnlySpan<float> savedInverseStd, int blockBegin, int blockEnd) =>
        CheckedBatchNormBackwardInput<TShape>(values, gradients, imageLength, images, inputOffset, outputOffset, gamma, savedMean, savedInverseStd, blockBegin, blockEnd);

    private static void CheckedBatchNormBackwardInput<TShape>(ReadOnlySpan<float> values, Span<float> gradients, int imageLength, int images, int inputOffset, int outputOffset,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> savedMean, ReadOnlySpan<float> savedInverseStd, int blockBegin, int blockEnd) where TShape : struct, ITensorShape
    {
        CheckBatch<TShape>(values.Length, imageLength, images, inputOffset, outputOffset, blockBegin, blockEnd);
        Check(gradients.Length, values.Length, nameof(gradients));
        CheckChannels<TShape>(gamma.Length, nameof(gamma), savedMean.Length, nameof(savedMean), savedInverseStd.Length, nameof(savedInverseStd));
        fixed (float* v = values, d = gradients, g = gamma, sm = savedMean, ss = savedInverseStd)
            BatchNormKernels<TVector, TOps>.TrainingBackwardInput<TShape>(v, d, imageLength, images, inputOffset, outputOffset, g, sm, ss, blockBegin, blockEnd);
    }

    static void IKernelFamily.BatchNormTrainingBackwardParameters<TShape>(ReadOnlySpan<float> values, ReadOnlySpan<float> gradients, int imageLength, int images, int inputOffset, int outputOffset,
        ReadOnlySpan<float> savedMean, ReadOnlySpan<float> savedInverseStd, Span<float> gammaGradient, Span<float> betaGradient) =>
        CheckedBatchNormBackwardParameters<TShape>(values, gradients, imageLength, images, inputOffset, outputOffset, savedMean, savedInverseStd, gammaGradient, betaGradient, 0, Nchwc.Blocks(TShape.Channels, B));

    static void IKernelFamily.BatchNormTrainingBackwardParametersBlocks<TShape>(ReadOnlySpan<float> values, ReadOnlySpan<float> gradients, int imageLength, int images, int inputOffset, int outputOffset,
        ReadOnlySpan<float> savedMean, ReadOnlySpan<float> savedInverseStd, Span<float> gammaGradient, Span<float> betaGradient, int blockBegin, int blockEnd) =>
        CheckedBatchNormBackwardParameters<TShape>(values, gradients, imageLength, images, inputOffset, outputOffset, savedMean, savedInverseStd, gammaGradient, betaGradient, blockBegin, blockEnd);

    private static void CheckedBatchNormBackwardParameters<TShape>(ReadOnlySpan<float> values, ReadOnlySpan<float> gradients, int imageLength, int images, int inputOffset, int outputOffset,
        ReadOnlySpan<float> savedMean, ReadOnlySpan<float> savedInverseStd, Span<float> gammaGradient, Span<float> betaGradient, int blockBegin, int blockEnd) where TShape : struct, ITensorShape
    {
        CheckBatch<TShape>(values.Length, imageLength, images, inputOffset, outputOffset, blockBegin, blockEnd);
        Check(gradients.Length, values.Length, nameof(gradients));
        CheckChannels<TShape>(savedMean.Length, nameof(savedMean), savedInverseStd.Length, nameof(savedInverseStd), gammaGradient.Length, nameof(gammaGradient));
        Check(betaGradient.Length, TShape.Channels, nameof(betaGradient));
        fixed (float* v = values, d = gradients, sm = savedMean, ss = savedInverseStd, gg = gammaGradient, bg = betaGradient)
            BatchNormKernels<TVector, TOps>.TrainingBackwardParameters<TShape>(v, d, imageLength, images, inputOffset, outputOffset, sm, ss, gg, bg, blockBegin, blockEnd);
    }

    static void IKernelFamily.BatchNormInference<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, float epsilon, Span<float> output)
    {
        Check(input.Length, Length<TShape>(), nameof(input));
        Check(output.Length, Length<TShape>(), nameof(output));
        CheckChannels<TShape>(gamma.Length, nameof(gamma), beta.Length, nameof(beta), mean.Length, nameof(mean));
        Check(variance.Length, TShape.Channels, nameof(variance));
        fixed (float* x = input, g = gamma, b = beta, m = mean, v = variance, y = output)
            BatchNormKernels<TVector, TOps>.Inference<TShape>(x, g, b, m, v, epsilon, y);
    }

    static void IKernelFamily.BatchNormInferenceBackwardInput<TShape>(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> gamma, ReadOnlySpan<float> variance, float epsilon, Span<float> inputGradient)
    {
        Check(outputGradient.Length, Length<TShape>(), nameof(outputGradient));
        Check(inputGradient.Length, Length<TShape>(), nameof(inputGradient));
        Check(gamma.Length, TShape.Channels, nameof(gamma));
        Check(variance.Length, TShape.Channels, nameof(variance));
        fixed (float* dy = outputGradient, g = gamma, v = variance, dx = inputGradient)
            BatchNormKernels<TVector, TOps>.InferenceBackwardInput<TShape>(dy, g, v, epsilon, dx);
    }

    static void IKernelFamily.BatchNormInferenceBackwardParameters<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, float epsilon,
        Span<float> gammaGradient, Span<float> betaGradient)
    {
        Check(input.Length, Length<TShape>(), nameof(input));
        Check(outputGradient.Length, Length<TShape>(), nameof(outputGradient));
        CheckChannels<TShape>(mean.Length, nameof(mean), variance.Length, nameof(variance), gammaGradient.Length, nameof(gammaGradient));
        Check(betaGradient.Length, TShape.Channels, nameof(betaGradient));
        fixed (float* x = input, dy = outputGradient, m = mean, v = variance, gg = gammaGradient, bg = betaGradient)
            BatchNormKernels<TVector, TOps>.InferenceBackwardParameters<TShape>(x, dy, m, v, epsilon, gg, bg);
    }

    private static void CheckPoolGradients<TShape>(ReadOnlySpan<float> outputGradient, Span<float> inputGradient) where TShape : struct, IPoolShape
    {
        Check(outputGradient.Length, Nchwc.Length(TShape.Channels, TShape.OutHeight, TShape.OutWidth, B), nameof(outputGradient));
        Check(inputGradient.Length, Nchwc.Length(TShape.Channels, TShape.InHeight, TShape.InWidth, B), nameof(inputGradient));
    }

    private static void CheckGlobalGradients<TShape>(ReadOnlySpan<float> outputGradient, Span<float> inputGradient) where TShape : struct, ITensorShape
    {
        Check(outputGradient.Length, Nchwc.PaddedChannels(TShape.Channels, B), nameof(outputGradient));
        Check(inputGradient.Length, Length<TShape>(), nameof(inputGradient));
    }

    private static void CheckActivations<TShape>(ReadOnlySpan<float> a, string aName, ReadOnlySpan<float> b, string bName, ReadOnlySpan<float> c, string cName)
        where TShape : struct, ITensorShape
    {
        Check(a.Length, Length<TShape>(), aName);
        Check(b.Length, Length<TShape>(), bName);
        Check(c.Length, Length<TShape>(), cName);
    }

    private static void CheckChannels<TShape>(int a, string aName, int b, string bName, int c, string cName) where TShape : struct, ITensorShape
    {
        Check(a, TShape.Channels, aName);
        Check(b, TShape.Channels, bName);
        Check(c, TShape.Channels, cName);
    }

    /// <summary>Images at values[i * imageLength + offset ..] must fit, the block range lie within the channels, and the statistics have two values per channel.</summary>
    private static void CheckBatch<TShape>(int valuesLength, int imageLength, int images, int inputOffset, int outputOffset, int blockBegin, int blockEnd) where TShape : struct, ITensorShape
    {
        int length = Length<TShape>();
        if (blockBegin < 0 || blockBegin > blockEnd || blockEnd > Nchwc.Blocks(TShape.Channels, B))
            throw new ArgumentOutOfRangeException(nameof(blockBegin), $"Channel blocks [{blockBegin}, {blockEnd}) are not within the {Nchwc.Blocks(TShape.Channels, B)} blocks of {TShape.Channels} channels.");
        if (images < 1)
            throw new ArgumentOutOfRangeException(nameof(images), $"A batch needs at least one image, got {images}.");
        if ((long)images * TShape.Height * TShape.Width < 2)
            throw new ArgumentException("BatchNorm in training mode needs more than one value per channel (images x height x width >= 2).", nameof(images));
        if (inputOffset < 0 || outputOffset < 0 || imageLength < Math.Max(inputOffset, outputOffset) + length)
            throw new ArgumentOutOfRangeException(nameof(imageLength), $"An image of {imageLength} floats cannot hold {length} floats at offsets {inputOffset} and {outputOffset}.");
        long needed = (long)(images - 1) * imageLength + Math.Max(inputOffset, outputOffset) + length;
        if (valuesLength < needed)
            throw new ArgumentException($"{images} images of {imageLength} floats need {needed} floats, got {valuesLength}.", "values");
    }
}
