using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using ConvForge.Execution;

namespace ConvForge.Samples.Tests;

/// <summary>Each sample's ForwardSteps table: the steps of its plan, in order, with the network's MACs spread over them.</summary>
public class ForwardStepsTests
{
    private static readonly Type[] s_samples =
    {
        typeof(Nin), typeof(SqueezeNet11), typeof(GoogLeNet), typeof(ResNet18), typeof(ResNet50), typeof(TinyResidualNet),
        typeof(FashionNin), typeof(NinFashion), typeof(ResNet18Fashion),
    };

    public static TheoryData<string> Samples() => new(s_samples.Select(t => t.Name));

    private static Type Sample(string name) => s_samples.Single(t => t.Name == name);

    private static IReadOnlyList<ForwardStepInfo> StepsOf(Type type)
        => (IReadOnlyList<ForwardStepInfo>)type.GetProperty("ForwardSteps", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    [Theory]
    [MemberData(nameof(Samples))]
    public void The_steps_macs_add_up_to_the_networks(string sample)
    {
        var type = Sample(sample);
        var steps = StepsOf(type);
        var macs = (long)type.GetField("Macs", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        Assert.Equal(Enumerable.Range(0, steps.Count), steps.Select(s => s.Index));
        Assert.Equal(macs, steps.Sum(s => s.Macs));
        Assert.All(steps, s => Assert.True(s.Macs >= 0 && s.Nodes.Length > 0 && s.Operation.Length > 0 && s.Shapes.Contains('x'), s.ToString()));
    }

    [Fact]
    public void A_resnet_block_is_one_step_with_its_convolutions_macs()
    {
        var step = StepsOf(typeof(ResNet18)).Single(s => s.Nodes == "Res2a.Conv1 + Res2a.Bn1 + Res2a.Relu1");
        Assert.Equal("Conv 3x3 pad 1, Res2a.Bn1 folded in, Relu", step.Operation);
        Assert.Equal("64x56x56 -> 64x56x56", step.Shapes);
        Assert.Equal(64L * 56 * 56 * 64 * 3 * 3, step.Macs);
        Assert.Equal(ResNet18.Definition.MacsOf(ResNet18.Definition.IndexOf("Res2a.Conv1")), step.Macs);
    }
}
