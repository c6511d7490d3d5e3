using System;
using System.Collections.Generic;

namespace ConvForge;

/// <summary>One row of a model summary: a node of the expanded graph.</summary>
/// <param name="Name">Stable node name, e.g. "Fire2.Squeeze".</param>
/// <param name="Operation">What the node computes, e.g. "Conv 3x3/2 pad 1".</param>
/// <param name="OutputShape">Output shape for one image.</param>
/// <param name="Parameters">Trainable parameters.</param>
/// <param name="Macs">Multiply-accumulates for one image.</param>
/// <param name="ActivationBytes">Bytes of the node's output for one image (fp32).</param>
public sealed record LayerSummary(string Name, string Operation, TensorShape OutputShape, long Parameters, long Macs, long ActivationBytes);

/// <summary>The model summary of a network: one row per node and the totals.</summary>
public sealed class NetworkSummary
{
    /// <summary>The summary of <paramref name="definition"/>: generated code makes its Summary this way.</summary>
    public NetworkSummary(NetworkDefinition definition)
    {
        if (definition is null)
            throw new ArgumentNullException(nameof(definition));
        NetworkName = definition.Name;
        InputShape = definition.InputShape;
        var rows = new LayerSummary[definition.Nodes.Count];
        var tableRows = new (string, string, (int, int, int), long, long)[rows.Length];
        long nonTrainable = 0;
        for (var i = 0; i < rows.Length; i++)
        {
            var node = definition.Nodes[i];
            long trainable = 0;
            foreach (var parameter in node.Parameters)
            {
                if (parameter.Trainable)
                    trainable += parameter.Length;
                else
                    nonTrainable += parameter.Length;
            }
            var output = node.Output;
            rows[i] = new LayerSummary(node.Name, node.Operation, output, trainable, definition.MacsOf(i), (long)output.Length * sizeof(float));
            tableRows[i] = (node.Name, node.Operation, (output.Channels, output.Height, output.Width), trainable, definition.MacsOf(i));
        }
        Rows = Array.AsReadOnly(rows);
        Total(rows);
        Text = SummaryTable.Format(tableRows, TotalParameters, nonTrainable, TotalMacs, TotalActivationBytes);
    }

    /// <summary>Creates a summary from its rows and text.</summary>
    public NetworkSummary(string networkName, TensorShape inputShape, IReadOnlyList<LayerSummary> rows, string text)
    {
        NetworkName = networkName;
        InputShape = inputShape;
        Rows = rows;
        Text = text;
        Total(rows);
    }

    /// <summary>The network class's name.</summary>
    public string NetworkName { get; }
    /// <summary>The input shape.</summary>
    public TensorShape InputShape { get; }
    /// <summary>One row per node of the expanded graph, in execution order.</summary>
    public IReadOnlyList<LayerSummary> Rows { get; }
    /// <summary>Trainable parameters of the whole network.</summary>
    public long TotalParameters { get; private set; }
    /// <summary>Multiply-accumulates per image.</summary>
    public long TotalMacs { get; private set; }
    /// <summary>Sum of every node's output bytes per image.</summary>
    public long TotalActivationBytes { get; private set; }
    /// <summary>The summary as a fixed-width table (the same text as the class's doc comment).</summary>
    public string Text { get; }

    /// <summary>The table.</summary>
    public override string ToString() => Text;

    private void Total(IReadOnlyList<LayerSummary> rows)
    {
        foreach (var row in rows)
        {
            TotalParameters += row.Parameters;
            TotalMacs += row.Macs;
            TotalActivationBytes += row.ActivationBytes;
        }
    }
}
