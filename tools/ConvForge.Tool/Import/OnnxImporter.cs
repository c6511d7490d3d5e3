using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using ConvForge.Compiler;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Spec;
using ConvForge.Onnx.Import;
using Core = ConvForge.Compiler.Graph;

namespace ConvForge.Tool.Import;

/// <summary>What <see cref="OnnxImporter.Import"/> produced.</summary>
/// <param name="Declaration">The network as layers.</param>
/// <param name="Source">The C# declaration.</param>
/// <param name="Graph">The compiler core's expansion of <paramref name="Source"/>: what the user's build generates.</param>
/// <param name="Parameters">The model's weights under ConvForge's parameter names.</param>
/// <param name="Matches">Which ONNX nodes each declared node took its weights from.</param>
internal sealed record ImportResult(NetworkDeclaration Declaration, string Source, Core.NetworkGraph Graph, ParameterStore Parameters, IReadOnlyList<OnnxLayerMatch> Matches)
{
    /// <summary>Layers per attribute kind that expands into a module, "Fire" -> 8.</summary>
    public IReadOnlyDictionary<string, int> Modules => Declaration.Layers
        .Where(l => l.Attributes.Count == 1 && l.Attributes[0].Kind is "Fire" or "Inception" or "BasicBlock" or "Bottleneck" or "MlpConv" or "SqueezeExcite")
        .GroupBy(l => l.Attributes[0].Kind).ToDictionary(g => g.Key, g => g.Count());
}

/// <summary>
/// Turns an ONNX model into a ConvForge declaration and its weights.
/// </summary>
/// <remarks>
/// The weights are not taken by walking the ONNX graph a second time in the tool: the declaration is
/// compiled by the compiler core (the code the generator runs, so the parameter names are those the
/// user's build will have), turned into the runtime's <see cref="NetworkDefinition"/>, and loaded with the
/// runtime's structural importer (<see cref="OnnxWeights"/>), the same code behind <c>net.Parameters.LoadOnnx</c>.
/// That importer checks every declared node against the ONNX node it pairs with (operator, window, groups,
/// shapes) and requires every ONNX node to be used, so a declaration that does not compute what the file
/// computes fails here, in the tool, instead of loading silently.
/// </remarks>
internal static class OnnxImporter
{
    /// <summary>The declaration of <paramref name="model"/> and the compiler core's expansion of it.</summary>
    /// <exception cref="NotSupportedException">The model has operators or settings ConvForge cannot declare; the message names the nodes.</exception>
    public static (NetworkDeclaration Declaration, Core.NetworkGraph Graph) Declare(OnnxModel model, string modelFileName, string className, string? @namespace)
    {
        var graph = DataGraph.Build(model);
        var layers = Recognizer.Recognize(graph);
        Name(layers, className, fromConvForge: model.ProducerName == "ConvForge");
        Resolve(layers, graph.Input);

        var origin = Invariant($"{modelFileName} ({Describe(model)})");
        var declaration = new NetworkDeclaration(className, @namespace, graph.Input.Output, layers, origin);
        var compiled = NetworkCompiler.Compile(declaration.ToSpec());
        if (compiled.HasErrors || compiled.Graph is null)
            throw new InvalidOperationException("convforge wrote a declaration ConvForge's compiler rejects (a bug in convforge): "
                + string.Join("; ", compiled.Diagnostics.Where(d => d.Severity == Severity.Error).Select(d => $"{d.Id} {d.Message}")));
        foreach (var warning in compiled.Diagnostics.Where(d => d.Id == DiagnosticIds.DroppedPixels.Id && d.Site.LayerIndex >= 0))
        {
            var suppressed = layers[warning.Site.LayerIndex].SuppressedWarnings;
            if (!suppressed.Contains(warning.Id))
                suppressed.Add(warning.Id);
        }
        return (declaration, compiled.Graph);
    }

    /// <summary>The declaration of <paramref name="model"/> as C#, and the model's weights under its parameter names.</summary>
    /// <exception cref="NotSupportedException">The model has operators or settings ConvForge cannot declare; the message names the nodes.</exception>
    /// <exception cref="InvalidDataException">The runtime's importer finds that the declaration does not fit the model.</exception>
    public static ImportResult Import(OnnxModel model, string modelFileName, string className, string? @namespace, string weightsFileName)
    {
        var (declaration, graph) = Declare(model, modelFileName, className, @namespace);
        var store = new ParameterStore(Definitions.From(graph));
        var matches = OnnxWeights.Load(store, model);
        return new ImportResult(declaration, declaration.ToCSharp(weightsFileName), graph, store, matches);
    }

    /// <summary>"pytorch 2.1, opset 17", "CNTK 2.6, opset 8".</summary>
    public static string Describe(OnnxModel model)
    {
        var producer = (model.ProducerName + " " + model.ProducerVersion).Trim();
        return Invariant($"{(producer.Length == 0 ? "unknown producer" : producer)}, opset {model.OpsetVersion}");
    }

    /// <summary>A class name from a file name: "resnet18-v1.onnx" gives "Resnet18V1".</summary>
    public static string ClassNameFor(string path)
    {
        var stem = Path.GetFileNameWithoutExtension(path);
        var name = new StringBuilder();
        var upper = true;
        foreach (var c in stem)
        {
            if (!char.IsLetterOrDigit(c))
            {
                upper = true;
                continue;
            }
            name.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        if (name.Length == 0 || char.IsDigit(name[0]))
            name.Insert(0, "Model");
        return name.ToString();
    }

    public static bool IsIdentifier(string name) =>
        name.Length > 0 && (char.IsLetter(name[0]) || name[0] == '_') && name.All(c => char.IsLetterOrDigit(c) || c == '_')
        && !CSharpKeywords.Contains(name);

    /// <summary>
    /// Names the layers: a model ConvForge exported keeps its property names (its output nodes carry them, and
    /// nodes inside a module or a property give "Block1Conv1");
    /// other models get names by kind and position (Conv1, Fire2, Block3 ...), since exporters' node names
    /// ("/layer1/layer1.0/relu/Relu", "Convolution249") say little in C#.
    /// </summary>
    private static void Name(List<LayerDeclaration> layers, string className, bool fromConvForge)
    {
        var used = new HashSet<string>(StringComparer.Ordinal) { className, ConvForge.Layers.Input };
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var layer in layers)
        {
            // ConvForge names a module's inner nodes "Block1.Conv1": the layer that takes one over is "Block1Conv1".
            var name = layer.Output.OnnxName.Replace(".", "", StringComparison.Ordinal);
            if (!fromConvForge || !IsIdentifier(name) || NetworkDeclaration.ReservedNames.Contains(name) || used.Contains(name))
            {
                do
                {
                    counts[layer.Category] = counts.TryGetValue(layer.Category, out var n) ? n + 1 : 1;
                    name = layer.Category + counts[layer.Category].ToString(CultureInfo.InvariantCulture);
                }
                while (used.Contains(name) || NetworkDeclaration.ReservedNames.Contains(name));
            }
            used.Add(name);
            layer.Name = name;
        }
    }

    /// <summary>Writes the references: <c>From</c> where a layer does not read the one before it, and the names a join joins.</summary>
    private static void Resolve(List<LayerDeclaration> layers, DataNode input)
    {
        var names = new Dictionary<DataNode, string> { [input] = ConvForge.Layers.Input };
        DataNode previous = input;
        foreach (var layer in layers)
        {
            var first = layer.Attributes[0];
            string NameOf(DataNode node) => names.TryGetValue(node, out var name) ? name
                : throw new InvalidOperationException($"Layer {layer.Name} reads ONNX node {node.OnnxName}, which is inside another layer (a bug in convforge).");
            if (layer.IsJoin)
            {
                first.With("Inputs", ArgValue.StringArray(layer.Reads.Select(NameOf).ToArray()), true);
            }
            else if (layer.Reads[0] != previous)
            {
                first.With("From", ArgValue.String(NameOf(layer.Reads[0])));
            }
            names[layer.Output] = layer.Name;
            previous = layer.Output;
        }
    }

    private static readonly HashSet<string> CSharpKeywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue", "decimal",
        "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally", "fixed", "float", "for",
        "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock", "long", "namespace", "new", "null", "object",
        "operator", "out", "override", "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked",
        "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The compiler core's graph as the runtime's <see cref="NetworkDefinition"/>: the table generated code writes.</summary>
internal static class Definitions
{
    public static NetworkDefinition From(Core.NetworkGraph graph)
    {
        var nodes = new NodeDefinition[graph.Nodes.Count];
        for (var i = 0; i < nodes.Length; i++)
        {
            var n = graph.Nodes[i];
            var kind = (OpKind)Enum.Parse(typeof(OpKind), n.Kind.ToString());
            var window = n.Window is { } w
                ? new KernelWindow(w.KernelHeight, w.KernelWidth, w.StrideHeight, w.StrideWidth, w.PadTop, w.PadLeft, w.PadBottom, w.PadRight, w.DilationHeight, w.DilationWidth, w.CeilMode)
                : default;
            nodes[i] = new NodeDefinition(
                n.Name, kind, n.Inputs.ToArray(), new TensorShape(n.Output.Channels, n.Output.Height, n.Output.Width),
                window: window,
                groups: n.Groups,
                parameters: n.Parameters.Select(p => new ParameterInfo(p.Name, p.Dimensions.ToArray())).ToArray(),
                epsilon: kind == OpKind.BatchNorm ? n.Scalar : 0,
                slope: kind == OpKind.LeakyRelu ? n.Scalar : 0,
                rate: kind == OpKind.Dropout ? n.Scalar : 0,
                lrnSize: kind == OpKind.Lrn ? n.Size : 0,
                lrnAlpha: kind == OpKind.Lrn ? n.Scalar : 0,
                lrnBeta: kind == OpKind.Lrn ? n.Scalar2 : 0,
                lrnK: kind == OpKind.Lrn ? n.Scalar3 : 0,
                countIncludePad: n.CountIncludePad);
        }
        return new NetworkDefinition(graph.Name, new TensorShape(graph.Input.Output.Channels, graph.Input.Output.Height, graph.Input.Output.Width), nodes);
    }
}
