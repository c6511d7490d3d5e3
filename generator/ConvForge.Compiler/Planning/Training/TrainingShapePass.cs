using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Planning.Training;

/// <summary>
/// Training pass 3: the shape struct each step's kernels take, through the forward planner's <see cref="ShapeCatalog"/>
/// seeded with the forward plan's structs, so a geometry both passes use is one struct and the new ones follow the
/// same naming. Convolutions and pools take their window's shape (of the value they read), Dense its input's, global
/// pools and ToBlocked their input's tensor, Concat one tensor per part, every other step its output's tensor.
/// </summary>
internal static class TrainingShapePass
{
    public static void Run(TrainingWork work)
    {
        var catalog = new ShapeCatalog(work.Shapes);
        foreach (var step in work.Steps)
        {
            var node = step.Node;
            var input = work.Values[step.Inputs[0]].Shape;
            switch (step.Kind)
            {
                case TrainingStepKind.Conv:
                case TrainingStepKind.ConvFromPlain:
                    step.Shapes.Add(catalog.Conv(node, input));
                    break;
                case TrainingStepKind.MaxPool:
                case TrainingStepKind.AvgPool:
                    step.Shapes.Add(catalog.Pool(node, input));
                    break;
                case TrainingStepKind.Dense:
                    step.Shapes.Add(catalog.Dense(node, input));
                    break;
                case TrainingStepKind.GlobalAvgPool:
                case TrainingStepKind.GlobalMaxPool:
                case TrainingStepKind.ToBlocked:
                    step.Shapes.Add(catalog.Tensor(input, node));
                    break;
                case TrainingStepKind.Concat:
                    foreach (var part in step.Inputs)
                        step.Shapes.Add(catalog.Tensor(work.Values[part].Shape, node));
                    break;
                default:
                    step.Shapes.Add(catalog.Tensor(work.Values[step.Output].Shape, node));
                    break;
            }
        }
        catalog.Finish();
    }
}
