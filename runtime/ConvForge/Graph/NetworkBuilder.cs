using System;
using System.Collections.Generic;

namespace ConvForge;

/// <summary>
/// Builds a <see cref="NetworkDefinition"/> node by node, inferring each output shape and laying
/// the parameters out one after another. For tests, tools and networks made at run time; generated
/// code writes its table directly with the shapes the compiler computed.
/// </summary>
/// <remarks>
/// Each method returns the new node's index, which later nodes pass as their input. Parameters are
/// named "{node}.{Role}" (Weight, Bias, Gamma, Beta, RunningMean, RunningVar).
/// </remarks>
/// <example>
/// <code>
/// var b = new NetworkBuilder("Tiny", new TensorShape(3, 32, 32));
/// var conv = b.Conv("Conv1", b.Input, 16, KernelWindow.Square(3, padding: 1));
/// var relu = b.Relu("Conv1.Relu", conv);
/// var pool = b.MaxPool("Pool1", relu, KernelWindow.Square(2, stride: 2));
/// b.Dense("Output", pool, 10);
/// NetworkDefinition network = b.Build();
/// </code>
/// </example>
public sealed class NetworkBuilder
{
    private readonly string name;
    private readonly TensorShape inputShape;
    private readonly List<NodeDefinition> nodes = new();

    /// <summary>Starts a network whose input images have <paramref name="inputShape"/>.</summary>
    public NetworkBuilder(string name, TensorShape inputShape)
    {
        this.name = name ?? throw new ArgumentNullException(nameof(name));
        this.inputShape = inputShape;
        nodes.Add(new NodeDefinition("Input", OpKind.Input, Array.Empty<int>(), inputShape));
    }

    /// <summary>The index of the input node (0).</summary>
    public int Input => 0;

    /// <summary>The output shape of node <paramref name="node"/>.</summary>
    public TensorShape ShapeOf(int node) => nodes[node].Output;

    /// <summary>A convolution with <paramref name="channels"/> outputs.</summary>
    public int Conv(string name, int input, int channels, KernelWindow window, int groups = 1, bool bias = true)
        => Append(new NodeDefinition(name, OpKind.Conv, new[] { input }, Output(OpKind.Conv, new[] { input }, channels, groups, window), window, groups,
            Parameters(name, OpKind.Conv, input, bias, channels, groups, window)));

    /// <summary>Max pooling.</summary>
    public int MaxPool(string name, int input, KernelWindow window) =>
        Append(new NodeDefinition(name, OpKind.MaxPool, new[] { input }, Output(OpKind.MaxPool, new[] { input }, 0, 1, window), window));

    /// <summary>Average pooling; <paramref name="countIncludePad"/> counts padded zeros in the divisor (PyTorch's default).</summary>
    public int AvgPool(string name, int input, KernelWindow window, bool countIncludePad = true) =>
        Append(new NodeDefinition(name, OpKind.AvgPool, new[] { input }, Output(OpKind.AvgPool, new[] { input }, 0, 1, window), window, countIncludePad: countIncludePad));

    /// <summary>Mean of each channel.</summary>
    public int GlobalAvgPool(string name, int input) =>
        Append(new NodeDefinition(name, OpKind.GlobalAvgPool, new[] { input }, Output(OpKind.GlobalAvgPool, new[] { input })));

    /// <summary>Maximum of each channel.</summary>
    public int GlobalMaxPool(string name, int input) =>
        Append(new NodeDefinition(name, OpKind.GlobalMaxPool, new[] { input }, Output(OpKind.GlobalMaxPool, new[] { input })));

    /// <summary>Batch normalization with running statistics.</summary>
    public int BatchNorm(string name, int input, double epsilon = 1e-5)
        => Append(new NodeDefinition(name, OpKind.BatchNorm, new[] { input }, ShapeOf(input), parameters: Parameters(name, OpKind.BatchNorm, input, bias: false), epsilon: epsilon));

    /// <summary>max(x, 0).</summary>
    public int Relu(string name, int input) => Unary(name, OpKind.Relu, input);

    /// <summary>x for x &gt; 0, otherwise <paramref name="slope"/> * x.</summary>
    public int LeakyRelu(string name, int input, double slope = 0.01) =>
        Append(new NodeDefinition(name, OpKind.LeakyRelu, new[] { input }, ShapeOf(input), slope: slope));

    /// <summary>min(max(x, 0), 6).</summary>
    public int Relu6(string name, int input) => Unary(name, OpKind.Relu6, input);

    /// <summary>1 / (1 + exp(-x)).</summary>
    public int Sigmoid(string name, int input) => Unary(name, OpKind.Sigmoid, input);

    /// <summary>Dropout (the identity at inference).</summary>
    public int Dropout(string name, int input, double rate = 0.5) =>
        Append(new NodeDefinition(name, OpKind.Dropout, new[] { input }, ShapeOf(input), rate: rate));

    /// <summary>A fully connected layer over the flattened input.</summary>
    public int Dense(string name, int input, int units, bool bias = true)
        => Append(new NodeDefinition(name, OpKind.Dense, new[] { input }, Output(OpKind.Dense, new[] { input }, units),
            parameters: Parameters(name, OpKind.Dense, input, bias, units)));

    /// <summary>C x H x W becomes (C*H*W) x 1 x 1.</summary>
    public int Flatten(string name, int input) =>
        Append(new NodeDefinition(name, OpKind.Flatten, new[] { input }, Output(OpKind.Flatten, new[] { input })));

    /// <summary>Softmax over the channels.</summary>
    public int Softmax(string name, int input) => Unary(name, OpKind.Softmax, input);

    /// <summary>Local response normalization across channels.</summary>
    public int Lrn(string name, int input, int size = 5, double alpha = 1e-4, double beta = 0.75, double k = 1.0) =>
        Append(new NodeDefinition(name, OpKind.Lrn, new[] { input }, ShapeOf(input), lrnSize: size, lrnAlpha: alpha, lrnBeta: beta, lrnK: k));

    /// <summary>Stacks the inputs along the channels, in order.</summary>
    public int Concat(string name, params int[] inputs)
        => Append(new NodeDefinition(name, OpKind.Concat, (int[])inputs.Clone(), Output(OpKind.Concat, inputs)));

    /// <summary>Adds the inputs element by element.</summary>
    public int Add(string name, params int[] inputs) =>
        Append(new NodeDefinition(name, OpKind.Add, (int[])inputs.Clone(), ShapeOf(inputs[0])));

    /// <summary>Scales each channel of <paramref name="input"/> by the matching element of <paramref name="scale"/> (C x 1 x 1).</summary>
    public int ChannelScale(string name, int input, int scale) =>
        Append(new NodeDefinition(name, OpKind.ChannelScale, new[] { input, scale }, ShapeOf(input)));

    /// <summary>Checks the whole graph and returns it; the last node added is the output.</summary>
    public NetworkDefinition Build() => new(name, inputShape, nodes);

    private int Unary(string name, OpKind kind, int input) =>
        Append(new NodeDefinition(name, kind, new[] { input }, ShapeOf(input)));

    // By the rules NetworkDefinition checks (shared with the compiler core); a problem shows as an empty shape, which
    // NodeDefinition refuses, or as the definition's error at Build.
    private TensorShape Output(OpKind kind, int[] inputs, int channels = 0, int groups = 1, KernelWindow window = default)
    {
        var shapes = new (int Channels, int Height, int Width)[inputs.Length];
        for (var i = 0; i < inputs.Length; i++)
        {
            var shape = ShapeOf(inputs[i]);
            shapes[i] = (shape.Channels, shape.Height, shape.Width);
        }
        ShapeRules.Output(kind, shapes, channels, groups, window, out var output, out _);
        return output.Channels * output.Height * output.Width is > 0 and <= int.MaxValue
            ? new TensorShape((int)output.Channels, (int)output.Height, (int)output.Width)
            : default;
    }

    private int Append(NodeDefinition node)
    {
        foreach (var input in node.Inputs)
        {
            if (input < 0 || input >= nodes.Count)
                throw new ArgumentOutOfRangeException(nameof(node), $"Node {node.Name} reads node {input}, which does not exist yet.");
        }
        nodes.Add(node);
        return nodes.Count - 1;
    }

    // The tensors the shared rules give the node, named "{node}.{Role}". Declared only: the NetworkDefinition places
    // them one after another and knows which are trained.
    private ParameterInfo[] Parameters(string node, OpKind kind, int input, bool bias, int channels = 0, int groups = 1, KernelWindow window = default)
    {
        var shape = ShapeOf(input);
        var parameters = new ParameterInfo[ShapeRules.ParameterCount(kind, bias)];
        for (var i = 0; i < parameters.Length; i++)
        {
            var rule = ShapeRules.Parameter(kind, i, (shape.Channels, shape.Height, shape.Width), channels, groups, window);
            var dimensions = new int[rule.Dimensions.Length];
            for (var d = 0; d < dimensions.Length; d++)
                dimensions[d] = checked((int)rule.Dimensions[d]);
            parameters[i] = new ParameterInfo(node + "." + rule.Role, dimensions);
        }
        return parameters;
    }
}
