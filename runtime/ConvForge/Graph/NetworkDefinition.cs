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
/// What generated code writes (the parameter layout is the class's ParameterInfo table):
/// <code>
/// static readonly NetworkDefinition Definition = new("TinyNet", new TensorShape(3, 32, 32), new NodeDefinition[]
/// {
///     new("Input", OpKind.Input, new int[0], new TensorShape(3, 32, 32)),
///     new("Conv1.Conv", OpKind.Conv, new[] { 0 }, new TensorShape(16, 32, 32),
///         window: new KernelWindow(3, 3, 1, 1, 1, 1, 1, 1, 1, 1, false), groups: 1,
///         parameters: new[] { Parameters[0], Parameters[1] }),
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
        var allParameters = new List<ParameterInfo>();
        for (var i = 0; i < this.nodes.Length; i++)
        {
            var node = this.nodes[i] ?? throw new ArgumentException($"Network {name}: node {i} is null.", nameof(nodes));
            if (!nodeIndexes.TryAdd(node.Name, i))
                throw new ArgumentException($"Network {name}: two nodes are named {node.Name} ({nodeIndexes[node.Name]} and {i}).", nameof(nodes));
            CheckNode(i, node);
            foreach (var parameter in node.Parameters)
            {
                if (!parametersByName.TryAdd(parameter.Name, parameter))
                    throw new ArgumentException($"Network {name}: two parameters are named {parameter.Name}.", nameof(nodes));
                allParameters.Add(parameter);
            }
        }
        parameters = allParameters.ToArray();
        ParameterLength = CheckParameterLayout(name, parameters);
    }

    /// <summary>The network class's name.</summary>
    public string Name { get; }
    /// <summary>The shape of one input image.</summary>
    public TensorShape InputShape { get; }
    /// <summary>Every node, in a topological order: node 0 is the input, the last is the output.</summary>
    public IReadOnlyList<NodeDefinition> Nodes => nodes;
    /// <summary>The node whose output is the network's output (the last one).</summary>
    public NodeDefinition Output => nodes[nodes.Length - 1];
    /// <summary>The shape of one image's output.</summary>
    public TensorShape OutputShape => Output.Output;
    /// <summary>Every parameter tensor, in node order.</summary>
    public IReadOnlyList<ParameterInfo> Parameters => parameters;
    /// <summary>Floats in the flat parameter buffer: the end of the last tensor.</summary>
    public int ParameterLength { get; }

    /// <summary>The parameter named <paramref name="name"/>, or null.</summary>
    public ParameterInfo? FindParameter(string name) =>
        parametersByName.TryGetValue(name ?? throw new ArgumentNullException(nameof(name)), out var parameter) ? parameter : null;

    /// <summary>The index of the node named <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name) =>
        nodeIndexes.TryGetValue(name ?? throw new ArgumentNullException(nameof(name)), out var index) ? index : -1;

    /// <summary>"TinyNet 3x32x32 -> 10x1x1, 7 nodes, 1234 parameters".</summary>
    public override string ToString() =>
        FormattableString.Invariant($"{Name} {InputShape} -> {OutputShape}, {nodes.Length} nodes, {ParameterLength} parameters");

    /// <summary>
    /// The output shape <paramref name="node"/> has for the given input shapes and its settings,
    /// or an explanation of why it has none. The same rules as the compiler core's shape inference.
    /// </summary>
    internal static TensorShape InferShape(NodeDefinition node, IReadOnlyList<TensorShape> inputs, out string? problem)
    {
        problem = null;
        var first = inputs.Count > 0 ? inputs[0] : default;
        switch (node.Kind)
        {
            case OpKind.Conv:
            {
                var weight = node.Parameters[0];
                var outChannels = weight.Shape.Count > 0 ? weight.Shape[0] : 0;
                if (first.Channels % node.Groups != 0 || outChannels % node.Groups != 0)
                {
                    problem = Format($"has {node.Groups} groups, which do not divide its {first.Channels} input and {outChannels} output channels");
                    return default;
                }
                var w = node.Window;
                var expectedWeight = new[] { outChannels, first.Channels / node.Groups, w.KernelHeight, w.KernelWidth };
                if (!SameShape(weight.Shape, expectedWeight))
                {
                    problem = Format($"has weight {weight.Name} of shape [{string.Join(", ", weight.Shape)}]; its input {first} needs [{string.Join(", ", expectedWeight)}]");
                    return default;
                }
                if (node.HasBias && !SameShape(node.Parameters[1].Shape, new[] { outChannels }))
                {
                    problem = Format($"has bias {node.Parameters[1].Name} of shape [{string.Join(", ", node.Parameters[1].Shape)}]; it needs [{outChannels}]");
                    return default;
                }
                return Windowed(outChannels, first, w, out problem);
            }
            case OpKind.MaxPool:
            case OpKind.AvgPool:
                return Windowed(first.Channels, first, node.Window, out problem);
            case OpKind.GlobalAvgPool:
            case OpKind.GlobalMaxPool:
                return new TensorShape(first.Channels, 1, 1);
            case OpKind.BatchNorm:
                foreach (var parameter in node.Parameters)
                {
                    if (!SameShape(parameter.Shape, new[] { first.Channels }))
                    {
                        problem = Format($"has {parameter.Name} of shape [{string.Join(", ", parameter.Shape)}]; its input {first} needs [{first.Channels}]");
                        return default;
                    }
                }
                return first;
            case OpKind.Dense:
            {
                var weight = node.Parameters[0];
                var units = weight.Shape.Count > 0 ? weight.Shape[0] : 0;
                if (!SameShape(weight.Shape, new[] { units, first.Length }))
                {
                    problem = Format($"has weight {weight.Name} of shape [{string.Join(", ", weight.Shape)}]; its input {first} ({first.Length} features) needs [{units}, {first.Length}]");
                    return default;
                }
                if (node.HasBias && !SameShape(node.Parameters[1].Shape, new[] { units }))
                {
                    problem = Format($"has bias {node.Parameters[1].Name} of shape [{string.Join(", ", node.Parameters[1].Shape)}]; it needs [{units}]");
                    return default;
                }
                return new TensorShape(units, 1, 1);
            }
            case OpKind.Flatten:
                return new TensorShape(first.Length, 1, 1);
            case OpKind.Concat:
            {
                var channels = 0;
                foreach (var input in inputs)
                {
                    if (input.Height != first.Height || input.Width != first.Width)
                    {
                        problem = Format($"joins inputs of different sizes ({string.Join(", ", inputs)})");
                        return default;
                    }
                    channels += input.Channels;
                }
                return new TensorShape(channels, first.Height, first.Width);
            }
            case OpKind.Add:
                foreach (var input in inputs)
                {
                    if (input != first)
                    {
                        problem = Format($"adds inputs of different shapes ({string.Join(", ", inputs)})");
                        return default;
                    }
                }
                return first;
            case OpKind.ChannelScale:
                if (inputs[1] != new TensorShape(first.Channels, 1, 1))
                {
                    problem = Format($"scales {first} by {inputs[1]}; the scale must be {first.Channels}x1x1");
                    return default;
                }
                return first;
            default:
                // Relu, LeakyRelu, Relu6, Sigmoid, Dropout, Softmax, Lrn: the shape is unchanged.
                return first;
        }
    }

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

        var expected = InferShape(node, inputShapes, out var problem);
        if (problem is not null)
            throw NodeError(node, $"{problem}");
        if (expected.Channels <= 0 || expected.Height <= 0 || expected.Width <= 0)
            throw NodeError(node, $"would have an empty output {expected} for input {inputShapes[0]}");
        if (expected != node.Output)
            throw NodeError(node, $"says its output is {node.Output} but its inputs ({string.Join(", ", inputShapes)}) give {expected}");
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

    private static TensorShape Windowed(int channels, TensorShape input, KernelWindow window, out string? problem)
    {
        problem = null;
        var height = window.OutputHeight(input.Height);
        var width = window.OutputWidth(input.Width);
        if (height <= 0 || width <= 0)
            problem = Format($"has window {window}, which does not fit its input {input}");
        return new TensorShape(channels, height, width);
    }

    private static bool SameShape(IReadOnlyList<int> shape, int[] expected)
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
