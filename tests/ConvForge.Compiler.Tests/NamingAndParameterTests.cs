using System.Linq;
using ConvForge.Compiler.Tests.Helpers;

namespace ConvForge.Compiler.Tests;

/// <summary>Node names, parameter names and shapes, trainable counts and MACs.</summary>
public class NamingAndParameterTests
{
    [Fact]
    public void Several_attributes_name_their_nodes_by_kind_and_the_last_after_the_property()
    {
        var graph = Specs.Network("N", 3, 8, 8).Layer("Conv1", Op.Conv(64, kernel: 3, padding: 1), Op.BatchNorm(), Op.Relu()).QuietGraph();
        Assert.Equal(new[] { "Input", "Conv1.Conv", "Conv1.BatchNorm", "Conv1" }, graph.Nodes.Select(n => n.Name).ToArray());
        // The first parameterised attribute names its parameters after the property; later ones add their kind.
        Assert.Equal(
            new[] { "Conv1.Weight", "Conv1.Bias", "Conv1.BatchNorm.Gamma", "Conv1.BatchNorm.Beta", "Conv1.BatchNorm.RunningMean", "Conv1.BatchNorm.RunningVar" },
            graph.Parameters.Select(p => p.Name).ToArray());
        Assert.Equal(new[] { true, true, true, true, false, false }, graph.Parameters.Select(p => p.Trainable).ToArray());
    }

    [Fact]
    public void A_single_parameterised_attribute_names_its_parameters_after_the_property()
    {
        var graph = Specs.Network("N", 3, 8, 8)
            .Layer("Conv1", Op.Conv(16, kernel: 3), Op.Relu())
            .Layer("Fc", Op.Flatten(), Op.Dense(10), Op.Softmax())
            .Layer("Bn", Op.BatchNorm(from: "Conv1"), Op.Relu())
            .QuietGraph();
        Assert.Equal(new[] { "Input", "Conv1.Conv", "Conv1", "Fc.Flatten", "Fc.Dense", "Fc", "Bn.BatchNorm", "Bn" }, graph.Nodes.Select(n => n.Name).ToArray());
        Assert.Equal(
            new[] { "Conv1.Weight", "Conv1.Bias", "Fc.Weight", "Fc.Bias", "Bn.Gamma", "Bn.Beta", "Bn.RunningMean", "Bn.RunningVar" },
            graph.Parameters.Select(p => p.Name).ToArray());
    }

    [Fact]
    public void A_repeated_kind_is_numbered()
    {
        var graph = Specs.Network("N", 3, 8, 8)
            .Layer("X", Op.Conv(4), Op.Relu(), Op.Conv(4), Op.Relu(), Op.Conv(4), Op.Relu())
            .QuietGraph();
        Assert.Equal(new[] { "Input", "X.Conv", "X.Relu", "X.Conv2", "X.Relu2", "X.Conv3", "X" }, graph.Nodes.Select(n => n.Name).ToArray());
        Assert.Contains(graph.Parameters, p => p.Name == "X.Conv3.Weight");
    }

    [Fact]
    public void Layer_outputs_span_each_property_s_nodes()
    {
        var graph = Specs.Network("N", 3, 8, 8)
            .Layer("A", Op.Conv(4), Op.Relu())
            .Layer("B", Op.MaxPool(2))
            .QuietGraph();
        Assert.Equal(2, graph.LayerOutputs.Count);
        Assert.Equal(("A", 1, 2), (graph.LayerOutputs[0].Name, graph.LayerOutputs[0].FirstNode, graph.LayerOutputs[0].OutputNode));
        Assert.Equal(("B", 3, 3), (graph.LayerOutputs[1].Name, graph.LayerOutputs[1].FirstNode, graph.LayerOutputs[1].OutputNode));
    }

    [Fact]
    public void Conv_parameters_and_cost()
    {
        var graph = Specs.Network("N", 3, 224, 224).Layer("Conv1", Op.Conv(64, kernel: 7, stride: 2, padding: 3, bias: false)).QuietGraph();
        var conv = graph.Node("Conv1");
        Assert.Equal(new[] { 64, 3, 7, 7 }, graph.Parameter("Conv1.Weight").Dims());
        Assert.DoesNotContain(graph.Parameters, p => p.Name == "Conv1.Bias");
        Assert.Equal(9_408, conv.TrainableParameterCount);
        // outC * outH * outW * inC * kh * kw = 64 * 112 * 112 * 3 * 49
        Assert.Equal(118_013_952, conv.Macs);
    }

    [Fact]
    public void Only_convolutions_and_dense_layers_cost_macs()
    {
        var graph = Specs.Network("N", 8, 8, 8)
            .Layer("Conv", Op.Conv(8, kernel: 3, padding: 1))
            .Layer("Bn", Op.BatchNorm())
            .Layer("Pool", Op.MaxPool(2))
            .Layer("Avg", Op.AvgPool(2))
            .Layer("Gap", Op.GlobalAvgPool())
            .Layer("Fc", Op.Dense(5))
            .QuietGraph();
        Assert.Equal(8L * 8 * 8 * 8 * 9, graph.Node("Conv").Macs);
        Assert.Equal(40, graph.Node("Fc").Macs);
        Assert.Equal(8L * 8 * 8 * 8 * 9 + 40, graph.Macs);
        Assert.All(new[] { "Bn", "Pool", "Avg", "Gap" }, n => Assert.Equal(0, graph.Node(n).Macs));
    }

    [Fact]
    public void Activation_bytes_count_every_node_output_in_fp32()
    {
        var graph = Specs.Network("N", 2, 4, 4).Layer("R", Op.Relu()).QuietGraph();
        Assert.Equal(2 * (2 * 4 * 4 * 4), graph.ActivationBytes);
    }

    [Fact]
    public void Compile_results_are_equatable_for_incremental_caching()
    {
        var a = ReferenceNetworks.SqueezeNet11().Compile();
        var b = ReferenceNetworks.SqueezeNet11().Compile();
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        var c = ReferenceNetworks.SqueezeNet11().Layer("Extra", Op.Relu()).Compile();
        Assert.NotEqual(a, c);
    }
}
