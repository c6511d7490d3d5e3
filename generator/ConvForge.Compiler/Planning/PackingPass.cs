using System;

namespace ConvForge.Compiler.Planning;

/// <summary>
/// Pass 6: the packed-weight buffer. Every convolution and dense layer gets its weights in the kernels' layout and
/// its bias padded to whole blocks; every BatchNorm left standing gets its scale and shift. The tensors follow each
/// other in step order; their lengths, and so their offsets, are the family's (computed by the generated code from
/// the family's length functions). Also sizes the scratch room: a folded BatchNorm needs the weights and bias of
/// its convolution, a standalone one its scale and shift.
/// </summary>
internal static class PackingPass
{
    public static void Run(WorkProgram program)
    {
        var parameters = program.Parameters;
        foreach (var step in program.Steps)
        {
            var node = step.Node;
            switch (step.Kind)
            {
                case StepKind.Conv:
                case StepKind.ConvFromPlain:
                case StepKind.Dense:
                {
                    var shape = step.Shapes[0];
                    var (packKind, weightsKind) = step.Kind switch
                    {
                        StepKind.Conv => (PackKind.Conv, PackedKind.ConvWeights),
                        StepKind.ConvFromPlain => (PackKind.ConvNchw, PackedKind.ConvNchwWeights),
                        _ => (PackKind.Dense, PackedKind.DenseWeights),
                    };
                    var channels = node.Output.Channels;
                    step.Weights = Add(program, weightsKind, shape, 0, node.Name);
                    step.Bias = Add(program, PackedKind.Channels, -1, channels, node.Name);
                    var bn = step.FoldedBatchNorm;
                    program.Packing.Add(new PackOperation(
                        packKind, node.Name, bn?.Name, shape, step.Weights, step.Bias,
                        WeightParameter: parameters.OffsetOf(node.Index, 0),
                        BiasParameter: node.Parameters.Count > 1 ? parameters.OffsetOf(node.Index, 1) : -1,
                        BatchNormParameter: bn is null ? -1 : parameters.OffsetOf(bn.Index, 0),
                        Epsilon: bn?.Scalar ?? 0,
                        Channels: channels));
                    if (bn is not null)
                        program.ScratchLength = Math.Max(program.ScratchLength, node.Parameters[0].Length + channels);
                    break;
                }
                case StepKind.BatchNorm:
                {
                    var channels = step.Output.Shape.Channels;
                    step.Weights = Add(program, PackedKind.Channels, -1, channels, node.Name);
                    step.Bias = Add(program, PackedKind.Channels, -1, channels, node.Name);
                    program.Packing.Add(new PackOperation(
                        PackKind.BatchNorm, node.Name, null, -1, step.Weights, step.Bias,
                        WeightParameter: -1, BiasParameter: -1, BatchNormParameter: parameters.OffsetOf(node.Index, 0),
                        Epsilon: node.Scalar, Channels: channels));
                    program.ScratchLength = Math.Max(program.ScratchLength, 2L * channels);
                    break;
                }
            }
        }
    }

    private static int Add(WorkProgram program, PackedKind kind, int shape, int channels, string node)
    {
        var id = program.Packed.Count;
        program.Packed.Add(new PackedTensor(id, "", kind, shape, channels, node));
        return id;
    }
}
