using System.Collections.Generic;
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
        var inputs = new (int Channels, int Height, int Width)[node.Inputs.Length];
        for (var i = 0; i < inputs.Length; i++)
        {
            var shape = nodes[node.Inputs[i]].Output!.Value;
            inputs[i] = (shape.Channels, shape.Height, shape.Width);
        }

        // What the declaration leaves to the input: a depthwise convolution's groups, a convolution's unstated channels.
        var isConv = node.Kind == OpKind.Conv;
        var groups = isConv && node.Depthwise ? x.Channels : node.Groups;
        var channels = isConv && node.Channels <= 0 ? x.Channels : node.Channels;
        var window = node.Kind is OpKind.Conv or OpKind.MaxPool or OpKind.AvgPool ? ResolveWindow(node, x) : null;
        var kernel = window?.Kernel ?? default;

        if (node.Kind == OpKind.Dense)
            InputChecks.DenseFeatures(node, producer, x.Length, sink);
        var problem = ShapeRules.Output(node.Kind, inputs, channels, groups, kernel, out var output, out var culprit);
        switch (problem)
        {
            case ShapeProblem.None:
                break;
            case ShapeProblem.GroupsDoNotDivideInput:
            case ShapeProblem.GroupsDoNotDivideOutput:
                InputChecks.Groups(node, problem, groups, x.Channels, channels, producer, nodes, sink);
                return;
            case ShapeProblem.WindowDoesNotFit:
                ReportEmpty(node, x, window!, sink);
                return;
            case ShapeProblem.SizesDiffer:
                InputChecks.ConcatSizes(node, culprit, nodes, sink);
                return;
            case ShapeProblem.ShapesDiffer:
                InputChecks.AddShapes(node, culprit, nodes, sink);
                return;
            default:
                // ChannelScale: the builder wires its scale input, so this is a bug rather than a declaration error.
                sink.Report(DiagnosticIds.InvalidArgument, node.Sites.At(null), $"{node.Name}: the scale is not one value per channel of {Text.Shape(x)}");
                return;
        }

        var shaped = MakeShape(node, output.Channels, output.Height, output.Width, sink);
        if (shaped is null)
            return;
        for (var i = 0; i < ShapeRules.ParameterCount(node.Kind, node.HasBias); i++)
        {
            var parameter = ShapeRules.Parameter(node.Kind, i, inputs[0], channels, groups, kernel);
            if (!AddParameter(node, parameter, sink))
                return;
        }
        node.Window = window;
        if (isConv)
            node.ResolvedGroups = groups;
        node.Macs = ShapeRules.Macs(node.Kind, inputs[0], output, groups, kernel);
        node.Output = shaped;
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
    private static void ReportEmpty(NodeDraft node, Shape x, Window window, DiagnosticSink sink)
    {
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

    /// <summary>A parameter tensor, or CF0020 when it has more elements than an int can count.</summary>
    private static bool AddParameter(NodeDraft node, ParameterRule parameter, DiagnosticSink sink)
    {
        long length = 1;
        foreach (var dimension in parameter.Dimensions)
            length = WindowMath.SaturatingMultiply(length, dimension);
        if (length > Limits.MaxElements)
        {
            var dimensions = new List<string>();
            foreach (var dimension in parameter.Dimensions)
                dimensions.Add(Text.Int(dimension));
            sink.Report(DiagnosticIds.TooLarge, node.Sites.At(null),
                $"{node.Name}: the {string.Join("x", dimensions)} {parameter.Role.ToLowerInvariant()} has more than {Text.Count(Limits.MaxElements)} elements");
            return false;
        }
        var shape = new int[parameter.Dimensions.Length];
        for (var i = 0; i < shape.Length; i++)
            shape[i] = (int)parameter.Dimensions[i];
        node.Parameters.Add(new ParameterDef(node.ParamPrefix + "." + parameter.Role, EquatableArray.Create(shape), parameter.Trainable));
        return true;
    }
}
