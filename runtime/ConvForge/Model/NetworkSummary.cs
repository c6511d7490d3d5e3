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

/// <summary>The model summary of a generated network, computed at build time.</summary>
public sealed class NetworkSummary
{
    /// <summary>Creates a summary; generated code calls this.</summary>
    public NetworkSummary(string networkName, TensorShape inputShape, IReadOnlyList<LayerSummary> rows, string text)
    {
        NetworkName = networkName;
        InputShape = inputShape;
        Rows = rows;
        Text = text;
        foreach (var row in rows)
        {
            TotalParameters += row.Parameters;
            TotalMacs += row.Macs;
            TotalActivationBytes += row.ActivationBytes;
        }
    }

    /// <summary>The network class's name.</summary>
    public string NetworkName { get; }
    /// <summary>The input shape.</summary>
    public TensorShape InputShape { get; }
    /// <summary>One row per node of the expanded graph, in execution order.</summary>
    public IReadOnlyList<LayerSummary> Rows { get; }
    /// <summary>Trainable parameters of the whole network.</summary>
    public long TotalParameters { get; }
    /// <summary>Multiply-accumulates per image.</summary>
    public long TotalMacs { get; }
    /// <summary>Sum of every node's output bytes per image.</summary>
    public long TotalActivationBytes { get; }
    /// <summary>The summary as a fixed-width table (the same text as the class's doc comment).</summary>
    public string Text { get; }

    /// <summary>The table.</summary>
    public override string ToString() => Text;
}
