using System;
using System.Runtime.CompilerServices;

namespace ConvForge.Kernels;

/// <summary>
/// BatchNorm on NCHWc activations: training mode over a batch (batch statistics, running averages) and its backward,
/// and the running-statistics form of one image and its backward. Per-channel parameters are plain [C]; each kernel
/// turns them into per-lane vectors of one channel block (padding lanes 0, so padding outputs are 0 and padding
/// gradients stay 0). Per-channel sums are float vector sums over runs of at most <see cref="Run"/> pixels, added
/// up in double: a 128 x 28 x 28 batch sums 100,352 values per channel without float drift.
/// Training kernels take a channel-block range [blockBegin, blockEnd), so workers can split the channels.
/// </summary>
internal static unsafe class BatchNormKernels<TVector, TOps>
    where TVector : struct
    where TOps : struct, IFamilyOps<TVector>
{
    private const int Run = 256;
    private const int MaxBlock = 16;

    /// <summary>See <see cref="IKernelFamily.BatchNormTrainingForward{TShape}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TrainingForward<TShape>(float* values, int imageLength, int images, int inputOffset, int outputOffset,
        float* gamma, float* beta, float* runningMean, float* runningVariance, float momentum, float epsilon,
        float* savedMean, float* savedInverseStd, int blockBegin, int blockEnd) where TShape : struct, ITensorShape
    {
        int b = TOps.BlockSize;
        int channels = TShape.Channels;
        int plane = TShape.Height * TShape.Width;
        int blockLength = plane * b;
        double count = (double)images * plane;
        double* sums = stackalloc double[MaxBlock];
        double* means = stackalloc double[MaxBlock];
        float* center = stackalloc float[MaxBlock];
        float* scale = stackalloc float[MaxBlock];
        float* shift = stackalloc float[MaxBlock];
        float* lanes = stackalloc float[MaxBlock];
        for (int cb = blockBegin; cb < blockEnd; cb++)
        {
            float* x0 = values + inputOffset + cb * blockLength;
            new Span<float>(center, b).Clear();
            Sums(x0, imageLength, images, plane, center, sums, lanes);
            for (int lane = 0; lane < b; lane++)
            {
                means[lane] = sums[lane] / count;
                center[lane] = cb * b + lane < channels ? -(float)means[lane] : 0f;
            }
            // Sum of squares about the float mean m': sum (x - m')^2 / n = var + (m - m')^2 exactly, because sum (x - m) = 0.
            SquareSums(x0, imageLength, images, plane, center, sums, lanes);
            for (int lane = 0; lane < b; lane++)
            {
                int c = cb * b + lane;
                if (c >= channels)
                {
                    scale[lane] = shift[lane] = 0f;
                    continue;
                }
                double offMean = means[lane] + center[lane];
                double variance = Math.Max(0.0, sums[lane] / count - offMean * offMean);
                double inverseStd = 1.0 / Math.Sqrt(variance + epsilon);
                savedMean[c] = -center[lane];
                savedInverseStd[c] = (float)inverseStd;
                runningMean[c] = (float)((1.0 - momentum) * runningMean[c] + momentum * means[lane]);
                runningVariance[c] = (float)((1.0 - momentum) * runningVariance[c] + momentum * variance * count / (count - 1.0));
                scale[lane] = (float)(gamma[c] * inverseStd);
                shift[lane] = beta[c];
            }
            for (int image = 0; image < images; image++)
            {
                float* x = values + (long)image * imageLength + inputOffset + cb * blockLength;
                float* y = values + (long)image * imageLength + outputOffset + cb * blockLength;
                for (int part = 0; part < b; part += TOps.Lanes)
                {
                    var m = TOps.Load(center + part);
                    var s = TOps.Load(scale + part);
                    var t = TOps.Load(shift + part);
                    for (int p = 0; p < plane; p++)
                        TOps.Store(y + p * b + part, TOps.MultiplyAdd(TOps.Add(TOps.Load(x + p * b + part), m), s, t));
                }
            }
        }
    }

    /// <summary>
    /// d loss / d x = gamma * s * (dy - mean(dy) - xhat * mean(dy * xhat)) with xhat = (x - mean) * s, s = 1/sqrt(var + eps),
    /// means over the batch: applied as a * dy + k * (x - mean) + c per channel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TrainingBackwardInput<TShape>(float* values, float* gradients, int imageLength, int images, int inputOffset, int outputOffset,
        float* gamma, float* savedMean, float* savedInverseStd, int blockBegin, int blockEnd) where TShape : struct, ITensorShape
    {
        int b = TOps.BlockSize;
        int channels = TShape.Channels;
        int plane = TShape.Height * TShape.Width;
        int blockLength = plane * b;
        double count = (double)images * plane;
        double* sumDy = stackalloc double[MaxBlock];
        double* sumDyCentered = stackalloc double[MaxBlock];
        float* center = stackalloc float[MaxBlock];
        float* a = stackalloc float[MaxBlock];
        float* k = stackalloc float[MaxBlock];
        float* c0 = stackalloc float[MaxBlock];
        float* lanes = stackalloc float[MaxBlock];
        for (int cb = blockBegin; cb < blockEnd; cb++)
        {
            Center(savedMean, channels, cb, center);
            GradientSums(values + inputOffset + cb * blockLength, gradients + outputOffset + cb * blockLength, imageLength, images, plane, center, sumDy, sumDyCentered, lanes);
            for (int lane = 0; lane < b; lane++)
            {
                int c = cb * b + lane;
                if (c >= channels)
                {
                    a[lane] = k[lane] = c0[lane] = 0f;
                    continue;
                }
                double s = savedInverseStd[c];
                double gs = gamma[c] * s;
                a[lane] = (float)gs;
                k[lane] = (float)(-gs * s * s * sumDyCentered[lane] / count);
                c0[lane] = (float)(-gs * sumDy[lane] / count);
            }
            for (int image = 0; image < images; image++)
            {
                float* x = values + (long)image * imageLength + inputOffset + cb * blockLength;
                float* dy = gradients + (long)image * imageLength + outputOffset + cb * blockLength;
                float* dx = gradients + (long)image * imageLength + inputOffset + cb * blockLength;
                for (int part = 0; part < b; part += TOps.Lanes)
                {
                    var m = TOps.Load(center + part);
                    var av = TOps.Load(a + part);
                    var kv = TOps.Load(k + part);
                    var cv = TOps.Load(c0 + part);
                    for (int p = 0; p < plane; p++)
                    {
                        int i = p * b + part;
                        var t = TOps.MultiplyAdd(TOps.Load(dy + i), av, cv);
                        t = TOps.MultiplyAdd(TOps.Add(TOps.Load(x + i), m), kv, t);
                        TOps.Store(dx + i, TOps.Add(TOps.Load(dx + i), t));
                    }
                }
            }
        }
    }

    /// <summary>gammaGradient += sum dy * (x - mean) * s; betaGradient += sum dy, over the batch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TrainingBackwardParameters<TShape>(float* values, float* gradients, int imageLength, int images, int inputOffset, int outputOffset,
        float* savedMean, float* savedInverseStd, float* gammaGradient, float* betaGradient, int blockBegin, int blockEnd) where TShape : struct, ITensorShape
    {
        int channels = TShape.Channels;
        int plane = TShape.Height * TShape.Width;
        int blockLength = plane * TOps.BlockSize;
        double* sumDy = stackalloc double[MaxBlock];
        double* sumDyCentered = stackalloc double[MaxBlock];
        float* center = stackalloc float[MaxBlock];
        float* lanes = stackalloc float[MaxBlock];
        for (int cb = blockBegin; cb < blockEnd; cb++)
        {
            Center(savedMean, channels, cb, center);
            GradientSums(values + inputOffset + cb * blockLength, gradients + outputOffset + cb * blockLength, imageLength, images, plane, center, sumDy, sumDyCentered, lanes);
            AddParameterGradients<TShape>(cb, sumDy, sumDyCentered, savedInverseStd, null, 0f, gammaGradient, betaGradient);
        }
    }

    /// <summary>y = (x - mean) * (gamma / sqrt(var + eps)) + beta, one image.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Inference<TShape>(float* input, float* gamma, float* beta, float* mean, float* variance, float epsilon, float* output) where TShape : struct, ITensorShape
    {
        int b = TOps.BlockSize;
        int channels = TShape.Channels;
        int plane = TShape.Height * TShape.Width;
        float* center = stackalloc float[MaxBlock];
        float* scale = stackalloc float[MaxBlock];
        float* shift = stackalloc float[MaxBlock];
        for (int cb = 0; cb < Nchwc.Blocks(channels, b); cb++)
        {
            Center(mean, channels, cb, center);
            for (int lane = 0; lane < b; lane++)
            {
                int c = cb * b + lane;
                scale[lane] = c < channels ? (float)(gamma[c] / Math.Sqrt((double)variance[c] + epsilon)) : 0f;
                shift[lane] = c < channels ? beta[c] : 0f;
            }
            float* x = input + cb * plane * b;
            float* y = output + cb * plane * b;
            for (int part = 0; part < b; part += TOps.Lanes)
            {
                var m = TOps.Load(center + part);
                var s = TOps.Load(scale + part);
                var t = TOps.Load(shift + part);
                for (int p = 0; p < plane; p++)
                    TOps.Store(y + p * b + part, TOps.MultiplyAdd(TOps.Add(TOps.Load(x + p * b + part), m), s, t));
            }
        }
    }

    /// <summary>inputGradient += outputGradient * gamma / sqrt(var + eps), one image.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InferenceBackwardInput<TShape>(float* outputGradient, float* gamma, float* variance, float epsilon, float* inputGradient) where TShape : struct, ITensorShape
    {
        int b = TOps.BlockSize;
        int channels = TShape.Channels;
        int plane = TShape.Height * TShape.Width;
        float* scale = stackalloc float[MaxBlock];
        for (int cb = 0; cb < Nchwc.Blocks(channels, b); cb++)
        {
            for (int lane = 0; lane < b; lane++)
            {
                int c = cb * b + lane;
                scale[lane] = c < channels ? (float)(gamma[c] / Math.Sqrt((double)variance[c] + epsilon)) : 0f;
            }
            float* dy = outputGradient + cb * plane * b;
            float* dx = inputGradient + cb * plane * b;
            for (int part = 0; part < b; part += TOps.Lanes)
            {
                var s = TOps.Load(scale + part);
                for (int p = 0; p < plane; p++)
                    TOps.Store(dx + p * b + part, TOps.MultiplyAdd(TOps.Load(dy + p * b + part), s, TOps.Load(dx + p * b + part)));
            }
        }
    }

    /// <summary>gammaGradient += sum dy * (x - mean) / sqrt(var + eps); betaGradient += sum dy, one image.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InferenceBackwardParameters<TShape>(float* input, float* outputGradient, float* mean, float* variance, float epsilon, float* gammaGradient, float* betaGradient)
        where TShape : struct, ITensorShape
    {
        int channels = TShape.Channels;
        int plane = TShape.Height * TShape.Width;
        int blockLength = plane * TOps.BlockSize;
        double* sumDy = stackalloc double[MaxBlock];
        double* sumDyCentered = stackalloc double[MaxBlock];
        float* center = stackalloc float[MaxBlock];
        float* lanes = stackalloc float[MaxBlock];
        for (int cb = 0; cb < Nchwc.Blocks(TShape.Channels, TOps.BlockSize); cb++)
        {
            Center(mean, channels, cb, center);
            GradientSums(input + cb * blockLength, outputGradient + cb * blockLength, 0, 1, plane, center, sumDy, sumDyCentered, lanes);
            AddParameterGradients<TShape>(cb, sumDy, sumDyCentered, null, variance, epsilon, gammaGradient, betaGradient);
        }
    }

    /// <summary>center[lane] = -mean[c] for the block's channels, 0 in padding lanes.</summary>
    private static void Center(float* mean, int channels, int cb, float* center)
    {
        int b = TOps.BlockSize;
        for (int lane = 0; lane < b; lane++)
            center[lane] = cb * b + lane < channels ? -mean[cb * b + lane] : 0f;
    }

    /// <summary>gammaGradient[c] += sumDyCentered * s; betaGradient[c] += sumDy, with s saved, or from the variance when inverseStd is null.</summary>
    private static void AddParameterGradients<TShape>(int cb, double* sumDy, double* sumDyCentered, float* inverseStd, float* variance, float epsilon, float* gammaGradient, float* betaGradient)
        where TShape : struct, ITensorShape
    {
        int b = TOps.BlockSize;
        for (int lane = 0; lane < b; lane++)
        {
            int c = cb * b + lane;
            if (c >= TShape.Channels)
                break;
            double s = inverseStd != null ? inverseStd[c] : 1.0 / Math.Sqrt((double)variance[c] + epsilon);
            gammaGradient[c] = (float)(gammaGradient[c] + sumDyCentered[lane] * s);
            betaGradient[c] = (float)(betaGradient[c] + sumDy[lane]);
        }
    }

    /// <summary>sums[lane] = sum over images and pixels of one block of x + center[lane]. x0 is image 0's block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sums(float* x0, int imageStride, int images, int plane, float* center, double* sums, float* lanes)
    {
        int b = TOps.BlockSize;
        new Span<double>(sums, b).Clear();
        for (int image = 0; image < images; image++)
        {
            float* x = x0 + (long)image * imageStride;
            for (int part = 0; part < b; part += TOps.Lanes)
            {
                var m = TOps.Load(center + part);
                for (int begin = 0; begin < plane; begin += Run)
                {
                    int end = Math.Min(plane, begin + Run);
                    var sum = TOps.Splat(0f);
                    for (int p = begin; p < end; p++)
                        sum = TOps.Add(sum, TOps.Add(TOps.Load(x + p * b + part), m));
                    TOps.Store(lanes + part, sum);
                    for (int lane = part; lane < part + TOps.Lanes; lane++)
                        sums[lane] += lanes[lane];
                }
            }
        }
    }

    /// <summary>sums[lane] = sum over images and pixels of one block of (x + center[lane])^2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SquareSums(float* x0, int imageStride, int images, int plane, float* center, double* sums, float* lanes)
    {
        int b = TOps.BlockSize;
        new Span<double>(sums, b).Clear();
        for (int image = 0; image < images; image++)
        {
            float* x = x0 + (long)image * imageStride;
            for (int part = 0; part < b; part += TOps.Lanes)
            {
                var m = TOps.Load(center + part);
                for (int begin = 0; begin < plane; begin += Run)
                {
                    int end = Math.Min(plane, begin + Run);
                    var sum = TOps.Splat(0f);
                    for (int p = begin; p < end; p++)
                    {
                        var d = TOps.Add(TOps.Load(x + p * b + part), m);
                        sum = TOps.MultiplyAdd(d, d, sum);
                    }
                    TOps.Store(lanes + part, sum);
                    for (int lane = part; lane < part + TOps.Lanes; lane++)
                        sums[lane] += lanes[lane];
                }
            }
        }
    }

    /// <summary>sumDy[lane] = sum of dy; sumDyCentered[lane] = sum of dy * (x + center[lane]); over images and pixels of one block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradientSums(float* x0, float* dy0, int imageStride, int images, int plane, float* center, double* sumDy, double* sumDyCentered, float* lanes)
    {
        int b = TOps.BlockSize;
        new Span<double>(sumDy, b).Clear();
        new Span<double>(sumDyCentered, b).Clear();
        for (int image = 0; image < images; image++)
        {
            float* x = x0 + (long)image * imageStride;
            float* dy = dy0 + (long)image * imageStride;
            for (int part = 0; part < b; part += TOps.Lanes)
            {
                var m = TOps.Load(center + part);
                for (int begin = 0; begin < plane; begin += Run)
                {
                    int end = Math.Min(plane, begin + Run);
                    var sum = TOps.Splat(0f);
                    var sumCentered = sum;
                    for (int p = begin; p < end; p++)
                    {
                        var g = TOps.Load(dy + p * b + part);
                        sum = TOps.Add(sum, g);
                        sumCentered = TOps.MultiplyAdd(g, TOps.Add(TOps.Load(x + p * b + part), m), sumCentered);
                    }
                    TOps.Store(lanes + part, sum);
                    for (int lane = part; lane < part + TOps.Lanes; lane++)
                        sumDy[lane] += lanes[lane];
                    TOps.Store(lanes + part, sumCentered);
                    for (int lane = part; lane < part + TOps.Lanes; lane++)
                        sumDyCentered[lane] += lanes[lane];
                }
            }
        }
    }
}
