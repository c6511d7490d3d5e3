using System;
using System.Collections.Generic;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Planning;

namespace ConvForge.Generators.Emitting;

/// <summary>
/// What the emitter prints from: the graph, its execution plan (when it could be planned), and, per Layer property,
/// its output shape and cost for the property's documentation.
/// </summary>
internal sealed class GraphLayout
{
    private readonly Dictionary<string, LayerInfo> _layers;

    private GraphLayout(NetworkGraph graph, ExecutionPlan? plan, string? planProblem, Dictionary<string, LayerInfo> layers)
    {
        Graph = graph;
        Plan = plan;
        PlanProblem = planProblem;
        _layers = layers;
    }

    public NetworkGraph Graph { get; }

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
        // Without a plan, the parameter layout alone says whether the sizes fit the generated code's ints.
        if (plan is null && ParameterLayout.TryCreate(graph) is null)
            return null;

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
            layers.Add(layer.Name, new LayerInfo(layer.Name, graph.Nodes[layer.OutputNode].Output, macs, trainable));
        }
        return new GraphLayout(graph, plan, planProblem, layers);
    }

    /// <summary>The Layer property named <paramref name="name"/>, or null when the graph does not name it.</summary>
    public LayerInfo? FindLayer(string name) => _layers.TryGetValue(name, out var layer) ? layer : null;
}

/// <summary>A Layer property as its documentation describes it: output shape, trainable parameters and MACs of its nodes.</summary>
internal sealed record LayerInfo(string Name, Shape Shape, long Macs, long TrainableParameterCount);
