using System.Linq;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Planning;
using ConvForge.Compiler.Tests.Helpers;

namespace ConvForge.Compiler.Tests.Planning;

/// <summary>
/// Each step in words and its multiply-accumulates (<see cref="DescriptionPass"/>): what the generated code's step comments
/// and the network's ForwardSteps table print, and what per-step profiles divide times by.
/// </summary>
public class StepDescriptionTests
{
    [Theory]
    [MemberData(nameof(PlannerTests.ReferencePlans), MemberType = typeof(PlannerTests))]
    public void The_steps_macs_add_up_to_the_networks(string network)
    {
        var graph = PlannerTests.Reference(network);
        var plan = Planner.Plan(graph);
        Assert.True(graph.Macs > 0);
        Assert.Equal(graph.Macs, plan.Steps.Sum(s => s.Macs));
        // Only the kernels that multiply weights have any; a conversion of a Dense layer's value has none of its own.
        Assert.All(plan.Steps.Where(s => s.Kind is not (StepKind.Conv or StepKind.ConvFromPlain or StepKind.Dense)), s => Assert.Equal(0, s.Macs));
    }

    [Fact]
    public void A_fused_convolution_step_has_its_convolutions_macs_and_says_what_was_fused()
    {
        var plan = Planner.Plan(ReferenceNetworks.ResNet18().QuietGraph());

        var stem = plan.Steps[0];
        Assert.Equal(StepKind.ConvFromPlain, stem.Kind);
        Assert.Equal(64L * 112 * 112 * 3 * 7 * 7, stem.Macs);
        Assert.Equal(stem.Node.Macs, stem.Macs);
        Assert.Equal(string.Join(" + ", stem.FusedNodes), stem.Description.Nodes);
        Assert.Equal(3, stem.FusedNodes.Count);
        Assert.Equal($"Conv 7x7/2 pad 3 reading the plain input, {stem.FoldedBatchNorm!.Name} folded in, Relu", stem.Description.Operation);
        Assert.Equal("3x224x224 -> 64x112x112", stem.Description.Shapes);

        // The second convolution of a basic block: BatchNorm folded, the shortcut added, then Relu; four nodes, one kernel.
        var block = plan.Steps.First(s => s.Residual >= 0);
        Assert.Equal(64L * 56 * 56 * 64 * 3 * 3, block.Macs);
        Assert.Equal(4, block.FusedNodes.Count);
        Assert.Equal($"Conv 3x3 pad 1, {block.FoldedBatchNorm!.Name} folded in, plus {plan.Tensors[block.Residual].Name}, Relu", block.Description.Operation);
        Assert.Equal("64x56x56 -> 64x56x56", block.Description.Shapes);
        Assert.Equal($"{block.Description.Nodes}: {block.Description.Operation}; 64x56x56 -> 64x56x56", block.Description.ToString());

        var pool = plan.Steps[1];
        Assert.Equal(("Pool1", "MaxPool 3x3/2 pad 1", "64x112x112 -> 64x56x56", 0L), (pool.Description.Nodes, pool.Description.Operation, pool.Description.Shapes, pool.Macs));

        var fc = plan.Steps.Single(s => s.Kind == StepKind.Dense);
        Assert.Equal(512L * 1000, fc.Macs);
        Assert.Equal("512x1x1 (flattened) -> 1000", fc.Description.Shapes);
        var last = plan.Steps[^1];
        Assert.Equal(StepKind.ToPlain, last.Kind);
        Assert.Equal(("to plain NCHW, into the output", 0L), (last.Description.Operation, last.Macs));
    }

    [Fact]
    public void A_producer_writing_into_a_concatenation_says_which_channels()
    {
        var plan = Planner.Plan(ReferenceNetworks.SqueezeNet11().QuietGraph());
        var expand = plan.Steps.Single(s => s.Node.Name == "Fire2.Expand3x3");
        Assert.Equal("Conv 3x3 pad 1, Relu, into channels 64-127 of Fire2", expand.Description.Operation);
        Assert.Equal("16x55x55 -> 64x55x55", expand.Description.Shapes);
        Assert.Equal(55L * 55 * 64 * 16 * 9, expand.Macs);
    }

    [Fact]
    public void A_copied_concatenation_lists_its_parts_and_shapes()
    {
        var graph = Specs.Network("N", 8, 9, 9)
            .Layer("A", Op.Conv(5, kernel: 1))
            .Layer("B", Op.Conv(16, kernel: 3, padding: 1, from: "Input"))
            .Layer("Both", Op.Concat("A", "B"))
            .QuietGraph();
        var plan = Planner.Plan(graph);
        var copy = Assert.Single(plan.Steps, s => s.Kind == StepKind.ConcatCopy);
        Assert.StartsWith("Concat of A, B, copied", copy.Description.Operation);
        Assert.Equal("5x9x9 + 16x9x9 -> 21x9x9", copy.Description.Shapes);
        Assert.Equal(0, copy.Macs);
        Assert.Equal(graph.Macs, plan.Steps.Sum(s => s.Macs));
    }

    [Fact]
    public void A_standalone_activation_names_its_slope()
    {
        var graph = Specs.Network("N", 16, 8, 8)
            .Layer("Pool", Op.MaxPool(2))
            .Layer("Act", Op.LeakyRelu(0.2))
            .QuietGraph();
        var plan = Planner.Plan(graph);
        var act = Assert.Single(plan.Steps, s => s.Kind == StepKind.Activation);
        Assert.Equal("LeakyRelu 0.2", act.Description.Operation);
        Assert.Equal("16x4x4 -> 16x4x4", act.Description.Shapes);
    }
}
