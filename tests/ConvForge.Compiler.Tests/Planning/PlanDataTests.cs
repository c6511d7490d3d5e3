using System.Linq;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Planning;
using ConvForge.Compiler.Tests.Helpers;

namespace ConvForge.Compiler.Tests.Planning;

/// <summary>The plan as data: shape structs and their names, the packed-weight layout, the parameter layout, identifiers.</summary>
public class PlanDataTests
{
    /// <summary>The shape struct of the kernel that computes <paramref name="node"/> (not of a layout conversion of its value).</summary>
    private static KernelShape ShapeOf(ExecutionPlan plan, string node, int argument = 0)
        => plan.Shapes[plan.Steps.Single(s => s.Node.Name == node && s.Kind is not (StepKind.ToBlocked or StepKind.ToPlain or StepKind.Copy)).Shapes[argument]];

    [Fact]
    public void ResNet50_convolutions_of_the_same_geometry_share_one_struct_named_by_it()
    {
        var plan = Planner.Plan(ReferenceNetworks.ResNet50().QuietGraph());
        var a = ShapeOf(plan, "Layer1a.Conv3");
        var b = ShapeOf(plan, "Layer1b.Conv3");
        Assert.Same(a, b);
        Assert.Equal("Conv1x1S1_64To256_56x56", a.Name);
        Assert.Equal(new[] { "Layer1a.Conv3", "Layer1b.Conv3", "Layer1c.Conv3" }, a.Users.Where(u => u.EndsWith(".Conv3")).ToArray());

        Assert.Equal("Conv7x7S2P3_3To64_224x224", ShapeOf(plan, "Conv1.Conv").Name);
        Assert.Equal("MaxPool3x3S2P1_64_112x112", ShapeOf(plan, "Pool1").Name);
        Assert.Equal("Conv3x3S1P1_64To64_56x56", ShapeOf(plan, "Layer1b.Conv2").Name);
        Assert.Equal("Conv1x1S2_256To512_56x56", ShapeOf(plan, "Layer2a.Downsample.Conv").Name);
        Assert.Equal("Dense_2048x1x1To1000", ShapeOf(plan, "Fc").Name);

        // Every kernel call of the same geometry uses one struct, and no two structs have the same members.
        Assert.Equal(plan.Shapes.Count, plan.Shapes.Select(s => s.Kind + string.Join(",", s.Members.Select(m => m.Value))).Distinct().Count());
        Assert.Equal(plan.Shapes.Count, plan.Shapes.Select(s => s.Name).Distinct().Count());
        Assert.Equal(53, plan.Steps.Count(s => s.Kind is StepKind.Conv or StepKind.ConvFromPlain));
        Assert.Equal(23, plan.Shapes.Count(s => s.Kind == ShapeKind.Conv));
    }

    [Fact]
    public void ResNet18_basic_blocks_of_a_stage_share_their_3x3_struct()
    {
        var plan = Planner.Plan(ReferenceNetworks.ResNet18().QuietGraph());
        var names = plan.Steps.Where(s => s.Node.Name.StartsWith("Layer1")).Select(s => plan.Shapes[s.Shapes[0]].Name).Distinct().ToArray();
        Assert.Equal(new[] { "Conv3x3S1P1_64To64_56x56" }, names);
        Assert.Equal("Conv3x3S2P1_64To128_56x56", ShapeOf(plan, "Layer2a.Conv1").Name);
        Assert.Equal("Conv3x3S1P1_128To128_28x28", ShapeOf(plan, "Layer2a.Conv2").Name);
    }

    [Fact]
    public void Shape_names_tell_depthwise_grouped_dilated_and_pooling_variants_apart()
    {
        var graph = Specs.Network("N", 32, 16, 16)
            .Layer("Dw", Op.Conv(32, kernel: 3, padding: 1, groups: 32))
            .Layer("Grouped", Op.Conv(64, kernel: 3, padding: 1, groups: 4))
            .Layer("Dilated", Op.Conv(64, kernel: 3, padding: 2, dilation: 2))
            .Layer("Tall", Op.Conv(64, kernelHeight: 7, kernelWidth: 1, padTop: 3, padLeft: 0))
            .Layer("Ceil", Op.MaxPool(3, stride: 2, ceilMode: true))
            .Layer("Avg", Op.AvgPool(3, stride: 1, padding: 1, countIncludePad: false))
            .QuietGraph();
        var plan = Planner.Plan(graph);
        Assert.Equal("DwConv3x3S1P1_32_16x16", ShapeOf(plan, "Dw").Name);
        Assert.Equal("Conv3x3S1P1G4_32To64_16x16", ShapeOf(plan, "Grouped").Name);
        Assert.Equal("Conv3x3S1P2D2_64To64_16x16", ShapeOf(plan, "Dilated").Name);
        Assert.Equal("Conv7x1S1P3x0_64To64_16x16", ShapeOf(plan, "Tall").Name);
        Assert.Equal("MaxPool3x3S2Ceil_64_13x16", ShapeOf(plan, "Ceil").Name);
        Assert.Equal("AvgPool3x3S1P1ExcludePad_64_6x8", ShapeOf(plan, "Avg").Name);
    }

    [Fact]
    public void Two_geometries_the_rule_names_alike_get_a_deterministic_suffix()
    {
        // Same kernel, stride, top and left padding, channels and input; B leaves out the bottom and right padding, so
        // its output is a row and a column smaller (and it drops the input's last row and column, hence Graph()).
        var graph = Specs.Network("N", 16, 9, 9)
            .Layer("A", Op.Conv(16, kernel: 3, stride: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1))
            .Layer("PoolA", Op.GlobalAvgPool())
            .Layer("B", Op.Conv(16, kernel: 3, stride: 2, padTop: 1, padLeft: 1, padBottom: 0, padRight: 0, from: "Input"))
            .Layer("PoolB", Op.GlobalAvgPool())
            .Layer("Sum", Op.Add("PoolA"))
            .Graph();
        var plan = Planner.Plan(graph);
        Assert.Equal("Conv3x3S2P1_16To16_9x9", ShapeOf(plan, "A").Name);
        Assert.Equal("Conv3x3S2P1_16To16_9x9_2", ShapeOf(plan, "B").Name);
        Assert.Equal(4, ShapeOf(plan, "B").Members.Single(m => m.Name == "OutHeight").Value);
    }

    [Fact]
    public void The_packed_layout_has_weights_and_bias_per_layer_and_a_scale_and_shift_per_standalone_batch_norm()
    {
        var graph = Specs.Network("N", 3, 8, 8)
            .Layer("Conv1", Op.Conv(16, kernel: 3, bias: false), Op.BatchNorm(), Op.Relu())
            .Layer("Conv2", Op.Conv(20, kernel: 1), Op.Relu())
            .Layer("Bn", Op.BatchNorm())
            .Layer("Head", Op.Flatten(), Op.Dense(10))
            .QuietGraph();
        var plan = Planner.Plan(graph);
        var items = plan.Packed.Select(p => (p.Identifier, p.Kind, p.Shape < 0 ? "" : plan.Shapes[p.Shape].Name, p.Channels)).ToArray();
        Assert.Equal(new[]
        {
            ("Conv1ConvWeights", PackedKind.ConvNchwWeights, "Conv3x3S1_3To16_8x8", 0),
            ("Conv1ConvBias", PackedKind.Channels, "", 16),
            ("Conv2ConvWeights", PackedKind.ConvWeights, "Conv1x1S1_16To20_6x6", 0),
            ("Conv2ConvBias", PackedKind.Channels, "", 20),
            ("BnScale", PackedKind.Channels, "", 20),
            ("BnShift", PackedKind.Channels, "", 20),
            ("HeadWeights", PackedKind.DenseWeights, "Dense_20x6x6To10", 0),
            ("HeadBias", PackedKind.Channels, "", 10),
        }.Select(i => i.ToString()), items.Select(i => i.ToString()));

        var fold = plan.Packing[0];
        Assert.Equal(PackKind.ConvNchw, fold.Kind);
        Assert.Equal("Conv1.BatchNorm", fold.FoldedBatchNorm);
        Assert.Equal(0, fold.WeightParameter);
        Assert.Equal(-1, fold.BiasParameter);
        Assert.Equal(16 * 3 * 3 * 3, fold.BatchNormParameter);
        var conv2 = plan.Packing[1];
        Assert.Equal((16 * 3 * 3 * 3 + 4 * 16, 16 * 3 * 3 * 3 + 4 * 16 + 20 * 16, -1), (conv2.WeightParameter, conv2.BiasParameter, conv2.BatchNormParameter));
        Assert.Equal(PackKind.BatchNorm, plan.Packing.Single(p => p.Node == "Bn").Kind);
        // Folding Conv1 needs its weights and bias; the standalone BatchNorm its scale and shift.
        Assert.Equal(16 * 3 * 3 * 3 + 16, plan.ScratchLength);
    }

    [Fact]
    public void The_parameter_layout_places_every_tensor_contiguously_in_graph_order()
    {
        var graph = ReferenceNetworks.ResNet18().QuietGraph();
        var layout = Planner.Plan(graph).Parameters;
        long offset = 0;
        foreach (var parameter in layout.Parameters)
        {
            Assert.Equal(offset, parameter.Offset);
            offset += parameter.Definition.Length;
        }
        Assert.Equal(offset, layout.Length);
        Assert.Equal(graph.Parameters.Select(p => p.Name), layout.Parameters.Select(p => p.Definition.Name));
        var conv1 = graph.FindNode("Conv1.Conv")!;
        Assert.Equal(0, layout.OffsetOf(conv1.Index, 0));
        var bn = graph.FindNode("Conv1.BatchNorm")!;
        Assert.Equal(64 * 3 * 7 * 7, layout.OffsetOf(bn.Index, 0));
        Assert.Equal(64 * 3 * 7 * 7 + 64, layout.OffsetOf(bn.Index, 1));
    }

    [Fact]
    public void Identifiers_are_unique_and_never_a_name_the_forward_pass_keeps_for_itself()
    {
        foreach (var name in new[] { "ResNet18", "ResNet50", "SqueezeNet11", "GoogLeNetTo3a", "Nin" })
        {
            var plan = Planner.Plan(PlannerTests.Reference(name));
            var identifiers = plan.Shapes.Select(s => s.Name)
                .Concat(plan.Slopes.Select(s => s.Identifier))
                .Concat(plan.Tensors.Where(t => t.Identifier.Length > 0).Select(t => t.Identifier))
                .Concat(plan.Packed.SelectMany(p => new[] { p.Identifier, p.Identifier + "Length" }))
                .ToList();
            Assert.Equal(identifiers.Count, identifiers.Distinct().Count());
            Assert.Empty(identifiers.Intersect(Identifiers.Reserved));
            // Every arena tensor a step touches has its constant.
            Assert.All(plan.Steps.SelectMany(s => s.Inputs.Append(s.Output)).Select(id => plan.Tensors[id]).Where(t => t.Storage == Storage.Arena),
                t => Assert.NotEqual("", t.Identifier));
        }
    }

    [Fact]
    public void Identifiers_are_pascal_case_graph_names_with_a_suffix_on_a_clash()
    {
        var graph = Specs.Network("N", 16, 8, 8)
            .Layer("conv", Op.Conv(16, kernel: 1), Op.LeakyRelu(0.2))
            .Layer("Conv", Op.Conv(16, kernel: 1), Op.LeakyRelu(0.2))
            .Layer("Run", Op.Conv(16, kernel: 1), Op.LeakyRelu(0.3))
            .QuietGraph();
        var plan = Planner.Plan(graph);
        Assert.Equal(new[] { "ConvConvSlope", "RunConvSlope" }, plan.Slopes.Select(s => s.Identifier).ToArray());
        var packed = plan.Packed.Select(p => p.Identifier).ToArray();
        Assert.Equal(new[] { "ConvConvWeights", "ConvConvBias", "ConvConvWeights_2", "ConvConvBias_2", "RunConvWeights", "RunConvBias" }, packed);
    }

    [Fact]
    public void A_layer_named_like_the_forward_pass_container_gets_a_suffix()
    {
        var graph = Specs.Network("N", 16, 4, 4)
            .Layer("ForwardPass", Op.Conv(16, kernel: 1))
            .Layer("ForwardPass_", Op.Conv(16, kernel: 1))
            .Layer("Plan", Op.Conv(16, kernel: 1))
            .Layer("Pass", Op.Conv(16, kernel: 1))
            .QuietGraph();
        var plan = Planner.Plan(graph);
        Assert.Equal(new[] { "ForwardPass_2", "ForwardPass__2", "Plan_2", "Pass_2" },
            plan.Steps.Where(s => s.Kind == StepKind.Conv).Select(s => plan.Tensors[s.Output].Identifier).ToArray());
    }
}
