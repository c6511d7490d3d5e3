using System.Collections.Generic;

namespace ConvForge.Compiler.Planning;

/// <summary>
/// Pass 7: the identifiers of the generated code, in one scope: shape structs (named by <see cref="ShapePass"/>), the
/// LeakyRelu slope structs (one per distinct slope other than the default, named after its first node), the arena
/// offset of every tensor a step touches there (named after its node), and every packed tensor's offset (node + role).
/// </summary>
internal static class NamingPass
{
    /// <summary>The slope the kernels' DefaultLeakyReluSlope stands for.</summary>
    public const float DefaultSlope = 0.01f;

    public static void Run(WorkProgram program)
    {
        var names = new Identifiers();
        for (var i = 0; i < program.Shapes.Count; i++)
            program.Shapes[i] = program.Shapes[i] with { Name = names.Take(program.Shapes[i].Name) };

        var slopes = new Dictionary<float, int>();
        foreach (var step in program.Steps)
        {
            if (step.Activation != Activation.LeakyRelu || (float)step.Slope == DefaultSlope)
                continue;
            var slope = (float)step.Slope;
            if (!slopes.TryGetValue(slope, out var id))
            {
                id = program.Slopes.Count;
                program.Slopes.Add(new SlopeType(names.Allocate(step.Node.Name, "Slope"), slope, step.Node.Name));
                slopes.Add(slope, id);
            }
            step.SlopeType = id;
        }

        foreach (var step in program.Steps)
        {
            foreach (var tensor in step.Touched)
            {
                if (tensor.Root.Storage == Storage.Arena && tensor.Identifier.Length == 0)
                    tensor.Identifier = names.Allocate(tensor.Name, "");
            }
        }

        var roles = new Dictionary<int, string>();
        foreach (var step in program.Steps)
        {
            if (step.Weights < 0)
                continue;
            var isBatchNorm = step.Kind == StepKind.BatchNorm;
            roles[step.Weights] = isBatchNorm ? "Scale" : "Weights";
            roles[step.Bias] = isBatchNorm ? "Shift" : "Bias";
        }
        for (var i = 0; i < program.Packed.Count; i++)
        {
            var item = program.Packed[i];
            program.Packed[i] = item with { Identifier = names.Allocate(item.Node, roles[i], "Length") };
        }
    }
}
