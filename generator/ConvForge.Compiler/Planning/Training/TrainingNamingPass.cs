using System.Collections.Generic;

namespace ConvForge.Compiler.Planning.Training;

/// <summary>
/// Training pass 5: identifiers, in two scopes. The training code's class, its new shape structs and its new LeakyRelu
/// slope structs sit next to the forward pass's members, so they avoid every identifier of the forward plan. Inside
/// the class, the offsets of values ("Pool1", "Drop1Mask"), parameters ("Conv1Weight") and packed tensors
/// ("Conv1PackedWeights", "Conv1TransposedWeights"), each with a "Length" companion, avoid the struct names they would
/// hide and the class's own members.
/// </summary>
internal static class TrainingNamingPass
{
    /// <summary>The members the generated training class declares itself.</summary>
    public static readonly string[] Reserved =
    {
        "TKernels", "ImageLength", "SavedLength", "StepCount", "PackedLength", "Pack", "Forward", "BackwardInput", "BackwardParameters", "CheckStep",
    };

    public static void Run(TrainingWork work)
    {
        var forward = work.Forward;
        var outer = new Identifiers();
        foreach (var tensor in forward.Tensors)
        {
            if (tensor.Identifier.Length > 0)
                outer.Reserve(tensor.Identifier);
        }
        foreach (var packed in forward.Packed)
        {
            outer.Reserve(packed.Identifier);
            outer.Reserve(packed.Identifier + "Length");
        }
        foreach (var shape in forward.Shapes)
            outer.Reserve(shape.Name);
        foreach (var slope in forward.Slopes)
            outer.Reserve(slope.Identifier);

        for (var i = forward.Shapes.Count; i < work.Shapes.Count; i++)
            work.Shapes[i] = work.Shapes[i] with { Name = outer.Take(work.Shapes[i].Name) };

        var slopes = new Dictionary<float, int>();
        for (var i = 0; i < work.Slopes.Count; i++)
            slopes[work.Slopes[i].Slope] = i;
        foreach (var step in work.Steps)
        {
            var slope = (float)step.Node.Scalar;
            if (step.Activation != Activation.LeakyRelu || slope == NamingPass.DefaultSlope)
                continue;
            if (!slopes.TryGetValue(slope, out var id))
            {
                id = work.Slopes.Count;
                work.Slopes.Add(new SlopeType(outer.Allocate(step.Node.Name, "Slope"), slope, step.Node.Name));
                slopes.Add(slope, id);
            }
            step.SlopeType = id;
        }
        work.Container = outer.Allocate("Training", "");

        var inner = new Identifiers();
        foreach (var name in Reserved)
            inner.Reserve(name);
        inner.Reserve(work.Container);
        foreach (var shape in work.Shapes)
            inner.Reserve(shape.Name);
        foreach (var slope in work.Slopes)
            inner.Reserve(slope.Identifier);

        foreach (var value in work.Values)
            value.Identifier = inner.Allocate(value.Name, "", "Length");
        foreach (var placed in forward.Parameters.Parameters)
        {
            work.Parameters.Add(new TrainingParameter(work.Parameters.Count, placed.Definition.Name, placed.Offset, (int)placed.Definition.Length,
                inner.Allocate(placed.Definition.Name, "", "Length")));
        }
        for (var i = 0; i < work.Packed.Count; i++)
        {
            var item = work.Packed[i];
            var role = item.Kind switch
            {
                TrainingPackedKind.ConvTransposedWeights => "TransposedWeights",
                TrainingPackedKind.Bias => "PackedBias",
                _ => "PackedWeights",
            };
            work.Packed[i] = item with { Identifier = inner.Allocate(work.Steps[item.Step].Node.Name, role, "Length") };
        }
    }
}
