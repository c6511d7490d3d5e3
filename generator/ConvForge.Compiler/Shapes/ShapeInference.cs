using System.Collections.Generic;
using ConvForge.Compiler.Building;
using ConvForge.Compiler.Checks;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Shapes;

/// <summary>
/// Stage 3: one node's output shape, resolved window, parameters and multiply-accumulates, from the
/// shapes of its inputs. Run as each node is added (module expansion needs its input's channels).
/// A node reading an unknown shape stays unknown without a diagnostic, so one root cause gives one
/// diagnostic.
/// </summary>
internal static class ShapeInference
{
    public static void Infer(NodeDraft node, IReadOnlyList<NodeDraft> nodes, DiagnosticSink sink)
    {
        if (node.Kind == OpKind.Input || node.Broken)
            return;
        foreach (var input in node.Inputs)
        {
            if (nodes[input].Output is null)
                return;
        }
        if (node.Inputs.Length == 0)
            return;

        var producer = nodes[node.Inputs[0]];
        var x = producer.Output!.Value;
        Shape? output;
        switch (node.Kind)
        {
            case OpKind.Conv:
                output = Conv(node, producer, x, nodes, sink);
                break;
            case OpKind.MaxPool:
            case OpKind.AvgPool:
                output = Pool(node, x, sink);
                break;
            case OpKind.Dense:
                output = Dense(node, producer, x, sink);
                break;
            case OpKind.GlobalAvgPool:
            case OpKind.GlobalMaxPool:
                output = new Shape(x.Channels, 1, 1);
                break;
            case OpKind.Flatten:
                // Element counts are capped at int.MaxValue, so the flattened length fits.
                output = new Shape((int)x.Length, 1, 1);
                break;
            case OpKind.BatchNorm:
                output = x;
                AddParameter(node, "Gamma", true, x.Channels);
                AddParameter(node, "Beta", true, x.Channels);
                AddParameter(node, "RunningMean", false, x.Channels);
                AddParameter(node, "RunningVar", false, x.Channels);
                break;
            case OpKind.Concat:
                output = Concat(node, nodes, sink);
                break;
            case OpKind.Add:
                output = InputChecks.AddShapes(node, nodes, sink) ? x : null;
                break;
            case OpKind.ChannelScale:
                output = x;
                break;
            default:
                // Relu, LeakyRelu, Relu6, Sigmoid, Dropout, Softmax, Lrn: the shape is unchanged.
                output = x;
                break;
        }
        node.Output = output;
    }

    private static Shape? Conv(NodeDraft node, NodeDraft producer, Shape x, IReadOnlyList<NodeDraft> nodes, DiagnosticSink sink)
    {
        var groups = node.Depthwise ? x.Channels : node.Groups;
        var outChannels = node.Channels > 0 ? node.Channels : x.Channels;
        if (!InputChecks.Groups(node, groups, x.Channels, outChannels, producer, nodes, sink))
            return null;
        node.ResolvedGroups = groups;
        var window = ResolveWindow(node, x);
        var height = WindowMath.OutputSize(x.Height, window.KernelHeight, window.StrideHeight, window.PadTop, window.PadBottom, window.DilationHeight, false);
        var width = WindowMath.OutputSize(x.Width, window.KernelWidth, window.StrideWidth, window.PadLeft, window.PadRight, window.DilationWidth, false);
        if (!NotEmpty(node, x, window, height, width, sink))
            return null;
        var shape = MakeShape(node, outChannels, height, width, sink);
        if (shape is null)
            return null;
        node.Window = window;
        var inPerGroup = x.Channels / groups;
        if (!AddParameter(node, "Weight", true, outChannels, inPerGroup, window.KernelHeight, window.KernelWidth, sink))
            return null;
        if (node.HasBias)
            AddParameter(node, "Bias", true, outChannels);
        var perOutput = (long)inPerGroup * window.KernelHeight * window.KernelWidth;
        node.Macs = WindowMath.SaturatingMultiply(shape.Value.Length, perOutput);
        return shape;
    }

    private static Shape? Pool(NodeDraft node, Shape x, DiagnosticSink sink)
    {
        var window = ResolveWindow(node, x);
        var height = WindowMath.OutputSize(x.Height, window.KernelHeight, window.StrideHeight, window.PadTop, window.PadBottom, 1, window.CeilMode);
        var width = WindowMath.OutputSize(x.Width, window.KernelWidth, window.StrideWidth, window.PadLeft, window.PadRight, 1, window.CeilMode);
        if (!NotEmpty(node, x, window, height, width, sink))
            return null;
        node.Window = window;
        return MakeShape(node, x.Channels, height, width, sink);
    }

    private static Shape? Dense(NodeDraft node, NodeDraft producer, Shape x, DiagnosticSink sink)
    {
        var features = x.Length;
        InputChecks.DenseFeatures(node, producer, features, sink);
        if (!AddParameter(node, "Weight", true, node.Channels, features, 1, 1, sink, matrix: true))
            return null;
        if (node.HasBias)
            AddParameter(node, "Bias", true, node.Channels);
        node.Macs = WindowMath.SaturatingMultiply(features, node.Channels);
        return new Shape(node.Channels, 1, 1);
    }

    private static Shape? Concat(NodeDraft node, IReadOnlyList<NodeDraft> nodes, DiagnosticSink sink)
    {
        if (!InputChecks.ConcatSizes(node, nodes, sink))
            return null;
        long channels = 0;
        foreach (var input in node.Inputs)
            channels += nodes[input].Output!.Value.Channels;
        var first = nodes[node.Inputs[0]].Output!.Value;
        return MakeShape(node, channels, first.Height, first.Width, sink);
    }

    private static Window ResolveWindow(NodeDraft node, Shape x)
    {
        int top = node.PadTop, left = node.PadLeft, bottom = node.PadBottom, right = node.PadRight;
        if (node.Same)
        {
            WindowMath.SamePadding(x.Height, node.KernelHeight, node.StrideHeight, node.DilationHeight, out top, out bottom);
            WindowMath.SamePadding(x.Width, node.KernelWidth, node.StrideWidth, node.DilationWidth, out left, out right);
        }
        return new Window(node.KernelHeight, node.KernelWidth, node.StrideHeight, node.StrideWidth,
            top, left, bottom, right, node.DilationHeight, node.DilationWidth, node.CeilMode);
    }

    /// <summary>CF0007: the window must fit the padded input at least once on both axes.</summary>
    private static bool NotEmpty(NodeDraft node, Shape x, Window window, long height, long width, DiagnosticSink sink)
    {
        if (height >= 1 && width >= 1)
            return true;
        var kernel = Text.Pair(window.KernelHeight, window.KernelWidth);
        if (window.DilationHeight != 1 || window.DilationWidth != 1)
        {
            var spanHeight = WindowMath.EffectiveKernel(window.KernelHeight, window.DilationHeight);
            var spanWidth = WindowMath.EffectiveKernel(window.KernelWidth, window.DilationWidth);
            kernel += " dilated by " + Text.Pair(window.DilationHeight, window.DilationWidth) + " (spanning " + Text.Pair((int)spanHeight, (int)spanWidth) + ")";
        }
        var symmetric = window.PadTop == window.PadLeft && window.PadTop == window.PadBottom && window.PadTop == window.PadRight;
        var padding = symmetric
            ? "padding " + Text.Int(window.PadTop)
            : $"padding {Text.Int(window.PadTop)},{Text.Int(window.PadLeft)},{Text.Int(window.PadBottom)},{Text.Int(window.PadRight)} (top, left, bottom, right)";
        sink.Report(DiagnosticIds.EmptyOutput, node.Sites.At("Kernel"),
            $"{node.Name}: kernel {kernel} with {padding} does not fit the {Text.Size(x.Height, x.Width)} input");
        return false;
    }

    private static Shape? MakeShape(NodeDraft node, long channels, long height, long width, DiagnosticSink sink)
    {
        var elements = WindowMath.SaturatingMultiply(WindowMath.SaturatingMultiply(channels, height), width);
        if (elements > Limits.MaxElements)
        {
            sink.Report(DiagnosticIds.TooLarge, node.Sites.At(null),
                $"{node.Name}: the output {Text.Int(channels)}x{Text.Int(height)}x{Text.Int(width)} has more than {Text.Count(Limits.MaxElements)} elements");
            return null;
        }
        return new Shape((int)channels, (int)height, (int)width);
    }

    private static void AddParameter(NodeDraft node, string role, bool trainable, int length)
        => node.Parameters.Add(new ParameterDef(node.ParamPrefix + "." + role, EquatableArray.Create(length), trainable));

    /// <summary>A weight tensor, or CF0020 when it has more elements than an int can count.</summary>
    private static bool AddParameter(NodeDraft node, string role, bool trainable, long d0, long d1, long d2, long d3, DiagnosticSink sink, bool matrix = false)
    {
        var length = WindowMath.SaturatingMultiply(WindowMath.SaturatingMultiply(WindowMath.SaturatingMultiply(d0, d1), d2), d3);
        if (length > Limits.MaxElements)
        {
            var dimensions = matrix ? $"{Text.Int(d0)}x{Text.Int(d1)}" : $"{Text.Int(d0)}x{Text.Int(d1)}x{Text.Int(d2)}x{Text.Int(d3)}";
            sink.Report(DiagnosticIds.TooLarge, node.Sites.At(null),
                $"{node.Name}: the {dimensions} {role.ToLowerInvariant()} has more than {Text.Count(Limits.MaxElements)} elements");
            return false;
        }
        var shape = matrix
            ? EquatableArray.Create((int)d0, (int)d1)
            : EquatableArray.Create((int)d0, (int)d1, (int)d2, (int)d3);
        node.Parameters.Add(new ParameterDef(node.ParamPrefix + "." + role, shape, trainable));
        return true;
    }
}
