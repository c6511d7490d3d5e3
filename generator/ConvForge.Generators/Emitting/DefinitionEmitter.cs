using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using ConvForge.Compiler.Graph;

namespace ConvForge.Generators.Emitting;

/// <summary>
/// Writes the static <c>Definition</c> table: the graph as the runtime's NetworkDefinition, one NodeDefinition per
/// node with the settings that apply to its kind and the parameter tensors it declares (name and dimensions). It is
/// the generated code's one node table: the runtime derives the parameter layout (offsets in graph order), the
/// summary and the Layer objects from it, by the shape rules it shares with the compiler core.
/// </summary>
internal static class DefinitionEmitter
{
    /// <param name="memberName">"Definition", or a private name when the class declares a Definition itself.</param>
    /// <param name="isPublic">Whether to write the public property (otherwise a private field).</param>
    public static void Write(IndentedTextWriter writer, NetworkGraph graph, string networkName, string memberName, bool isPublic, CancellationToken cancellationToken)
    {
        if (isPublic)
        {
            writer.WriteLine("/// <summary>");
            writer.WriteLine("/// The graph as the runtime describes it: every node with its kind, inputs, output shape, settings and parameter");
            writer.WriteLine("/// tensors. ParameterLayout, Summary and the Layer properties derive from it; the parameters, the ONNX exporter");
            writer.WriteLine("/// and reference interpreters read it.");
            writer.WriteLine("/// </summary>");
            writer.WriteLine($"public static global::ConvForge.NetworkDefinition {memberName} {{ get; }} = new(");
        }
        else
        {
            writer.WriteLine("// The graph as the runtime describes it (the class declares its own Definition member).");
            writer.WriteLine($"private static readonly global::ConvForge.NetworkDefinition {memberName} = new(");
        }

        using (writer.Indent())
        {
            var input = graph.Input.Output;
            writer.WriteLine(CSharpNames.Literal(networkName) + ",");
            writer.WriteLine($"new({Int(input.Channels)}, {Int(input.Height)}, {Int(input.Width)}),");
            writer.WriteLine("new global::ConvForge.NodeDefinition[]");
            using (writer.OpenBlock(");"))
            {
                foreach (var node in graph.Nodes)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    writer.WriteLine(NodeDefinition(node) + ",");
                }
            }
        }
    }

    private static string NodeDefinition(Node node)
    {
        // Collection expressions: the declarations need C# 13 (partial properties) anyway.
        var inputs = "[" + string.Join(", ", Ints(node.Inputs)) + "]";
        var shape = node.Output;
        var text = $"new({CSharpNames.Literal(node.Name)}, global::ConvForge.OpKind.{node.Kind}, {inputs}, new({Int(shape.Channels)}, {Int(shape.Height)}, {Int(shape.Width)})";

        var settings = new List<string>();
        if ((node.Kind is OpKind.Conv or OpKind.MaxPool or OpKind.AvgPool) && node.Window is { } w)
        {
            settings.Add($"window: new({Int(w.KernelHeight)}, {Int(w.KernelWidth)}, {Int(w.StrideHeight)}, {Int(w.StrideWidth)}, "
                + $"{Int(w.PadTop)}, {Int(w.PadLeft)}, {Int(w.PadBottom)}, {Int(w.PadRight)}, {Int(w.DilationHeight)}, {Int(w.DilationWidth)}, {CSharpNames.Literal(w.CeilMode)})");
        }
        if (node.Kind == OpKind.Conv)
            settings.Add("groups: " + Int(node.Groups));
        switch (node.Kind)
        {
            case OpKind.BatchNorm:
                settings.Add("epsilon: " + Double(node.Scalar));
                break;
            case OpKind.LeakyRelu:
                settings.Add("slope: " + Double(node.Scalar));
                break;
            case OpKind.Dropout:
                settings.Add("rate: " + Double(node.Scalar));
                break;
            case OpKind.Lrn:
                settings.Add($"lrnSize: {Int(node.Size)}, lrnAlpha: {Double(node.Scalar)}, lrnBeta: {Double(node.Scalar2)}, lrnK: {Double(node.Scalar3)}");
                break;
            case OpKind.AvgPool:
                settings.Add("countIncludePad: " + CSharpNames.Literal(node.CountIncludePad));
                break;
        }
        if (node.Parameters.Count > 0)
        {
            // Declared, not placed: the NetworkDefinition places them after the tensors of the nodes before.
            var parameters = new List<string>();
            foreach (var parameter in node.Parameters)
                parameters.Add($"new({CSharpNames.Literal(parameter.Name)}, {string.Join(", ", Ints(parameter.Dimensions))})");
            settings.Add("parameters: [" + string.Join(", ", parameters) + "]");
        }

        foreach (var setting in settings)
            text += ", " + setting;
        return text + ")";
    }

    private static IEnumerable<string> Ints(IEnumerable<int> values)
    {
        foreach (var value in values)
            yield return Int(value);
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A double literal that round-trips: "1E-05", "0.5", "1.0".</summary>
    internal static string Double(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.IndexOfAny(new[] { '.', 'E', 'e' }) < 0 ? text + ".0" : text;
    }

    /// <summary>A float literal that round-trips: "0.0001f", "0.75f", "1f".</summary>
    internal static string Float(double value)
        => ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";
}
