using System;
using ConvForge.Kernels;
using ConvForge.Training;

namespace ConvForge.Runtime.Tests.Training.Engine;

/// <summary>
/// A hand-written stand-in for generated training code: input 1x6x6 -> Conv 3x3 (4 out, valid) -> BatchNorm -> Relu ->
/// global average pool -> Dense 3, laid out per the training contract, its steps in plain scalar C# (TKernels ignored).
/// Values sit in their reserved slices in plain C x H x W order (the engine reads only the input and the logits).
/// Forward reads the weights from the packed buffer, so a trainer that forgot to repack would train wrongly.
/// The input gradient of the first convolution throws: the input never needs a gradient, so the engine must never call it.
/// </summary>
internal sealed class TinyTrainableNetwork : ITrainableNetwork
{
    public const int Side = 6;
    public const int Filters = 4;
    public const int Classes = 3;
    public const int Pixels = 16; // 4 x 4 after the valid 3x3 convolution
    public const float Epsilon = 1e-5f;

    // Parameter offsets (the NetworkDefinition places them in this order; a test checks it).
    public const int ConvWeight = 0, ConvBias = 36, Gamma = 40, Beta = 44, RunningMean = 48, RunningVar = 52, HeadWeight = 56, HeadBias = 68, ParameterLength = 71;

    // Value offsets in one image's slice.
    private const int InputValue = 0, ConvValue = 36, NormValue = 292, ReluValue = 548, PoolValue = 804, HeadValue = 820, ImageLength = 836;

    // Packed layout: the convolution's weights and bias, then the dense layer's.
    private const int PackedConv = 0, PackedConvBias = 36, PackedHead = 40, PackedHeadBias = 52, PackedLength = 55;

    public static NetworkDefinition Definition { get; } = new("TinyTrainable", new TensorShape(1, Side, Side), new NodeDefinition[]
    {
        new("Input", OpKind.Input, new int[0], new TensorShape(1, Side, Side)),
        new("Conv", OpKind.Conv, new[] { 0 }, new TensorShape(Filters, 4, 4), window: KernelWindow.Square(3), groups: 1,
            parameters: new ParameterInfo[] { new("Conv.Weight", Filters, 1, 3, 3), new("Conv.Bias", Filters) }),
        new("Norm", OpKind.BatchNorm, new[] { 1 }, new TensorShape(Filters, 4, 4), epsilon: Epsilon,
            parameters: new ParameterInfo[] { new("Norm.Gamma", Filters), new("Norm.Beta", Filters), new("Norm.RunningMean", Filters), new("Norm.RunningVar", Filters) }),
        new("Relu", OpKind.Relu, new[] { 2 }, new TensorShape(Filters, 4, 4)),
        new("Pool", OpKind.GlobalAvgPool, new[] { 3 }, new TensorShape(Filters, 1, 1)),
        new("Head", OpKind.Dense, new[] { 4 }, new TensorShape(Classes, 1, 1),
            parameters: new ParameterInfo[] { new("Head.Weight", Classes, Filters), new("Head.Bias", Classes) }),
    });

    public static TrainingProgram TrainingProgram { get; } = new(
        new TrainingValue[]
        {
            new(0, "Input", 1, Side, Side, TrainingLayout.Plain, InputValue, 36),
            new(1, "Conv", Filters, 4, 4, TrainingLayout.Blocked, ConvValue, 256),
            new(2, "Norm", Filters, 4, 4, TrainingLayout.Blocked, NormValue, 256),
            new(3, "Relu", Filters, 4, 4, TrainingLayout.Blocked, ReluValue, 256),
            new(4, "Pool", Filters, 1, 1, TrainingLayout.Blocked, PoolValue, 16),
            new(5, "Head", Classes, 1, 1, TrainingLayout.Blocked, HeadValue, 16),
        },
        new TrainingStep[]
        {
            new(0, TrainingStepKind.ConvFromPlain, "Conv", 1, new[] { 0 }, 1, new[] { 0, 1 }, -1, -1, 0),
            new(1, TrainingStepKind.BatchNorm, "Norm", 2, new[] { 1 }, 2, new[] { 2, 3, 4, 5 }, -1, 0, 2 * Filters),
            new(2, TrainingStepKind.Activation, "Relu", 3, new[] { 2 }, 3, Array.Empty<int>(), -1, -1, 0),
            new(3, TrainingStepKind.GlobalAvgPool, "Pool", 4, new[] { 3 }, 4, Array.Empty<int>(), -1, -1, 0),
            new(4, TrainingStepKind.Dense, "Head", 5, new[] { 4 }, 5, new[] { 6, 7 }, -1, -1, 0),
        },
        ImageLength, 2 * Filters, Input: 0, Logits: 5);

    public TinyTrainableNetwork(ulong seed = 1)
    {
        Parameters = new ParameterStore(Definition);
        Parameters.Initialize(seed);
    }

    public ParameterStore Parameters { get; }

    public global::ConvForge.Kernels.KernelFamily KernelFamily => global::ConvForge.Kernels.KernelFamilies.Best;

    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize) =>
        throw new NotSupportedException("The test double has only the training program.");

    public static int TrainingPackedLength<TKernels>() where TKernels : struct, IKernelFamily => PackedLength;

    public static void TrainingPack<TKernels>(int step, ReadOnlySpan<float> parameters, Span<float> packed) where TKernels : struct, IKernelFamily
    {
        if (step == 0)
            parameters.Slice(ConvWeight, 40).CopyTo(packed.Slice(PackedConv, 40));
        else if (step == 4)
            parameters.Slice(HeadWeight, 15).CopyTo(packed.Slice(PackedHead, 15));
    }

    public static void TrainingForward<TKernels>(int step, ref TrainingStepArguments a) where TKernels : struct, IKernelFamily
    {
        switch (step)
        {
            case 0:
                for (int i = a.ImageBegin; i < a.ImageEnd; i++)
                {
                    var x = Slice(a.Values, i, InputValue);
                    var y = Slice(a.Values, i, ConvValue);
                    for (int c = 0; c < Filters; c++)
                    {
                        for (int oy = 0; oy < 4; oy++)
                        {
                            for (int ox = 0; ox < 4; ox++)
                            {
                                float sum = a.Packed[PackedConvBias + c];
                                for (int ky = 0; ky < 3; ky++)
                                {
                                    for (int kx = 0; kx < 3; kx++)
                                        sum += a.Packed[PackedConv + c * 9 + ky * 3 + kx] * x[(oy + ky) * Side + ox + kx];
                                }
                                y[c * Pixels + oy * 4 + ox] = sum;
                            }
                        }
                    }
                }
                break;
            case 1:
                NormForward(ref a);
                break;
            case 2:
                for (int i = a.ImageBegin; i < a.ImageEnd; i++)
                {
                    var x = Slice(a.Values, i, NormValue);
                    var y = Slice(a.Values, i, ReluValue);
                    for (int k = 0; k < Filters * Pixels; k++)
                        y[k] = Math.Max(x[k], 0f);
                }
                break;
            case 3:
                for (int i = a.ImageBegin; i < a.ImageEnd; i++)
                {
                    var x = Slice(a.Values, i, ReluValue);
                    var y = Slice(a.Values, i, PoolValue);
                    for (int c = 0; c < Filters; c++)
                    {
                        float sum = 0;
                        for (int p = 0; p < Pixels; p++)
                            sum += x[c * Pixels + p];
                        y[c] = sum / Pixels;
                    }
                }
                break;
            case 4:
                for (int i = a.ImageBegin; i < a.ImageEnd; i++)
                {
                    var x = Slice(a.Values, i, PoolValue);
                    var y = Slice(a.Values, i, HeadValue);
                    for (int u = 0; u < Classes; u++)
                    {
                        float sum = a.Packed[PackedHeadBias + u];
                        for (int c = 0; c < Filters; c++)
                            sum += a.Packed[PackedHead + u * Filters + c] * x[c];
                        y[u] = sum;
                    }
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step));
        }
    }

    public static void TrainingBackwardInput<TKernels>(int step, ref TrainingStepArguments a) where TKernels : struct, IKernelFamily
    {
        switch (step)
        {
            case 0:
                throw new NotSupportedException("The network input never needs a gradient.");
            case 1:
                NormBackwardInput(ref a);
                break;
            case 2:
                for (int i = a.ImageBegin; i < a.ImageEnd; i++)
                {
                    var x = Slice(a.Values, i, NormValue);
                    var g = Slice(a.Gradients, i, ReluValue);
                    var gx = Slice(a.Gradients, i, NormValue);
                    for (int k = 0; k < Filters * Pixels; k++)
                        gx[k] += x[k] > 0 ? g[k] : 0f;
                }
                break;
            case 3:
                for (int i = a.ImageBegin; i < a.ImageEnd; i++)
                {
                    var g = Slice(a.Gradients, i, PoolValue);
                    var gx = Slice(a.Gradients, i, ReluValue);
                    for (int c = 0; c < Filters; c++)
                    {
                        for (int p = 0; p < Pixels; p++)
                            gx[c * Pixels + p] += g[c] / Pixels;
                    }
                }
                break;
            case 4:
                for (int i = a.ImageBegin; i < a.ImageEnd; i++)
                {
                    var g = Slice(a.Gradients, i, HeadValue);
                    var gx = Slice(a.Gradients, i, PoolValue);
                    for (int c = 0; c < Filters; c++)
                    {
                        float sum = 0;
                        for (int u = 0; u < Classes; u++)
                            sum += a.Packed[PackedHead + u * Filters + c] * g[u];
                        gx[c] += sum;
                    }
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step));
        }
    }

    public static void TrainingBackwardParameters<TKernels>(int step, ref TrainingStepArguments a) where TKernels : struct, IKernelFamily
    {
        var dp = a.ParameterGradients;
        int o = a.ParameterGradientOrigin;
        switch (step)
        {
            case 0:
                for (int i = a.ImageBegin; i < a.ImageEnd; i++)
                {
                    var x = Slice(a.Values, i, InputValue);
                    var g = Slice(a.Gradients, i, ConvValue);
                    for (int c = 0; c < Filters; c++)
                    {
                        for (int oy = 0; oy < 4; oy++)
                        {
                            for (int ox = 0; ox < 4; ox++)
                            {
                                float gy = g[c * Pixels + oy * 4 + ox];
                                dp[ConvBias - o + c] += gy;
                                for (int ky = 0; ky < 3; ky++)
                                {
                                    for (int kx = 0; kx < 3; kx++)
                                        dp[ConvWeight - o + c * 9 + ky * 3 + kx] += gy * x[(oy + ky) * Side + ox + kx];
                                }
                            }
                        }
                    }
                }
                break;
            case 1:
                for (int i = a.ImageBegin; i < a.ImageEnd; i++)
                {
                    var x = Slice(a.Values, i, ConvValue);
                    var g = Slice(a.Gradients, i, NormValue);
                    for (int c = 0; c < Filters; c++)
                    {
                        var (mean, inverse) = Statistics(ref a, c);
                        for (int p = 0; p < Pixels; p++)
                        {
                            float gy = g[c * Pixels + p];
                            dp[Gamma - o + c] += gy * (x[c * Pixels + p] - mean) * inverse;
                            dp[Beta - o + c] += gy;
                        }
                    }
                }
                break;
            case 4:
                for (int i = a.ImageBegin; i < a.ImageEnd; i++)
                {
                    var x = Slice(a.Values, i, PoolValue);
                    var g = Slice(a.Gradients, i, HeadValue);
                    for (int u = 0; u < Classes; u++)
                    {
                        dp[HeadBias - o + u] += g[u];
                        for (int c = 0; c < Filters; c++)
                            dp[HeadWeight - o + u * Filters + c] += g[u] * x[c];
                    }
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), $"Step {step} has no parameters.");
        }
    }

    /// <summary>The mean and inverse standard deviation of channel <paramref name="c"/>: the batch's (saved by forward) in training mode, the running ones in inference.</summary>
    private static (float Mean, float Inverse) Statistics(ref TrainingStepArguments a, int c) =>
        a.Mode == StepMode.Training
            ? (a.Saved[c], a.Saved[Filters + c])
            : (a.Parameters[RunningMean + c], 1f / MathF.Sqrt(a.Parameters[RunningVar + c] + Epsilon));

    private static void NormForward(ref TrainingStepArguments a)
    {
        if (a.Mode == StepMode.Training)
        {
            // Batch-level: statistics over every image of the batch, saved for backward; running averages updated.
            int n = a.Images * Pixels;
            for (int c = 0; c < Filters; c++)
            {
                double sum = 0, squares = 0;
                for (int i = 0; i < a.Images; i++)
                {
                    var x = Slice(a.Values, i, ConvValue);
                    for (int p = 0; p < Pixels; p++)
                        sum += x[c * Pixels + p];
                }
                double mean = sum / n;
                for (int i = 0; i < a.Images; i++)
                {
                    var x = Slice(a.Values, i, ConvValue);
                    for (int p = 0; p < Pixels; p++)
                        squares += (x[c * Pixels + p] - mean) * (x[c * Pixels + p] - mean);
                }
                double variance = squares / n;
                a.Saved[c] = (float)mean;
                a.Saved[Filters + c] = (float)(1 / Math.Sqrt(variance + Epsilon));
                float m = a.BatchNormMomentum;
                a.Parameters[RunningMean + c] = (1 - m) * a.Parameters[RunningMean + c] + m * (float)mean;
                a.Parameters[RunningVar + c] = (1 - m) * a.Parameters[RunningVar + c] + m * (float)(squares / Math.Max(n - 1, 1));
            }
        }
        for (int i = a.Mode == StepMode.Training ? 0 : a.ImageBegin; i < (a.Mode == StepMode.Training ? a.Images : a.ImageEnd); i++)
        {
            var x = Slice(a.Values, i, ConvValue);
            var y = Slice(a.Values, i, NormValue);
            for (int c = 0; c < Filters; c++)
            {
                var (mean, inverse) = Statistics(ref a, c);
                for (int p = 0; p < Pixels; p++)
                    y[c * Pixels + p] = a.Parameters[Gamma + c] * (x[c * Pixels + p] - mean) * inverse + a.Parameters[Beta + c];
            }
        }
    }

    private static void NormBackwardInput(ref TrainingStepArguments a)
    {
        if (a.Mode == StepMode.Inference)
        {
            for (int i = a.ImageBegin; i < a.ImageEnd; i++)
            {
                var g = Slice(a.Gradients, i, NormValue);
                var gx = Slice(a.Gradients, i, ConvValue);
                for (int c = 0; c < Filters; c++)
                {
                    float scale = a.Parameters[Gamma + c] * Statistics(ref a, c).Inverse;
                    for (int p = 0; p < Pixels; p++)
                        gx[c * Pixels + p] += g[c * Pixels + p] * scale;
                }
            }
            return;
        }
        // dx = gamma * invstd / N * (N g - sum g - xhat sum(g xhat)), over the whole batch.
        int n = a.Images * Pixels;
        for (int c = 0; c < Filters; c++)
        {
            var (mean, inverse) = Statistics(ref a, c);
            double sumG = 0, sumGx = 0;
            for (int i = 0; i < a.Images; i++)
            {
                var x = Slice(a.Values, i, ConvValue);
                var g = Slice(a.Gradients, i, NormValue);
                for (int p = 0; p < Pixels; p++)
                {
                    sumG += g[c * Pixels + p];
                    sumGx += g[c * Pixels + p] * (x[c * Pixels + p] - mean) * inverse;
                }
            }
            float scale = a.Parameters[Gamma + c] * inverse / n;
            for (int i = 0; i < a.Images; i++)
            {
                var x = Slice(a.Values, i, ConvValue);
                var g = Slice(a.Gradients, i, NormValue);
                var gx = Slice(a.Gradients, i, ConvValue);
                for (int p = 0; p < Pixels; p++)
                {
                    float xhat = (x[c * Pixels + p] - mean) * inverse;
                    gx[c * Pixels + p] += scale * (float)(n * g[c * Pixels + p] - sumG - xhat * sumGx);
                }
            }
        }
    }

    private static Span<float> Slice(Span<float> arena, int image, int offset) => arena.Slice(image * ImageLength + offset);

    /// <summary>
    /// The training-mode loss in double precision (batch statistics, softmax cross-entropy, mean over the batch), written
    /// independently of the steps above: the reference for central finite differences.
    /// </summary>
    public static double ReferenceLoss(double[] p, float[] images, int[] labels)
    {
        int batch = labels.Length;
        var conv = new double[batch, Filters, Pixels];
        for (int i = 0; i < batch; i++)
        {
            for (int c = 0; c < Filters; c++)
            {
                for (int oy = 0; oy < 4; oy++)
                {
                    for (int ox = 0; ox < 4; ox++)
                    {
                        double sum = p[ConvBias + c];
                        for (int ky = 0; ky < 3; ky++)
                        {
                            for (int kx = 0; kx < 3; kx++)
                                sum += p[ConvWeight + c * 9 + ky * 3 + kx] * images[i * 36 + (oy + ky) * Side + ox + kx];
                        }
                        conv[i, c, oy * 4 + ox] = sum;
                    }
                }
            }
        }
        var pooled = new double[batch, Filters];
        for (int c = 0; c < Filters; c++)
        {
            double mean = 0, variance = 0;
            foreach (int i in Range(batch))
            {
                for (int q = 0; q < Pixels; q++)
                    mean += conv[i, c, q];
            }
            mean /= batch * Pixels;
            foreach (int i in Range(batch))
            {
                for (int q = 0; q < Pixels; q++)
                    variance += (conv[i, c, q] - mean) * (conv[i, c, q] - mean);
            }
            variance /= batch * Pixels;
            foreach (int i in Range(batch))
            {
                for (int q = 0; q < Pixels; q++)
                {
                    double y = p[Gamma + c] * (conv[i, c, q] - mean) / Math.Sqrt(variance + Epsilon) + p[Beta + c];
                    pooled[i, c] += Math.Max(y, 0) / Pixels;
                }
            }
        }
        double loss = 0;
        for (int i = 0; i < batch; i++)
        {
            var logits = new double[Classes];
            for (int u = 0; u < Classes; u++)
            {
                logits[u] = p[HeadBias + u];
                for (int c = 0; c < Filters; c++)
                    logits[u] += p[HeadWeight + u * Filters + c] * pooled[i, c];
            }
            double max = Math.Max(logits[0], Math.Max(logits[1], logits[2]));
            double sumExp = 0;
            foreach (double l in logits)
                sumExp += Math.Exp(l - max);
            loss += max + Math.Log(sumExp) - logits[labels[i]];
        }
        return loss / batch;
    }

    private static int[] Range(int count)
    {
        var range = new int[count];
        for (int i = 0; i < count; i++)
            range[i] = i;
        return range;
    }
}
