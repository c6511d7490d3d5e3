using System.Linq;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Planning.Training;

/// <summary>
/// Plans the training program of a checked graph, next to its forward plan, as a sequence of small passes:
/// <list type="number">
/// <item><see cref="StepPass"/>: a step per node of the unfused graph that does work, a value per output; aliases, logits, what cannot be trained.</item>
/// <item><see cref="ValuePlacementPass"/>: every value at its own offset of an image's slice.</item>
/// <item><see cref="TrainingShapePass"/>: the shape structs, shared with the forward plan.</item>
/// <item><see cref="TrainingPackingPass"/>: the packed weights (forward, transposed for the input gradient).</item>
/// <item><see cref="TrainingNamingPass"/>: the identifiers of the generated code.</item>
/// </list>
/// </summary>
public static class TrainingPlanner
{
    /// <summary>
    /// The training plan of <paramref name="graph"/>, whose forward plan is <paramref name="forward"/>; or null with
    /// <paramref name="problem"/> saying why the network cannot be trained.
    /// </summary>
    public static TrainingPlan? TryPlan(NetworkGraph graph, ExecutionPlan forward, out string? problem)
    {
        var work = new TrainingWork(graph, forward);
        StepPass.Run(work);
        if (work.Problem is null)
            ValuePlacementPass.Run(work);
        problem = work.Problem;
        if (problem is not null)
            return null;
        TrainingShapePass.Run(work);
        TrainingPackingPass.Run(work);
        TrainingNamingPass.Run(work);
        return Freeze(work);
    }

    /// <summary>The training plan of <paramref name="graph"/> (planning its forward plan first).</summary>
    /// <exception cref="System.InvalidOperationException">It cannot be trained; the message says why.</exception>
    public static TrainingPlan Plan(NetworkGraph graph)
        => TryPlan(graph, Planner.Plan(graph), out var problem) ?? throw new System.InvalidOperationException($"{graph.Name}: {problem}");

    private static TrainingPlan Freeze(TrainingWork work)
    {
        var values = work.Values
            .Select(v => new TrainingValue(v.Id, v.Name, v.Shape, v.Layout, (int)v.Offset, (int)v.Length, v.Identifier))
            .ToEquatableArray();
        var steps = work.Steps
            .Select((s, i) => new TrainingStep(
                i, s.Kind, s.Node,
                s.Inputs.ToEquatableArray(), s.Output, s.Parameters.ToEquatableArray(),
                s.Mask, s.SavedOffset, s.SavedLength,
                s.Shapes.ToEquatableArray(), s.Packed.ToEquatableArray(), s.Activation, s.SlopeType))
            .ToEquatableArray();
        return new TrainingPlan(
            values, steps, (int)work.ImageLength, work.SavedLength, work.Input, work.Logits,
            work.Parameters.ToEquatableArray(), work.Shapes.ToEquatableArray(), work.Packed.ToEquatableArray(),
            work.Slopes.ToEquatableArray(), work.Container);
    }
}
