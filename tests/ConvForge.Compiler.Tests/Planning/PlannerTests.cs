using System;
using System.Collections.Generic;
using System.Linq;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Planning;
using ConvForge.Compiler.Tests.Helpers;

namespace ConvForge.Compiler.Tests.Planning;

public class PlannerTests
{
    public static TheoryData<string> ReferencePlans() => new() { "ResNet18", "ResNet50", "SqueezeNet11", "GoogLeNetTo3a", "Nin" };

    internal static NetworkGraph Reference(string name) => name switch
    {
        "ResNet18" => ReferenceNetworks.ResNet18().QuietGraph(),
        "ResNet50" => ReferenceNetworks.ResNet50().QuietGraph(),
        "SqueezeNet11" => ReferenceNetworks.SqueezeNet11().QuietGraph(),
        "GoogLeNetTo3a" => ReferenceNetworks.GoogLeNetTo3a().QuietGraph(),
        "Nin" => ReferenceNetworks.Nin().QuietGraph(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(ReferencePlans))]
    public void Every_value_is_still_intact_when_it_is_read(string network)
    {
        var plan = Planner.Plan(Reference(network));
        PlanValidator.AssertSound(plan);
    }

    [Theory]
    [MemberData(nameof(ReferencePlans))]
    public void Every_graph_node_is_computed_exactly_once(string network)
    {
        var graph = Reference(network);
        var plan = Planner.Plan(graph);
        var computed = plan.Steps
            .Where(s => s.Kind is not (StepKind.ToBlocked or StepKind.ToPlain or StepKind.Copy))
            .SelectMany(s => s.FusedNodes)
            .ToList();
        var expected = graph.Nodes
            .Where(n => n.Kind is not (OpKind.Input or OpKind.Dropout or OpKind.Flatten or OpKind.Concat))
            .Select(n => n.Name)
            .ToList();
        var concatsCopied = plan.Steps.Where(s => s.Kind == StepKind.ConcatCopy).Select(s => s.Node.Name).ToList();
        Assert.Equal(expected.OrderBy(n => n, StringComparer.Ordinal), computed.Except(concatsCopied).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public void ResNet18_folds_every_batch_norm_and_fuses_every_residual_add_and_relu()
    {
        var plan = Planner.Plan(ReferenceNetworks.ResNet18().QuietGraph());
        Assert.DoesNotContain(plan.Steps, s => s.Kind is StepKind.BatchNorm or StepKind.Add or StepKind.Activation);
        Assert.All(plan.Steps.Where(s => s.Kind is StepKind.Conv or StepKind.ConvFromPlain), s => Assert.NotNull(s.FoldedBatchNorm));
        // 8 blocks, each ending in conv + bn + add + relu.
        Assert.Equal(8, plan.Steps.Count(s => s.Residual >= 0 && s.Activation == Activation.Relu));
        Assert.Equal(StepKind.ConvFromPlain, plan.Steps[0].Kind);
        Assert.Equal(Storage.Input, plan.Tensors[plan.Steps[0].Inputs[0]].Storage);
    }

    [Fact]
    public void Fire_modules_concatenate_without_copying()
    {
        var plan = Planner.Plan(ReferenceNetworks.SqueezeNet11().QuietGraph());
        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKind.ConcatCopy);
        var expand = plan.Steps.Single(s => s.Node.Name == "Fire2.Expand3x3");
        var expandTensor = plan.Tensors[expand.Output];
        var fire = plan.Tensors.Single(t => t.Name == "Fire2");
        Assert.Equal(fire.Id, expandTensor.Root);
        Assert.Equal(fire.Offset + 64L * 55 * 55, expandTensor.Offset);
    }

    [Fact]
    public void A_concat_part_that_does_not_fill_whole_blocks_is_copied()
    {
        var graph = Specs.Network("N", 8, 9, 9)
            .Layer("A", Op.Conv(5, kernel: 1))
            .Layer("B", Op.Conv(16, kernel: 3, padding: 1, from: "Input"))
            .Layer("Both", Op.Concat("A", "B"))
            .QuietGraph();
        var plan = Planner.Plan(graph);
        var copy = Assert.Single(plan.Steps, s => s.Kind == StepKind.ConcatCopy);
        Assert.Equal(2, copy.Inputs.Count);
        PlanValidator.AssertSound(plan);
    }

    [Fact]
    public void The_last_part_of_a_concat_may_leave_lanes_empty()
    {
        var graph = Specs.Network("N", 8, 9, 9)
            .Layer("A", Op.Conv(16, kernel: 1))
            .Layer("B", Op.Conv(5, kernel: 3, padding: 1, from: "Input"))
            .Layer("Both", Op.Concat("A", "B"))
            .QuietGraph();
        var plan = Planner.Plan(graph);
        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKind.ConcatCopy);
        PlanValidator.AssertSound(plan);
    }

    [Fact]
    public void Dense_reads_the_blocked_tensor_before_a_flatten()
    {
        var graph = Specs.Network("N", 3, 8, 8)
            .Layer("Conv1", Op.Conv(16, kernel: 3), Op.Relu())
            .Layer("Head", Op.Flatten(), Op.Dense(10), Op.Softmax())
            .QuietGraph();
        var plan = Planner.Plan(graph);
        var kinds = plan.Steps.Select(s => s.Kind).ToArray();
        Assert.Equal(new[] { StepKind.ConvFromPlain, StepKind.Dense, StepKind.Softmax, StepKind.ToPlain }, kinds);
        var dense = plan.Steps[1];
        Assert.Equal(new Shape(16, 6, 6), plan.Tensors[dense.Inputs[0]].Shape);
        Assert.Equal(Layout.Blocked, plan.Tensors[dense.Inputs[0]].Layout);
        Assert.Equal(Storage.Output, plan.Tensors[plan.Steps[^1].Output].Storage);
        PlanValidator.AssertSound(plan);
    }

    [Fact]
    public void A_flatten_that_is_the_output_is_written_straight_into_the_output_span()
    {
        var graph = Specs.Network("N", 3, 8, 8).Layer("Conv1", Op.Conv(16, kernel: 3)).Layer("Out", Op.Flatten()).QuietGraph();
        var plan = Planner.Plan(graph);
        Assert.Equal(new[] { StepKind.ConvFromPlain, StepKind.ToPlain }, plan.Steps.Select(s => s.Kind).ToArray());
        PlanValidator.AssertSound(plan);
    }

    [Fact]
    public void A_network_ending_in_a_blocked_tensor_converts_into_the_output()
    {
        var graph = Specs.Network("N", 16, 8, 8).Layer("Conv1", Op.Conv(16, kernel: 3, padding: 1), Op.Relu()).QuietGraph();
        var plan = Planner.Plan(graph);
        Assert.Equal(new[] { StepKind.ToBlocked, StepKind.Conv, StepKind.ToPlain }, plan.Steps.Select(s => s.Kind).ToArray());
        Assert.Equal(Storage.Output, plan.Tensors[plan.Steps[^1].Output].Storage);
        PlanValidator.AssertSound(plan);
    }

    [Fact]
    public void Lrn_runs_on_the_blocked_layout_without_conversions()
    {
        // The LRN kernel reads and writes NCHWc, so a conv -> LRN -> pool chain stays blocked throughout.
        var graph = Specs.Network("N", 3, 10, 10)
            .Layer("Conv1", Op.Conv(12, kernel: 3), Op.Relu())
            .Layer("Norm", Op.Lrn(size: 5))
            .Layer("Pool", Op.MaxPool(2))
            .QuietGraph();
        var plan = Planner.Plan(graph);
        Assert.Equal(new[] { StepKind.ConvFromPlain, StepKind.Lrn, StepKind.MaxPool, StepKind.ToPlain }, plan.Steps.Select(s => s.Kind).ToArray());
        var lrn = plan.Steps[1];
        Assert.Equal(Layout.Blocked, plan.Tensors[lrn.Inputs[0]].Layout);
        Assert.Equal(Layout.Blocked, plan.Tensors[lrn.Output].Layout);
        PlanValidator.AssertSound(plan);
    }

    [Fact]
    public void Softmax_over_many_pixels_is_plain_and_over_one_pixel_blocked()
    {
        var graph = Specs.Network("N", 3, 5, 5)
            .Layer("Conv1", Op.Conv(10, kernel: 1), Op.Softmax())
            .Layer("Pool", Op.GlobalAvgPool(), Op.Softmax())
            .QuietGraph();
        var plan = Planner.Plan(graph);
        var softmaxes = plan.Steps.Where(s => s.Kind == StepKind.Softmax).ToList();
        Assert.Equal(2, softmaxes.Count);
        Assert.Equal(Layout.Plain, plan.Tensors[softmaxes[0].Output].Layout);
        Assert.Equal(Layout.Blocked, plan.Tensors[softmaxes[1].Output].Layout);
        PlanValidator.AssertSound(plan);
    }

    [Fact]
    public void A_value_read_twice_is_not_fused_away()
    {
        // Conv1's output feeds both the BatchNorm and the Add: folding the BatchNorm would lose it.
        var graph = Specs.Network("N", 16, 8, 8)
            .Layer("Conv1", Op.Conv(16, kernel: 3, padding: 1))
            .Layer("Bn", Op.BatchNorm())
            .Layer("Sum", Op.Add("Conv1"))
            .QuietGraph();
        var plan = Planner.Plan(graph);
        Assert.Null(plan.Steps.Single(s => s.Node.Name == "Conv1").FoldedBatchNorm);
        Assert.Contains(plan.Steps, s => s.Kind == StepKind.BatchNorm);
        PlanValidator.AssertSound(plan);
    }

    [Fact]
    public void The_arena_reuses_memory_of_dead_tensors()
    {
        var graph = ReferenceNetworks.ResNet50().QuietGraph();
        var plan = Planner.Plan(graph);
        var arenaTensors = plan.Tensors.Where(t => t.Storage == Storage.Arena && t.Root == t.Id).Sum(t => t.Length);
        Assert.True(plan.ArenaLength * 4 < arenaTensors, $"arena {plan.ArenaLength} floats vs {arenaTensors} floats of tensors");
        // ResNet-50's largest live pair at 112x112x64 (stem output) and 56x56x256 sets a floor.
        Assert.True(plan.ArenaLength >= 64L * 112 * 112);
    }

    [Fact]
    public void Plans_are_deterministic_and_equatable()
    {
        var a = Planner.Plan(ReferenceNetworks.GoogLeNetTo3a().QuietGraph());
        var b = Planner.Plan(ReferenceNetworks.GoogLeNetTo3a().QuietGraph());
        Assert.Equal(a, b);
    }

    [Fact]
    public void A_concat_whose_parts_fill_8_but_not_16_channel_blocks_is_copied_for_every_family()
    {
        // 24 channels end on an 8-channel block boundary but not on a 16-channel one: one plan serves both, so it copies.
        var graph = Specs.Network("N", 16, 9, 9)
            .Layer("A", Op.Conv(24, kernel: 1))
            .Layer("B", Op.Conv(16, kernel: 3, padding: 1, from: "Input"))
            .Layer("Both", Op.Concat("A", "B"))
            .QuietGraph();
        var plan = Planner.Plan(graph);
        Assert.Single(plan.Steps, s => s.Kind == StepKind.ConcatCopy);
        PlanValidator.AssertSound(plan);
    }

    [Fact]
    public void A_first_convolution_on_fewer_than_16_channels_reads_the_plain_input()
    {
        var graph = Specs.Network("N", 8, 8, 8).Layer("Conv1", Op.Conv(16, kernel: 3, padding: 1)).QuietGraph();
        var plan = Planner.Plan(graph);
        Assert.Equal(new[] { StepKind.ConvFromPlain, StepKind.ToPlain }, plan.Steps.Select(s => s.Kind).ToArray());
    }

    [Fact]
    public void Blocked_tensors_get_room_for_16_channel_blocks()
    {
        var graph = Specs.Network("N", 3, 8, 8).Layer("Conv1", Op.Conv(20, kernel: 3)).QuietGraph();
        var conv = Planner.Plan(graph).Tensors.Single(t => t.Name == "Conv1");
        Assert.Equal(32L * 6 * 6, conv.Length);
        Assert.Equal(32L * 6 * 6, conv.LengthFor(16));
        Assert.Equal(24L * 6 * 6, conv.LengthFor(8));
    }
}

/// <summary>
/// Replays a plan over the arena, once per family's block size (the offsets are shared, the lengths are the family's),
/// and checks that every tensor a step reads still holds what its producer wrote: no later write of another tensor
/// overlapped it in between.
/// </summary>
internal static class PlanValidator
{
    public static void AssertSound(ExecutionPlan plan)
    {
        foreach (var blockSize in ExecutionPlan.BlockSizes)
            AssertSound(plan, blockSize);
    }

    public static void AssertSound(ExecutionPlan plan, int blockSize)
    {
        // Live ranges of arena floats: (start, end, root tensor id).
        var written = new List<(long Start, long End, int Root)>();
        var producedTensors = new HashSet<int>();
        foreach (var step in plan.Steps)
        {
            var reads = step.Inputs.ToList();
            if (step.Residual >= 0)
                reads.Add(step.Residual);
            foreach (var id in reads)
            {
                var t = plan.Tensors[id];
                Assert.True(t.Storage != Storage.Output, $"step {step.Index} ({step.Kind} {step.Node.Name}) reads the output span");
                if (t.Storage == Storage.Input)
                    continue;
                var length = t.LengthFor(blockSize);
                Assert.True(
                    Covered(written, t.Offset, t.Offset + length, t.Root),
                    $"B={blockSize}: step {step.Index} ({step.Kind} {step.Node.Name}) reads {t.Name} [{t.Offset}, {t.Offset + length}) after it was overwritten or before it was written");
            }

            var output = plan.Tensors[step.Output];
            Assert.NotEqual(Storage.Input, output.Storage);
            if (output.Storage == Storage.Arena)
            {
                var length = output.LengthFor(blockSize);
                Assert.True(length <= output.Length, $"{output.Name}: B={blockSize} needs {length} floats, the plan reserved {output.Length}");
                Assert.True(output.Offset >= 0 && output.Offset + output.Length <= plan.ArenaLength, $"{output.Name} lies outside the arena");
                // Writing evicts other roots from the range.
                written.RemoveAll(w => w.Root != output.Root && w.Start < output.Offset + length && output.Offset < w.End);
                written.Add((output.Offset, output.Offset + length, output.Root));
            }
            producedTensors.Add(step.Output);
        }
        Assert.Contains(plan.Tensors, t => t.Storage == Storage.Output && producedTensors.Contains(t.Id));
    }

    private static bool Covered(List<(long Start, long End, int Root)> written, long start, long end, int root)
    {
        var position = start;
        foreach (var w in written.Where(w => w.Root == root).OrderBy(w => w.Start))
        {
            if (w.Start > position)
                break;
            position = Math.Max(position, w.End);
            if (position >= end)
                return true;
        }
        return position >= end;
    }
}
