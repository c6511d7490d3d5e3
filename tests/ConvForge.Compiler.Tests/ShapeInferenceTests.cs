using System.Linq;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Tests.Helpers;

namespace ConvForge.Compiler.Tests;

/// <summary>Stage 3: output shapes of every primitive layer kind.</summary>
public class ShapeInferenceTests
{
    private static NetworkBuilder Net(int channels, int height, int width) => Specs.Network("N", channels, height, width);

    [Fact]
    public void Conv_without_padding_shrinks_by_kernel_minus_one()
    {
        var graph = Net(3, 32, 32).Layer("Conv1", Op.Conv(16, kernel: 5)).QuietGraph();
        Assert.Equal(new Shape(16, 28, 28), graph.OutputOf("Conv1"));
    }

    [Fact]
    public void Conv_default_kernel_is_one()
    {
        var graph = Net(3, 9, 9).Layer("Conv1", Op.Conv(4)).QuietGraph();
        Assert.Equal(new Shape(4, 9, 9), graph.OutputOf("Conv1"));
        Assert.Equal("1x1", graph.Node("Conv1").Window!.ToString());
    }

    [Theory]
    [InlineData(224, 7, 2, 3, 112)] // ResNet stem
    [InlineData(224, 3, 2, 0, 111)] // SqueezeNet 1.1 conv1
    [InlineData(224, 11, 4, 2, 55)] // AlexNet conv1
    [InlineData(5, 3, 3, 0, 1)]
    public void Conv_output_is_floor_of_padded_span_over_stride_plus_one(int input, int kernel, int stride, int padding, int expected)
    {
        var graph = Net(3, input, input).Layer("Conv1", Op.Conv(8, kernel: kernel, stride: stride, padding: padding)).Graph();
        Assert.Equal(new Shape(8, expected, expected), graph.OutputOf("Conv1"));
    }

    [Fact]
    public void Conv_asymmetric_padding_applies_per_side()
    {
        var graph = Net(2, 10, 10).Layer("Conv1", Op.Conv(8, kernel: 3, padTop: 1, padBottom: 0, padLeft: 2, padRight: 0)).QuietGraph();
        var node = graph.Node("Conv1");
        Assert.Equal(new Shape(8, 9, 10), node.Output);
        Assert.Equal(new Window(3, 3, 1, 1, 1, 2, 0, 0, 1, 1, false), node.Window);
    }

    [Fact]
    public void Conv_rectangular_kernel_and_stride_per_axis()
    {
        var graph = Net(1, 20, 20).Layer("Conv1", Op.Conv(4, kernelHeight: 5, kernelWidth: 1, strideHeight: 1, strideWidth: 2)).QuietGraph();
        Assert.Equal(new Shape(4, 16, 10), graph.OutputOf("Conv1"));
        Assert.Equal(new[] { 4, 1, 5, 1 }, graph.Parameter("Conv1.Weight").Dims());
    }

    [Fact]
    public void Same_padding_with_stride_two_on_odd_and_even_sizes_puts_the_odd_pixel_at_the_end()
    {
        // Height 8: out 4, total pad (4-1)*2+3-8 = 1 -> 0 above, 1 below. Width 7: out 4, total 2 -> 1, 1.
        var graph = Net(3, 8, 7).Layer("Conv1", Op.Conv(6, kernel: 3, stride: 2, same: true)).QuietGraph();
        var node = graph.Node("Conv1");
        Assert.Equal(new Shape(6, 4, 4), node.Output);
        Assert.Equal(0, node.Window!.PadTop);
        Assert.Equal(1, node.Window.PadBottom);
        Assert.Equal(1, node.Window.PadLeft);
        Assert.Equal(1, node.Window.PadRight);
    }

    [Theory]
    [InlineData(7, 1, 1, 7)]
    [InlineData(7, 3, 2, 4)]
    [InlineData(9, 5, 3, 3)]
    [InlineData(1, 7, 2, 1)]
    public void Same_padding_output_is_ceil_of_input_over_stride(int input, int kernel, int stride, int expected)
    {
        var graph = Net(1, input, input).Layer("Conv1", Op.Conv(2, kernel: kernel, stride: stride, same: true)).QuietGraph();
        Assert.Equal(expected, graph.OutputOf("Conv1").Height);
    }

    [Fact]
    public void Same_padding_accounts_for_dilation()
    {
        // kernel 3 dilated by 2 spans 5: stride 1 needs 4 pixels of padding, 2 per side.
        var graph = Net(1, 10, 10).Layer("Conv1", Op.Conv(2, kernel: 3, dilation: 2, same: true)).QuietGraph();
        Assert.Equal(new Shape(2, 10, 10), graph.OutputOf("Conv1"));
        Assert.Equal(2, graph.Node("Conv1").Window!.PadTop);
    }

    [Theory]
    [InlineData(32, 3, 2, 2, 32)] // effective kernel 5 with pad 2 keeps the size
    [InlineData(10, 3, 4, 0, 2)]  // effective kernel 9
    [InlineData(9, 3, 4, 0, 1)]
    public void Dilation_widens_the_kernel_span(int input, int kernel, int dilation, int padding, int expected)
    {
        var graph = Net(1, input, input).Layer("Conv1", Op.Conv(2, kernel: kernel, dilation: dilation, padding: padding)).Graph();
        var node = graph.Node("Conv1");
        Assert.Equal(expected, node.Output.Height);
        Assert.Equal(dilation, node.Window!.DilationHeight);
        // The weights and the cost do not grow with dilation.
        Assert.Equal(new[] { 2, 1, kernel, kernel }, graph.Parameter("Conv1.Weight").Dims());
        Assert.Equal(2L * expected * expected * kernel * kernel, node.Macs);
    }

    [Fact]
    public void Grouped_conv_weights_see_input_channels_per_group()
    {
        var graph = Net(32, 8, 8).Layer("Conv1", Op.Conv(64, kernel: 3, padding: 1, groups: 4)).QuietGraph();
        var node = graph.Node("Conv1");
        Assert.Equal(4, node.Groups);
        Assert.Equal(new[] { 64, 8, 3, 3 }, graph.Parameter("Conv1.Weight").Dims());
        Assert.Equal(64L * 8 * 8 * 8 * 9, node.Macs);
        Assert.Equal("Conv 3x3 pad 1 g4", node.Describe());
    }

    [Fact]
    public void Depthwise_conv_has_one_group_per_input_channel_and_keeps_channels_by_default()
    {
        var graph = Net(32, 8, 8).Layer("Dw", Op.Conv(kernel: 3, padding: 1, depthwise: true)).QuietGraph();
        var node = graph.Node("Dw");
        Assert.Equal(new Shape(32, 8, 8), node.Output);
        Assert.Equal(32, node.Groups);
        Assert.Equal(new[] { 32, 1, 3, 3 }, graph.Parameter("Dw.Weight").Dims());
        Assert.Equal(32L * 8 * 8 * 9, node.Macs);
    }

    [Fact]
    public void Depthwise_conv_with_a_channel_multiplier()
    {
        var graph = Net(16, 8, 8).Layer("Dw", Op.Conv(32, kernel: 3, stride: 2, padding: 1, depthwise: true)).QuietGraph();
        Assert.Equal(new Shape(32, 4, 4), graph.OutputOf("Dw"));
        Assert.Equal(new[] { 32, 1, 3, 3 }, graph.Parameter("Dw.Weight").Dims());
    }

    [Fact]
    public void Conv1x1_is_a_one_by_one_conv_with_stride()
    {
        var graph = Net(64, 56, 56).Layer("Proj", Op.Conv1x1(128, stride: 2, bias: false)).Graph();
        var node = graph.Node("Proj");
        Assert.Equal(OpKind.Conv, node.Kind);
        Assert.Equal(new Shape(128, 28, 28), node.Output);
        Assert.False(node.HasBias);
        Assert.Equal("Conv 1x1/2", node.Describe());
    }

    [Fact]
    public void Dense_flattens_its_input()
    {
        var graph = Net(16, 4, 4).Layer("Fc", Op.Dense(10)).QuietGraph();
        var node = graph.Node("Fc");
        Assert.Equal(new Shape(10, 1, 1), node.Output);
        Assert.Equal(new[] { 10, 256 }, graph.Parameter("Fc.Weight").Dims());
        Assert.Equal(new[] { 10 }, graph.Parameter("Fc.Bias").Dims());
        Assert.Equal(2560, node.Macs);
    }

    [Theory]
    [InlineData(false, 112, 2, 2, 0, 56)]
    [InlineData(false, 7, 2, 2, 0, 3)]
    [InlineData(true, 7, 2, 2, 0, 4)]
    [InlineData(true, 111, 3, 2, 0, 55)] // SqueezeNet: ceil(108/2)+1 = 55; the last window starts at 108 < 111
    [InlineData(true, 55, 3, 2, 0, 27)]
    [InlineData(true, 13, 3, 2, 0, 6)]
    [InlineData(false, 112, 3, 2, 1, 56)] // ResNet stem pool
    public void MaxPool_output_size(bool ceilMode, int input, int kernel, int stride, int padding, int expected)
    {
        var graph = Net(8, input, input).Layer("Pool", Op.MaxPool(kernel, stride: stride, padding: padding, ceilMode: ceilMode)).Graph();
        Assert.Equal(new Shape(8, expected, expected), graph.OutputOf("Pool"));
    }

    [Fact]
    public void Ceil_mode_drops_a_last_window_that_would_start_in_the_padding()
    {
        // 3 + 1 + 1 - 2 = 3; ceil(3/2) + 1 = 3 windows, but the third starts at 4 >= 3 + 1 (in the right padding): 2 remain.
        var ceil = Net(1, 3, 3).Layer("Pool", Op.MaxPool(2, stride: 2, padding: 1, ceilMode: true)).QuietGraph();
        Assert.Equal(new Shape(1, 2, 2), ceil.OutputOf("Pool"));
        // Same case in floor mode: floor(3/2) + 1 = 2.
        var floor = Net(1, 3, 3).Layer("Pool", Op.MaxPool(2, stride: 2, padding: 1)).Graph();
        Assert.Equal(new Shape(1, 2, 2), floor.OutputOf("Pool"));
        // And a case where ceil adds a window the rule keeps: 5 - 2 = 3 -> ceil(3/2)+1 = 3, starts at 4 < 5.
        var kept = Net(1, 5, 5).Layer("Pool", Op.MaxPool(2, stride: 2, ceilMode: true)).QuietGraph();
        Assert.Equal(new Shape(1, 3, 3), kept.OutputOf("Pool"));
    }

    [Fact]
    public void Pool_stride_defaults_to_the_kernel_per_axis()
    {
        var graph = Net(4, 12, 12).Layer("Pool", Op.MaxPool(3, kernelWidth: 2)).QuietGraph();
        var node = graph.Node("Pool");
        Assert.Equal(new Shape(4, 4, 6), node.Output);
        Assert.Equal(3, node.Window!.StrideHeight);
        Assert.Equal(2, node.Window.StrideWidth);
    }

    [Fact]
    public void AvgPool_counts_padding_by_default_and_can_exclude_it()
    {
        var including = Net(4, 8, 8).Layer("Pool", Op.AvgPool(3, stride: 1, padding: 1)).QuietGraph();
        Assert.True(including.Node("Pool").CountIncludePad);
        Assert.Equal(new Shape(4, 8, 8), including.OutputOf("Pool"));
        var excluding = Net(4, 8, 8).Layer("Pool", Op.AvgPool(3, stride: 1, padding: 1, countIncludePad: false)).QuietGraph();
        Assert.False(excluding.Node("Pool").CountIncludePad);
    }

    [Fact]
    public void Global_pools_reduce_to_one_pixel()
    {
        var graph = Net(512, 7, 7)
            .Layer("Avg", Op.GlobalAvgPool())
            .Layer("Max", Op.GlobalMaxPool(from: "Input"))
            .QuietGraph();
        Assert.Equal(new Shape(512, 1, 1), graph.OutputOf("Avg"));
        Assert.Equal(new Shape(512, 1, 1), graph.OutputOf("Max"));
    }

    [Fact]
    public void Flatten_makes_channels_of_every_element()
    {
        var graph = Net(256, 6, 6).Layer("Flat", Op.Flatten()).QuietGraph();
        Assert.Equal(new Shape(9216, 1, 1), graph.OutputOf("Flat"));
    }

    [Fact]
    public void Shape_keeping_layers_keep_the_shape_and_carry_their_settings()
    {
        var graph = Net(8, 5, 5)
            .Layer("Bn", Op.BatchNorm(epsilon: 1e-3))
            .Layer("Leaky", Op.LeakyRelu(0.2))
            .Layer("R6", Op.Relu6())
            .Layer("Sig", Op.Sigmoid())
            .Layer("Drop", Op.Dropout(0.25))
            .Layer("Norm", Op.Lrn(size: 3, alpha: 2e-4, beta: 0.5, k: 2))
            .Layer("Soft", Op.Softmax())
            .Layer("R", Op.Relu())
            .QuietGraph();
        foreach (var name in new[] { "Bn", "Leaky", "R6", "Sig", "Drop", "Norm", "Soft", "R" })
            Assert.Equal(new Shape(8, 5, 5), graph.OutputOf(name));
        Assert.Equal(1e-3, graph.Node("Bn").Scalar);
        Assert.Equal(0.2, graph.Node("Leaky").Scalar);
        Assert.Equal(0.25, graph.Node("Drop").Scalar);
        var lrn = graph.Node("Norm");
        Assert.Equal((3, 2e-4, 0.5, 2.0), (lrn.Size, lrn.Scalar, lrn.Scalar2, lrn.Scalar3));
        Assert.Equal("Lrn 3", lrn.Describe());
    }

    [Fact]
    public void Defaults_of_the_attribute_classes_apply_when_arguments_are_absent()
    {
        var graph = Net(8, 5, 5)
            .Layer("Conv", Op.Conv(4))
            .Layer("Bn", Op.BatchNorm())
            .Layer("Leaky", Op.LeakyRelu())
            .Layer("Drop", Op.Dropout())
            .Layer("Norm", Op.Lrn())
            .Layer("Pool", Op.AvgPool(1))
            .Layer("Fc", Op.Dense(3))
            .QuietGraph();
        Assert.True(graph.Node("Conv").HasBias);
        Assert.True(graph.Node("Fc").HasBias);
        Assert.Equal(1e-5, graph.Node("Bn").Scalar);
        Assert.Equal(0.01, graph.Node("Leaky").Scalar);
        Assert.Equal(0.5, graph.Node("Drop").Scalar);
        var lrn = graph.Node("Norm");
        Assert.Equal((5, 1e-4, 0.75, 1.0), (lrn.Size, lrn.Scalar, lrn.Scalar2, lrn.Scalar3));
        Assert.True(graph.Node("Pool").CountIncludePad);
    }

    [Fact]
    public void Concat_sums_channels()
    {
        var graph = Net(3, 16, 16)
            .Layer("A", Op.Conv(8, kernel: 3, padding: 1))
            .Layer("B", Op.Conv(24, kernel: 1, from: "Input"))
            .Layer("Cat", Op.Concat("A", "B", "Input"))
            .QuietGraph();
        var node = graph.Node("Cat");
        Assert.Equal(new Shape(35, 16, 16), node.Output);
        Assert.Equal(new[] { graph.Node("A").Index, graph.Node("B").Index, 0 }, node.Inputs.ToArray());
    }

    [Fact]
    public void Join_with_one_name_reads_the_previous_layer_first()
    {
        var graph = Net(8, 4, 4)
            .Layer("A", Op.Conv(8, kernel: 3, padding: 1))
            .Layer("B", Op.Relu())
            .Layer("Sum", Op.Add("A"))
            .QuietGraph();
        var sum = graph.Node("Sum");
        Assert.Equal(new[] { graph.Node("B").Index, graph.Node("A").Index }, sum.Inputs.ToArray());
        Assert.Equal(new Shape(8, 4, 4), sum.Output);
    }

    [Fact]
    public void From_makes_a_layer_read_another_layer_or_the_input()
    {
        var graph = Net(3, 8, 8)
            .Layer("A", Op.Conv(4))
            .Layer("B", Op.Conv(5, from: "Input"))
            .Layer("C", Op.Conv(6, from: "A"))
            .QuietGraph();
        Assert.Equal(new[] { 0 }, graph.Node("B").Inputs.ToArray());
        Assert.Equal(new[] { graph.Node("A").Index }, graph.Node("C").Inputs.ToArray());
        Assert.Equal(new[] { 6, 4, 1, 1 }, graph.Parameter("C.Weight").Dims());
    }

    [Fact]
    public void Nodes_are_in_topological_order_with_the_input_first()
    {
        var graph = ReferenceNetworks.ResNet18().QuietGraph();
        Assert.Equal("Input", graph.Input.Name);
        Assert.Equal(OpKind.Input, graph.Input.Kind);
        Assert.Equal(new Shape(3, 224, 224), graph.Input.Output);
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            Assert.Equal(i, graph.Nodes[i].Index);
            foreach (var input in graph.Nodes[i].Inputs)
                Assert.True(input < i);
        }
        Assert.Equal("Fc", graph.Output.Name);
    }
}
