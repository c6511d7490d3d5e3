using System.Linq;
using System.Threading;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Spec;
using ConvForge.Compiler.Tests.Helpers;

namespace ConvForge.Compiler.Tests;

/// <summary>CF0010-CF0014, CF0017-CF0019: references, names, arguments and modules.</summary>
public class DeclarationDiagnosticTests
{
    private static NetworkBuilder Net() => Specs.Network("N", 3, 16, 16);

    [Fact]
    public void CF0010_unknown_reference_with_a_suggestion()
    {
        var result = Net().Layer("Conv1", Op.Conv(8)).Layer("Conv2", Op.Conv(8, from: "conv1")).Layer("Conv3", Op.Conv(8, @in: 99)).Compile();
        var diagnostic = result.Only("CF0010");
        Assert.Equal("Conv2: there is no layer named 'conv1' (did you mean Conv1?)", diagnostic.Message);
        Assert.Equal(new Site(1, 0, "From"), diagnostic.Site);
    }

    [Fact]
    public void CF0010_in_join_inputs()
    {
        var diagnostic = Net().Layer("A", Op.Conv(8)).Layer("Cat", Op.Concat("A", "Missing")).Compile().Only("CF0010");
        Assert.Equal("Cat: there is no layer named 'Missing'", diagnostic.Message);
        Assert.Equal(new Site(1, 0, "Inputs"), diagnostic.Site);
    }

    [Fact]
    public void CF0011_reading_a_layer_declared_later()
    {
        var diagnostic = Net()
            .Layer("A", Op.Conv(8, from: "B"))
            .Layer("B", Op.Conv(8, from: "Input"))
            .Compile().Only("CF0011");
        Assert.Equal("A reads B, which is declared after it; layers run in declaration order, so declare B above A", diagnostic.Message);
        Assert.Equal(new Site(0, 0, "From"), diagnostic.Site);
    }

    [Fact]
    public void CF0012_self_reference()
    {
        var diagnostic = Net().Layer("A", Op.Conv(8)).Layer("B", Op.Conv(8), Op.Add("B")).Compile().Only("CF0012");
        Assert.Equal("B reads its own layer B", diagnostic.Message);
        Assert.Equal(new Site(1, 1, "Inputs"), diagnostic.Site);
    }

    [Fact]
    public void CF0012_cycle_through_the_implicit_previous_layer()
    {
        var diagnostic = Net()
            .Layer("A", Op.Conv(8, from: "C"))
            .Layer("B", Op.Relu())
            .Layer("C", Op.Relu())
            .Compile().Only("CF0012");
        Assert.Equal("A reads C, which depends on A: A -> C -> B -> A is a cycle", diagnostic.Message);
        Assert.Equal(new Site(0, 0, "From"), diagnostic.Site);
    }

    [Fact]
    public void CF0013_a_layer_named_Input()
    {
        var diagnostic = Net().Layer("Input", Op.Conv(8)).Compile().Only("CF0013");
        Assert.Equal("A layer cannot be named Input: the name refers to the network's input (Layers.Input)", diagnostic.Message);
        Assert.Equal(new Site(0, -1, null), diagnostic.Site);
    }

    [Fact]
    public void CF0013_duplicate_layer_names()
    {
        var diagnostic = Net().Layer("A", Op.Conv(8)).Layer("A", Op.Relu()).Compile().Only("CF0013");
        Assert.Equal("Two layers are named A (layers 1 and 2)", diagnostic.Message);
        Assert.Equal(new Site(1, -1, null), diagnostic.Site);
    }

    [Fact]
    public void CF0013_generated_node_names_colliding()
    {
        var diagnostic = Specs.Network("N", 8, 8, 8)
            .Layer("X", Op.Conv(8), Op.Conv(8), Op.BasicBlock(8))
            .Compile().Only("CF0013");
        Assert.Equal("Two nodes of X would be named X.Conv2; split its attributes over two layers", diagnostic.Message);
        Assert.Equal(new Site(0, 2, null), diagnostic.Site);
    }

    [Theory]
    [InlineData("Kernel", 0, "Conv1: Kernel must be at least 1, got 0")]
    [InlineData("Kernel", -3, "Conv1: Kernel must be at least 1, got -3")]
    [InlineData("Stride", 0, "Conv1: Stride must be at least 1, got 0")]
    [InlineData("Padding", -1, "Conv1: Padding cannot be negative, got -1")]
    [InlineData("Dilation", 0, "Conv1: Dilation must be at least 1, got 0")]
    [InlineData("Groups", 0, "Conv1: Groups must be at least 1, got 0")]
    [InlineData("In", 0, "Conv1: In must be at least 1, got 0")]
    public void CF0014_sizes_out_of_range(string argument, int value, string message)
    {
        var diagnostic = Net().Layer("Conv1", Op.Conv(8).With(argument, value)).Compile().Only("CF0014");
        Assert.Equal(message, diagnostic.Message);
        Assert.Equal(new Site(0, 0, argument), diagnostic.Site);
    }

    [Theory]
    [InlineData(0, 16, 16, "Channels", "[Network] Channels must be at least 1, got 0")]
    [InlineData(3, 0, 16, "Height", "[Network] Height must be at least 1, got 0")]
    [InlineData(3, 16, -2, "Width", "[Network] Width must be at least 1, got -2")]
    [InlineData(null, 16, 16, "Channels", "[Network] needs the input's Channels, e.g. [Network(Channels = 3, Height = 224, Width = 224)]")]
    [InlineData(3, null, 16, "Height", "[Network] needs the input's Height, e.g. [Network(Channels = 3, Height = 224, Width = 224)]")]
    public void CF0014_network_input_out_of_range_is_not_missing(int? channels, int? height, int? width, string argument, string message)
    {
        var diagnostic = Specs.Network("N", channels, height, width).Layer("Conv1", Op.Conv(8)).Compile().Only("CF0014");
        Assert.Equal(message, diagnostic.Message);
        Assert.Equal(Site.NetworkArgument(argument), diagnostic.Site);
    }

    [Fact]
    public void CF0014_missing_required_arguments()
    {
        var conv = Net().Layer("Conv1", Op.Conv(kernel: 3)).Compile().Only("CF0014");
        Assert.Equal("Conv1: Conv needs its Channels, e.g. Conv(64, Kernel = 3)", conv.Message);
        Assert.Equal(new Site(0, 0, "Channels"), conv.Site);

        var pool = Net().Layer("Pool", Op.MaxPool(null, stride: 2)).Compile().Only("CF0014");
        Assert.Equal("Pool: MaxPool needs its window size, e.g. MaxPool(2)", pool.Message);
        Assert.Equal(new Site(0, 0, "Kernel"), pool.Site);

        var dense = Net().Layer("Fc", Op.Dense()).Compile().Only("CF0014");
        Assert.Equal(new Site(0, 0, "Units"), dense.Site);

        var concat = Net().Layer("Cat", Op.Concat()).Compile().Only("CF0014");
        Assert.Equal(new Site(0, 0, "Inputs"), concat.Site);

        var module = Net().Layer("M", Op.Raw("Module")).Compile().Only("CF0014");
        Assert.Equal("M: Module needs the module class, e.g. Module(typeof(MyBlock))", module.Message);

        var fire = Net().Layer("F", Op.Raw("Fire", new ArgSpec("Squeeze", ArgValue.Int(16), true))).Compile();
        Assert.Equal(new[] { "Expand1x1", "Expand3x3" }, fire.Diagnostics.Select(d => d.Site.Argument).ToArray());
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void CF0014_dropout_rate_outside_zero_to_one(double rate)
    {
        var diagnostic = Net().Layer("Drop", Op.Dropout(rate)).Compile().Only("CF0014");
        Assert.Equal(new Site(0, 0, "Rate"), diagnostic.Site);
        Assert.StartsWith("Drop: ", diagnostic.Message);
    }

    [Fact]
    public void CF0014_scalars()
    {
        Assert.Equal("Bn: Epsilon must be positive, got 0", Net().Layer("Bn", Op.BatchNorm(0)).Compile().Only("CF0014").Message);
        Assert.Equal(new Site(0, 0, "K"), Net().Layer("Norm", Op.Lrn(k: 0)).Compile().Only("CF0014").Site);
        Assert.Equal(new Site(0, 0, "Alpha"), Net().Layer("Norm", Op.Lrn(alpha: -1)).Compile().Only("CF0014").Site);
        Assert.Equal(new Site(0, 0, "Slope"), Net().Layer("L", Op.LeakyRelu(double.PositiveInfinity)).Compile().Only("CF0014").Site);
    }

    [Fact]
    public void CF0014_wrong_kinds_unknown_arguments_and_unknown_layers()
    {
        var wrongKind = Net().Layer("Conv1", Op.Conv(8).With("Kernel", "abc")).Compile().Only("CF0014");
        Assert.Equal("Conv1: Kernel must be an integer, got \"abc\"", wrongKind.Message);
        Assert.Equal(new Site(0, 0, "Kernel"), wrongKind.Site);

        var unknownArgument = Net().Layer("Conv1", Op.Conv(8).With("CeilMode", true)).Compile().Only("CF0014");
        Assert.Equal("Conv1: Conv has no argument 'CeilMode'", unknownArgument.Message);
        Assert.Equal(new Site(0, 0, "CeilMode"), unknownArgument.Site);

        var unknownKind = Net().Layer("X", Op.Raw("Transformer")).Compile().Only("CF0014");
        Assert.Equal("X: 'Transformer' is not a ConvForge layer", unknownKind.Message);
        Assert.Equal(new Site(0, 0, null), unknownKind.Site);
    }

    [Fact]
    public void CF0014_pool_padding_more_than_half_the_window()
    {
        var diagnostic = Net().Layer("Pool", Op.MaxPool(3, padding: 2)).Compile().Only("CF0014");
        Assert.Equal("Pool: padding 2 is more than half the 3-pixel window, so a window could lie entirely in the padding", diagnostic.Message);
        Assert.Equal(new Site(0, 0, "Padding"), diagnostic.Site);
    }

    [Fact]
    public void CF0014_network_input_and_layer_shape_problems()
    {
        var input = Specs.Network("N", 0, 224, -5).Layer("Conv1", Op.Conv(8)).Compile();
        Assert.Equal(new[] { Site.NetworkArgument("Channels"), Site.NetworkArgument("Width") }, input.Diagnostics.Select(d => d.Site).ToArray());
        Assert.All(input.Diagnostics, d => Assert.Equal("CF0014", d.Id));

        var noAttributes = Net().Layer("Empty").Compile().Only("CF0014");
        Assert.Equal(new Site(0, -1, null), noAttributes.Site);
        Assert.Equal("Empty has no layer attribute", noAttributes.Message);

        var badName = Net().Layer("Not.AName", Op.Relu()).Compile().Only("CF0014");
        Assert.Equal("'Not.AName' is not a valid layer name", badName.Message);
    }

    [Fact]
    public void CF0015_advises_a_bottleneck_for_a_wide_direct_conv_with_an_honest_saving()
    {
        var result = Specs.Network("N", 512, 28, 28).Layer("Conv4", Op.Conv(512, kernel: 3, padding: 1), Op.Relu()).Compile();
        var diagnostic = result.Only("CF0015");
        // 512x28x28x512x9 = 1,849,688,064 MACs; bottleneck 28x28x512x128 + 28x28x128x512x9 = 513,802,240: 3.6x.
        Assert.Equal("Conv4.Conv (3x3, 512\u2192512) costs 1.85 GMACs; a 1x1 bottleneck to 128 channels would cut it about 3.6x", diagnostic.Message);
        Assert.Equal(Severity.Info, diagnostic.Severity);
        Assert.Equal(new Site(0, 0, null), diagnostic.Site);
        Assert.NotNull(result.Graph);
    }

    [Fact]
    public void CF0015_counts_the_reduction_at_the_input_resolution_for_strided_convs()
    {
        // 3x3/2, 256 -> 512, 56x56 in, 28x28 out: 512x28x28x256x9 = 924,844,032 MACs; the bottleneck reduces at 56x56:
        // 56x56x256x64 + 28x28x64x512x9 = 282,591,232, so 3.27x.
        var strided = Specs.Network("N", 256, 56, 56).Layer("Conv", Op.Conv(512, kernel: 3, stride: 2, padding: 1)).Compile().Only("CF0015");
        Assert.Equal("Conv (3x3, 256\u2192512) costs 925 MMACs; a 1x1 bottleneck to 64 channels would cut it about 3.3x", strided.Message);
        // At stride 1: 3,699,376,128 against 56x56x256x64 + 56x56x64x512x9 = 976,224,256, so 3.79x.
        var plain = Specs.Network("N", 256, 56, 56).Layer("Conv", Op.Conv(512, kernel: 3, padding: 1)).Compile().Only("CF0015");
        Assert.Equal("Conv (3x3, 256\u2192512) costs 3.7 GMACs; a 1x1 bottleneck to 64 channels would cut it about 3.8x", plain.Message);
    }

    [Fact]
    public void CF0015_is_quiet_after_a_reduction_inside_modules_for_grouped_narrow_or_cheap_convs()
    {
        Specs.Network("N", 512, 28, 28).Layer("Reduce", Op.Conv(128), Op.BatchNorm(), Op.Relu()).Layer("Conv", Op.Conv(512, kernel: 3, padding: 1)).QuietGraph();
        Specs.Network("N", 512, 28, 28).Layer("Block", Op.BasicBlock(512)).QuietGraph();
        Specs.Network("N", 512, 28, 28).Layer("Conv", Op.Conv(512, kernel: 3, padding: 1, groups: 2)).QuietGraph();
        Specs.Network("N", 96, 56, 56).Layer("Conv", Op.Conv(512, kernel: 3, padding: 1)).QuietGraph();
        Specs.Network("N", 512, 4, 4).Layer("Conv", Op.Conv(512, kernel: 3, padding: 1)).QuietGraph(); // 37.7 MMACs
    }

    [Fact]
    public void CF0017_width_factor_outside_a_module()
    {
        var diagnostic = Net().Layer("Conv1", Op.Conv(widthFactor: 2)).Compile().Only("CF0017");
        Assert.Equal(new Site(0, 0, "WidthFactor"), diagnostic.Site);
        Assert.Equal("Conv1: WidthFactor only applies in a [NetworkModule] class, whose [Module] use gives the Width; give the channels here instead", diagnostic.Message);
    }

    [Fact]
    public void CF0017_unknown_module_type()
    {
        var diagnostic = Net().Layer("Block1", Op.Module("MyApp.Missing")).Compile().Only("CF0017");
        Assert.Equal("Block1: MyApp.Missing is not a [NetworkModule] class of this compilation", diagnostic.Message);
        Assert.Equal(new Site(0, 0, "Module"), diagnostic.Site);
    }

    [Fact]
    public void CF0017_recursive_modules_are_reported_once()
    {
        var a = Specs.Module("MyApp.A").Layer("Conv", Op.Conv(widthFactor: 1)).Layer("Inner", Op.Module("MyApp.B"));
        var b = Specs.Module("MyApp.B").Layer("Back", Op.Module("MyApp.A"));
        var result = Net().With(a).With(b)
            .Layer("Block1", Op.Module("MyApp.A", width: 4))
            .Layer("Block2", Op.Module("MyApp.A", width: 4))
            .Compile();
        var diagnostic = result.Only("CF0017");
        Assert.Equal("Block1.Inner.Back: module A uses itself (A -> B -> A)", diagnostic.Message);
        Assert.Equal(new Site(0, 0, null), diagnostic.Site);
    }

    [Fact]
    public void CF0017_module_without_layers()
    {
        var diagnostic = Net().With(Specs.Module("MyApp.Empty")).Layer("Block1", Op.Module("MyApp.Empty")).Compile().Only("CF0017");
        Assert.Equal("Block1: module Empty has no layers", diagnostic.Message);
    }

    [Fact]
    public void Problems_of_a_module_class_are_reported_once_at_its_first_use_naming_the_inner_layer()
    {
        var module = Specs.Module("MyApp.Broken").Layer("A", Op.Conv(widthFactor: 1, kernel: 0)).Layer("B", Op.Relu(from: "Nope"));
        var result = Net().With(module)
            .Layer("Block1", Op.Module("MyApp.Broken"))
            .Layer("Block2", Op.Module("MyApp.Broken"))
            .Compile();
        Assert.Equal(
            new[]
            {
                ("CF0014", "Broken.A: Kernel must be at least 1, got 0 (in module Broken, used by Block1)"),
                ("CF0010", "Broken.B: there is no layer named 'Nope' in module Broken (in module Broken, used by Block1)"),
            },
            result.Diagnostics.Select(d => (d.Id, d.Message)).ToArray());
        Assert.All(result.Diagnostics, d => Assert.Equal(new Site(0, 0, null), d.Site));
    }

    [Fact]
    public void CheckModule_reports_a_module_class_s_problems_at_its_own_layers()
    {
        var module = Specs.Module("MyApp.Broken")
            .Layer("A", Op.Conv(8, widthFactor: 1))
            .Layer("B", Op.Conv(widthFactor: 2, kernel: 3, same: true, padding: 1))
            .Layer("C", Op.Add("Input", "D"))
            .Layer("D", Op.Relu(from: "Input"))
            .Build();
        var diagnostics = NetworkCompiler.CheckModule(module);
        Assert.Equal(
            new[] { ("CF0018", new Site(0, 0, "WidthFactor")), ("CF0018", new Site(1, 0, "Same")), ("CF0011", new Site(2, 0, "Inputs")) },
            diagnostics.Select(d => (d.Id, d.Site)).ToArray());
        Assert.Empty(NetworkCompiler.CheckModule(Specs.Module("MyApp.Fine").Layer("A", Op.Conv(widthFactor: 1)).Build()));
    }

    [Theory]
    [InlineData("Same", "Conv1: Same computes the padding; drop Same or the explicit padding")]
    [InlineData("Groups", "Conv1: Depthwise sets the groups to the input channels; drop Groups or Depthwise")]
    [InlineData("KernelHeight", "Conv1: Kernel sets both axes; drop Kernel or KernelHeight/KernelWidth")]
    [InlineData("StrideWidth", "Conv1: Stride sets both axes; drop Stride or StrideHeight/StrideWidth")]
    [InlineData("PadTop", "Conv1: Padding sets all four sides; drop Padding or PadTop")]
    public void CF0018_conflicting_conv_arguments(string argument, string message)
    {
        var op = argument switch
        {
            "Same" => Op.Conv(8, kernel: 3, same: true, padding: 1),
            "Groups" => Op.Conv(8, kernel: 3, depthwise: true, groups: 2),
            "KernelHeight" => Op.Conv(8, kernel: 3, kernelHeight: 5),
            "StrideWidth" => Op.Conv(8, stride: 2, strideWidth: 1),
            _ => Op.Conv(8, kernel: 3, padding: 1, padTop: 2),
        };
        var diagnostic = Net().Layer("Conv1", op).Compile().Only("CF0018");
        Assert.Equal(message, diagnostic.Message);
        Assert.Equal(new Site(0, 0, argument), diagnostic.Site);
    }

    [Fact]
    public void CF0018_from_on_a_later_attribute_and_on_a_join_of_two()
    {
        var later = Net().Layer("A", Op.Conv(8)).Layer("B", Op.Conv(8), Op.Relu(from: "A")).Compile().Only("CF0018");
        Assert.Equal("B: only the first attribute of a layer may set From; Relu reads the attribute before it", later.Message);
        Assert.Equal(new Site(1, 1, "From"), later.Site);

        var join = Net().Layer("A", Op.Conv(8)).Layer("Cat", Op.Concat("A", "Input").With("From", "A")).Compile().Only("CF0018");
        Assert.Equal(new Site(1, 0, "From"), join.Site);
    }

    [Fact]
    public void CF0018_other_conflicts()
    {
        var fire = Net().Layer("F", Op.Fire(16, 64).With("Expand3x3", 32)).Compile().Only("CF0018");
        Assert.Equal(new Site(0, 0, "Expand3x3"), fire.Site);
        var se = Net().Layer("SE", Op.SqueezeExcite(reduction: 8, squeeze: 4)).Compile().Only("CF0018");
        Assert.Equal(new Site(0, 0, "Squeeze"), se.Site);
        var twice = Net().Layer("Conv1", Op.Conv(8, kernel: 3).With("Kernel", 5)).Compile().Only("CF0018");
        Assert.Equal("Conv1: Kernel is given twice", twice.Message);
    }

    [Fact]
    public void CF0019_a_network_without_layers_is_a_warning_with_an_input_only_graph()
    {
        var result = Specs.Network("N", 3, 8, 8).Compile();
        var diagnostic = result.Only("CF0019");
        Assert.Equal(Severity.Warning, diagnostic.Severity);
        Assert.Equal(Site.Network, diagnostic.Site);
        Assert.NotNull(result.Graph);
        Assert.Single(result.Graph!.Nodes);
        Assert.Same(result.Graph.Input, result.Graph.Output);
    }

    [Fact]
    public void CF0020_written_sizes_over_the_limit()
    {
        var size = Net().Layer("Conv1", Op.Conv((1 << 20) + 1)).Compile().Only("CF0020");
        Assert.Equal("Conv1: Channels = 1,048,577 is over the limit of 1,048,576", size.Message);
        Assert.Equal(new Site(0, 0, "Channels"), size.Site);

        var input = Specs.Network("N", 3, 1 << 21, 8).Layer("R", Op.Relu()).Compile().Only("CF0020");
        Assert.Equal(Site.NetworkArgument("Height"), input.Site);

        var elements = Specs.Network("N", 1 << 20, 1 << 20, 1 << 20).Layer("R", Op.Relu()).Compile().Only("CF0020");
        Assert.Equal(Site.Network, elements.Site);

        var dilation = Net().Layer("Conv1", Op.Conv(8, kernel: 1 << 11, dilation: 1 << 10)).Compile().Only("CF0020");
        Assert.Equal(new Site(0, 0, "Dilation"), dilation.Site);
    }

    [Fact]
    public void CF0020_width_factor_times_width_over_the_limit()
    {
        var module = Specs.Module("MyApp.Wide").Layer("A", Op.Conv(widthFactor: 1 << 10));
        var diagnostic = Net().With(module).Layer("Block1", Op.Module("MyApp.Wide", width: 1 << 12)).Compile().Only("CF0020");
        Assert.Equal(new Site(0, 0, "Width"), diagnostic.Site);
        Assert.Equal("Block1: WidthFactor 1024 times width 4,096 is 4,194,304 channels, over the limit of 1,048,576", diagnostic.Message);
    }

    [Fact]
    public void Diagnostics_come_in_declaration_order()
    {
        var result = Net()
            .Layer("A", Op.Conv(8, from: "Z"))
            .Layer("B", Op.Conv(0))
            .Layer("C", Op.Conv(8, kernel: 99, from: "Input"))
            .Compile();
        Assert.Equal(new[] { 0, 1, 2 }, result.Diagnostics.Select(d => d.Site.LayerIndex).ToArray());
    }

    [Fact]
    public void Compile_honours_cancellation()
    {
        using var source = new CancellationTokenSource();
        source.Cancel();
        Assert.ThrowsAny<System.OperationCanceledException>(() => NetworkCompiler.Compile(ReferenceNetworks.ResNet18().Build(), source.Token));
    }
}
