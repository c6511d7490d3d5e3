using System;
using ConvForge.Kernels;
using ConvForge.Training;

namespace ConvForge.Runtime.Tests.Training.Engine;

/// <summary>
/// A second hand-written double, for dropout: input 1x2x2 -> Dense 6 -> Dropout 0.5 -> Dense 3. The dropout mask of
/// image i is drawn from (arguments.Seed, i), so the engine's per-step seeds decide what trains.
/// </summary>
internal sealed class TinyDropoutNetwork : ITrainableNetwork
{
    private const int Inputs = 4, Hidden = 6, Classes = 3;
    private const int HiddenWeight = 0, HiddenBias = 24, HeadWeight = 30, HeadBias = 48;
    private const int InputValue = 0, HiddenValue = 4, MaskValue = 20, DropValue = 36, HeadValue = 52, ImageLength = 68;

    public static NetworkDefinition Definition { get; } = new("TinyDropout", new TensorShape(1, 2, 2), new NodeDefinition[]
    {
        new("Input", OpKind.Input, new int[0], new TensorShape(1, 2, 2)),
        new("Hidden", OpKind.Dense, new[] { 0 }, new TensorShape(Hidden, 1, 1),
            parameters: new ParameterInfo[] { new("Hidden.Weight", Hidden, Inputs), new("Hidden.Bias", Hidden) }),
        new("Drop", OpKind.Dropout, new[] { 1 }, new TensorShape(Hidden, 1, 1), rate: 0.5),
        new("Head", OpKind.Dense, new[] { 2 }, new TensorShape(Classes, 1, 1),
            parameters: new ParameterInfo[] { new("Head.Weight", Classes, Hidden), new("Head.Bias", Classes) }),
    });

    public static TrainingProgram TrainingProgram { get; } = new(
        new TrainingValue[]
        {
            new(0, "Input", 1, 2, 2, TrainingLayout.Plain, InputValue, 4),
            new(1, "Hidden", Hidden, 1, 1, TrainingLayout.Blocked, HiddenValue, 16),
            new(2, "Drop.Mask", Hidden, 1, 1, TrainingLayout.Blocked, MaskValue, 16),
            new(3, "Drop", Hidden, 1, 1, TrainingLayout.Blocked, DropValue, 16),
            new(4, "Head", Classes, 1, 1, TrainingLayout.Blocked, HeadValue, 16),
        },
        new TrainingStep[]
        {
            new(0, TrainingStepKind.Dense, "Hidden", 1, new[] { 0 }, 1, new[] { 0, 1 }, -1, -1, 0),
            new(1, TrainingStepKind.Dropout, "Drop", 2, new[] { 1 }, 3, Array.Empty<int>(), 2, -1, 0),
            new(2, TrainingStepKind.Dense, "Head", 3, new[] { 3 }, 4, new[] { 2, 3 }, -1, -1, 0),
        },
        ImageLength, 0, Input: 0, Logits: 4);

    public TinyDropoutNetwork(ulong seed = 1)
    {
        Parameters = new ParameterStore(Definition);
        Parameters.Initialize(seed);
    }

    public ParameterStore Parameters { get; }

    public global::ConvForge.Kernels.KernelFamily KernelFamily => global::ConvForge.Kernels.KernelFamilies.Best;

    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize) =>
        throw new NotSupportedException("The test double has only the training program.");

    public static int TrainingPackedLength<TKernels>() where TKernels : struct, IKernelFamily => 0;

    public static void TrainingPack<TKernels>(int step, ReadOnlySpan<float> parameters, Span<float> packed) where TKernels : struct, IKernelFamily
    {
    }

    public static void TrainingForward<TKernels>(int step, ref TrainingStepArguments a) where TKernels : struct, IKernelFamily
    {
        for (int i = a.ImageBegin; i < a.ImageEnd; i++)
        {
            var v = a.Values.Slice(i * ImageLength, ImageLength);
            switch (step)
            {
                case 0:
                    Dense(a.Parameters, HiddenWeight, HiddenBias, v.Slice(InputValue, Inputs), v.Slice(HiddenValue, Hidden));
                    break;
                case 1:
                    var random = new DeterministicRandom(a.Seed ^ (0x9E3779B97F4A7C15UL * (ulong)(i + 1)));
                    for (int u = 0; u < Hidden; u++)
                    {
                        v[MaskValue + u] = a.Mode == StepMode.Inference ? 1f : random.NextDouble() < 0.5 ? 2f : 0f;
                        v[DropValue + u] = v[HiddenValue + u] * v[MaskValue + u];
                    }
                    break;
                case 2:
                    Dense(a.Parameters, HeadWeight, HeadBias, v.Slice(DropValue, Hidden), v.Slice(HeadValue, Classes));
                    break;
            }
        }
    }

    public static void TrainingBackwardInput<TKernels>(int step, ref TrainingStepArguments a) where TKernels : struct, IKernelFamily
    {
        for (int i = a.ImageBegin; i < a.ImageEnd; i++)
        {
            var v = a.Values.Slice(i * ImageLength, ImageLength);
            var g = a.Gradients.Slice(i * ImageLength, ImageLength);
            switch (step)
            {
                case 1:
                    for (int u = 0; u < Hidden; u++)
                        g[HiddenValue + u] += g[DropValue + u] * v[MaskValue + u];
                    break;
                case 2:
                    for (int c = 0; c < Hidden; c++)
                    {
                        for (int u = 0; u < Classes; u++)
                            g[DropValue + c] += a.Parameters[HeadWeight + u * Hidden + c] * g[HeadValue + u];
                    }
                    break;
                default:
                    throw new NotSupportedException($"Step {step} never needs an input gradient.");
            }
        }
    }

    public static void TrainingBackwardParameters<TKernels>(int step, ref TrainingStepArguments a) where TKernels : struct, IKernelFamily
    {
        var (weight, bias, input, output, inputs, outputs) = step == 0
            ? (HiddenWeight, HiddenBias, InputValue, HiddenValue, Inputs, Hidden)
            : (HeadWeight, HeadBias, DropValue, HeadValue, Hidden, Classes);
        int o = a.ParameterGradientOrigin;
        for (int i = a.ImageBegin; i < a.ImageEnd; i++)
        {
            var v = a.Values.Slice(i * ImageLength, ImageLength);
            var g = a.Gradients.Slice(i * ImageLength, ImageLength);
            for (int u = 0; u < outputs; u++)
            {
                a.ParameterGradients[bias - o + u] += g[output + u];
                for (int c = 0; c < inputs; c++)
                    a.ParameterGradients[weight - o + u * inputs + c] += g[output + u] * v[input + c];
            }
        }
    }

    private static void Dense(ReadOnlySpan<float> parameters, int weight, int bias, ReadOnlySpan<float> x, Span<float> y)
    {
        for (int u = 0; u < y.Length; u++)
        {
            float sum = parameters[bias + u];
            for (int c = 0; c < x.Length; c++)
                sum += parameters[weight + u * x.Length + c] * x[c];
            y[u] = sum;
        }
    }
}
