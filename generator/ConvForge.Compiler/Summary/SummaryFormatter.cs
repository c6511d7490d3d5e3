using System;
using System.Collections.Generic;
using System.Text;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Summary;

/// <summary>
/// The model summary as a fixed-width text table: one row per node (name, operation, output shape,
/// trainable parameters, multiply-accumulates) and the totals. Pure and culture-invariant, ASCII only,
/// so the generator can put the same text into a doc comment and a run-time string.
/// </summary>
public static class SummaryFormatter
{
    private static readonly string[] Headers = { "Layer", "Operation", "Output", "Params", "MACs" };

    public static string Format(NetworkGraph graph)
    {
        if (graph is null)
            throw new ArgumentNullException(nameof(graph));
        var rows = new List<string[]>();
        foreach (var node in graph.Nodes)
        {
            rows.Add(new[]
            {
                node.Name,
                node.Describe(),
                Text.Shape(node.Output),
                Text.Count(node.TrainableParameterCount),
                Text.Count(node.Macs),
            });
        }

        var widths = new int[Headers.Length];
        for (var c = 0; c < Headers.Length; c++)
            widths[c] = Headers[c].Length;
        foreach (var row in rows)
        {
            for (var c = 0; c < row.Length; c++)
                widths[c] = Math.Max(widths[c], row[c].Length);
        }

        var text = new StringBuilder();
        AppendRow(text, Headers, widths);
        var rule = new string[Headers.Length];
        for (var c = 0; c < rule.Length; c++)
            rule[c] = new string('-', widths[c]);
        AppendRow(text, rule, widths);
        foreach (var row in rows)
            AppendRow(text, row, widths);
        AppendRow(text, rule, widths);

        var macs = graph.Macs;
        var bytes = graph.ActivationBytes;
        text.Append("Trainable parameters: ").Append(Text.Count(graph.TrainableParameterCount)).Append('\n');
        text.Append("Non-trainable state:  ").Append(Text.Count(graph.NonTrainableParameterCount)).Append('\n');
        text.Append("Total MACs:           ").Append(Text.Count(macs)).Append(" (").Append(Text.Macs(macs)).Append(")\n");
        text.Append("Activation bytes:     ").Append(Text.Count(bytes)).Append(" (").Append(Text.Scaled(bytes)).Append("B, fp32, one image)\n");
        return text.ToString();
    }

    // Name and operation left-aligned; shape and numbers right-aligned; two spaces between columns.
    private static void AppendRow(StringBuilder text, string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (var c = 0; c < cells.Length; c++)
        {
            if (c > 0)
                line.Append("  ");
            line.Append(c < 2 ? cells[c].PadRight(widths[c]) : cells[c].PadLeft(widths[c]));
        }
        text.Append(line.ToString().TrimEnd()).Append('\n');
    }
}
