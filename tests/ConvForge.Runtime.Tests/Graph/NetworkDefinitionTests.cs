using System;
using System.Linq;

namespace ConvForge.Runtime.Tests.Graph;

public sealed class NetworkDefinitionTests
{
    private static readonly TensorShape Rgb = new(3, 8, 8);

    private static NodeDefinition InputNode(TensorShape shape) => new("Input", OpKind.Input, Array.Empty<int>(), shape);

    private static ParameterInfo Parameter(string name, int offset, params int[] shape) => new(name, shape, offset, trainable: true);

    [Theory]
    // Published sizes: SqueezeNet 1.1 (conv1 3x3/2: 224 -> 111; max pools 3x3/2 ceil: 111 -> 55 -> 27 -> 13)
    // and GoogLeNet (conv1 7x7/2 pad 3: 224 -> 112; max pool 3x3/2 ceil: 112 -> 56).
    [InlineData(224, 3, 2, 0, 0, 1, false, 111)]
    [InlineData(111, 3, 2, 0, 0, 1, true, 55)]
    [InlineData(55, 3, 2, 0, 0, 1, true, 27)]
    [InlineData(27, 3, 2, 0, 0, 1, true, 13)]
    [InlineData(224, 7, 2, 3, 3, 1, false, 112)]
    [InlineData(112, 3, 2, 0, 0, 1, true, 56)]
    // Ceil mode drops a last window that would start in the end padding (PyTorch: MaxPool2d(2, 2, padding=1, ceil_mode=True) on 5 gives 3).
    [InlineData(5, 2, 2, 1, 1, 1, true, 3)]
    // Dilation widens the span: 3 taps 2 apart span 5.
    [InlineData(9, 3, 1, 0, 0, 2, false, 5)]
    // Asymmetric padding: 10 + 1 + 2 - 3 = 10, / 2 = 5, + 1.
    [InlineData(10, 3, 2, 1, 2, 1, false, 6)]
    // Nothing fits: 0.
    [InlineData(2, 5, 1, 1, 1, 1, false, 0)]
    public void Output_size_follows_the_pytorch_onnx_rule(int input, int kernel, int stride, int padBegin, int padEnd, int dilation, bool ceil, int expected)
    {
        var window = new KernelWindow(kernel, kernel, stride, stride, padBegin, padBegin, padEnd, padEnd, dilation, dilation, ceil);
        Assert.Equal(expected, window.OutputHeight(input));
        Assert.Equal(expected, window.OutputWidth(input));
    }

    [Fact]
    public void Builder_infers_shapes_and_lays_parameters_out_in_order()
    {
        var b = new NetworkBuilder("Net", new TensorShape(3, 224, 224));
        var conv = b.Conv("Conv1", b.Input, 64, KernelWindow.Square(7, stride: 2, padding: 3), bias: false);
        var bn = b.BatchNorm("Bn1", conv);
        var pool = b.MaxPool("Pool1", b.Relu("Relu1", bn), KernelWindow.Square(3, stride: 2, ceilMode: true));
        b.Dense("Fc", b.GlobalAvgPool("Gap", pool), 10);
        var network = b.Build();

        Assert.Equal(new TensorShape(64, 112, 112), network.Nodes[conv].Output);
        Assert.Equal(new TensorShape(64, 56, 56), network.Nodes[pool].Output);
        Assert.Equal(new TensorShape(10, 1, 1), network.OutputShape);
        Assert.Equal(
            new[] { "Conv1.Weight", "Bn1.Gamma", "Bn1.Beta", "Bn1.RunningMean", "Bn1.RunningVar", "Fc.Weight", "Fc.Bias" },
            network.Parameters.Select(p => p.Name));
        var offset = 0;
        foreach (var parameter in network.Parameters)
        {
            Assert.Equal(offset, parameter.Offset);
            offset += parameter.Length;
        }
        Assert.Equal(offset, network.ParameterLength);
        Assert.False(network.FindParameter("Bn1.RunningVar")!.Trainable);
        Assert.Equal(new[] { 10, 64 }, network.FindParameter("Fc.Weight")!.Shape);
        Assert.Null(network.FindParameter("Fc.Gamma"));
        Assert.Equal(pool, network.IndexOf("Pool1"));
        Assert.Equal(-1, network.IndexOf("Pool2"));
        Assert.False(network.Nodes[conv].HasBias);
        Assert.True(network.Nodes[network.IndexOf("Fc")].HasBias);
    }

    [Fact]
    public void A_stated_output_shape_that_does_not_follow_from_the_input_is_refused_with_both_shapes()
    {
        var weight = Parameter("Conv1.Weight", 0, 16, 3, 3, 3);
        var nodes = new[]
        {
            InputNode(Rgb),
            new NodeDefinition("Conv1", OpKind.Conv, new[] { 0 }, new TensorShape(16, 8, 8), KernelWindow.Square(3), parameters: new[] { weight }),
        };
        var error = Assert.Throws<ArgumentException>(() => new NetworkDefinition("Net", Rgb, nodes));
        Assert.Contains("node Conv1 (Conv) says its output is 16x8x8 but its inputs (3x8x8) give 16x6x6", error.Message);
    }

    [Fact]
    public void A_weight_that_does_not_fit_the_input_is_refused()
    {
        var weight = Parameter("Conv1.Weight", 0, 16, 4, 3, 3);
        var nodes = new[]
        {
            InputNode(Rgb),
            new NodeDefinition("Conv1", OpKind.Conv, new[] { 0 }, new TensorShape(16, 6, 6), KernelWindow.Square(3), parameters: new[] { weight }),
        };
        var error = Assert.Throws<ArgumentException>(() => new NetworkDefinition("Net", Rgb, nodes));
        Assert.Contains("has weight Conv1.Weight of shape [16, 4, 3, 3]; its input 3x8x8 needs [16, 3, 3, 3]", error.Message);
    }

    [Fact]
    public void Reading_a_later_node_is_refused()
    {
        var nodes = new[]
        {
            InputNode(Rgb),
            new NodeDefinition("A", OpKind.Relu, new[] { 2 }, Rgb),
            new NodeDefinition("B", OpKind.Relu, new[] { 0 }, Rgb),
        };
        var error = Assert.Throws<ArgumentException>(() => new NetworkDefinition("Net", Rgb, nodes));
        Assert.Contains("node A (Relu) (node 1) reads node 2, which does not come before it", error.Message);
    }

    [Fact]
    public void Structural_mistakes_are_refused_with_the_node_named()
    {
        void Refused(string expected, params NodeDefinition[] nodes)
        {
            var error = Assert.Throws<ArgumentException>(() => new NetworkDefinition("Net", Rgb, nodes));
            Assert.Contains(expected, error.Message);
        }

        Refused("node 0 must be the input node", new NodeDefinition("A", OpKind.Relu, new[] { 0 }, Rgb));
        Refused("has shape 3x8x9 but the network input is 3x8x8", InputNode(new TensorShape(3, 8, 9)));
        Refused("two nodes are named A", InputNode(Rgb), new NodeDefinition("A", OpKind.Relu, new[] { 0 }, Rgb), new NodeDefinition("A", OpKind.Relu, new[] { 1 }, Rgb));
        Refused("is an input node at position 1", InputNode(Rgb), new NodeDefinition("Input2", OpKind.Input, Array.Empty<int>(), Rgb));
        Refused("joins inputs of different sizes (3x8x8, 3x4x4)", InputNode(Rgb),
            new NodeDefinition("Pool", OpKind.MaxPool, new[] { 0 }, new TensorShape(3, 4, 4), KernelWindow.Square(2, stride: 2)),
            new NodeDefinition("Cat", OpKind.Concat, new[] { 0, 1 }, new TensorShape(6, 8, 8)));
        Refused("adds inputs of different shapes", InputNode(Rgb),
            new NodeDefinition("Pool", OpKind.MaxPool, new[] { 0 }, new TensorShape(3, 4, 4), KernelWindow.Square(2, stride: 2)),
            new NodeDefinition("Sum", OpKind.Add, new[] { 0, 1 }, Rgb));
        Refused("scales 3x8x8 by 3x8x8; the scale must be 3x1x1", InputNode(Rgb),
            new NodeDefinition("Scale", OpKind.ChannelScale, new[] { 0, 0 }, Rgb));
        Refused("parameters Conv1.Weight [4, 3, 1, 1] @0 and Conv1.Bias [4] @10 overlap", InputNode(Rgb),
            new NodeDefinition("Conv1", OpKind.Conv, new[] { 0 }, new TensorShape(4, 8, 8), KernelWindow.Square(1),
                parameters: new[] { Parameter("Conv1.Weight", 0, 4, 3, 1, 1), Parameter("Conv1.Bias", 10, 4) }));
        Refused("has 2 groups, which do not divide its 3 input and 4 output channels", InputNode(Rgb),
            new NodeDefinition("Conv1", OpKind.Conv, new[] { 0 }, new TensorShape(4, 8, 8), KernelWindow.Square(1), groups: 2,
                parameters: new[] { Parameter("Conv1.Weight", 0, 4, 1, 1, 1) }));
        var tiny = new TensorShape(3, 2, 2);
        var tooBig = Assert.Throws<ArgumentException>(() => new NetworkDefinition("Net", tiny, new[]
        {
            InputNode(tiny),
            new NodeDefinition("Pool", OpKind.MaxPool, new[] { 0 }, new TensorShape(3, 1, 1), KernelWindow.Square(3)),
        }));
        Assert.Contains("node Pool (MaxPool) has window 3x3, which does not fit its input 3x2x2", tooBig.Message);
    }

    [Fact]
    public void Nodes_check_their_own_settings()
    {
        void Refused(string expected, Func<NodeDefinition> make) =>
            Assert.Contains(expected, Assert.Throws<ArgumentException>(make).Message);

        Refused("has 2 inputs; a Relu node takes 1", () => new NodeDefinition("A", OpKind.Relu, new[] { 0, 0 }, Rgb));
        Refused("a Add node takes at least 2", () => new NodeDefinition("A", OpKind.Add, new[] { 0 }, Rgb));
        Refused("has 0 parameters; a Conv node takes a weight and an optional bias", () => new NodeDefinition("A", OpKind.Conv, new[] { 0 }, Rgb, KernelWindow.Square(1)));
        Refused("has 1 parameters; a BatchNorm node takes 4", () => new NodeDefinition("A", OpKind.BatchNorm, new[] { 0 }, Rgb, parameters: new[] { Parameter("A.Gamma", 0, 3) }, epsilon: 1e-5));
        Refused("kernel, stride and dilation must be at least 1", () => new NodeDefinition("A", OpKind.MaxPool, new[] { 0 }, Rgb));
        Refused("pooling padding must be smaller than the window", () => new NodeDefinition("A", OpKind.MaxPool, new[] { 0 }, Rgb, KernelWindow.Square(2, padding: 2)));
        Refused("ceil mode applies to pooling only", () => new NodeDefinition("A", OpKind.Conv, new[] { 0 }, Rgb, KernelWindow.Square(1, ceilMode: true),
            parameters: new[] { Parameter("A.Weight", 0, 3, 3, 1, 1) }));
        Refused("has a window but a Relu node has none", () => new NodeDefinition("A", OpKind.Relu, new[] { 0 }, Rgb, KernelWindow.Square(1)));
        Refused("has epsilon 0; it must be positive", () => new NodeDefinition("A", OpKind.BatchNorm, new[] { 0 }, Rgb,
            parameters: Enumerable.Range(0, 4).Select(i => Parameter("A.P" + i, 3 * i, 3)).ToArray()));
        Refused("has rate 1; it must be in [0, 1)", () => new NodeDefinition("A", OpKind.Dropout, new[] { 0 }, Rgb, rate: 1));
        Refused("size must be at least 1 and k positive", () => new NodeDefinition("A", OpKind.Lrn, new[] { 0 }, Rgb, lrnSize: 0, lrnK: 1));
        Refused("has an empty output shape 0x8x8", () => new NodeDefinition("A", OpKind.Relu, new[] { 0 }, new TensorShape(0, 8, 8)));
    }

    [Fact]
    public void Describes_itself_for_logs()
    {
        var b = new NetworkBuilder("Net", Rgb);
        b.Conv("Conv1", b.Input, 4, new KernelWindow(3, 3, 2, 2, 1, 0, 1, 0, 1, 1, false), groups: 1);
        var network = b.Build();
        Assert.Equal("Conv1: Conv 3x3/2 pad 1,0,1,0 -> 4x4x3", network.Nodes[1].ToString());
        Assert.Equal("Net 3x8x8 -> 4x4x3, 2 nodes, 112 parameters", network.ToString());
    }
}

public sealed class DerivedFromDefinitionTests
{
    private static NetworkDefinition Declared() => new("Net", new TensorShape(3, 8, 8), new NodeDefinition[]
    {
        new("Input", OpKind.Input, Array.Empty<int>(), new TensorShape(3, 8, 8)),
        new("Conv1.Conv", OpKind.Conv, new[] { 0 }, new TensorShape(4, 4, 4), KernelWindow.Square(3, stride: 2, padding: 1),
            parameters: new ParameterInfo[] { new("Conv1.Weight", 4, 3, 3, 3) }),
        new("Conv1.BatchNorm", OpKind.BatchNorm, new[] { 1 }, new TensorShape(4, 4, 4), epsilon: 1e-5,
            parameters: new ParameterInfo[] { new("Conv1.BatchNorm.Gamma", 4), new("Conv1.BatchNorm.Beta", 4), new("Conv1.BatchNorm.RunningMean", 4), new("Conv1.BatchNorm.RunningVar", 4) }),
        new("Conv1", OpKind.Relu, new[] { 2 }, new TensorShape(4, 4, 4)),
        new("Fc", OpKind.Dense, new[] { 3 }, new TensorShape(2, 1, 1), parameters: new ParameterInfo[] { new("Fc.Weight", 2, 64), new("Fc.Bias", 2) }),
    });

    [Fact]
    public void Declared_parameters_are_placed_in_graph_order_and_marked_by_role()
    {
        var network = Declared();
        Assert.Equal(new[] { 0, 108, 112, 116, 120, 124, 252 }, network.Parameters.Select(p => p.Offset));
        Assert.Equal(new[] { true, true, true, false, false, true, true }, network.Parameters.Select(p => p.Trainable));
        Assert.Equal(254, network.ParameterLength);
        Assert.Same(network.Parameters[1], network.Nodes[2].Gamma);
        Assert.Equal(-1, new ParameterInfo("Loose.Weight", 2, 2).Offset);
    }

    [Fact]
    public void Macs_layers_and_the_summary_derive_from_the_table()
    {
        var network = Declared();
        // Conv: 4x4x4 outputs x 3x3x3 taps; Dense: 64 features x 2 units.
        Assert.Equal(new long[] { 0, 1728, 0, 0, 128 }, Enumerable.Range(0, 5).Select(network.MacsOf));
        Assert.Equal(1856, network.Macs);

        var layer = new Layer(network, "Conv1", firstNode: 1, outputNode: 3);
        Assert.Equal(new TensorShape(4, 4, 4), layer.OutputShape);
        Assert.Equal(new[] { "Conv1.Weight", "Conv1.BatchNorm.Gamma", "Conv1.BatchNorm.Beta", "Conv1.BatchNorm.RunningMean", "Conv1.BatchNorm.RunningVar" }, layer.Parameters.Select(p => p.Name));
        Assert.Equal(1728, layer.Macs);
        Assert.Throws<NotSupportedException>(() => ((System.Collections.Generic.IList<ParameterInfo>)layer.Parameters)[0] = layer.Parameters[1]);

        var summary = new NetworkSummary(network);
        Assert.Equal(new[] { "Input", "Conv 3x3/2 pad 1", "BatchNorm", "Relu", "Dense" }, summary.Rows.Select(r => r.Operation));
        Assert.Equal(108 + 8 + 130, summary.TotalParameters);
        Assert.Contains("Non-trainable state:  8\n", summary.ToString());
        Assert.StartsWith("Layer            Operation         Output  Params   MACs\n", summary.ToString());
    }

    [Fact]
    public void A_declared_weight_of_the_wrong_shape_is_refused_by_the_shared_rule()
    {
        var error = Assert.Throws<ArgumentException>(() => new NetworkDefinition("Net", new TensorShape(3, 8, 8), new NodeDefinition[]
        {
            new("Input", OpKind.Input, Array.Empty<int>(), new TensorShape(3, 8, 8)),
            new("Fc", OpKind.Dense, new[] { 0 }, new TensorShape(2, 1, 1), parameters: new ParameterInfo[] { new("Fc.Weight", 2, 100) }),
        }));
        Assert.Contains("has weight Fc.Weight of shape [2, 100]; its input 3x8x8 (192 features) needs [2, 192]", error.Message);
    }
}
