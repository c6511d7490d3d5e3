using System;
using System.Collections.Generic;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Planning;

namespace ConvForge.Generators.Emitting;

/// <summary>
/// What the emitter prints from: the graph, its execution plan (when it could be planned) with the parameter layout
/// the core placed, and, per Layer property, its output shape, parameter range and cost.
/// </summary>
internal sealed class GraphLayout
{
    private readonly Dictionary<string, LayerInfo> _layers;

    private GraphLayout(NetworkGraph graph, ParameterLayout parameters, ExecutionPlan? plan, string? planProblem, Dictionary<string, LayerInfo> layers)
    {
        Graph = graph;
        Parameters = parameters.Parameters;
        Plan = plan;
        PlanProblem = planProblem;
        _layers = layers;
    }

    public NetworkGraph Graph { get; }

    /// <summary>Every parameter tensor in graph order, with its offset in floats.</summary>
    public IReadOnlyList<PlacedParameter> Parameters { get; }

    /// <summary>The plan the forward pass prints, or null when the network could not be planned.</summary>
    public ExecutionPlan? Plan { get; }

    /// <summary>Why there is no plan.</summary>
    public string? PlanProblem { get; }

    /// <summary>
    /// The layout of <paramref name="graph"/> and its <paramref name="plan"/> (the generator's plan step), or null when a
    /// size would not fit the int constants and offsets of the generated code.
    /// </summary>
    public static GraphLayout? TryCreate(NetworkGraph graph, ExecutionPlan? plan, string? planProblem)
    {
        var parameters = plan?.Parameters ?? ParameterLayout.TryCreate(graph);
        if (parameters is null)
            return null;

        var firstParameterOfNode = parameters.FirstParameterOfNode;
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
        return new GraphLayout(graph, parameters, plan, planProblem, layers);
    }

    /// <summary>The Layer property named <paramref name="name"/>, or null when the graph does not name it.</summary>
    public LayerInfo? FindLayer(string name) => _layers.TryGetValue(name, out var layer) ? layer : null;
}

/// <summary>A Layer property as the generated Layer object describes it.</summary>
/// <param name="FirstParameter">Index in the parameter layout of the first tensor of the property's nodes.</param>
/// <param name="ParameterCount">How many tensors its nodes have.</param>
internal sealed record LayerInfo(string Name, Shape Shape, int FirstParameter, int ParameterCount, long Macs, long TrainableParameterCount);
