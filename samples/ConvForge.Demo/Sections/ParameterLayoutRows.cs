using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ConvForge.Samples;

namespace ConvForge.Demo.Sections;

/// <summary>
/// The flat parameter buffer's layout: every tensor's name, shape and offset. Names follow the layer
/// properties, so weights exported from PyTorch can be matched by name and checked by shape.
/// </summary>
internal static class ParameterLayoutRows
{
    public static void Print()
    {
        System.Console.WriteLine($"SqueezeNet11.ParameterLayout, first 8 of {SqueezeNet11.ParameterLayout.Count} tensors ({SqueezeNet11.ParameterLength:N0} floats):");
        PrintRows(SqueezeNet11.ParameterLayout.Take(8));

        System.Console.WriteLine();
        System.Console.WriteLine("new ResNet50().Res3a.Parameters (batch norm statistics are state, not trained):");
        PrintRows(new ResNet50().Res3a.Parameters);
    }

    private static void PrintRows(IEnumerable<ParameterInfo> parameters)
    {
        var table = new TextTable("Name", "Shape", "Offset>", "Floats>", "Trainable");
        foreach (var p in parameters)
        {
            table.Add(
                p.Name,
                "[" + string.Join(", ", p.Shape) + "]",
                p.Offset.ToString("N0", CultureInfo.InvariantCulture),
                p.Length.ToString("N0", CultureInfo.InvariantCulture),
                p.Trainable ? "yes" : "no");
        }
        table.Print();
    }
}
