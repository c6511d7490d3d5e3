using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Planning.Training;

/// <summary>
/// Training pass 4: the packed-weight buffer, tensors one after another in step order, lengths the family's. A Conv
/// gets its forward weights, its bias padded to whole blocks (zeros when it has none) and the transposed weights its
/// input gradient reads; a ConvFromPlain its plain-input weights and bias (its input needs no gradient); a Dense its
/// weights and bias (its input gradient reads the plain weights in the parameter buffer). Nothing is folded: training
/// runs every BatchNorm on its own.
/// </summary>
internal static class TrainingPackingPass
{
    public static void Run(TrainingWork work)
    {
        for (var i = 0; i < work.Steps.Count; i++)
        {
            var step = work.Steps[i];
            var shape = step.Shapes.Count > 0 ? step.Shapes[0] : -1;
            var channels = step.Node.Output.Channels;
            switch (step.Kind)
            {
                case TrainingStepKind.Conv:
                    step.Packed.Add(Add(work, TrainingPackedKind.ConvWeights, shape, 0, i));
                    step.Packed.Add(Add(work, TrainingPackedKind.Bias, shape, channels, i));
                    step.Packed.Add(Add(work, TrainingPackedKind.ConvTransposedWeights, shape, 0, i));
                    break;
                case TrainingStepKind.ConvFromPlain:
                    step.Packed.Add(Add(work, TrainingPackedKind.ConvNchwWeights, shape, 0, i));
                    step.Packed.Add(Add(work, TrainingPackedKind.Bias, shape, channels, i));
                    break;
                case TrainingStepKind.Dense:
                    step.Packed.Add(Add(work, TrainingPackedKind.DenseWeights, shape, 0, i));
                    step.Packed.Add(Add(work, TrainingPackedKind.Bias, shape, channels, i));
                    break;
            }
        }
    }

    private static int Add(TrainingWork work, TrainingPackedKind kind, int shape, int channels, int step)
    {
        var id = work.Packed.Count;
        work.Packed.Add(new TrainingPackedTensor(id, "", kind, shape, channels, step));
        return id;
    }
}
