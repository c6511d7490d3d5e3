using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using ConvForge.Compiler;
using ConvForge.Compiler.Spec;

namespace ConvForge.Tool.Import;

/// <summary>One argument of a layer attribute: named as the compiler core names it (positional ones by their constructor parameter).</summary>
internal sealed record Argument(string Name, ArgValue Value, bool Positional);

/// <summary>One layer attribute, <c>[Conv(64, Kernel = 3)]</c>.</summary>
internal sealed class Attribute
{
    public Attribute(string kind, params Argument[] arguments)
    {
        Kind = kind;
        Arguments = arguments.ToList();
    }

    public string Kind { get; }
    public List<Argument> Arguments { get; }

    public Attribute With(string name, ArgValue value, bool positional = false)
    {
        Arguments.Add(new Argument(name, value, positional));
        return this;
    }
}

/// <summary>A layer property: its attributes, the data nodes they stand for, and what it reads.</summary>
internal sealed class LayerDeclaration
{
    public LayerDeclaration(string category, List<Attribute> attributes, List<DataNode> members, DataNode output, IReadOnlyList<DataNode> reads, bool isJoin)
    {
        Category = category;
        Attributes = attributes;
        Members = members;
        Output = output;
        Reads = reads;
        IsJoin = isJoin;
    }

    /// <summary>What kind of layer it is, for generated names ("Conv", "Fire", "Block" ...).</summary>
    public string Category { get; }
    public List<Attribute> Attributes { get; }
    public List<DataNode> Members { get; }
    public DataNode Output { get; }
    /// <summary>The values the first attribute reads: one, or a join's inputs.</summary>
    public IReadOnlyList<DataNode> Reads { get; }
    public bool IsJoin { get; }
    public string Name { get; set; } = "";
    /// <summary>Diagnostics the compiler core reports as warnings on this layer (CF0008), suppressed around it with the reason.</summary>
    public List<string> SuppressedWarnings { get; } = new();
}

/// <summary>
/// A network declaration in ConvForge's attribute DSL, as data: written out as C# (<see cref="ToCSharp"/>)
/// and handed to the compiler core as the spec the generator would read off that C# (<see cref="ToSpec"/>),
/// so what the tool names and checks is what the user's build will name and check.
/// </summary>
internal sealed class NetworkDeclaration
{
    /// <summary>Members the generator adds to every network class; a layer may not take these names.</summary>
    public static readonly HashSet<string> ReservedNames = new(StringComparer.Ordinal)
    {
        "InputChannels", "InputHeight", "InputWidth", "InputLength", "OutputChannels", "OutputHeight", "OutputWidth", "OutputLength",
        "TrainableParameterCount", "ParameterLength", "Macs", "Shapes", "ParameterLayout", "Summary", "Definition", "Parameters",
        "KernelFamily", "DegreeOfParallelism", "StepTimer", "ForwardSteps", "ForwardPass", "Forward", "ExportOnnx", "LoadWeights", "SaveWeights", "UseKernels", "InitializeParameters",
        "Layers", "Layer", "Equals", "GetHashCode", "ToString", "GetType", "MemberwiseClone", "Finalize", "ReferenceEquals",
    };

    public NetworkDeclaration(string name, string? @namespace, TensorShape input, IReadOnlyList<LayerDeclaration> layers, string origin)
    {
        Name = name;
        Namespace = @namespace;
        Input = input;
        Layers = layers;
        Origin = origin;
    }

    public string Name { get; }
    public string? Namespace { get; }
    public TensorShape Input { get; }
    public IReadOnlyList<LayerDeclaration> Layers { get; }
    /// <summary>Where the declaration comes from, for its doc comment ("resnet18.onnx (CNTK 2.6, opset 8)").</summary>
    public string Origin { get; }

    public NetworkSpec ToSpec() => new(
        Name, Input.Channels, Input.Height, Input.Width,
        Layers.Select(layer => new LayerSpec(layer.Name,
            layer.Attributes.Select(a => new OpSpec(a.Kind, a.Arguments.Select(arg => new ArgSpec(arg.Name, arg.Value, arg.Positional)).ToEquatableArray())).ToEquatableArray())).ToEquatableArray(),
        EquatableArray<ModuleSpec>.Empty);

    public string ToCSharp(string weightsFileName)
    {
        var text = new StringBuilder();
        text.Append("// Written by convforge from ").Append(Origin).Append(".\n");
        text.Append("using ConvForge;\n\n");
        if (!string.IsNullOrEmpty(Namespace))
            text.Append("namespace ").Append(Namespace).Append(";\n\n");
        text.Append("/// <summary>The network of ").Append(Escape(Origin)).Append(", declared with ConvForge's attributes.</summary>\n");
        text.Append("/// <remarks>The weights are in ").Append(Escape(weightsFileName))
            .Append(": <c>net.LoadWeights(\"").Append(Escape(weightsFileName)).Append("\")</c>.</remarks>\n");
        text.Append(Invariant($"[Network(Channels = {Input.Channels}, Height = {Input.Height}, Width = {Input.Width})]\n"));
        text.Append("public partial class ").Append(Name).Append("\n{\n");
        var attributes = Layers.Select(layer => "[" + string.Join(", ", layer.Attributes.Select(Write)) + "]").ToList();
        var width = attributes.Max(a => a.Length);
        for (var i = 0; i < Layers.Count; i++)
        {
            var layer = Layers[i];
            foreach (var warning in layer.SuppressedWarnings)
                text.Append("#pragma warning disable ").Append(warning).Append(" // as in the ONNX model\n");
            text.Append("    ").Append(attributes[i].PadRight(width)).Append(" public partial Layer ").Append(layer.Name).Append(" { get; }\n");
            foreach (var warning in layer.SuppressedWarnings)
                text.Append("#pragma warning restore ").Append(warning).Append('\n');
        }
        text.Append("}\n");
        return text.ToString();
    }

    private static string Write(Attribute attribute)
    {
        var arguments = new List<string>();
        foreach (var argument in attribute.Arguments)
        {
            // [Fire(16, 64)]: SqueezeNet's usual form, both expands of one width.
            if (attribute.Kind == "Fire" && argument.Name == "Expand3x3" && argument.Value == attribute.Arguments.Single(a => a.Name == "Expand1x1").Value)
                continue;
            var value = Write(argument);
            arguments.Add(argument.Positional ? value : argument.Name + " = " + value);
        }
        return arguments.Count == 0 ? attribute.Kind : attribute.Kind + "(" + string.Join(", ", arguments) + ")";
    }

    private static string Write(Argument argument) => argument.Value.Kind switch
    {
        ArgKind.Int => argument.Value.Integer.ToString(CultureInfo.InvariantCulture),
        ArgKind.Double => Real(argument.Value.Real),
        ArgKind.Bool => argument.Value.Integer != 0 ? "true" : "false",
        ArgKind.String => Reference(argument.Value.Text!),
        ArgKind.StringArray => string.Join(", ", argument.Value.Texts.Select(Reference)),
        ArgKind.IntArray => string.Join(", ", argument.Value.Integers.Select(i => i.ToString(CultureInfo.InvariantCulture))),
        _ => throw new InvalidOperationException($"No C# for argument {argument.Name} of kind {argument.Value.Kind}."),
    };

    /// <summary>A layer reference: the network input, or a checked <c>nameof</c>.</summary>
    private static string Reference(string layer) => layer == ConvForge.Layers.Input ? "Layers.Input" : $"nameof({layer})";

    /// <summary>A double as C# reads it back exactly ("0.0001", "1E-05" as "1E-05").</summary>
    public static string Real(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.') || text.Contains('E') ? text : text + ".0";
    }

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
