using System.Collections.Generic;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Planning;

/// <summary>A parameter tensor and its offset in floats in the network's flat parameter buffer.</summary>
/// <param name="Node">Index of the node it belongs to.</param>
public sealed record PlacedParameter(ParameterDef Definition, int Offset, int Node);

/// <summary>
/// The flat parameter buffer: every parameter tensor in graph order, contiguous, so a node's tensors follow each
/// other (a convolution's weight then bias, a BatchNorm's gamma, beta, mean, variance).
/// </summary>
/// <param name="Parameters">Every tensor, in order, with its offset.</param>
/// <param name="FirstParameterOfNode">Per node, the index in <see cref="Parameters"/> of its first tensor; one more entry holds the count.</param>
/// <param name="Length">Floats in the buffer.</param>
public sealed record ParameterLayout(EquatableArray<PlacedParameter> Parameters, EquatableArray<int> FirstParameterOfNode, long Length)
{
    /// <summary>
    /// The layout of <paramref name="graph"/>, or null when a size would not fit the int constants and offsets of the
    /// generated code (the checks report CF0020 first; this keeps the generator from ever writing an overflowing literal).
    /// </summary>
    public static ParameterLayout? TryCreate(NetworkGraph graph)
    {
        if (graph.Nodes.Count == 0)
            return null;

        var parameters = new List<PlacedParameter>();
        var firstParameterOfNode = new int[graph.Nodes.Count + 1];
        long offset = 0;
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            if (!Fits(node.Output))
                return null;
            firstParameterOfNode[i] = parameters.Count;
            foreach (var parameter in node.Parameters)
            {
                foreach (var dimension in parameter.Dimensions)
                {
                    if (dimension < 0)
                        return null;
                }
                parameters.Add(new PlacedParameter(parameter, (int)offset, i));
                offset += parameter.Length;
                if (offset > int.MaxValue)
                    return null;
            }
        }
        firstParameterOfNode[graph.Nodes.Count] = parameters.Count;
        return new ParameterLayout(parameters.ToEquatableArray(), firstParameterOfNode.ToEquatableArray(), offset);
    }

    /// <summary>The offset of the <paramref name="index"/>-th parameter tensor of node <paramref name="node"/>.</summary>
    public int OffsetOf(int node, int index) => Parameters[FirstParameterOfNode[node] + index].Offset;

    private static bool Fits(Shape shape)
        => shape.Channels >= 0 && shape.Height >= 0 && shape.Width >= 0 && shape.Length <= int.MaxValue;
}
