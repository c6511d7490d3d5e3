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
    {
        var inShape = ShapeOf(input);
        var parameters = new List<ParameterInfo>
        {
            NewParameter(name, "Weight", channels, groups > 0 ? inShape.Channels / groups : 0, window.KernelHeight, window.KernelWidth),
        };
        if (bias)
            parameters.Add(NewParameter(name, "Bias", channels));
        var output = new TensorShape(channels, window.OutputHeight(inShape.Height), window.OutputWidth(inShape.Width));
        return Append(new NodeDefinition(name, OpKind.Conv, new[] { input }, output, window, groups, parameters.ToArray()));
    }

    /// <summary>Max pooling.</summary>
    public int MaxPool(string name, int input, KernelWindow window) =>
        Append(new NodeDefinition(name, OpKind.MaxPool, new[] { input }, Pooled(input, window), window));

    /// <summary>Average pooling; <paramref name="countIncludePad"/> counts padded zeros in the divisor (PyTorch's default).</summary>
    public int AvgPool(string name, int input, KernelWindow window, bool countIncludePad = true) =>
        Append(new NodeDefinition(name, OpKind.AvgPool, new[] { input }, Pooled(input, window), window, countIncludePad: countIncludePad));

    /// <summary>Mean of each channel.</summary>
    public int GlobalAvgPool(string name, int input) =>
        Append(new NodeDefinition(name, OpKind.GlobalAvgPool, new[] { input }, new TensorShape(ShapeOf(input).Channels, 1, 1)));

    /// <summary>Maximum of each channel.</summary>
    public int GlobalMaxPool(string name, int input) =>
        Append(new NodeDefinition(name, OpKind.GlobalMaxPool, new[] { input }, new TensorShape(ShapeOf(input).Channels, 1, 1)));

    /// <summary>Batch normalization with running statistics.</summary>
    public int BatchNorm(string name, int input, double epsilon = 1e-5)
    {
        var channels = ShapeOf(input).Channels;
        var parameters = new[]
        {
            NewParameter(name, "Gamma", channels),
            NewParameter(name, "Beta", channels),
            NewParameter(name, "RunningMean", channels),
            NewParameter(name, "RunningVar", channels),
        };
        return Append(new NodeDefinition(name, OpKind.BatchNorm, new[] { input }, ShapeOf(input), parameters: parameters, epsilon: epsilon));
    }

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
    {
        var parameters = new List<ParameterInfo> { NewParameter(name, "Weight", units, ShapeOf(input).Length) };
        if (bias)
            parameters.Add(NewParameter(name, "Bias", units));
        return Append(new NodeDefinition(name, OpKind.Dense, new[] { input }, new TensorShape(units, 1, 1), parameters: parameters.ToArray()));
    }

    /// <summary>C x H x W becomes (C*H*W) x 1 x 1.</summary>
    public int Flatten(string name, int input) =>
        Append(new NodeDefinition(name, OpKind.Flatten, new[] { input }, new TensorShape(ShapeOf(input).Length, 1, 1)));

    /// <summary>Softmax over the channels.</summary>
    public int Softmax(string name, int input) => Unary(name, OpKind.Softmax, input);

    /// <summary>Local response normalization across channels.</summary>
    public int Lrn(string name, int input, int size = 5, double alpha = 1e-4, double beta = 0.75, double k = 1.0) =>
        Append(new NodeDefinition(name, OpKind.Lrn, new[] { input }, ShapeOf(input), lrnSize: size, lrnAlpha: alpha, lrnBeta: beta, lrnK: k));

    /// <summary>Stacks the inputs along the channels, in order.</summary>
    public int Concat(string name, params int[] inputs)
    {
        var first = ShapeOf(inputs[0]);
        var channels = 0;
        foreach (var input in inputs)
            channels += ShapeOf(input).Channels;
        return Append(new NodeDefinition(name, OpKind.Concat, (int[])inputs.Clone(), new TensorShape(channels, first.Height, first.Width)));
    }

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

    private TensorShape Pooled(int input, KernelWindow window)
    {
        var shape = ShapeOf(input);
        return new TensorShape(shape.Channels, window.OutputHeight(shape.Height), window.OutputWidth(shape.Width));
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

    // Declared only: the NetworkDefinition places the tensors one after another and knows which are trained.
    private static ParameterInfo NewParameter(string node, string role, params int[] shape) => new(node + "." + role, shape);
}
