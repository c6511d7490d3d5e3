using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace ConvForge;

/// <summary>
/// The run-time description of a network's expanded graph: its name, its input shape and its
/// primitive nodes in a topological order, with shapes and parameters. Generated code builds one
/// per network as a static table; the weights, the ONNX exporter and reference interpreters read it.
/// </summary>
/// <remarks>
/// Node 0 is the input; the last node is the output. Every node reads only nodes before it.
/// The constructor checks the whole table (kinds, shapes by the same rules as the compiler core,
/// parameter shapes and offsets), so a wrong table fails once, at start-up, with the node named.
/// Instances are immutable and safe to share between threads.
/// </remarks>
/// <example>
/// What generated code writes: the one table of the network. Parameters are declared in their node's row;
/// the definition places them one after another in graph order (<see cref="Parameters"/>).
/// <code>
/// static readonly NetworkDefinition Definition = new("TinyNet", new TensorShape(3, 32, 32), new NodeDefinition[]
/// {
///     new("Input", OpKind.Input, new int[0], new TensorShape(3, 32, 32)),
///     new("Conv1.Conv", OpKind.Conv, new[] { 0 }, new TensorShape(16, 32, 32),
///         window: new KernelWindow(3, 3, 1, 1, 1, 1, 1, 1, 1, 1, false), groups: 1,
///         parameters: new ParameterInfo[] { new("Conv1.Weight", 16, 3, 3, 3), new("Conv1.Bias", 16) }),
///     new("Conv1", OpKind.Relu, new[] { 1 }, new TensorShape(16, 32, 32)),
///     new("Pool1", OpKind.MaxPool, new[] { 2 }, new TensorShape(16, 16, 16),
///         window: new KernelWindow(2, 2, 2, 2, 0, 0, 0, 0, 1, 1, false)),
/// });
/// </code>
/// </example>
public sealed class NetworkDefinition
{
    private readonly NodeDefinition[] nodes;
    private readonly ParameterInfo[] parameters;
    // firstParameter[i] is the index in parameters of node i's first tensor; firstParameter[nodes.Length] = parameters.Length.
    private readonly int[] firstParameter;
    private readonly long[] macs;
    private readonly Dictionary<string, ParameterInfo> parametersByName;
    private readonly Dictionary<string, int> nodeIndexes;

    /// <summary>Describes a network and checks that its nodes fit together.</summary>
    /// <exception cref="ArgumentException">A node reads a later node, a shape does not follow from the inputs, or parameters clash; the message names the node.</exception>
    public NetworkDefinition(string name, TensorShape inputShape, IReadOnlyList<NodeDefinition> nodes)
    {
        Name = string.IsNullOrEmpty(name) ? throw new ArgumentException("A network needs a name.", nameof(name)) : name;
        InputShape = inputShape;
        if (nodes is null)
            throw new ArgumentNullException(nameof(nodes));
        this.nodes = nodes.ToArray();
        if (this.nodes.Length == 0 || this.nodes[0] is not { Kind: OpKind.Input })
            throw new ArgumentException($"Network {name}: node 0 must be the input node.", nameof(nodes));

        nodeIndexes = new Dictionary<string, int>(StringComparer.Ordinal);
        parametersByName = new Dictionary<string, ParameterInfo>(StringComparer.Ordinal);
        firstParameter = new int[this.nodes.Length + 1];
        macs = new long[this.nodes.Length];
        var allParameters = new List<ParameterInfo>();
        long next = 0;
        for (var i = 0; i < this.nodes.Length; i++)
        {
            var node = this.nodes[i] ?? throw new ArgumentException($"Network {name}: node {i} is null.", nameof(nodes));
            if (!nodeIndexes.TryAdd(node.Name, i))
                throw new ArgumentException($"Network {name}: two nodes are named {node.Name} ({nodeIndexes[node.Name]} and {i}).", nameof(nodes));
            CheckNode(i, node);
            node = this.nodes[i] = Place(node, ref next);
            firstParameter[i] = allParameters.Count;
            foreach (var parameter in node.Parameters)
            {
                if (!parametersByName.TryAdd(parameter.Name, parameter))
                    throw new ArgumentException($"Network {name}: two parameters are named {parameter.Name}.", nameof(nodes));
                allParameters.Add(parameter);
            }
        }
        firstParameter[this.nodes.Length] = allParameters.Count;
        parameters = allParameters.ToArray();
        Nodes = Array.AsReadOnly(this.nodes);
        Parameters = Array.AsReadOnly(parameters);
        ParameterLength = CheckParameterLayout(name, parameters);
        foreach (var m in macs)
            Macs = WindowMath.SaturatingAdd(Macs, m);
    }

    /// <summary>The network class's name.</summary>
    public string Name { get; }
    /// <summary>The shape of one input image.</summary>
    public TensorShape InputShape { get; }
    /// <summary>Every node, in a topological order: node 0 is the input, the last is the output.</summary>
    public IReadOnlyList<NodeDefinition> Nodes { get; }
    /// <summary>The node whose output is the network's output (the last one).</summary>
    public NodeDefinition Output => nodes[nodes.Length - 1];
    /// <summary>The shape of one image's output.</summary>
    public TensorShape OutputShape => Output.Output;
    /// <summary>Every parameter tensor, in node order.</summary>
    public IReadOnlyList<ParameterInfo> Parameters { get; }
    /// <summary>Floats in the flat parameter buffer: the end of the last tensor.</summary>
    public int ParameterLength { get; }
    /// <summary>Multiply-accumulates per image, by the same rule as the compiler core.</summary>
    public long Macs { get; }

    /// <summary>Multiply-accumulates per image of node <paramref name="node"/> (Conv and Dense; 0 for the rest).</summary>
    public long MacsOf(int node) => macs[node];

    /// <summary>The parameter tensors of nodes <paramref name="firstNode"/> to <paramref name="lastNode"/> (a view: they are consecutive).</summary>
    public IReadOnlyList<ParameterInfo> ParametersOf(int firstNode, int lastNode)
    {
        if (firstNode < 0 || lastNode >= nodes.Length || firstNode > lastNode + 1)
            throw new ArgumentOutOfRangeException(nameof(firstNode), FormattableString.Invariant($"Nodes {firstNode} to {lastNode} are not a range of the {nodes.Length} nodes of {Name}."));
        var first = firstParameter[firstNode];
        return new System.Collections.ObjectModel.ReadOnlyCollection<ParameterInfo>(
            new ArraySegment<ParameterInfo>(parameters, first, firstParameter[lastNode + 1] - first));
    }

    /// <summary>The parameter named <paramref name="name"/>, or null.</summary>
    public ParameterInfo? FindParameter(string name) =>
        parametersByName.TryGetValue(name ?? throw new ArgumentNullException(nameof(name)), out var parameter) ? parameter : null;

    /// <summary>The index of the node named <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name) =>
        nodeIndexes.TryGetValue(name ?? throw new ArgumentNullException(nameof(name)), out var index) ? index : -1;

    /// <summary>"TinyNet 3x32x32 -> 10x1x1, 7 nodes, 1234 parameters".</summary>
    public override string ToString() =>
        FormattableString.Invariant($"{Name} {InputShape} -> {OutputShape}, {nodes.Length} nodes, {ParameterLength} parameters");

    private void CheckNode(int index, NodeDefinition node)
    {
        if (index == 0)
        {
            if (node.Output != InputShape)
                throw NodeError(node, $"has shape {node.Output} but the network input is {InputShape}");
            return;
        }
        if (node.Kind == OpKind.Input)
            throw NodeError(node, $"is an input node at position {index}; only node 0 may be");

        var inputShapes = new TensorShape[node.Inputs.Count];
        for (var i = 0; i < inputShapes.Length; i++)
        {
            var input = node.Inputs[i];
            if (input < 0 || input >= index)
                throw NodeError(node, $"(node {index}) reads node {input}, which does not come before it");
            inputShapes[i] = nodes[input].Output;
        }

        var inputs = new (int Channels, int Height, int Width)[inputShapes.Length];
        for (var i = 0; i < inputs.Length; i++)
            inputs[i] = (inputShapes[i].Channels, inputShapes[i].Height, inputShapes[i].Width);
        var first = inputShapes[0];
        var channels = node.Weight is { Shape.Count: > 0 } weight ? weight.Shape[0] : 0;
        var problem = ShapeRules.Output(node.Kind, inputs, channels, node.Groups, node.Window, out var output, out var culprit);
        switch (problem)
        {
            case ShapeProblem.GroupsDoNotDivideInput:
            case ShapeProblem.GroupsDoNotDivideOutput:
                throw NodeError(node, $"has {node.Groups} groups, which do not divide its {first.Channels} input and {channels} output channels");
            case ShapeProblem.WindowDoesNotFit:
                throw NodeError(node, $"has window {node.Window}, which does not fit its input {first}");
            case ShapeProblem.SizesDiffer:
                throw NodeError(node, $"joins inputs of different sizes ({string.Join(", ", inputShapes)})");
            case ShapeProblem.ShapesDiffer:
                throw NodeError(node, $"adds inputs of different shapes ({string.Join(", ", inputShapes)})");
            case ShapeProblem.ScaleNotPerChannel:
                throw NodeError(node, $"scales {first} by {inputShapes[culprit]}; the scale must be {first.Channels}x1x1");
        }

        for (var i = 0; i < node.Parameters.Count; i++)
        {
            var parameter = node.Parameters[i];
            var rule = ShapeRules.Parameter(node.Kind, i, inputs[0], channels, node.Groups, node.Window);
            if (SameShape(parameter.Shape, rule.Dimensions))
                continue;
            var needs = "[" + string.Join(", ", rule.Dimensions) + "]";
            var what = node.Kind == OpKind.BatchNorm ? "" : rule.Role.ToLowerInvariant() + " ";
            var input = rule.Role == "Bias" ? "it" : node.Kind == OpKind.Dense ? $"its input {first} ({first.Length} features)" : $"its input {first}";
            throw NodeError(node, $"has {what}{parameter.Name} of shape [{string.Join(", ", parameter.Shape)}]; {input} needs {needs}");
        }

        if (output.Channels <= 0 || output.Height <= 0 || output.Width <= 0
            || output.Channels * output.Height * output.Width > int.MaxValue)
            throw NodeError(node, $"would have an output {output.Channels}x{output.Height}x{output.Width} for input {first}, which is empty or too large");
        if ((output.Channels, output.Height, output.Width) != (node.Output.Channels, node.Output.Height, node.Output.Width))
            throw NodeError(node, $"says its output is {node.Output} but its inputs ({string.Join(", ", inputShapes)}) give {new TensorShape((int)output.Channels, (int)output.Height, (int)output.Width)}");
        macs[index] = ShapeRules.Macs(node.Kind, inputs[0], output, node.Groups, node.Window);
    }

    // Declared parameters go after the tensors before them; placed ones (NetworkBuilder, tools) keep their offsets.
    private static NodeDefinition Place(NodeDefinition node, ref long next)
    {
        if (node.Parameters.Count == 0)
            return node;
        var placed = new ParameterInfo[node.Parameters.Count];
        var changed = false;
        for (var i = 0; i < placed.Length; i++)
        {
            var parameter = node.Parameters[i];
            if (!parameter.IsPlaced)
            {
                if (next + parameter.Length > int.MaxValue)
                    throw new ArgumentException(FormattableString.Invariant($"Node {node.Name}: the parameters need more floats than one array can hold."));
                var trainable = ShapeRules.Parameter(node.Kind, i, default, 0, 1, default).Trainable;
                parameter = new ParameterInfo(parameter.Name, parameter.Shape.ToArray(), (int)next, trainable);
                changed = true;
            }
            placed[i] = parameter;
            next = (long)parameter.Offset + parameter.Length;
        }
        return changed ? node.WithParameters(placed) : node;
    }

    private static int CheckParameterLayout(string network, ParameterInfo[] parameters)
    {
        var byOffset = (ParameterInfo[])parameters.Clone();
        Array.Sort(byOffset, (a, b) => a.Offset.CompareTo(b.Offset));
        long end = 0;
        ParameterInfo? previous = null;
        foreach (var parameter in byOffset)
        {
            if (parameter.Offset < 0)
                throw new ArgumentException($"Network {network}: parameter {parameter.Name} has a negative offset {parameter.Offset}.");
            if (previous is not null && parameter.Offset < (long)previous.Offset + previous.Length)
                throw new ArgumentException($"Network {network}: parameters {previous} and {parameter} overlap in the parameter buffer.");
            end = Math.Max(end, (long)parameter.Offset + parameter.Length);
            previous = parameter;
        }
        if (end > int.MaxValue)
            throw new ArgumentException($"Network {network}: the parameters need {end} floats, more than one array can hold.");
        return (int)end;
    }

    private static bool SameShape(IReadOnlyList<int> shape, long[] expected)
    {
        if (shape.Count != expected.Length)
            return false;
        for (var i = 0; i < expected.Length; i++)
        {
            if (shape[i] != expected[i])
                return false;
        }
        return true;
    }

    private ArgumentException NodeError(NodeDefinition node, FormattableString problem) =>
        new(Format($"Network {Name}: node {node.Name} ({node.Kind}) ") + Format(problem) + ".");

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
