using System;
using System.Collections.Generic;

namespace ConvForge.Runtime.Tests.Onnx.Import;

/// <summary>Builds a <see cref="NetworkDefinition"/> node by node, the way generated code describes a declaration.</summary>
internal sealed class DeclaredNetwork
{
    private readonly List<NodeDefinition> nodes = new();
    private int offset;

    public DeclaredNetwork(int channels, int height, int width) =>
        nodes.Add(new NodeDefinition("Input", OpKind.Input, Array.Empty<int>(), new TensorShape(channels, height, width)));

    public TensorShape Shape(int node) => nodes[node].Output;

    public int Conv(string name, int input, int channels, KernelWindow window, bool bias = true, int groups = 1)
    {
        var x = Shape(input);
        var parameters = new List<ParameterInfo> { Parameter(name + ".Weight", true, channels, x.Channels / groups, window.KernelHeight, window.KernelWidth) };
        if (bias)
            parameters.Add(Parameter(name + ".Bias", true, channels));
        return Add(new NodeDefinition(name, OpKind.Conv, new[] { input }, new TensorShape(channels, window.OutputHeight(x.Height), window.OutputWidth(x.Width)),
            window: window, groups: groups, parameters: parameters.ToArray()));
    }

    public int BatchNorm(string name, int input, double epsilon = 1e-5)
    {
        var c = Shape(input).Channels;
        return Add(new NodeDefinition(name, OpKind.BatchNorm, new[] { input }, Shape(input), epsilon: epsilon, parameters: new[]
        {
            Parameter(name + ".Gamma", true, c), Parameter(name + ".Beta", true, c),
            Parameter(name + ".RunningMean", false, c), Parameter(name + ".RunningVar", false, c),
        }));
    }

    public int Pool(string name, OpKind kind, int input, KernelWindow window, bool countIncludePad = false)
    {
        var x = Shape(input);
        return Add(new NodeDefinition(name, kind, new[] { input }, new TensorShape(x.Channels, window.OutputHeight(x.Height), window.OutputWidth(x.Width)),
            window: window, countIncludePad: countIncludePad));
    }

    public int Global(string name, OpKind kind, int input) =>
        Add(new NodeDefinition(name, kind, new[] { input }, new TensorShape(Shape(input).Channels, 1, 1)));

    public int Unary(string name, OpKind kind, int input, double slope = 0, double rate = 0) =>
        Add(new NodeDefinition(name, kind, new[] { input }, Shape(input), slope: slope, rate: rate));

    public int Flatten(string name, int input) =>
        Add(new NodeDefinition(name, OpKind.Flatten, new[] { input }, new TensorShape(Shape(input).Length, 1, 1)));

    public int Lrn(string name, int input, int size, double alpha, double beta, double k) =>
        Add(new NodeDefinition(name, OpKind.Lrn, new[] { input }, Shape(input), lrnSize: size, lrnAlpha: alpha, lrnBeta: beta, lrnK: k));

    public int Dense(string name, int input, int units, bool bias = true)
    {
        var parameters = new List<ParameterInfo> { Parameter(name + ".Weight", true, units, Shape(input).Length) };
        if (bias)
            parameters.Add(Parameter(name + ".Bias", true, units));
        return Add(new NodeDefinition(name, OpKind.Dense, new[] { input }, new TensorShape(units, 1, 1), parameters: parameters.ToArray()));
    }

    public int Join(string name, OpKind kind, params int[] inputs)
    {
        var first = Shape(inputs[0]);
        var output = first;
        if (kind == OpKind.Concat)
        {
            var channels = 0;
            foreach (var input in inputs)
                channels += Shape(input).Channels;
            output = first with { Channels = channels };
        }
        return Add(new NodeDefinition(name, kind, inputs, output));
    }

    public NetworkDefinition Build(string name = "Declared") => new(name, nodes[0].Output, nodes);

    private int Add(NodeDefinition node)
    {
        nodes.Add(node);
        return nodes.Count - 1;
    }

    private ParameterInfo Parameter(string name, bool trainable, params int[] shape)
    {
        var parameter = new ParameterInfo(name, shape, offset, trainable);
        offset += parameter.Length;
        return parameter;
    }
}
