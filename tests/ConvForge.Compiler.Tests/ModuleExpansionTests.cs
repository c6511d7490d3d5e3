using System.Linq;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Tests.Helpers;

namespace ConvForge.Compiler.Tests;

/// <summary>Stage 2: built-in and custom modules expand into primitive nodes with stable names.</summary>
public class ModuleExpansionTests
{
    private static string[] NamesOf(NetworkGraph graph, string layer)
        => graph.Nodes.Where(n => n.Layer == layer).Select(n => n.Name).ToArray();

    [Fact]
    public void Fire_expands_to_squeeze_two_expands_and_a_concat()
    {
        var graph = Specs.Network("N", 64, 55, 55).Layer("Fire2", Op.Fire(16, 64)).QuietGraph();
        Assert.Equal(
            new[] { "Fire2.Squeeze", "Fire2.SqueezeRelu", "Fire2.Expand1x1", "Fire2.Expand1x1Relu", "Fire2.Expand3x3", "Fire2.Expand3x3Relu", "Fire2" },
            NamesOf(graph, "Fire2"));
        var fire = graph.Node("Fire2");
        Assert.Equal(OpKind.Concat, fire.Kind);
        Assert.Equal(new Shape(128, 55, 55), fire.Output);
        Assert.Equal(new[] { graph.Node("Fire2.Expand1x1Relu").Index, graph.Node("Fire2.Expand3x3Relu").Index }, fire.Inputs.ToArray());
        Assert.Equal(new[] { 16, 64, 1, 1 }, graph.Parameter("Fire2.Squeeze.Weight").Dims());
        Assert.Equal(new[] { 64, 16, 1, 1 }, graph.Parameter("Fire2.Expand1x1.Weight").Dims());
        Assert.Equal(new[] { 64, 16, 3, 3 }, graph.Parameter("Fire2.Expand3x3.Weight").Dims());
        Assert.Equal(new[] { 64 }, graph.Parameter("Fire2.Expand3x3.Bias").Dims());
        // torchvision's squeezenet1_1 features[3]: 11,408 parameters.
        Assert.Equal(11_408, graph.TrainableParameterCount);
    }

    [Fact]
    public void Fire_with_different_expand_widths()
    {
        var graph = Specs.Network("N", 32, 8, 8).Layer("F", Op.Fire(8, 16, 48)).QuietGraph();
        Assert.Equal(new Shape(64, 8, 8), graph.OutputOf("F"));
    }

    [Fact]
    public void Inception_expands_four_branches_concatenated_in_table_order()
    {
        var graph = Specs.Network("N", 192, 28, 28).Layer("Inception3a", Op.Inception(64, 96, 128, 16, 32, 32)).QuietGraph();
        Assert.Equal(
            new[]
            {
                "Inception3a.Branch1x1", "Inception3a.Branch1x1Relu", "Inception3a.Reduce3x3", "Inception3a.Reduce3x3Relu",
                "Inception3a.Conv3x3", "Inception3a.Conv3x3Relu", "Inception3a.Reduce5x5", "Inception3a.Reduce5x5Relu",
                "Inception3a.Conv5x5", "Inception3a.Conv5x5Relu", "Inception3a.Pool", "Inception3a.PoolProjection",
                "Inception3a.PoolProjectionRelu", "Inception3a",
            },
            NamesOf(graph, "Inception3a"));
        var concat = graph.Node("Inception3a");
        Assert.Equal(new Shape(256, 28, 28), concat.Output);
        Assert.Equal(
            new[] { "Inception3a.Branch1x1Relu", "Inception3a.Conv3x3Relu", "Inception3a.Conv5x5Relu", "Inception3a.PoolProjectionRelu" },
            concat.Inputs.Select(i => graph.Nodes[i].Name).ToArray());
        Assert.Equal("MaxPool 3x3 pad 1", graph.Node("Inception3a.Pool").Describe());
        Assert.Equal("Conv 5x5 pad 2", graph.Node("Inception3a.Conv5x5").Describe());
    }

    [Fact]
    public void MlpConv_is_a_spatial_conv_then_one_by_ones_with_the_last_relu_named_after_the_layer()
    {
        var graph = Specs.Network("N", 3, 224, 224).Layer("Nin1", Op.MlpConv(96, new[] { 96, 48 }, kernel: 11, stride: 4)).QuietGraph();
        Assert.Equal(
            new[] { "Nin1.Conv", "Nin1.ConvRelu", "Nin1.Mlp1", "Nin1.Mlp1Relu", "Nin1.Mlp2", "Nin1" },
            NamesOf(graph, "Nin1"));
        Assert.Equal(new Shape(48, 54, 54), graph.OutputOf("Nin1"));
        Assert.Equal(OpKind.Relu, graph.Node("Nin1").Kind);
        Assert.Equal(new[] { 48, 96, 1, 1 }, graph.Parameter("Nin1.Mlp2.Weight").Dims());
    }

    [Fact]
    public void MlpConv_without_mlp_widths_uses_two_of_its_channels()
    {
        var graph = Specs.Network("N", 3, 8, 8).Layer("Nin1", Op.MlpConv(16, kernel: 3, padding: 1)).QuietGraph();
        Assert.Equal(new[] { 16, 16, 1, 1 }, graph.Parameter("Nin1.Mlp1.Weight").Dims());
        Assert.Equal(new[] { 16, 16, 1, 1 }, graph.Parameter("Nin1.Mlp2.Weight").Dims());
        Assert.Equal(new Shape(16, 8, 8), graph.OutputOf("Nin1"));
    }

    [Fact]
    public void BasicBlock_with_the_same_channels_and_stride_one_has_an_identity_shortcut()
    {
        var graph = Specs.Network("N", 64, 56, 56).Layer("Block", Op.BasicBlock(64)).QuietGraph();
        Assert.Equal(
            new[] { "Block.Conv1", "Block.Bn1", "Block.Relu1", "Block.Conv2", "Block.Bn2", "Block.Add", "Block" },
            NamesOf(graph, "Block"));
        Assert.Equal(new[] { graph.Node("Block.Bn2").Index, 0 }, graph.Node("Block.Add").Inputs.ToArray());
        Assert.False(graph.Node("Block.Conv1").HasBias);
        Assert.Equal(2 * 64 * 64 * 9 + 2 * 2 * 64, graph.TrainableParameterCount);
        Assert.Equal(4 * 64, graph.NonTrainableParameterCount);
    }

    [Fact]
    public void BasicBlock_projects_the_shortcut_when_stride_or_channels_change()
    {
        var graph = Specs.Network("N", 64, 56, 56).Layer("Block", Op.BasicBlock(128, stride: 2)).QuietGraph();
        Assert.Equal(
            new[] { "Block.Conv1", "Block.Bn1", "Block.Relu1", "Block.Conv2", "Block.Bn2", "Block.Downsample.Conv", "Block.Downsample.Bn", "Block.Add", "Block" },
            NamesOf(graph, "Block"));
        Assert.Equal("Conv 1x1/2", graph.Node("Block.Downsample.Conv").Describe());
        Assert.Equal(new[] { 128, 64, 1, 1 }, graph.Parameter("Block.Downsample.Conv.Weight").Dims());
        Assert.Equal(new Shape(128, 28, 28), graph.OutputOf("Block"));

        var widened = Specs.Network("N", 64, 8, 8).Layer("Block", Op.BasicBlock(96)).QuietGraph();
        Assert.Equal("Conv 1x1", widened.Node("Block.Downsample.Conv").Describe());
    }

    [Fact]
    public void Bottleneck_is_v1_5_with_the_stride_on_the_three_by_three()
    {
        var graph = Specs.Network("N", 256, 56, 56).Layer("Block", Op.Bottleneck(128, stride: 2)).QuietGraph();
        Assert.Equal(
            new[]
            {
                "Block.Conv1", "Block.Bn1", "Block.Relu1", "Block.Conv2", "Block.Bn2", "Block.Relu2", "Block.Conv3", "Block.Bn3",
                "Block.Downsample.Conv", "Block.Downsample.Bn", "Block.Add", "Block",
            },
            NamesOf(graph, "Block"));
        Assert.Equal("Conv 1x1", graph.Node("Block.Conv1").Describe());
        Assert.Equal("Conv 3x3/2 pad 1", graph.Node("Block.Conv2").Describe());
        Assert.Equal(new Shape(512, 28, 28), graph.OutputOf("Block"));
    }

    [Fact]
    public void Bottleneck_expansion_sets_the_output_width_and_identity_needs_matching_channels()
    {
        var identity = Specs.Network("N", 128, 8, 8).Layer("Block", Op.Bottleneck(64, expansion: 2)).QuietGraph();
        Assert.Null(identity.FindNode("Block.Downsample.Conv"));
        Assert.Equal(new Shape(128, 8, 8), identity.OutputOf("Block"));
    }

    [Fact]
    public void SqueezeExcite_gates_each_channel_of_its_input()
    {
        var graph = Specs.Network("N", 64, 8, 8).Layer("SE1", Op.SqueezeExcite()).QuietGraph();
        Assert.Equal(
            new[] { "SE1.Pool", "SE1.Reduce", "SE1.ReduceRelu", "SE1.Expand", "SE1.Gate", "SE1" },
            NamesOf(graph, "SE1"));
        var scale = graph.Node("SE1");
        Assert.Equal(OpKind.ChannelScale, scale.Kind);
        Assert.Equal(new[] { 0, graph.Node("SE1.Gate").Index }, scale.Inputs.ToArray());
        Assert.Equal(new Shape(64, 8, 8), scale.Output);
        Assert.Equal(new Shape(64, 1, 1), graph.Node("SE1.Gate").Output);
        Assert.Equal(new[] { 4, 64, 1, 1 }, graph.Parameter("SE1.Reduce.Weight").Dims()); // 64 / 16
        Assert.Equal(new[] { 64, 4, 1, 1 }, graph.Parameter("SE1.Expand.Weight").Dims());
    }

    [Theory]
    [InlineData(64, null, null, 4)]
    [InlineData(64, 4, null, 16)]
    [InlineData(64, null, 3, 3)]
    [InlineData(8, null, null, 1)] // 8 / 16 rounds to 0: at least 1
    public void SqueezeExcite_width_is_squeeze_or_channels_over_reduction_at_least_one(int channels, int? reduction, int? squeeze, int expected)
    {
        var graph = Specs.Network("N", channels, 4, 4).Layer("SE", Op.SqueezeExcite(reduction, squeeze)).QuietGraph();
        Assert.Equal(new[] { expected, channels, 1, 1 }, graph.Parameter("SE.Reduce.Weight").Dims());
    }

    [Fact]
    public void A_module_as_a_middle_attribute_is_named_after_its_kind()
    {
        var graph = Specs.Network("N", 64, 8, 8).Layer("F", Op.Fire(16, 64), Op.Dropout()).QuietGraph();
        Assert.Equal(
            new[] { "F.Fire.Squeeze", "F.Fire.SqueezeRelu", "F.Fire.Expand1x1", "F.Fire.Expand1x1Relu", "F.Fire.Expand3x3", "F.Fire.Expand3x3Relu", "F.Fire", "F" },
            NamesOf(graph, "F"));
        Assert.Equal(OpKind.Dropout, graph.Node("F").Kind);
    }

    private static ModuleBuilder ResidualModule() => Specs.Module("MyApp.Residual")
        .Layer("Conv1", Op.Conv(widthFactor: 1, kernel: 3, padding: 1), Op.Relu())
        .Layer("Conv2", Op.Conv(widthFactor: 1, kernel: 3, padding: 1, bias: false))
        .Layer("Sum", Op.Add("Input"))
        .Layer("Out", Op.Relu());

    [Fact]
    public void Custom_module_layers_become_prefixed_nodes_and_its_output_takes_the_use_name()
    {
        var graph = Specs.Network("N", 16, 8, 8)
            .With(ResidualModule())
            .Layer("Stem", Op.Conv(16, kernel: 1))
            .Layer("Block1", Op.Module("MyApp.Residual", width: 16))
            .QuietGraph();
        Assert.Equal(new[] { "Block1.Conv1.Conv", "Block1.Conv1", "Block1.Conv2", "Block1.Sum", "Block1" }, NamesOf(graph, "Block1"));
        // Layers.Input inside a module is the module's input.
        Assert.Equal(new[] { graph.Node("Block1.Conv2").Index, graph.Node("Stem").Index }, graph.Node("Block1.Sum").Inputs.ToArray());
        // Parameter names follow the inner properties' names.
        Assert.Equal(new[] { 16, 16, 3, 3 }, graph.Parameter("Block1.Conv1.Weight").Dims());
        Assert.Equal(new[] { 16, 16, 3, 3 }, graph.Parameter("Block1.Conv2.Weight").Dims());
        Assert.DoesNotContain(graph.Parameters, p => p.Name == "Block1.Conv2.Bias");
        var layer = graph.LayerOutputs.Single(l => l.Name == "Block1");
        Assert.Equal(graph.Node("Block1").Index, layer.OutputNode);
        Assert.Equal(graph.Node("Block1.Conv1.Conv").Index, layer.FirstNode);
        // Every inner node reports at the [Module] attribute.
        Assert.All(graph.Nodes.Where(n => n.Layer == "Block1"), n => Assert.Equal(Site.Op(1, 0), n.Site));
    }

    [Fact]
    public void Custom_module_width_factor_scales_with_each_use()
    {
        var module = Specs.Module("MyApp.Wide")
            .Layer("A", Op.Conv(widthFactor: 2, kernel: 3, padding: 1))
            .Layer("B", Op.Dense(widthFactor: 3));
        var graph = Specs.Network("N", 3, 4, 4)
            .With(module)
            .Layer("Small", Op.Module("MyApp.Wide"))
            .Layer("Big", Op.Module("MyApp.Wide", width: 10, from: "Input"))
            .QuietGraph();
        Assert.Equal(new[] { 2, 3, 3, 3 }, graph.Parameter("Small.A.Weight").Dims()); // Width defaults to 1
        Assert.Equal(new Shape(3, 1, 1), graph.OutputOf("Small"));
        Assert.Equal(new[] { 20, 3, 3, 3 }, graph.Parameter("Big.A.Weight").Dims());
        Assert.Equal(new Shape(30, 1, 1), graph.OutputOf("Big"));
    }

    [Fact]
    public void Nested_modules_expand_recursively_and_width_factor_on_a_module_scales_the_inner_width()
    {
        var inner = Specs.Module("MyApp.Inner").Layer("Conv", Op.Conv(widthFactor: 1, kernel: 1));
        var outer = Specs.Module("MyApp.Outer")
            .Layer("First", Op.Module("MyApp.Inner"))
            .Layer("Second", Op.Module("MyApp.Inner", widthFactor: 2))
            .Layer("Last", Op.Fire(4, 8));
        var graph = Specs.Network("N", 3, 4, 4)
            .With(inner).With(outer)
            .Layer("Stage", Op.Module("MyApp.Outer", width: 8))
            .QuietGraph();
        Assert.Equal(new[] { 1, 3, 1, 1 }, graph.Parameter("Stage.First.Conv.Weight").Dims());
        Assert.Equal(new[] { 16, 1, 1, 1 }, graph.Parameter("Stage.Second.Conv.Weight").Dims());
        Assert.Equal(
            new[] { "Stage.First", "Stage.Second", "Stage.Last.Squeeze", "Stage.Last.SqueezeRelu", "Stage.Last.Expand1x1", "Stage.Last.Expand1x1Relu", "Stage.Last.Expand3x3", "Stage.Last.Expand3x3Relu", "Stage" },
            NamesOf(graph, "Stage"));
        Assert.Equal(new Shape(16, 4, 4), graph.OutputOf("Stage"));
    }

    [Fact]
    public void Module_internals_are_marked_and_named_after_the_using_property()
    {
        var graph = Specs.Network("N", 64, 8, 8).Layer("Fire2", Op.Fire(16, 64)).QuietGraph();
        Assert.All(graph.Nodes.Skip(1), n => Assert.Equal("Fire2", n.Layer));
        Assert.All(graph.Nodes.Skip(1), n => Assert.Equal(Site.Op(0, 0), n.Site));
    }
}
