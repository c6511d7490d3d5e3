using System.Collections.Generic;
using System.Globalization;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Checks;

/// <summary>
/// CF0015 (info): a wide spatial convolution written directly in the network, where a 1x1 reduction
/// to a quarter of its input channels first (the Inception and ResNet bottleneck) would cut its cost.
/// The saving is computed honestly: the replacement is a 1x1 conv inC -> inC/4 at the input's
/// resolution plus the k x k conv inC/4 -> outC. Reported only when all hold:
/// - a plain convolution (not grouped or depthwise) with a square kernel of 3 or more;
/// - written by the user, not generated inside a module (Inception, Fire, ResNet blocks, custom
///   modules are designs of their own, and the user cannot change their internals here);
/// - at least <see cref="MinInputChannels"/> input channels (narrow layers gain little and lose accuracy);
/// - its input does not already come from a 1x1 reduction (possibly through BN/activations);
/// - it costs at least <see cref="MinMacs"/> and the saving is at least <see cref="MinSaving"/>x.
/// </summary>
internal static class BottleneckAdviceCheck
{
    public const int MinInputChannels = 128;
    public const long MinMacs = 100_000_000;
    public const double MinSaving = 2.0;

    public static void Run(IReadOnlyList<NodeDraft> nodes, DiagnosticSink sink)
    {
        foreach (var node in nodes)
        {
            if (node.Kind != OpKind.Conv || node.IsModuleInternal || node.Output is not Shape output || node.Window is not Window window)
                continue;
            if (node.ResolvedGroups != 1 || window.KernelHeight != window.KernelWidth || window.KernelHeight < 3)
                continue;
            if (nodes[node.Inputs[0]].Output is not Shape x || x.Channels < MinInputChannels)
                continue;
            if (node.Macs < MinMacs || FollowsReduction(node, nodes))
                continue;
            var reduced = x.Channels / 4;
            var kernelArea = (long)window.KernelHeight * window.KernelWidth;
            var bottleneck = (long)x.Height * x.Width * x.Channels * reduced
                + (long)output.Height * output.Width * output.Channels * reduced * kernelArea;
            var saving = (double)node.Macs / bottleneck;
            if (saving < MinSaving)
                continue;
            var k = Text.Int(window.KernelHeight);
            sink.Report(DiagnosticIds.BottleneckAdvice, node.Sites.At(null),
                $"{node.Name} ({k}x{k}, {Text.Int(x.Channels)}\u2192{Text.Int(output.Channels)}) costs {Text.Macs(node.Macs)}; "
                + $"a 1x1 bottleneck to {Text.Int(reduced)} channels would cut it about {saving.ToString("0.0", CultureInfo.InvariantCulture)}x");
        }
    }

    /// <summary>True when the input comes from a 1x1 convolution that narrows the channels, through BN and activations only.</summary>
    private static bool FollowsReduction(NodeDraft node, IReadOnlyList<NodeDraft> nodes)
    {
        var current = nodes[node.Inputs[0]];
        while (current.Kind is OpKind.BatchNorm or OpKind.Relu or OpKind.LeakyRelu or OpKind.Relu6 or OpKind.Dropout)
            current = nodes[current.Inputs[0]];
        if (current.Kind != OpKind.Conv || current.Window is not Window window || window.KernelHeight != 1 || window.KernelWidth != 1)
            return false;
        var reducedFrom = nodes[current.Inputs[0]].Output;
        return reducedFrom is Shape input && current.Output is Shape reduced && reduced.Channels < input.Channels;
    }
}
