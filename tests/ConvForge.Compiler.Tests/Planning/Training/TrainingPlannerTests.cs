extern alias Runtime;

using System;
using System.Collections.Generic;
using System.Linq;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Planning;
using ConvForge.Compiler.Planning.Training;
using ConvForge.Compiler.Tests.Helpers;

namespace ConvForge.Compiler.Tests.Planning.Training;

/// <summary>The training plan as data: steps over the unfused graph, values and their offsets, parameters, shapes, packed weights.</summary>
public class TrainingPlannerTests
{
    public static TheoryData<string> Samples() => new() { "Nin", "SqueezeNet11", "ResNet18", "ResNet50", "GoogLeNet" };

    private static NetworkGraph Sample(string name) => name switch
    {
        // The reference GoogLeNet stops at Inception 3b (480x28x28); a classifier head makes it trainable.
        "GoogLeNet" => ReferenceNetworks.GoogLeNetTo3a().Layer("Head", Op.GlobalAvgPool(), Op.Flatten()).Layer("Fc", Op.Dense(10)).QuietGraph(),
        "SqueezeNet11" => ReferenceNetworks.SqueezeNet11().QuietGraph(),
        _ => PlannerTests.Reference(name),
    };

    private static (NetworkGraph Graph, ExecutionPlan Forward, TrainingPlan Training) Plan(NetworkGraph graph)
    {
        var forward = Planner.Plan(graph);
        var training = TrainingPlanner.TryPlan(graph, forward, out var problem);
        Assert.True(training is not null, problem);
        return (graph, forward, training!);
    }

    private static TrainingStep StepOf(TrainingPlan plan, string node) => plan.Steps.Single(s => s.Node.Name == node && s.Kind != TrainingStepKind.ToBlocked);

    [Theory]
    [MemberData(nameof(Samples))]
    public void Values_are_disjoint_in_order_and_the_image_length_is_their_sum(string network)
    {
        var (graph, _, plan) = Plan(Sample(network));
        Assert.Equal(0, plan.Input);
        var input = plan.Values[0];
        Assert.Equal((Layout.Plain, graph.Input.Output, (int)graph.Input.Output.Length), (input.Layout, input.Shape, input.Length));
        var offset = 0;
        foreach (var value in plan.Values)
        {
            Assert.Equal(offset, value.Offset);
            var s = value.Shape;
            var expected = value.Layout == Layout.Plain ? s.Channels * s.Height * s.Width : (s.Channels + 15) / 16 * 16 * s.Height * s.Width;
            Assert.Equal(expected, value.Length);
            offset += value.Length;
        }
        Assert.Equal(offset, plan.ImageLength);
        Assert.All(plan.Values.Skip(1), v => Assert.Equal(Layout.Blocked, v.Layout));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_value_is_written_once_before_it_is_read(string network)
    {
        var (_, _, plan) = Plan(Sample(network));
        var written = new HashSet<int> { plan.Input };
        foreach (var step in plan.Steps)
        {
            Assert.All(step.Inputs, i => Assert.Contains(i, written));
            Assert.True(written.Add(step.Output), $"{step.Node.Name} writes value {step.Output} again");
            if (step.Mask >= 0)
                Assert.True(written.Add(step.Mask));
        }
        Assert.Equal(plan.Values.Count, written.Count);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_node_that_does_work_is_one_step_and_flatten_and_a_final_softmax_are_none(string network)
    {
        var (graph, _, plan) = Plan(Sample(network));
        var finalSoftmax = graph.Output.Kind == OpKind.Softmax ? graph.Output.Name : null;
        var expected = graph.Nodes
            .Where(n => n.Kind is not (OpKind.Input or OpKind.Flatten) && n.Name != finalSoftmax)
            .Select(n => n.Name);
        Assert.Equal(expected, plan.Steps.Where(s => s.Kind != TrainingStepKind.ToBlocked).Select(s => s.Node.Name));
        Assert.All(plan.Steps, s => Assert.Equal(graph.Nodes[s.Node.Index], s.Node));
        Assert.All(plan.Steps.Select((s, i) => (s, i)), p => Assert.Equal(p.i, p.s.Index));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_parameter_belongs_to_exactly_one_step_in_parameter_layout_order(string network)
    {
        var (graph, forward, plan) = Plan(Sample(network));
        var owned = plan.Steps.SelectMany(s => s.Parameters).ToList();
        Assert.Equal(Enumerable.Range(0, forward.Parameters.Parameters.Count), owned);
        Assert.Equal(graph.Parameters.Select(p => p.Name), plan.Parameters.Select(p => p.Name));
        Assert.Equal(forward.Parameters.Parameters.Select(p => p.Offset), plan.Parameters.Select(p => p.Offset));
        foreach (var step in plan.Steps)
        {
            var names = step.Parameters.Select(p => plan.Parameters[p].Name).ToArray();
            Assert.Equal(step.Node.Parameters.Select(p => p.Name), names);
            var roles = names.Select(n => n.Substring(n.LastIndexOf('.') + 1)).ToArray();
            var expected = step.Kind switch
            {
                TrainingStepKind.Conv or TrainingStepKind.ConvFromPlain or TrainingStepKind.Dense
                    => step.Node.HasBias ? new[] { "Weight", "Bias" } : new[] { "Weight" },
                TrainingStepKind.BatchNorm => new[] { "Gamma", "Beta", "RunningMean", "RunningVar" },
                _ => Array.Empty<string>(),
            };
            Assert.Equal(expected, roles);
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Shapes_extend_the_forward_plans_each_geometry_once(string network)
    {
        var (_, forward, plan) = Plan(Sample(network));
        Assert.Equal(forward.Shapes.Select(s => (s.Name, s.Kind, s.Members)), plan.Shapes.Take(forward.Shapes.Count).Select(s => (s.Name, s.Kind, s.Members)));
        Assert.Equal(plan.Shapes.Count, plan.Shapes.Select(s => s.Name).Distinct().Count());
        Assert.Equal(plan.Shapes.Count, plan.Shapes.Select(s => s.Kind + string.Join(",", s.Members.Select(m => m.Value))).Distinct().Count());
        Assert.All(plan.Shapes.Select((s, i) => (s, i)), p => Assert.Equal(p.i, p.s.Id));
        foreach (var step in plan.Steps)
        {
            var kind = plan.Shapes[step.Shapes[0]].Kind;
            var expected = step.Kind switch
            {
                TrainingStepKind.Conv or TrainingStepKind.ConvFromPlain => ShapeKind.Conv,
                TrainingStepKind.MaxPool or TrainingStepKind.AvgPool => ShapeKind.Pool,
                TrainingStepKind.Dense => ShapeKind.Dense,
                _ => ShapeKind.Tensor,
            };
            Assert.Equal(expected, kind);
            Assert.Equal(step.Kind == TrainingStepKind.Concat ? step.Inputs.Count : 1, step.Shapes.Count);
        }
        // A plan's own shapes are used by a training step (no struct printed for nothing).
        var used = plan.Steps.SelectMany(s => s.Shapes).ToHashSet();
        Assert.All(Enumerable.Range(forward.Shapes.Count, plan.Shapes.Count - forward.Shapes.Count), id => Assert.Contains(id, used));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Packed_weights_per_step_and_identifiers_unique(string network)
    {
        var (_, forward, plan) = Plan(Sample(network));
        foreach (var step in plan.Steps)
        {
            var kinds = step.Packed.Select(p => plan.Packed[p].Kind).ToArray();
            var expected = step.Kind switch
            {
                TrainingStepKind.Conv => new[] { TrainingPackedKind.ConvWeights, TrainingPackedKind.Bias, TrainingPackedKind.ConvTransposedWeights },
                TrainingStepKind.ConvFromPlain => new[] { TrainingPackedKind.ConvNchwWeights, TrainingPackedKind.Bias },
                TrainingStepKind.Dense => new[] { TrainingPackedKind.DenseWeights, TrainingPackedKind.Bias },
                _ => Array.Empty<TrainingPackedKind>(),
            };
            Assert.Equal(expected, kinds);
            Assert.All(step.Packed, p => Assert.Equal(step.Index, plan.Packed[p].Step));
            Assert.All(step.Packed, p => Assert.Equal(step.Shapes[0], plan.Packed[p].Shape));
        }
        Assert.Equal(Enumerable.Range(0, plan.Packed.Count), plan.Steps.SelectMany(s => s.Packed));

        // Inside the training class: values, parameters and packed tensors with their Length companions, the structs they would hide, its own members.
        var inner = plan.Values.SelectMany(v => new[] { v.Identifier, v.Identifier + "Length" })
            .Concat(plan.Parameters.SelectMany(p => new[] { p.Identifier, p.Identifier + "Length" }))
            .Concat(plan.Packed.SelectMany(p => new[] { p.Identifier, p.Identifier + "Length" }))
            .Concat(plan.Shapes.Select(s => s.Name)).Concat(plan.Slopes.Select(s => s.Identifier))
            .Concat(TrainingNamingPass.Reserved).Append(plan.Container)
            .ToList();
        Assert.Equal(inner.Count, inner.Distinct().Count());
        // Next to the forward pass's members: the class and the new structs.
        var outer = forward.Tensors.Where(t => t.Identifier.Length > 0).Select(t => t.Identifier)
            .Concat(forward.Packed.SelectMany(p => new[] { p.Identifier, p.Identifier + "Length" }))
            .Concat(plan.Shapes.Select(s => s.Name)).Concat(plan.Slopes.Select(s => s.Identifier)).Append(plan.Container)
            .ToList();
        Assert.Equal(outer.Count, outer.Distinct().Count());
    }

    [Fact]
    public void Nin_reads_the_plain_image_in_its_first_convolution_and_its_logits_are_the_pooled_scores()
    {
        var (graph, _, plan) = Plan(Sample("Nin"));
        var first = plan.Steps[0];
        Assert.Equal((TrainingStepKind.ConvFromPlain, "Nin1.Conv"), (first.Kind, first.Node.Name));
        Assert.Equal(new[] { plan.Input }, first.Inputs);
        Assert.DoesNotContain(plan.Steps, s => s.Kind == TrainingStepKind.ToBlocked);
        Assert.Equal(12, plan.Steps.Count(s => s.Kind is TrainingStepKind.Conv or TrainingStepKind.ConvFromPlain));
        Assert.Equal(12, plan.Steps.Count(s => s.Kind == TrainingStepKind.Activation));
        Assert.Equal(3, plan.Steps.Count(s => s.Kind == TrainingStepKind.MaxPool));
        Assert.Equal(29, plan.Steps.Count);

        // Output = GlobalAvgPool, Flatten, Softmax: the Flatten aliases the pooled value, the final Softmax is the loss's.
        Assert.Equal(OpKind.Softmax, graph.Output.Kind);
        Assert.DoesNotContain(plan.Steps, s => s.Kind == TrainingStepKind.Softmax);
        var logits = plan.Values[plan.Logits];
        Assert.Equal(("Output.GlobalAvgPool", new Shape(1000, 1, 1)), (logits.Name, logits.Shape));
        Assert.Equal(plan.Steps.Last().Output, plan.Logits);

        var drop = StepOf(plan, "Drop");
        Assert.Equal(TrainingStepKind.Dropout, drop.Kind);
        Assert.Equal(("Drop.Mask", plan.Values[drop.Output].Shape), (plan.Values[drop.Mask].Name, plan.Values[drop.Mask].Shape));
        Assert.Equal(drop.Output + 1, drop.Mask);
        Assert.Equal(0, plan.SavedLength);
    }

    [Fact]
    public void ResNet18_keeps_every_batch_norm_add_and_relu_as_its_own_step_with_saved_batch_statistics()
    {
        var (_, _, plan) = Plan(Sample("ResNet18"));
        var batchNorms = plan.Steps.Where(s => s.Kind == TrainingStepKind.BatchNorm).ToList();
        Assert.Equal(20, batchNorms.Count); // the stem, two per block, three downsamples
        Assert.Equal(8, plan.Steps.Count(s => s.Kind == TrainingStepKind.Add));
        Assert.All(plan.Steps.Where(s => s.Kind == TrainingStepKind.Add), s => Assert.Equal(2, s.Inputs.Count));
        Assert.Equal(20, plan.Steps.Count(s => s.Kind is TrainingStepKind.Conv or TrainingStepKind.ConvFromPlain));
        Assert.Equal(TrainingStepKind.ConvFromPlain, plan.Steps[0].Kind);
        Assert.All(plan.Steps.Where(s => s.Kind is TrainingStepKind.Conv or TrainingStepKind.ConvFromPlain), s => Assert.False(s.Node.HasBias));

        var saved = 0;
        foreach (var bn in batchNorms)
        {
            Assert.True(bn.IsBatchLevel);
            Assert.Equal((saved, 2 * bn.Node.Output.Channels), (bn.SavedOffset, bn.SavedLength));
            saved += bn.SavedLength;
        }
        Assert.Equal(saved, plan.SavedLength);
        Assert.All(plan.Steps.Where(s => s.Kind != TrainingStepKind.BatchNorm), s => Assert.Equal((-1, 0), (s.SavedOffset, s.SavedLength)));

        // Pool = GlobalAvgPool then Flatten: the Dense reads the pooled value, and its output is the logits.
        var fc = StepOf(plan, "Fc");
        Assert.Equal("Pool.GlobalAvgPool", plan.Values[fc.Inputs[0]].Name);
        Assert.Equal("Dense_512x1x1To1000", plan.Shapes[fc.Shapes[0]].Name);
        Assert.Equal(fc.Output, plan.Logits);
    }

    [Fact]
    public void A_dense_layer_reads_a_flattened_multi_pixel_value_through_its_shape_and_dropout_keeps_the_unflattened_shape()
    {
        var graph = Specs.Network("N", 3, 8, 8)
            .Layer("Conv", Op.Conv(20, kernel: 3, padding: 1), Op.Relu())
            .Layer("Flat", Op.Flatten())
            .Layer("Drop", Op.Dropout(0.25))
            .Layer("Fc", Op.Dense(10))
            .QuietGraph();
        var (_, _, plan) = Plan(graph);
        var drop = StepOf(plan, "Drop");
        Assert.Equal(new Shape(20, 8, 8), plan.Values[drop.Output].Shape);
        var fc = StepOf(plan, "Fc");
        Assert.Equal(drop.Output, fc.Inputs[0]);
        Assert.Equal("Dense_20x8x8To10", plan.Shapes[fc.Shapes[0]].Name);
    }

    [Fact]
    public void An_input_with_16_channels_or_read_by_a_grouped_convolution_or_a_pool_is_converted_once()
    {
        var wide = Specs.Network("Wide", 16, 8, 8).Layer("Conv", Op.Conv(16, kernel: 3, padding: 1)).Layer("Head", Op.GlobalAvgPool()).QuietGraph();
        var (_, _, plan) = Plan(wide);
        Assert.Equal(new[] { TrainingStepKind.ToBlocked, TrainingStepKind.Conv, TrainingStepKind.GlobalAvgPool }, plan.Steps.Select(s => s.Kind));
        Assert.Equal(("Input@blocked", Layout.Blocked), (plan.Values[plan.Steps[0].Output].Name, plan.Values[plan.Steps[0].Output].Layout));
        Assert.Equal(plan.Steps[0].Output, plan.Steps[1].Inputs[0]);

        var depthwise = Specs.Network("Dw", 4, 8, 8).Layer("Conv", Op.Conv(4, kernel: 3, padding: 1, groups: 4)).Layer("Head", Op.GlobalAvgPool()).QuietGraph();
        Assert.Equal(TrainingStepKind.ToBlocked, Plan(depthwise).Training.Steps[0].Kind);

        var both = Specs.Network("Both", 3, 8, 8)
            .Layer("Conv", Op.Conv(16, kernel: 1))
            .Layer("Pool", Op.MaxPool(1, from: "Input"))
            .Layer("Widen", Op.Conv(16, kernel: 1))
            .Layer("Sum", Op.Add("Conv", "Widen"))
            .Layer("Head", Op.GlobalAvgPool())
            .QuietGraph();
        var steps = Plan(both).Training.Steps;
        Assert.Equal(new[] { TrainingStepKind.ConvFromPlain, TrainingStepKind.ToBlocked, TrainingStepKind.MaxPool, TrainingStepKind.Conv, TrainingStepKind.Add, TrainingStepKind.GlobalAvgPool },
            steps.Select(s => s.Kind));
    }

    [Fact]
    public void A_network_whose_logits_are_not_one_pixel_is_not_trainable_and_the_plan_says_why()
    {
        var graph = ReferenceNetworks.GoogLeNetTo3a().QuietGraph();
        var training = TrainingPlanner.TryPlan(graph, Planner.Plan(graph), out var problem);
        Assert.Null(training);
        Assert.Contains("Inception3b", problem);
        Assert.Contains("480x28x28", problem);
        Assert.Contains("not C x 1 x 1", problem);
    }

    [Fact]
    public void A_softmax_over_several_pixels_inside_the_network_is_not_trainable()
    {
        var graph = Specs.Network("N", 3, 8, 8)
            .Layer("Conv", Op.Conv(8, kernel: 1))
            .Layer("Attention", Op.Softmax())
            .Layer("Head", Op.GlobalAvgPool())
            .QuietGraph();
        Assert.Null(TrainingPlanner.TryPlan(graph, Planner.Plan(graph), out var problem));
        Assert.Contains("Attention is a Softmax over 8x8 pixels", problem);
    }

    [Fact]
    public void A_softmax_over_one_pixel_inside_the_network_is_a_step_and_a_leaky_relu_gets_its_slope_struct()
    {
        var graph = Specs.Network("N", 3, 8, 8)
            .Layer("Conv", Op.Conv(8, kernel: 1), Op.LeakyRelu(0.2))
            .Layer("Head", Op.GlobalAvgPool(), Op.Softmax())
            .Layer("Fc", Op.Dense(4))
            .QuietGraph();
        var (_, forward, plan) = Plan(graph);
        Assert.Equal(TrainingStepKind.Softmax, StepOf(plan, "Head").Kind);
        var leaky = plan.Steps.Single(s => s.Activation == Activation.LeakyRelu);
        Assert.Equal(TrainingStepKind.Activation, leaky.Kind);
        // The forward plan fused the LeakyRelu into the convolution with a slope struct of 0.2: the training step reuses it.
        Assert.Equal(forward.Slopes.Count, plan.Slopes.Count);
        Assert.Equal(0.2f, plan.Slopes[leaky.SlopeType].Slope);
    }

    [Fact]
    public void GoogLeNet_copies_each_inception_part_into_its_channels_and_keeps_its_lrns()
    {
        var (graph, _, plan) = Plan(Sample("GoogLeNet"));
        var concats = plan.Steps.Where(s => s.Kind == TrainingStepKind.Concat).ToList();
        Assert.Equal(new[] { "Inception3a", "Inception3b" }, concats.Select(s => s.Node.Name));
        foreach (var concat in concats)
        {
            var parts = concat.Inputs.Select(i => plan.Values[i]).ToList();
            Assert.Equal(concat.Node.Inputs.Select(i => graph.Nodes[i].Name), parts.Select(p => p.Name));
            Assert.Equal(parts.Select(p => "Tensor" + Text.Shape(p.Shape)), concat.Shapes.Select(id => plan.Shapes[id].Name));
            Assert.Equal(plan.Values[concat.Output].Shape.Channels, parts.Sum(p => p.Shape.Channels));
        }
        Assert.Equal(new[] { "Norm1", "Norm2" }, plan.Steps.Where(s => s.Kind == TrainingStepKind.Lrn).Select(s => s.Node.Name));
    }

    [Fact]
    public void The_layouts_are_the_runtime_contracts_by_name()
    {
        // The emitter prints the core's layout names as members of the runtime's enum (the step kinds are one shared file).
        Assert.Equal(Enum.GetNames(typeof(Runtime::ConvForge.Training.TrainingLayout)), Enum.GetNames(typeof(Layout)));
    }

    [Fact]
    public void The_plan_is_equatable_data()
    {
        var graph = Sample("SqueezeNet11");
        Assert.Equal(TrainingPlanner.Plan(graph), TrainingPlanner.Plan(graph));
    }
}
