using System.Collections.Generic;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Planning.Training;

/// <summary>
/// Training pass 1: one step per node of the unfused graph that does work, in the graph's (topological) order, and a
/// value per step output. A Flatten is an alias (its value is its input's: a Dense reads NCHWc through its packed
/// weights, and elementwise steps do not care); a final Softmax is no step (the loss reads its input, the logits). The
/// network input stays plain: a first convolution reads it as it is when the forward planner's rule allows
/// (<see cref="TensorPass.ReadsPlainInput"/>), any other consumer through one ToBlocked step. Finds what makes a
/// network untrainable (logits not C x 1 x 1, a Softmax over several pixels inside the network, a per-channel layer
/// reading a flattened multi-pixel value) and says so in <see cref="TrainingWork.Problem"/>.
/// </summary>
internal static class StepPass
{
    public static void Run(TrainingWork work) => work.Problem ??= Build(work);

    /// <summary>Adds the steps and values; returns why the network cannot be trained, or null.</summary>
    private static string? Build(TrainingWork work)
    {
        var graph = work.Graph;
        var valueOf = new int[graph.Nodes.Count];
        work.Input = work.NewValue(graph.Input.Name, graph.Input.Output, Layout.Plain).Id;
        valueOf[graph.Input.Index] = work.Input;
        var blockedInput = -1;

        int Blocked(int nodeIndex)
        {
            var value = valueOf[nodeIndex];
            if (value != work.Input)
                return value;
            if (blockedInput < 0)
            {
                var input = work.Values[work.Input];
                blockedInput = work.NewValue(input.Name + "@blocked", input.Shape, Layout.Blocked).Id;
                work.Steps.Add(new TrainingWorkStep(TrainingStepKind.ToBlocked, graph.Input, new List<int> { work.Input }, blockedInput));
            }
            return blockedInput;
        }

        foreach (var node in graph.Nodes)
        {
            if (node.Kind == OpKind.Input)
                continue;
            if (node.Kind == OpKind.Flatten)
            {
                valueOf[node.Index] = valueOf[node.Inputs[0]];
                continue;
            }
            if (node.Kind == OpKind.Softmax && node.Index == graph.Output.Index)
                continue;

            var kind = KindOf(node.Kind);
            var inputs = new List<int>();
            if (kind == TrainingStepKind.Conv && valueOf[node.Inputs[0]] == work.Input && TensorPass.ReadsPlainInput(node, graph.Input.Output))
            {
                kind = TrainingStepKind.ConvFromPlain;
                inputs.Add(work.Input);
            }
            else
            {
                foreach (var input in node.Inputs)
                    inputs.Add(Blocked(input));
            }

            // Dense flattens whatever it reads and elementwise steps keep their input's shape; every other step needs the
            // shape its node was inferred for, which a Flatten of a multi-pixel value is not.
            var shape = node.Output;
            if (kind is TrainingStepKind.Activation or TrainingStepKind.Dropout or TrainingStepKind.Add)
            {
                shape = work.Values[inputs[0]].Shape;
                foreach (var input in inputs)
                {
                    if (work.Values[input].Shape != shape)
                        return $"{node.Name} adds values of different layouts ({Text.Shape(shape)} and {Text.Shape(work.Values[input].Shape)}, one of them flattened).";
                }
            }
            else if (kind != TrainingStepKind.Dense)
            {
                for (var i = 0; i < inputs.Count; i++)
                {
                    var expected = graph.Nodes[node.Inputs[i]].Output;
                    if (work.Values[inputs[i]].Shape != expected)
                        return $"{node.Name} ({node.Kind}) reads {graph.Nodes[node.Inputs[i]].Name}, a Flatten of a {Text.Shape(work.Values[inputs[i]].Shape)} value; "
                            + "training supports a flattened value only in Dense layers and elementwise layers.";
                }
            }
            if (kind == TrainingStepKind.Softmax && shape.Height * shape.Width != 1)
                return $"{node.Name} is a Softmax over {Text.Size(shape.Height, shape.Width)} pixels inside the network; training supports Softmax inside a network only over one pixel.";

            var output = work.NewValue(node.Name, shape, Layout.Blocked).Id;
            var step = new TrainingWorkStep(kind, node, inputs, output);
            var parameters = work.Forward.Parameters;
            for (var p = parameters.FirstParameterOfNode[node.Index]; p < parameters.FirstParameterOfNode[node.Index + 1]; p++)
                step.Parameters.Add(p);
            step.Activation = node.Kind switch
            {
                OpKind.Relu => Activation.Relu,
                OpKind.Relu6 => Activation.Relu6,
                OpKind.LeakyRelu => Activation.LeakyRelu,
                OpKind.Sigmoid => Activation.Sigmoid,
                _ => Activation.None,
            };
            if (kind == TrainingStepKind.Dropout)
                step.Mask = work.NewValue(node.Name + ".Mask", shape, Layout.Blocked).Id;
            if (kind == TrainingStepKind.BatchNorm)
            {
                // Batch mean, then 1 / sqrt(variance + epsilon), one float per channel each.
                step.SavedOffset = work.SavedLength;
                step.SavedLength = 2 * shape.Channels;
                work.SavedLength += step.SavedLength;
            }
            work.Steps.Add(step);
            valueOf[node.Index] = output;
        }

        var last = graph.Output;
        work.Logits = last.Kind == OpKind.Softmax ? valueOf[last.Inputs[0]] : valueOf[last.Index];
        var logits = work.Values[work.Logits];
        if (logits.Shape.Height != 1 || logits.Shape.Width != 1)
        {
            return $"the logits ({logits.Name}, {Text.Shape(logits.Shape)}) are not C x 1 x 1: the losses read one score per class, "
                + "so end the network with global pooling or a Dense layer (before a final Softmax, if any).";
        }
        return null;
    }

    private static TrainingStepKind KindOf(OpKind kind) => kind switch
    {
        OpKind.Conv => TrainingStepKind.Conv,
        OpKind.Dense => TrainingStepKind.Dense,
        OpKind.MaxPool => TrainingStepKind.MaxPool,
        OpKind.AvgPool => TrainingStepKind.AvgPool,
        OpKind.GlobalAvgPool => TrainingStepKind.GlobalAvgPool,
        OpKind.GlobalMaxPool => TrainingStepKind.GlobalMaxPool,
        OpKind.BatchNorm => TrainingStepKind.BatchNorm,
        OpKind.Relu or OpKind.Relu6 or OpKind.LeakyRelu or OpKind.Sigmoid => TrainingStepKind.Activation,
        OpKind.Add => TrainingStepKind.Add,
        OpKind.ChannelScale => TrainingStepKind.ChannelScale,
        OpKind.Concat => TrainingStepKind.Concat,
        OpKind.Dropout => TrainingStepKind.Dropout,
        OpKind.Lrn => TrainingStepKind.Lrn,
        OpKind.Softmax => TrainingStepKind.Softmax,
        _ => throw new System.InvalidOperationException($"No training step for {kind}."),
    };
}
