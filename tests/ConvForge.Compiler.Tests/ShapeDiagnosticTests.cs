using System.Linq;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Tests.Helpers;

namespace ConvForge.Compiler.Tests;

/// <summary>CF0004-CF0009, CF0016, CF0020: shape checks, their sites and messages, and no cascades.</summary>
public class ShapeDiagnosticTests
{
    [Fact]
    public void CF0004_names_the_consumer_and_the_producer_and_shows_concat_parts()
    {
        var result = Specs.Network("N", 64, 55, 55)
            .Layer("Fire2", Op.Fire(16, 64))
            .Layer("Fire3", Op.Fire(16, 64))
            .Layer("Fire4", Op.Fire(32, 128, @in: 256))
            .Layer("Fire5", Op.Fire(32, 128, @in: 256))
            .Compile();
        var diagnostic = result.Only("CF0004");
        Assert.Equal("Fire4.Squeeze expects 256 input channels but Fire3 produces 128 (64 + 64)", diagnostic.Message);
        Assert.Equal(new Site(2, 0, "In"), diagnostic.Site);
        Assert.Equal(Severity.Error, diagnostic.Severity);
        Assert.Null(result.Graph);
    }

    [Fact]
    public void CF0004_on_a_conv_reading_the_network_input()
    {
        var result = Specs.Network("N", 3, 8, 8)
            .Layer("Conv0", Op.Conv(4))
            .Layer("Conv1", Op.Conv(32, @in: 16), Op.Relu())
            .Compile();
        var diagnostic = result.Only("CF0004");
        Assert.Equal("Conv1.Conv expects 16 input channels but Conv0 produces 4", diagnostic.Message);
        Assert.Equal(new Site(1, 0, "In"), diagnostic.Site);

        var first = Specs.Network("N", 3, 8, 8).Layer("Conv1", Op.Conv(32, @in: 1)).Compile().Only("CF0004");
        Assert.Equal("Conv1 expects 1 input channels but the network input has 3", first.Message);
    }

    [Fact]
    public void CF0004_In_that_matches_is_quiet()
        => Specs.Network("N", 3, 8, 8).Layer("Conv1", Op.Conv(8, @in: 3)).Layer("Fc", Op.Dense(10, @in: 8, inFeatures: 512)).QuietGraph();

    [Fact]
    public void CF0004_on_a_module_use_and_inside_a_custom_module()
    {
        var module = Specs.Module("MyApp.Block")
            .Layer("A", Op.Conv(widthFactor: 1, kernel: 1))
            .Layer("B", Op.Conv(widthFactor: 1, kernel: 1, @in: 99));
        var result = Specs.Network("N", 3, 8, 8)
            .With(module)
            .Layer("Block1", Op.Module("MyApp.Block", width: 8, @in: 5))
            .Compile();
        Assert.Equal(2, result.Diagnostics.Count);
        var use = result.Diagnostics[0];
        Assert.Equal(("CF0004", new Site(0, 0, "In"), "Block1 expects 5 input channels but the network input has 3"), (use.Id, use.Site, use.Message));
        var inner = result.Diagnostics[1];
        Assert.Equal(("CF0004", new Site(0, 0, null), "Block1 expects 99 input channels but Block1.A produces 8"), (inner.Id, inner.Site, inner.Message));
    }

    [Fact]
    public void CF0005_names_both_concat_inputs_and_their_sizes()
    {
        var result = Specs.Network("N", 3, 28, 28)
            .Layer("A", Op.Conv(8))
            .Layer("B", Op.Conv(8, kernel: 2, from: "Input"))
            .Layer("Cat", Op.Concat("A", "B"))
            .Layer("After", Op.Conv(4, @in: 16), Op.Relu())
            .Compile();
        var diagnostic = result.Only("CF0005");
        Assert.Equal("Concat Cat: input 2 (B) is 27x27 but input 1 (A) is 28x28; Concat needs inputs of the same height and width", diagnostic.Message);
        Assert.Equal(new Site(2, 0, "Inputs"), diagnostic.Site);
    }

    [Fact]
    public void CF0006_residual_add_suggests_the_projection_and_carries_it_for_the_code_fix()
    {
        var result = Specs.Network("N", 64, 56, 56)
            .Layer("Pool1", Op.Relu())
            .Layer("Main", Op.Conv(256, kernel: 1))
            .Layer("Block2", Op.Add("Pool1"))
            .Compile();
        var diagnostic = result.Only("CF0006");
        Assert.Equal("Add Block2: the main path Main has 256 channels at 56x56 but the shortcut Pool1 has 64 at 56x56; insert a 1x1 projection to 256 channels on the shortcut", diagnostic.Message);
        Assert.Equal(new Site(2, 0, "Inputs"), diagnostic.Site);
        Assert.Equal(
            new[] { new DiagnosticProperty("Input", "Pool1"), new DiagnosticProperty("Channels", "256"), new DiagnosticProperty("Stride", "1") },
            diagnostic.Properties.ToArray());
    }

    [Fact]
    public void CF0006_strided_projection_when_the_main_path_shrank()
    {
        var result = Specs.Network("N", 64, 57, 57)
            .Layer("Main", Op.Conv(128, kernel: 3, stride: 2, padding: 1))
            .Layer("Sum", Op.Add("Main", "Input"))
            .Compile();
        var diagnostic = result.Only("CF0006");
        Assert.Equal("Add Sum: input 2 (the network input) is 64x57x57 but input 1 (Main) is 128x29x29; insert a 1x1 projection with stride 2 to 128 channels on the network input", diagnostic.Message);
        Assert.Contains(new DiagnosticProperty("Input", "Input"), diagnostic.Properties);
        Assert.Contains(new DiagnosticProperty("Stride", "2"), diagnostic.Properties);
    }

    [Fact]
    public void CF0006_without_a_fix_when_the_shortcut_is_smaller()
    {
        var result = Specs.Network("N", 8, 16, 16)
            .Layer("Small", Op.MaxPool(2))
            .Layer("Sum", Op.Add("Input", "Small"))
            .Compile();
        var diagnostic = result.Only("CF0006");
        Assert.Equal("Add Sum: input 2 (Small) is 8x8x8 but input 1 (the network input) is 8x16x16; Add needs inputs of the same shape", diagnostic.Message);
        Assert.Empty(diagnostic.Properties);
    }

    [Fact]
    public void CF0007_kernel_larger_than_the_padded_input()
    {
        var result = Specs.Network("N", 8, 5, 5)
            .Layer("Conv5", Op.Conv(16, kernel: 7))
            .Layer("Next", Op.Conv(4, kernel: 3, @in: 7))
            .Compile();
        var diagnostic = result.Only("CF0007");
        Assert.Equal("Conv5: kernel 7 with padding 0 does not fit the 5x5 input", diagnostic.Message);
        Assert.Equal(new Site(0, 0, "Kernel"), diagnostic.Site);
    }

    [Fact]
    public void CF0007_pool_and_dilated_and_rectangular_kernels()
    {
        var pool = Specs.Network("N", 8, 2, 2).Layer("Pool", Op.MaxPool(3)).Compile().Only("CF0007");
        Assert.Equal("Pool: kernel 3 with padding 0 does not fit the 2x2 input", pool.Message);

        var dilated = Specs.Network("N", 8, 8, 8).Layer("Conv", Op.Conv(4, kernel: 3, dilation: 4)).Compile().Only("CF0007");
        Assert.Equal("Conv: kernel 3 dilated by 4 (spanning 9) with padding 0 does not fit the 8x8 input", dilated.Message);

        var rectangular = Specs.Network("N", 8, 8, 3).Layer("Conv", Op.Conv(4, kernelHeight: 3, kernelWidth: 5, padLeft: 1)).Compile().Only("CF0007");
        Assert.Equal("Conv: kernel 3x5 with padding 0,1,0,0 (top, left, bottom, right) does not fit the 8x3 input", rectangular.Message);
    }

    [Fact]
    public void CF0008_warns_when_floor_mode_skips_the_last_rows_and_still_builds_the_graph()
    {
        var result = Specs.Network("N", 8, 7, 7).Layer("Pool", Op.MaxPool(2)).Compile();
        var diagnostic = result.Only("CF0008");
        Assert.Equal(Severity.Warning, diagnostic.Severity);
        Assert.Equal("Pool: the 2x2/2 window never reads the last row and column of its 7x7 input; set CeilMode = true, pad the input or change the stride", diagnostic.Message);
        Assert.Equal(new Site(0, 0, "Stride"), diagnostic.Site);
        Assert.NotNull(result.Graph);
    }

    [Fact]
    public void CF0008_counts_rows_and_columns_separately()
    {
        var diagnostic = Specs.Network("N", 8, 14, 11).Layer("Conv", Op.Conv(8, kernel: 4, stride: 4)).Compile().Only("CF0008");
        // Height: (14 - 4) % 4 = 2 rows; width: (11 - 4) % 4 = 3 columns.
        Assert.Equal("Conv: the 4x4/4 window never reads the last 2 rows and 3 columns of its 14x11 input; pad the input or change the stride", diagnostic.Message);
    }

    [Theory]
    [InlineData(224, 3, 2, 0, false)] // one column of 224: under 1/64, by design in SqueezeNet and NIN
    [InlineData(8, 3, 2, 1, false)]   // only padding is unread
    [InlineData(8, 1, 2, 0, false)]   // a 1x1/2 projection skips every other pixel by design
    [InlineData(9, 2, 2, 0, true)]
    [InlineData(64, 2, 2, 0, false)]  // even: nothing unread
    [InlineData(63, 2, 2, 0, true)]   // one row of 63 is over 1/64
    public void CF0008_is_reported_only_for_real_pixels_and_more_than_a_sliver(int size, int kernel, int stride, int padding, bool reported)
    {
        var result = Specs.Network("N", 1, size, size).Layer("Conv", Op.Conv(1, kernel: kernel, stride: stride, padding: padding)).Compile();
        Assert.Equal(reported, result.Diagnostics.Any(d => d.Id == "CF0008"));
    }

    [Fact]
    public void CF0008_is_not_reported_in_ceil_mode()
        => Specs.Network("N", 8, 7, 7).Layer("Pool", Op.MaxPool(2, ceilMode: true)).QuietGraph();

    [Fact]
    public void CF0009_dense_in_features_against_the_flattened_input()
    {
        var result = Specs.Network("N", 256, 13, 13)
            .Layer("Pool5", Op.MaxPool(3, stride: 2))
            .Layer("Fc", Op.Dense(4096, inFeatures: 4096))
            .Layer("Fc2", Op.Dense(10, inFeatures: 4096))
            .Compile();
        var diagnostic = result.Only("CF0009");
        Assert.Equal("Fc expects 4096 input features but Pool5 produces 9216 (256x6x6)", diagnostic.Message);
        Assert.Equal(new Site(1, 0, "InFeatures"), diagnostic.Site);
    }

    [Fact]
    public void CF0016_groups_must_divide_input_and_output_channels()
    {
        var input = Specs.Network("N", 32, 8, 8).Layer("Conv1", Op.Conv(66, groups: 3)).Compile().Only("CF0016");
        Assert.Equal("Conv1: 3 groups do not divide the 32 input channels (the network input has 32)", input.Message);
        Assert.Equal(new Site(0, 0, "Groups"), input.Site);

        var output = Specs.Network("N", 32, 8, 8).Layer("Conv1", Op.Conv(10, groups: 4)).Compile().Only("CF0016");
        Assert.Equal("Conv1: 4 groups do not divide the 10 output channels", output.Message);
        Assert.Equal(new Site(0, 0, "Groups"), output.Site);

        var depthwise = Specs.Network("N", 16, 8, 8).Layer("Dw", Op.Conv(24, kernel: 3, depthwise: true)).Compile().Only("CF0016");
        Assert.Equal("Dw: a depthwise convolution's output channels must be a multiple of its input channels, but 24 is not a multiple of 16", depthwise.Message);
        Assert.Equal(new Site(0, 0, "Channels"), depthwise.Site);
    }

    [Fact]
    public void CF0020_outputs_weights_and_totals_beyond_int()
    {
        var output = Specs.Network("N", 3, 1024, 1024).Layer("Wide", Op.Conv(4096)).Compile().Only("CF0020");
        Assert.Equal("Wide: the output 4096x1024x1024 has more than 2,147,483,647 elements", output.Message);
        Assert.Equal(new Site(0, 0, null), output.Site);

        var weight = Specs.Network("N", 4096, 1, 1).Layer("Fc", Op.Dense(1 << 20)).Compile().Only("CF0020");
        Assert.Equal("Fc: the 1048576x4096 weight has more than 2,147,483,647 elements", weight.Message);

        var totals = Specs.Network("N", 32768, 1, 1)
            .Layer("Fc1", Op.Dense(32768))
            .Layer("Fc2", Op.Dense(32768))
            .Layer("Fc3", Op.Dense(32768))
            .Compile().Only("CF0020");
        Assert.Equal(Site.Network, totals.Site);
        Assert.StartsWith("N has 3,221,323,776 parameters", totals.Message);
    }

    [Fact]
    public void CF0020_node_budget()
    {
        var widths = Enumerable.Repeat(1, 60_000).ToArray();
        var result = Specs.Network("N", 1, 1, 1).Layer("Huge", Op.MlpConv(1, widths)).Compile();
        var diagnostic = result.Only("CF0020");
        Assert.Equal("N expands into more than 100,000 nodes", diagnostic.Message);
        Assert.Null(result.Graph);
    }

    [Fact]
    public void One_root_cause_gives_one_diagnostic_and_independent_branches_are_still_checked()
    {
        var result = Specs.Network("N", 8, 5, 5)
            .Layer("Bad", Op.Conv(16, kernel: 7))
            .Layer("Follow1", Op.Conv(16, @in: 3), Op.Relu())
            .Layer("Follow2", Op.Fire(4, 8, @in: 5))
            .Layer("Cat", Op.Concat("Follow2", "Input"))
            .Layer("Other", Op.Conv(4, @in: 9, from: "Input"))
            .Compile();
        Assert.Equal(new[] { "CF0007", "CF0004" }, result.Diagnostics.Select(d => d.Id).ToArray());
        Assert.Equal(new Site(4, 0, "In"), result.Diagnostics[1].Site);
    }

    [Fact]
    public void Shape_errors_inside_a_custom_module_are_reported_at_the_use_naming_the_inner_node_for_each_use()
    {
        var module = Specs.Module("MyApp.Block")
            .Layer("A", Op.Conv(widthFactor: 1, kernel: 5))
            .Layer("B", Op.Relu());
        var result = Specs.Network("N", 3, 3, 3)
            .With(module)
            .Layer("Block1", Op.Module("MyApp.Block", width: 4))
            .Layer("Fine", Op.Conv(4, kernel: 1, from: "Input"))
            .Layer("Block2", Op.Module("MyApp.Block", width: 8, from: "Input"))
            .Compile();
        Assert.Equal(
            new[]
            {
                (new Site(0, 0, null), "Block1.A: kernel 5 with padding 0 does not fit the 3x3 input"),
                (new Site(2, 0, null), "Block2.A: kernel 5 with padding 0 does not fit the 3x3 input"),
            },
            result.Diagnostics.Select(d => (d.Site, d.Message)).ToArray());
    }
}
