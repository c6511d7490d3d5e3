using System;
using System.Collections.Generic;
using System.Threading;
using ConvForge.Compiler;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Summary;
using ConvForge.Generators.Models;

namespace ConvForge.Generators.Emitting;

/// <summary>
/// Writes the generated part of a [Network] class: shape constants, the node table (<c>Definition</c>, through
/// <see cref="DefinitionEmitter"/>) and what the runtime derives from it (the parameter layout, the model summary,
/// the Layer properties), and (through <see cref="ForwardEmitter"/>) the instance state, Forward and the execution
/// plans. Pure text from the compiled model; no Roslyn objects.
/// </summary>
internal static class NetworkEmitter
{
    private const string LayerType = "global::ConvForge.Layer";
    private const string ParameterInfoType = "global::ConvForge.ParameterInfo";

    /// <summary>The text of the file for <paramref name="network"/>.</summary>
    public static string Emit(CompiledNetwork network, CancellationToken cancellationToken)
    {
        var model = network.Network;
        var layout = network.InternalError is null && network.Result.Graph is { } graph && !network.Result.HasErrors
            ? GraphLayout.TryCreate(graph, network.Plan, network.PlanProblem)
            : null;
        var summary = layout is null ? null : SummaryFormatter.Format(layout.Graph);
        string? forwardProblem = null;
        var className = model.Type.Name.TrimStart('@');
        var taken = new HashSet<string>(model.TakenMemberNames, StringComparer.Ordinal);
        var forward = layout is null
            ? null
            : ForwardEmitter.TryWrite(layout, model.Spec.Name, className, taken, network.Training, network.TrainingProblem, out forwardProblem, cancellationToken);
        // The forward pass's text holds the interface's members exactly when this is true.
        var baseList = forward is not null && new ForwardNames(className, taken).ImplementsTraining ? TrainingEmitter.Interface : null;

        var writer = new IndentedTextWriter();
        using (SourceFile.OpenType(writer, model.Hierarchy, model.Type, w => WriteClassDocumentation(w, model, layout, summary, forward is not null), baseList))
        {
            if (layout is null || summary is null)
                WritePlaceholders(writer, network);
            else
                WriteNetwork(writer, model, layout, forward, forwardProblem, cancellationToken);
        }
        return writer.ToString();
    }

    private static void WriteClassDocumentation(IndentedTextWriter writer, NetworkModel model, GraphLayout? layout, string? summary, bool hasForward)
    {
        if (layout is null || summary is null)
            return;

        // The user's own doc comment keeps the summary; ours then goes to remarks, so the merged comment of the
        // partial class has one of each.
        var element = model.HasDocumentationComment ? "remarks" : "summary";
        writer.WriteLine($"/// <{element}>");
        writer.WriteLine($"/// <para>{CSharpNames.XmlEscape(Describe(layout.Graph))}</para>");
        if (hasForward)
        {
            foreach (var line in ForwardEmitter.ClassDocumentation())
                writer.WriteLine("/// " + line);
        }
        writer.WriteLine("/// <code>");
        foreach (var line in SplitLines(summary))
            writer.WriteLine(("/// " + CSharpNames.XmlEscape(line)).TrimEnd());
        writer.WriteLine("/// </code>");
        writer.WriteLine($"/// </{element}>");
    }

    /// <summary>"Compiled by ConvForge: 3x224x224 in, 1000x1x1 out; 1,235,496 trainable parameters; 352 MMACs per image."</summary>
    private static string Describe(NetworkGraph graph)
        => $"Compiled by ConvForge: {Text.Shape(graph.Input.Output)} in, {Text.Shape(graph.Output.Output)} out; "
            + $"{Text.Count(graph.TrainableParameterCount)} trainable parameters; {Text.Macs(graph.Macs)} per image.";

    private static void WriteNetwork(IndentedTextWriter writer, NetworkModel model, GraphLayout layout,
        string? forward, string? forwardProblem, CancellationToken cancellationToken)
    {
        var graph = layout.Graph;
        var taken = new HashSet<string>(model.TakenMemberNames, StringComparer.Ordinal);

        WriteShapeConstants(writer, graph, taken);

        if (!taken.Contains("Shapes"))
        {
            writer.WriteLine();
            WriteShapes(writer, graph, cancellationToken);
        }

        // The one node table; what follows derives from it, so it comes first (static initializers run in text order).
        var names = new ForwardNames(model.Type.Name.TrimStart('@'), taken);
        writer.WriteLine();
        DefinitionEmitter.Write(writer, graph, model.Spec.Name, names.Definition, names.DefinitionIsPublic, cancellationToken);

        if (!taken.Contains("ParameterLayout"))
        {
            writer.WriteLine();
            writer.WriteLine("/// <summary>");
            writer.WriteLine("/// Every parameter tensor in graph order, with its offset in floats in the flat parameter buffer of");
            writer.WriteLine("/// <see cref=\"ParameterLength\"/> floats; the offsets are contiguous.");
            writer.WriteLine("/// </summary>");
            writer.WriteLine($"public static global::System.Collections.Generic.IReadOnlyList<{ParameterInfoType}> ParameterLayout => {names.Definition}.Parameters;");
        }

        if (!taken.Contains("Summary"))
        {
            writer.WriteLine();
            writer.WriteLine("/// <summary>The model summary: one row per node; its text is the table of the class's documentation.</summary>");
            writer.WriteLine($"public static global::ConvForge.NetworkSummary Summary {{ get; }} = new({names.Definition});");
        }

        writer.WriteLine();
        WriteLayerProperties(writer, model, layout, names.Definition);

        writer.WriteLine();
        if (forward is not null)
            writer.WriteLines(forward);
        else
            writer.WriteLine("// No forward pass: " + OneLine(forwardProblem ?? "the network could not be planned."));
    }

    private static void WriteShapeConstants(IndentedTextWriter writer, NetworkGraph graph, HashSet<string> taken)
    {
        var input = graph.Input.Output;
        var output = graph.Output.Output;
        var constants = new (string Name, string Type, string Value, string Doc)[]
        {
            ("InputChannels", "int", CSharpNames.Literal(input.Channels), "Channels of the input image."),
            ("InputHeight", "int", CSharpNames.Literal(input.Height), "Height of the input image, in pixels."),
            ("InputWidth", "int", CSharpNames.Literal(input.Width), "Width of the input image, in pixels."),
            ("InputLength", "int", CSharpNames.Literal((int)input.Length), "Floats in one input image: InputChannels * InputHeight * InputWidth."),
            ("OutputChannels", "int", CSharpNames.Literal(output.Channels), "Channels of the output (" + graph.Output.Name + ")."),
            ("OutputHeight", "int", CSharpNames.Literal(output.Height), "Height of the output."),
            ("OutputWidth", "int", CSharpNames.Literal(output.Width), "Width of the output."),
            ("OutputLength", "int", CSharpNames.Literal((int)output.Length), "Floats in one image's output: OutputChannels * OutputHeight * OutputWidth."),
            ("TrainableParameterCount", "long", CSharpNames.Literal(graph.TrainableParameterCount), "Trainable parameters: weights, biases and BatchNorm scales and shifts (what PyTorch's parameters() counts)."),
            ("ParameterLength", "int", CSharpNames.Literal((int)TotalParameterLength(graph)), "Floats in the parameter buffer: every tensor of ParameterLayout, BatchNorm running statistics included."),
            ("Macs", "long", CSharpNames.Literal(graph.Macs), "Multiply-accumulates per image."),
        };

        var first = true;
        foreach (var (name, type, value, doc) in constants)
        {
            if (taken.Contains(name))
                continue;
            if (!first && (name == "OutputChannels" || name == "TrainableParameterCount"))
                writer.WriteLine();
            first = false;
            writer.WriteLine($"/// <summary>{CSharpNames.XmlEscape(doc)}</summary>");
            writer.WriteLine($"public const {type} {name} = {value};");
        }
    }

    private static void WriteShapes(IndentedTextWriter writer, NetworkGraph graph, CancellationToken cancellationToken)
    {
        var tree = ShapeTree.Build(graph.Nodes, "Shapes");
        writer.WriteLine($"/// <summary>The output shape of every node of the graph, by name: <c>{CSharpNames.XmlEscape(ExamplePath(tree))}.Channels</c>.</summary>");
        writer.WriteLine("public static class Shapes");
        using (writer.OpenBlock())
            WriteShapeChildren(writer, tree, cancellationToken);
    }

    /// <summary>"Shapes.Fire2.Squeeze": the first node inside a layer, else the first layer, for the doc comment.</summary>
    private static string ExamplePath(ShapeTree root)
    {
        ShapeTree? example = null;
        foreach (var child in root.Children)
        {
            if (child.Node?.Kind == OpKind.Input)
                continue;
            if (child.Children.Count > 0)
                return "Shapes." + child.Identifier + "." + child.Children[0].Identifier;
            example ??= child;
        }
        example ??= root.Children.Count > 0 ? root.Children[0] : null;
        return example is null ? "Shapes" : "Shapes." + example.Identifier;
    }

    // One line per node (its doc comment above it); a node with nodes under it opens a block for them.
    private static void WriteShapeChildren(IndentedTextWriter writer, ShapeTree parent, CancellationToken cancellationToken)
    {
        foreach (var child in parent.Children)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var doc = child.Node is { } node
                ? $"{node.Name} ({node.Describe()}): {Text.Shape(node.Output)}."
                : $"The nodes of {child.Path}.";
            writer.WriteLine($"/// <summary>{CSharpNames.XmlEscape(doc)}</summary>");
            // A delimited doc comment keeps the constants on the class's line and documented.
            var constants = child.Node is { } shaped
                ? "/** <summary>The output shape.</summary> */ "
                    + $"public const int Channels = {CSharpNames.Literal(shaped.Output.Channels)}, Height = {CSharpNames.Literal(shaped.Output.Height)}, "
                    + $"Width = {CSharpNames.Literal(shaped.Output.Width)}, Length = {CSharpNames.Literal((int)shaped.Output.Length)};"
                : null;
            if (child.Children.Count == 0)
            {
                writer.WriteLine($"public static class {child.Identifier} {{ {constants} }}");
                continue;
            }
            writer.WriteLine($"public static class {child.Identifier}");
            using (writer.OpenBlock())
            {
                if (constants is not null)
                    writer.WriteLine(constants);
                WriteShapeChildren(writer, child, cancellationToken);
            }
        }
    }

    private static void WriteLayerProperties(IndentedTextWriter writer, NetworkModel model, GraphLayout layout, string definition)
    {
        var outputs = new Dictionary<string, LayerOutput>(StringComparer.Ordinal);
        foreach (var output in layout.Graph.LayerOutputs)
        {
            if (!outputs.ContainsKey(output.Name))
                outputs.Add(output.Name, output);
        }

        var fields = new FieldNames();
        var first = true;
        foreach (var property in ImplementableProperties(model))
        {
            if (!first)
                writer.WriteLine();
            first = false;

            var field = fields.For(property.Name);
            var layer = layout.FindLayer(property.Name);
            if (layer is null || !outputs.TryGetValue(property.Name, out var nodes))
            {
                // The core names every property; this only guards against a graph that does not.
                WritePlaceholderLayer(writer, property, field);
                continue;
            }

            WriteLayerDocumentation(writer, layer);
            writer.WriteLine($"{ModifiersWithPartial(property)} {LayerType} {property.Identifier} => {field};");
            writer.WriteLine($"private static readonly {LayerType} {field} = new({definition}, {CSharpNames.Literal(property.Name)}, "
                + $"firstNode: {CSharpNames.Literal(nodes.FirstNode)}, outputNode: {CSharpNames.Literal(nodes.OutputNode)});");
        }
    }

    private static void WriteLayerDocumentation(IndentedTextWriter writer, LayerInfo layer)
    {
        var cost = layer.TrainableParameterCount == 0 && layer.Macs == 0
            ? ""
            : $"; {Text.Count(layer.TrainableParameterCount)} trainable parameters, {Text.Macs(layer.Macs)}";
        writer.WriteLine($"/// <summary>{CSharpNames.XmlEscape($"{layer.Name}: {Text.Shape(layer.Shape)}{cost}.")}</summary>");
    }

    /// <summary>
    /// A declaration with errors: only the Layer properties, each returning a Layer with an empty shape, so the
    /// build shows ConvForge's diagnostics rather than CS9248 (partial property without an implementation).
    /// </summary>
    private static void WritePlaceholders(IndentedTextWriter writer, CompiledNetwork network)
    {
        if (network.InternalError is { } error)
        {
            writer.WriteLine("// ConvForge could not compile this declaration because of an internal error; please report it:");
            writer.WriteLine("// " + OneLine(error));
        }
        else
        {
            writer.WriteLine("// This declaration has errors, so ConvForge generated nothing but placeholder layers (each with an");
            writer.WriteLine("// empty shape) until they are fixed:");
            foreach (var diagnostic in network.Result.Diagnostics)
            {
                if (diagnostic.Severity == Severity.Error)
                    writer.WriteLine($"// {diagnostic.Id}: {OneLine(diagnostic.Message)}");
            }
        }

        var fields = new FieldNames();
        foreach (var property in ImplementableProperties(network.Network))
        {
            writer.WriteLine();
            WritePlaceholderLayer(writer, property, fields.For(property.Name));
        }
    }

    private static void WritePlaceholderLayer(IndentedTextWriter writer, LayerPropertyModel property, string field)
    {
        writer.WriteLine($"/// <summary>{CSharpNames.XmlEscape(property.Name)}: a placeholder while the network's declaration has errors.</summary>");
        writer.WriteLine($"{ModifiersWithPartial(property)} {LayerType} {property.Identifier} => {field};");
        writer.WriteLine($"private static readonly {LayerType} {field} = new({CSharpNames.Literal(property.Name)}, default, global::System.Array.Empty<{ParameterInfoType}>(), macs: 0L);");
    }

    /// <summary>The properties to implement: valid declarations, each name once.</summary>
    internal static IEnumerable<LayerPropertyModel> ImplementableProperties(NetworkModel model) => ImplementableProperties(model.LayerProperties);

    internal static IEnumerable<LayerPropertyModel> ImplementableProperties(EquatableArray<LayerPropertyModel> properties)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in properties)
        {
            if (property.IsValidDeclaration && seen.Add(property.Name))
                yield return property;
        }
    }

    internal static string ModifiersWithPartial(LayerPropertyModel property)
        => property.Modifiers.Length == 0 ? "partial" : property.Modifiers + " partial";

    private static long TotalParameterLength(NetworkGraph graph)
    {
        long length = 0;
        foreach (var parameter in graph.Parameters)
            length += parameter.Length;
        return length;
    }

    private static List<string> SplitLines(string text)
    {
        var lines = new List<string>(text.Replace("\r\n", "\n").Split('\n'));
        while (lines.Count > 1 && lines[lines.Count - 1].Length == 0)
            lines.RemoveAt(lines.Count - 1);
        return lines;
    }

    private static string OneLine(string text) => text.Replace("\r", " ").Replace("\n", " ");

    /// <summary>Private field names for the cached Layer objects: "Conv1" gets s_conv1Layer.</summary>
    private sealed class FieldNames
    {
        private readonly HashSet<string> _used = new(StringComparer.Ordinal);

        public string For(string propertyName)
        {
            var identifier = CSharpNames.ToIdentifier(propertyName).TrimStart('@');
            var stem = "s_" + char.ToLowerInvariant(identifier[0]) + identifier.Substring(1) + "Layer";
            var name = stem;
            for (var i = 2; !_used.Add(name); i++)
                name = stem + CSharpNames.Literal(i);
            return name;
        }
    }
}
