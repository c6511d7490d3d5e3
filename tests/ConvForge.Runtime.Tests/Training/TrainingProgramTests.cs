using System;
using System.Collections.Generic;
using System.Linq;
using ConvForge.Runtime.Tests.Execution;
using ConvForge.Training;

namespace ConvForge.Runtime.Tests.Training;

/// <summary>A network whose output is a map, not one score per class: the generator plans no training program for it.</summary>
[Network(Channels = 3, Height = 9, Width = 9)]
public partial class ScoreMapNet
{
    [Conv(4, Kernel = 3, Padding = 1)] public partial Layer Scores { get; }
}

/// <summary>
/// The generated training program table (<see cref="ITrainableNetwork.TrainingProgram"/>) read against the generated
/// <see cref="NetworkDefinition"/> of the same network: the two are printed from different stages of the compiler (the
/// training plan and the graph), so these checks catch a table that disagrees with the graph it claims to train.
/// </summary>
public sealed class TrainingProgramTests
{
    private static TrainingProgram ProgramOf<T>() where T : ITrainableNetwork => T.TrainingProgram;

    [Fact]
    public void EveryLayerNet_program_matches_its_definition() => CheckAgainstDefinition<EveryLayerNet>();

    [Fact]
    public void JoinNet_program_matches_its_definition() => CheckAgainstDefinition<JoinNet>();

    [Fact]
    public void EveryLayerNet_has_a_step_per_node_that_does_work()
    {
        var program = ProgramOf<EveryLayerNet>();
        var kinds = program.Steps.Select(s => s.Kind).ToArray();
        // A 3-channel input, read plain by the first convolution.
        Assert.Equal(TrainingStepKind.ConvFromPlain, kinds[0]);
        Assert.DoesNotContain(TrainingStepKind.ToBlocked, kinds);
        Assert.Equal(2, kinds.Count(k => k == TrainingStepKind.BatchNorm));
        Assert.Single(program.Steps, s => s.Kind == TrainingStepKind.Dropout);
        var dropout = program.Steps.Single(s => s.Kind == TrainingStepKind.Dropout);
        Assert.Equal("Drop.Mask", program.Values[dropout.Mask].Name);
        // Output = Flatten, Dense, Softmax: no Flatten step, the Dense is the last step and its output the logits.
        Assert.Equal(TrainingStepKind.Dense, kinds[^1]);
        Assert.Equal(program.Steps[^1].Output, program.Logits);
        Assert.DoesNotContain(TrainingStepKind.Softmax, kinds);
    }

    [Fact]
    public void A_network_without_one_score_per_class_throws_naming_why()
    {
        var exception = Assert.Throws<NotSupportedException>(() => ProgramOf<ScoreMapNet>());
        Assert.Contains("ScoreMapNet cannot be trained", exception.Message);
        Assert.Contains("4x9x9", exception.Message);
        Assert.Contains("not C x 1 x 1", exception.Message);
    }

    private static void CheckAgainstDefinition<T>() where T : ITrainableNetwork
    {
        var program = T.TrainingProgram;
        var definition = T.Definition;

        var input = program.Values[program.Input];
        Assert.Equal(("Input", TrainingLayout.Plain, 0), (input.Name, input.Layout, input.Offset));
        Assert.Equal(definition.InputShape, new TensorShape(input.Channels, input.Height, input.Width));

        // Values: in order, disjoint, each its layout's room, the image length their sum.
        var offset = 0;
        for (var i = 0; i < program.Values.Count; i++)
        {
            var value = program.Values[i];
            Assert.Equal((i, offset), (value.Id, value.Offset));
            var plane = value.Height * value.Width;
            Assert.Equal(value.Layout == TrainingLayout.Plain ? value.Channels * plane : (value.Channels + 15) / 16 * 16 * plane, value.Length);
            offset += value.Length;
        }
        Assert.Equal(offset, program.ImageLength);

        // Steps: each on its node, parameters those of the node in the definition's order, every value written once.
        var written = new HashSet<int> { program.Input };
        var parameters = new List<int>();
        var saved = 0;
        for (var i = 0; i < program.Steps.Count; i++)
        {
            var step = program.Steps[i];
            var node = definition.Nodes[step.NodeIndex];
            Assert.Equal((i, node.Name), (step.Index, step.Node));
            Assert.Contains(step.Kind, ExpectedKinds(node.Kind));
            Assert.All(step.Inputs, v => Assert.Contains(v, written));
            Assert.True(written.Add(step.Output));
            var output = program.Values[step.Output];
            if (step.Kind != TrainingStepKind.ToBlocked)
            {
                Assert.Equal(node.Name, output.Name);
                Assert.Equal(TrainingLayout.Blocked, output.Layout);
                Assert.Equal(node.Output.Channels * node.Output.Height * node.Output.Width, output.Channels * output.Height * output.Width);
            }
            Assert.Equal(node.Parameters.Select(p => p.Name), step.Parameters.Select(p => definition.Parameters[p].Name));
            parameters.AddRange(step.Parameters);
            if (step.Kind == TrainingStepKind.Dropout)
            {
                Assert.True(written.Add(step.Mask));
                Assert.Equal(node.Name + ".Mask", program.Values[step.Mask].Name);
            }
            else
            {
                Assert.Equal(-1, step.Mask);
            }
            if (step.Kind == TrainingStepKind.BatchNorm)
            {
                Assert.True(step.IsBatchLevel);
                Assert.Equal((saved, 2 * node.Output.Channels), (step.SavedOffset, step.SavedLength));
                saved += step.SavedLength;
            }
        }
        Assert.Equal(program.Values.Count, written.Count);
        Assert.Equal(Enumerable.Range(0, definition.Parameters.Count), parameters);
        Assert.Equal(saved, program.SavedLength);

        // The logits: one score per class, the input of a final Softmax or the output.
        var logits = program.Values[program.Logits];
        var scored = definition.Output.Kind == OpKind.Softmax ? definition.Nodes[definition.Output.Inputs[0]] : definition.Output;
        Assert.Equal((scored.Output.Channels * scored.Output.Height * scored.Output.Width, 1, 1), (logits.Channels, logits.Height, logits.Width));
    }

    private static TrainingStepKind[] ExpectedKinds(OpKind kind) => kind switch
    {
        OpKind.Input => new[] { TrainingStepKind.ToBlocked },
        OpKind.Conv => new[] { TrainingStepKind.Conv, TrainingStepKind.ConvFromPlain },
        OpKind.Relu or OpKind.Relu6 or OpKind.LeakyRelu or OpKind.Sigmoid => new[] { TrainingStepKind.Activation },
        OpKind.Concat => new[] { TrainingStepKind.Concat },
        _ => new[] { Enum.Parse<TrainingStepKind>(kind.ToString()) },
    };
}
