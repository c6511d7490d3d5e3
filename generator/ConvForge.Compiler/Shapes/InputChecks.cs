using System.Collections.Generic;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Shapes;

/// <summary>
/// The Shapes stage's diagnostics: a node against the shapes of what it reads (CF0005, CF0006, CF0009, CF0016),
/// reported when <see cref="ShapeRules"/> finds the problem as the node's shape is inferred. Messages name both
/// layers and both shapes.
/// </summary>
internal static class InputChecks
{
    /// <summary>CF0016: the groups do not divide the input channels or (<paramref name="problem"/>) the output channels.</summary>
    public static void Groups(NodeDraft node, ShapeProblem problem, int groups, int inputChannels, int outputChannels, NodeDraft producer, IReadOnlyList<NodeDraft> nodes, DiagnosticSink sink)
    {
        if (problem == ShapeProblem.GroupsDoNotDivideInput)
        {
            sink.Report(DiagnosticIds.GroupsMismatch, node.Sites.At("Groups"),
                $"{node.Name}: {Text.Int(groups)} groups do not divide the {Text.Int(inputChannels)} input channels ({NodeText.Produces(producer, nodes)})");
            return;
        }
        var message = node.Depthwise
            ? $"{node.Name}: a depthwise convolution's output channels must be a multiple of its input channels, but {Text.Int(outputChannels)} is not a multiple of {Text.Int(inputChannels)}"
            : $"{node.Name}: {Text.Int(groups)} groups do not divide the {Text.Int(outputChannels)} output channels";
        sink.Report(DiagnosticIds.GroupsMismatch, node.Sites.At(node.Depthwise ? "Channels" : "Groups"), message);
    }

    /// <summary>CF0005: input <paramref name="culprit"/> of a Concat differs from the first input in height or width.</summary>
    public static void ConcatSizes(NodeDraft node, int culprit, IReadOnlyList<NodeDraft> nodes, DiagnosticSink sink)
    {
        var first = nodes[node.Inputs[0]];
        var expected = first.Output!.Value;
        var other = nodes[node.Inputs[culprit]];
        var shape = other.Output!.Value;
        sink.Report(DiagnosticIds.ConcatSpatialMismatch, node.Sites.At("Inputs"),
            $"Concat {node.Name}: input {Text.Int(culprit + 1)} ({NodeText.NameOf(other)}) is {Text.Size(shape.Height, shape.Width)} but input 1 ({NodeText.NameOf(first)}) is {Text.Size(expected.Height, expected.Width)}; Concat needs inputs of the same height and width");
    }

    /// <summary>
    /// CF0006: input <paramref name="culprit"/> of an Add differs from the first input's shape. The diagnostic carries, for the
    /// code fix, the input to project ("Input", as the layer is named), the channels it must have and
    /// the stride of a 1x1 projection that makes its height and width match, when one does.
    /// </summary>
    public static void AddShapes(NodeDraft node, int culprit, IReadOnlyList<NodeDraft> nodes, DiagnosticSink sink)
    {
        var first = nodes[node.Inputs[0]];
        var expected = first.Output!.Value;
        var other = nodes[node.Inputs[culprit]];
        var shape = other.Output!.Value;
        var stride = ProjectionStride(shape, expected);
        var remedy = stride is null
            ? "a 1x1 projection cannot make them match"
            : stride == 1
                ? $"insert a 1x1 projection to {Text.Int(expected.Channels)} channels"
                : $"insert a 1x1 projection with stride {Text.Int(stride.Value)} to {Text.Int(expected.Channels)} channels";
        string message;
        if (node.IsResidualJoin)
        {
            message = $"Add {node.Name}: the main path {NodeText.NameOf(first)} has {Text.Int(expected.Channels)} channels at {Text.Size(expected.Height, expected.Width)} "
                + $"but the shortcut {NodeText.NameOf(other)} has {Text.Int(shape.Channels)} at {Text.Size(shape.Height, shape.Width)}; "
                + (stride is null ? remedy : remedy + " on the shortcut");
        }
        else
        {
            message = $"Add {node.Name}: input {Text.Int(culprit + 1)} ({NodeText.NameOf(other)}) is {Text.Shape(shape)} but input 1 ({NodeText.NameOf(first)}) is {Text.Shape(expected)}; "
                + (stride is null ? "Add needs inputs of the same shape" : remedy + " on " + NodeText.NameOf(other));
        }
        var site = node.Sites.At("Inputs");
        if (stride is null)
        {
            sink.Report(DiagnosticIds.AddShapeMismatch, site, message);
        }
        else
        {
            sink.Report(DiagnosticIds.AddShapeMismatch, site, message,
                new DiagnosticProperty("Input", other.Name),
                new DiagnosticProperty("Channels", Text.Int(expected.Channels)),
                new DiagnosticProperty("Stride", Text.Int(stride.Value)));
        }
    }

    /// <summary>The stride s with ceil(size / s) equal to the target on both axes (what a 1x1/s conv outputs), or null.</summary>
    public static int? ProjectionStride(Shape from, Shape to)
    {
        if (to.Height < 1 || to.Width < 1 || from.Height < to.Height)
            return null;
        var guess = from.Height / to.Height;
        for (var stride = System.Math.Max(1, guess - 1); stride <= guess + 1; stride++)
        {
            if ((from.Height + stride - 1) / stride == to.Height && (from.Width + stride - 1) / stride == to.Width)
                return stride;
        }
        return null;
    }

    /// <summary>CF0009: a Dense layer's stated InFeatures against the flattened input. Not fatal.</summary>
    public static void DenseFeatures(NodeDraft node, NodeDraft producer, long features, DiagnosticSink sink)
    {
        if (node.InFeatures <= 0 || node.InFeatures == features)
            return;
        var shape = producer.Output!.Value;
        sink.Report(DiagnosticIds.DenseInputMismatch, node.Sites.At("InFeatures"),
            $"{node.Name} expects {Text.Int(node.InFeatures)} input features but {NodeText.NameOf(producer)} produces {Text.Int(features)} ({Text.Shape(shape)})");
    }
}
