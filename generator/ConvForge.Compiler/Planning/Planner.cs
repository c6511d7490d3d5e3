using System.Linq;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Planning;

/// <summary>
/// Turns a checked graph into the one <see cref="ExecutionPlan"/> every kernel family runs, as a sequence of small
/// passes (the order matters and is the order below):
/// <list type="number">
/// <item><see cref="FusionPass"/>: fold BatchNorm into the convolution before it, and fuse a residual Add and an activation into its epilogue.</item>
/// <item><see cref="TensorPass"/>: give every value a tensor and a layout (NCHWc inside, plain at the edges and for Softmax over more than one pixel), alias Dropout and Flatten, insert layout conversions.</item>
/// <item><see cref="ConcatPass"/>: let the producers of a Concat write straight into channel slices of its tensor when the slices start on a 16-channel boundary.</item>
/// <item><see cref="MemoryPlanPass"/>: place every intermediate tensor in one arena by lifetime.</item>
/// <item><see cref="ShapePass"/>: the shape structs of the kernel calls, named by geometry.</item>
/// <item><see cref="PackingPass"/>: the packed-weight tensors and how to fill them.</item>
/// <item><see cref="NamingPass"/>: the identifiers of the generated code.</item>
/// <item><see cref="DescriptionPass"/>: each step in words, and its multiply-accumulates.</item>
/// </list>
/// </summary>
public static class Planner
{
    /// <summary>The largest float[] .NET allocates (Array.MaxLength).</summary>
    private const long MaxArrayLength = 0x7FFFFFC7;

    /// <summary>
    /// The plan of <paramref name="graph"/>, or null with <paramref name="problem"/> set when its activations or
    /// parameters do not fit the int offsets and the arrays of the generated code.
    /// </summary>
    public static ExecutionPlan? TryPlan(NetworkGraph graph, out string? problem)
    {
        problem = null;
        var parameters = ParameterLayout.TryCreate(graph);
        if (parameters is null)
        {
            problem = "the network's parameters or activations do not fit the int offsets of the generated code.";
            return null;
        }

        var groups = FusionPass.Run(graph);
        var program = TensorPass.Run(graph, parameters, groups);
        ConcatPass.Run(program);
        MemoryPlanPass.Run(program);
        if (program.ArenaLength > MaxArrayLength || program.ScratchLength > MaxArrayLength
            || program.Tensors.Any(t => t.Offset < 0 || t.Offset + t.Length > int.MaxValue))
        {
            problem = "the network's activations do not fit one .NET array.";
            return null;
        }
        ShapePass.Run(program);
        PackingPass.Run(program);
        NamingPass.Run(program);
        return Freeze(program);
    }

    /// <summary>The plan of <paramref name="graph"/>.</summary>
    /// <exception cref="System.InvalidOperationException">It does not fit the generated code's int offsets.</exception>
    public static ExecutionPlan Plan(NetworkGraph graph)
        => TryPlan(graph, out var problem) ?? throw new System.InvalidOperationException($"{graph.Name}: {problem}");

    private static ExecutionPlan Freeze(WorkProgram program)
    {
        var tensors = program.Tensors
            .Select(t => new Tensor(t.Id, t.Name, t.Shape, t.Layout, t.Root.Storage, t.Offset, t.Length, t.Root.Id, t.Identifier))
            .ToEquatableArray();
        var steps = program.Steps
            .Select((s, i) => new Step(
                i, s.Kind, s.Node,
                s.Inputs.Select(t => t.Id).ToEquatableArray(),
                s.Output.Id,
                s.FoldedBatchNorm,
                s.Residual?.Id ?? -1,
                s.Activation,
                s.Slope,
                s.FusedNodes.ToEquatableArray(),
                s.Shapes.ToEquatableArray(),
                s.Weights,
                s.Bias,
                s.SlopeType,
                DescriptionPass.Describe(tensors, s),
                DescriptionPass.Macs(s)))
            .ToEquatableArray();
        return new ExecutionPlan(
            program.Parameters, tensors, steps, program.ArenaLength,
            program.Shapes.ToEquatableArray(), program.Packed.ToEquatableArray(), program.Packing.ToEquatableArray(),
            program.Slopes.ToEquatableArray(), program.ScratchLength);
    }
}
