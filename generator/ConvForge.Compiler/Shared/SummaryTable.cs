// Shared source (see OpKind.cs): the model summary's text, so the doc comment the generator writes and the
// runtime's NetworkSummary.ToString() are the same characters.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

#if CONVFORGE_RUNTIME
namespace ConvForge;
#else
namespace ConvForge.Compiler.Graph;
#endif

/// <summary>
/// The model summary as a fixed-width text table: one row per node (name, operation, output shape,
/// trainable parameters, multiply-accumulates) and the totals. Pure and culture-invariant, ASCII only.
/// </summary>
internal static class SummaryTable
{
    private static readonly string[] Headers = { "Layer", "Operation", "Output", "Params", "MACs" };

    /// <param name="rows">Per node: name, operation (<see cref="ShapeRules.Describe"/>), output shape, trainable parameters, MACs.</param>
    /// <param name="trainableParameters">Trainable parameters of the whole network.</param>
    /// <param name="nonTrainableParameters">Elements of non-trainable state (BatchNorm running statistics).</param>
    /// <param name="macs">Multiply-accumulates per image.</param>
    /// <param name="activationBytes">Every node's output bytes for one image (fp32), the input included.</param>
    public static string Format(IReadOnlyList<(string Name, string Operation, (int Channels, int Height, int Width) Output, long Parameters, long Macs)> rows,
        long trainableParameters, long nonTrainableParameters, long macs, long activationBytes)
    {
        var cells = new List<string[]>(rows.Count);
        foreach (var row in rows)
            cells.Add(new[] { row.Name, row.Operation, Shape(row.Output.Channels, row.Output.Height, row.Output.Width), Count(row.Parameters), Count(row.Macs) });

        var widths = new int[Headers.Length];
        for (var c = 0; c < Headers.Length; c++)
            widths[c] = Headers[c].Length;
        foreach (var row in cells)
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
        foreach (var row in cells)
            AppendRow(text, row, widths);
        AppendRow(text, rule, widths);

        text.Append("Trainable parameters: ").Append(Count(trainableParameters)).Append('\n');
        text.Append("Non-trainable state:  ").Append(Count(nonTrainableParameters)).Append('\n');
        text.Append("Total MACs:           ").Append(Count(macs)).Append(" (").Append(Macs(macs)).Append(")\n");
        text.Append("Activation bytes:     ").Append(Count(activationBytes)).Append(" (").Append(Scaled(activationBytes)).Append("B, fp32, one image)\n");
        return text.ToString();
    }

    /// <summary>"11,689,512".</summary>
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>"64x56x56".</summary>
    public static string Shape(long channels, long height, long width)
        => Int(channels) + "x" + Int(height) + "x" + Int(width);

    /// <summary>"1.81 G", "352 M", "12.5 K", "900".</summary>
    public static string Scaled(long value)
    {
        if (value >= 1_000_000_000)
            return Significant(value / 1e9) + " G";
        if (value >= 1_000_000)
            return Significant(value / 1e6) + " M";
        if (value >= 1_000)
            return Significant(value / 1e3) + " K";
        return Int(value);
    }

    /// <summary>"2.36 GMACs", "231 MMACs", "192 MACs".</summary>
    public static string Macs(long macs) => macs >= 1_000 ? Scaled(macs) + "MACs" : Int(macs) + " MACs";

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    // Three significant digits: 1.81, 23.4, 352.
    private static string Significant(double value)
    {
        var format = value >= 100 ? "0" : value >= 10 ? "0.#" : "0.##";
        return value.ToString(format, CultureInfo.InvariantCulture);
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
