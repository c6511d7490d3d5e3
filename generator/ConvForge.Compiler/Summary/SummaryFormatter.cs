using System;
using System.Collections.Generic;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Summary;

/// <summary>
/// The model summary of a graph as a fixed-width text table (<see cref="SummaryTable"/>, shared with the runtime,
/// whose NetworkSummary prints the same text from the generated Definition), for the class's doc comment.
/// </summary>
public static class SummaryFormatter
{
    public static string Format(NetworkGraph graph)
    {
        if (graph is null)
            throw new ArgumentNullException(nameof(graph));
        var rows = new List<(string, string, (int, int, int), long, long)>(graph.Nodes.Count);
        foreach (var node in graph.Nodes)
            rows.Add((node.Name, node.Describe(), (node.Output.Channels, node.Output.Height, node.Output.Width), node.TrainableParameterCount, node.Macs));
        return SummaryTable.Format(rows, graph.TrainableParameterCount, graph.NonTrainableParameterCount, graph.Macs, graph.ActivationBytes);
    }
}
