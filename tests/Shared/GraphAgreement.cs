using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ConvForge.Compiler.Summary;
using Core = ConvForge.Compiler.Graph;

namespace ConvForge.Testing;

/// <summary>
/// Whether a generated <see cref="NetworkDefinition"/> (the runtime's table) describes the compiler core's
/// <see cref="Core.NetworkGraph"/> of the same declaration: node by node the names, kinds, inputs, shapes,
/// windows, settings, parameters (names, dimensions, trainable, offsets in graph order) and MACs, and the
/// summary text. Linked into the generator tests (samples) and the parity tests (random networks).
/// </summary>
public static class GraphAgreement
{
    public static void AssertSame(Core.NetworkGraph graph, NetworkDefinition definition)
    {
        Assert.Equal(graph.Name, definition.Name);
        Assert.Equal(graph.Nodes.Select(Describe), definition.Nodes.Select((node, i) => Describe(node, definition.MacsOf(i))));

        var offset = 0;
        var expected = new List<string>();
        foreach (var parameter in graph.Parameters)
        {
            expected.Add(Parameter(parameter.Name, parameter.Dimensions, parameter.Trainable) + " @" + Int(offset));
            offset += (int)parameter.Length;
        }
        Assert.Equal(expected, definition.Parameters.Select(p => Parameter(p.Name, p.Shape, p.Trainable) + " @" + Int(p.Offset)));
        Assert.Equal(offset, definition.ParameterLength);
        Assert.Equal(graph.Macs, definition.Macs);
        Assert.Equal(SummaryFormatter.Format(graph), new NetworkSummary(definition).ToString());
    }

    private static string Describe(Core.Node node)
    {
        var window = node.Window is { } w
            ? Window(w.KernelHeight, w.KernelWidth, w.StrideHeight, w.StrideWidth, w.PadTop, w.PadLeft, w.PadBottom, w.PadRight, w.DilationHeight, w.DilationWidth, w.CeilMode)
            : "-";
        var settings = node.Kind switch
        {
            Core.OpKind.Conv => "groups " + Int(node.Groups),
            Core.OpKind.BatchNorm or Core.OpKind.LeakyRelu or Core.OpKind.Dropout => Real(node.Scalar),
            Core.OpKind.Lrn => $"{Int(node.Size)} {Real(node.Scalar)} {Real(node.Scalar2)} {Real(node.Scalar3)}",
            Core.OpKind.AvgPool => node.CountIncludePad ? "count pad" : "skip pad",
            _ => "",
        };
        var parameters = string.Join(", ", node.Parameters.Select(p => Parameter(p.Name, p.Dimensions, p.Trainable)));
        return Line(node.Name, node.Kind.ToString(), node.Inputs, node.Output.Channels, node.Output.Height, node.Output.Width, window, settings, parameters, node.Macs);
    }

    private static string Describe(NodeDefinition node, long macs)
    {
        var windowed = node.Kind is OpKind.Conv or OpKind.MaxPool or OpKind.AvgPool;
        var w = node.Window;
        var window = windowed
            ? Window(w.KernelHeight, w.KernelWidth, w.StrideHeight, w.StrideWidth, w.PadTop, w.PadLeft, w.PadBottom, w.PadRight, w.DilationHeight, w.DilationWidth, w.CeilMode)
            : "-";
        var settings = node.Kind switch
        {
            OpKind.Conv => "groups " + Int(node.Groups),
            OpKind.BatchNorm => Real(node.Epsilon),
            OpKind.LeakyRelu => Real(node.Slope),
            OpKind.Dropout => Real(node.Rate),
            OpKind.Lrn => $"{Int(node.LrnSize)} {Real(node.LrnAlpha)} {Real(node.LrnBeta)} {Real(node.LrnK)}",
            OpKind.AvgPool => node.CountIncludePad ? "count pad" : "skip pad",
            _ => "",
        };
        var parameters = string.Join(", ", node.Parameters.Select(p => Parameter(p.Name, p.Shape, p.Trainable)));
        return Line(node.Name, node.Kind.ToString(), node.Inputs, node.Output.Channels, node.Output.Height, node.Output.Width, window, settings, parameters, macs);
    }

    private static string Line(string name, string kind, IEnumerable<int> inputs, int c, int h, int w, string window, string settings, string parameters, long macs)
        => $"{name}: {kind} [{string.Join(", ", inputs.Select(Int))}] -> {Int(c)}x{Int(h)}x{Int(w)}; window {window}; {settings}; params {parameters}; {macs.ToString(CultureInfo.InvariantCulture)} MACs";

    private static string Window(int kh, int kw, int sh, int sw, int top, int left, int bottom, int right, int dh, int dw, bool ceil)
        => string.Join(",", new[] { kh, kw, sh, sw, top, left, bottom, right, dh, dw }.Select(Int)) + (ceil ? " ceil" : "");

    private static string Parameter(string name, IEnumerable<int> dimensions, bool trainable)
        => $"{name} [{string.Join(", ", dimensions.Select(Int))}]{(trainable ? "" : " state")}";

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Real(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
