using System;
using System.Collections.Generic;
using ConvForge.Compiler.Graph;

namespace ConvForge.Generators.Emitting;

/// <summary>
/// What the emitter derives from a graph before writing: each parameter tensor's offset in the flat buffer
/// (contiguous, in graph order) and, per Layer property, its output shape, parameter range and cost.
/// </summary>
internal sealed class GraphLayout
{
    private readonly Dictionary<string, LayerInfo> _layers;

    private GraphLayout(NetworkGraph graph, List<PlacedParameter> parameters, Dictionary<string, LayerInfo> layers)
    {
        Graph = graph;
        Parameters = parameters;
        _layers = layers;
    }

    public NetworkGraph Graph { get; }

    /// <summary>Every parameter tensor in graph order, with its offset in floats.</summary>
    public IReadOnlyList<PlacedParameter> Parameters { get; }

    /// <summary>
    /// The layout of <paramref name="graph"/>, or null when a size would not fit the int constants and offsets
    /// of the generated code (the core reports CF0020 first; this keeps the emitter from ever writing an
    /// overflowing literal).
    /// </summary>
    public static GraphLayout? TryCreate(NetworkGraph graph)
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
                parameters.Add(new PlacedParameter(parameter, (int)offset));
                offset += parameter.Length;
                if (offset > int.MaxValue)
                    return null;
            }
        }
        firstParameterOfNode[graph.Nodes.Count] = parameters.Count;

        var layers = new Dictionary<string, LayerInfo>(StringComparer.Ordinal);
        foreach (var layer in graph.LayerOutputs)
        {
            if (layers.ContainsKey(layer.Name) || layer.FirstNode < 0 || layer.FirstNode > layer.OutputNode || layer.OutputNode >= graph.Nodes.Count)
                continue;
            long macs = 0, trainable = 0;
            for (var i = layer.FirstNode; i <= layer.OutputNode; i++)
            {
                macs += graph.Nodes[i].Macs;
                trainable += graph.Nodes[i].TrainableParameterCount;
            }
            var first = firstParameterOfNode[layer.FirstNode];
            var count = firstParameterOfNode[layer.OutputNode + 1] - first;
            layers.Add(layer.Name, new LayerInfo(layer.Name, graph.Nodes[layer.OutputNode].Output, first, count, macs, trainable));
        }
        return new GraphLayout(graph, parameters, layers);
    }

    /// <summary>The Layer property named <paramref name="name"/>, or null when the graph does not name it.</summary>
    public LayerInfo? FindLayer(string name) => _layers.TryGetValue(name, out var layer) ? layer : null;

    private static bool Fits(Shape shape)
        => shape.Channels >= 0 && shape.Height >= 0 && shape.Width >= 0 && shape.Length <= int.MaxValue;
}

/// <summary>A parameter tensor and its offset in floats in the network's flat parameter buffer.</summary>
internal sealed record PlacedParameter(ParameterDef Definition, int Offset);

/// <summary>A Layer property as the generated Layer object describes it.</summary>
/// <param name="FirstParameter">Index in the parameter layout of the first tensor of the property's nodes.</param>
/// <param name="ParameterCount">How many tensors its nodes have.</param>
internal sealed record LayerInfo(string Name, Shape Shape, int FirstParameter, int ParameterCount, long Macs, long TrainableParameterCount);
