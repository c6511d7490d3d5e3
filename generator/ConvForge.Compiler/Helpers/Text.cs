using System.Collections.Generic;
using System.Globalization;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler;

/// <summary>Invariant-culture formatting shared by messages and summaries.</summary>
public static class Text
{
    /// <summary>"11,689,512".</summary>
    public static string Count(long value) => SummaryTable.Count(value);

    /// <summary>A plain integer: "-3", "224".</summary>
    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>"1.81 G", "352 M", "12.5 K", "900".</summary>
    public static string Scaled(long value) => SummaryTable.Scaled(value);

    /// <summary>"2.36 GMACs", "231 MMACs", "192 MACs".</summary>
    public static string Macs(long macs) => SummaryTable.Macs(macs);

    /// <summary>"28x28".</summary>
    public static string Size(int height, int width) => Int(height) + "x" + Int(width);

    /// <summary>"64x56x56".</summary>
    public static string Shape(Shape shape) => SummaryTable.Shape(shape.Channels, shape.Height, shape.Width);

    /// <summary>"3", or "3x5" when the axes differ.</summary>
    public static string Pair(int height, int width) => height == width ? Int(height) : Int(height) + "x" + Int(width);

    /// <summary>"64 + 64".</summary>
    public static string Sum(IEnumerable<int> parts)
    {
        var texts = new List<string>();
        foreach (var p in parts)
            texts.Add(Int(p));
        return string.Join(" + ", texts);
    }

    /// <summary>A double as written in C#: "0.5", "1E-05".</summary>
    public static string Real(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
