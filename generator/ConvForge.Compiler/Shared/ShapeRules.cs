// Shared source (see OpKind.cs): the per-op rules both the compiler core's shape inference and the
// runtime's NetworkDefinition apply, so the generated table and the core's graph cannot disagree.
using System.Collections.Generic;
using System.Globalization;

#if CONVFORGE_RUNTIME
namespace ConvForge;
#else
namespace ConvForge.Compiler.Graph;
#endif

/// <summary>Why a node has no output shape. Each side words it: the core as a diagnostic naming layers, the runtime as an exception.</summary>
internal enum ShapeProblem
{
    None,
    /// <summary>Conv: the groups do not divide the input channels.</summary>
    GroupsDoNotDivideInput,
    /// <summary>Conv: the groups do not divide the output channels.</summary>
    GroupsDoNotDivideOutput,
    /// <summary>Conv, MaxPool, AvgPool: the window does not fit the padded input once on an axis.</summary>
    WindowDoesNotFit,
    /// <summary>Concat: an input's height and width differ from the first input's.</summary>
    SizesDiffer,
    /// <summary>Add: an input's shape differs from the first input's.</summary>
    ShapesDiffer,
    /// <summary>ChannelScale: the scale (input 1) is not C x 1 x 1 for the C channels of input 0.</summary>
    ScaleNotPerChannel,
}

/// <summary>One parameter tensor a node has: its role ("Weight"), dimensions and whether it is trained.</summary>
internal readonly struct ParameterRule
{
    public ParameterRule(string role, long[] dimensions, bool trainable)
    {
        Role = role;
        Dimensions = dimensions;
        Trainable = trainable;
    }

    /// <summary>"Weight", "Bias", "Gamma", "Beta", "RunningMean", "RunningVar"; the tensor is named "{prefix}.{Role}".</summary>
    public string Role { get; }

    /// <summary>[out, in / groups, kh, kw] for Conv, [units, features] for Dense, [channels] otherwise.</summary>
    public long[] Dimensions { get; }

    /// <summary>False for BatchNorm's running statistics (state, not learned).</summary>
    public bool Trainable { get; }
}

/// <summary>
/// Given an op's kind, settings and input shapes: its output shape (or the problem), its parameter tensors,
/// its multiply-accumulates and its one-line description. Pure; sizes in long, so a caller decides what fits.
/// </summary>
internal static class ShapeRules
{
    /// <summary>The output shape of a node, or the problem (with <paramref name="culprit"/> the input it is about, for joins).</summary>
    /// <param name="kind">What the node computes.</param>
    /// <param name="inputs">The shapes of the inputs, in order (at least one).</param>
    /// <param name="channels">Conv: output channels. Dense: units. Ignored for the other kinds.</param>
    /// <param name="groups">Conv: channel groups. Ignored for the other kinds.</param>
    /// <param name="window">Conv, MaxPool, AvgPool: the window. Ignored for the other kinds.</param>
    /// <param name="output">Channels, height and width; meaningful without a problem (and for WindowDoesNotFit).</param>
    /// <param name="culprit">The input a join problem is about.</param>
    public static ShapeProblem Output(OpKind kind, IReadOnlyList<(int Channels, int Height, int Width)> inputs, int channels, int groups, KernelWindow window,
        out (long Channels, long Height, long Width) output, out int culprit)
    {
        culprit = 0;
        var x = inputs[0];
        output = (x.Channels, x.Height, x.Width);
        switch (kind)
        {
            case OpKind.Conv:
                if (groups < 1 || x.Channels % groups != 0)
                    return ShapeProblem.GroupsDoNotDivideInput;
                if (channels % groups != 0)
                    return ShapeProblem.GroupsDoNotDivideOutput;
                return Windowed(channels, x, window, ceilMode: false, out output);
            case OpKind.MaxPool:
            case OpKind.AvgPool:
                return Windowed(x.Channels, x, window, window.CeilMode, out output);
            case OpKind.GlobalAvgPool:
            case OpKind.GlobalMaxPool:
                output = (x.Channels, 1, 1);
                return ShapeProblem.None;
            case OpKind.Dense:
                output = (channels, 1, 1);
                return ShapeProblem.None;
            case OpKind.Flatten:
                output = (Features(x), 1, 1);
                return ShapeProblem.None;
            case OpKind.Concat:
            {
                long sum = 0;
                for (var i = 0; i < inputs.Count; i++)
                {
                    if (inputs[i].Height != x.Height || inputs[i].Width != x.Width)
                    {
                        culprit = i;
                        return ShapeProblem.SizesDiffer;
                    }
                    sum += inputs[i].Channels;
                }
                output = (sum, x.Height, x.Width);
                return ShapeProblem.None;
            }
            case OpKind.Add:
                for (var i = 1; i < inputs.Count; i++)
                {
                    if (inputs[i] != x)
                    {
                        culprit = i;
                        return ShapeProblem.ShapesDiffer;
                    }
                }
                return ShapeProblem.None;
            case OpKind.ChannelScale:
                culprit = 1;
                return inputs.Count == 2 && inputs[1] == (x.Channels, 1, 1) ? ShapeProblem.None : ShapeProblem.ScaleNotPerChannel;
            default:
                // Input, BatchNorm, Relu, LeakyRelu, Relu6, Sigmoid, Dropout, Softmax, Lrn: the shape is unchanged.
                return ShapeProblem.None;
        }
    }

    /// <summary>How many parameter tensors a node of <paramref name="kind"/> has.</summary>
    public static int ParameterCount(OpKind kind, bool hasBias) => kind switch
    {
        OpKind.Conv or OpKind.Dense => hasBias ? 2 : 1,
        OpKind.BatchNorm => 4,
        _ => 0,
    };

    /// <summary>
    /// Parameter <paramref name="index"/> (below <see cref="ParameterCount"/>) of a node reading <paramref name="input"/>:
    /// Conv and Dense [Weight, Bias]; BatchNorm [Gamma, Beta, RunningMean, RunningVar].
    /// </summary>
    /// <param name="kind">What the node computes.</param>
    /// <param name="index">Which of its tensors.</param>
    /// <param name="input">The shape of its (first) input.</param>
    /// <param name="channels">Conv: output channels. Dense: units.</param>
    /// <param name="groups">Conv: channel groups.</param>
    /// <param name="window">Conv: the window.</param>
    public static ParameterRule Parameter(OpKind kind, int index, (int Channels, int Height, int Width) input, int channels, int groups, KernelWindow window)
    {
        switch (kind)
        {
            case OpKind.Conv:
                return index == 0
                    ? new ParameterRule("Weight", new long[] { channels, groups > 0 ? input.Channels / groups : 0, window.KernelHeight, window.KernelWidth }, true)
                    : new ParameterRule("Bias", new long[] { channels }, true);
            case OpKind.Dense:
                return index == 0
                    ? new ParameterRule("Weight", new long[] { channels, Features(input) }, true)
                    : new ParameterRule("Bias", new long[] { channels }, true);
            default:
                // BatchNorm.
                var role = index switch { 0 => "Gamma", 1 => "Beta", 2 => "RunningMean", _ => "RunningVar" };
                return new ParameterRule(role, new long[] { input.Channels }, index < 2);
        }
    }

    /// <summary>Multiply-accumulates for one image: Conv and Dense; 0 for the rest. Saturates at long.MaxValue.</summary>
    public static long Macs(OpKind kind, (int Channels, int Height, int Width) input, (long Channels, long Height, long Width) output, int groups, KernelWindow window)
    {
        switch (kind)
        {
            case OpKind.Conv:
                var perOutput = (long)(groups > 0 ? input.Channels / groups : 0) * window.KernelHeight * window.KernelWidth;
                return WindowMath.SaturatingMultiply(WindowMath.SaturatingMultiply(WindowMath.SaturatingMultiply(output.Channels, output.Height), output.Width), perOutput);
            case OpKind.Dense:
                return WindowMath.SaturatingMultiply(Features(input), output.Channels);
            default:
                return 0;
        }
    }

    /// <summary>What a node computes, for summaries: "Conv 3x3/2 pad 1", "Conv 3x3 pad 1 g4", "Lrn 5", "Concat".</summary>
    public static string Describe(OpKind kind, KernelWindow window, int groups, int lrnSize) => kind switch
    {
        OpKind.Conv when groups > 1 => "Conv " + window + " g" + groups.ToString(CultureInfo.InvariantCulture),
        OpKind.Conv or OpKind.MaxPool or OpKind.AvgPool => kind + " " + window,
        OpKind.Lrn => "Lrn " + lrnSize.ToString(CultureInfo.InvariantCulture),
        _ => kind.ToString(),
    };

    private static long Features((int Channels, int Height, int Width) x) => (long)x.Channels * x.Height * x.Width;

    private static ShapeProblem Windowed(long channels, (int Channels, int Height, int Width) x, KernelWindow w, bool ceilMode, out (long Channels, long Height, long Width) output)
    {
        var height = WindowMath.OutputSize(x.Height, w.KernelHeight, w.StrideHeight, w.PadTop, w.PadBottom, w.DilationHeight, ceilMode);
        var width = WindowMath.OutputSize(x.Width, w.KernelWidth, w.StrideWidth, w.PadLeft, w.PadRight, w.DilationWidth, ceilMode);
        output = (channels, height, width);
        return height >= 1 && width >= 1 ? ShapeProblem.None : ShapeProblem.WindowDoesNotFit;
    }
}
