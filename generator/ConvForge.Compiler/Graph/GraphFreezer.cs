using System;
using System.Collections.Generic;

namespace ConvForge.Compiler.Graph;

/// <summary>Stage 5: the drafts (built by Building, shaped by Shapes) -> the immutable, equatable <see cref="NetworkGraph"/>. Only called without errors.</summary>
internal static class GraphFreezer
{
    public static NetworkGraph Freeze(string name, IReadOnlyList<NodeDraft> drafts, IReadOnlyList<LayerOutput> layerOutputs)
    {
        var nodes = new Node[drafts.Count];
        for (var i = 0; i < nodes.Length; i++)
        {
            var draft = drafts[i];
            if (draft.Broken || draft.Output is null)
                throw new InvalidOperationException($"Node {draft.Name} has no shape although no error was reported.");
            var isConv = draft.Kind == OpKind.Conv;
            var isDense = draft.Kind == OpKind.Dense;
            nodes[i] = new Node(
                Index: i,
                Name: draft.Name,
                Layer: draft.Layer,
                Kind: draft.Kind,
                Inputs: EquatableArray.Create(draft.Inputs),
                Output: draft.Output.Value,
                Channels: isConv || isDense ? draft.Output.Value.Channels : 0,
                Window: draft.Window,
                Groups: isConv ? draft.ResolvedGroups : 0,
                HasBias: (isConv || isDense) && draft.HasBias,
                Scalar: draft.Scalar,
                Scalar2: draft.Scalar2,
                Scalar3: draft.Scalar3,
                Size: draft.Size,
                CountIncludePad: draft.CountIncludePad,
                Parameters: draft.Parameters.ToEquatableArray(),
                Macs: draft.Macs,
                Site: draft.Sites.At(null));
        }
        return new NetworkGraph(name, EquatableArray.Create(nodes), layerOutputs.ToEquatableArray());
    }
}
