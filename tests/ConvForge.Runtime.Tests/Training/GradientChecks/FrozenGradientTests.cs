using System;
using System.Linq;
using ConvForge.Kernels;
using Xunit.Abstractions;

namespace ConvForge.Runtime.Tests.Training.GradientChecks;

/// <summary>
/// Whole-network gradient checks with frozen nodes: a frozen prefix (backward stops at the first trainable layer) and a
/// frozen block in the middle (gradients pass through it to trainable layers before it, its own parameters get none).
/// The reference runs frozen BatchNorms on their running statistics, as the trainer does. Same tolerances as
/// <see cref="WholeNetworkGradientTests"/>; frozen tensors' gradients must be exactly zero.
/// </summary>
public class FrozenGradientTests(ITestOutputHelper output)
{
    private const int PerTensor = 48;

    public static TheoryData<string, string?, string?, KernelFamily> Cases()
    {
        var cases = new (string Network, string? Frozen, string? Through)[]
        {
            (nameof(BasicBlockCheckNet), null, "Res1"),
            (nameof(BasicBlockCheckNet), "Res1", null),
            (nameof(BottleneckCheckNet), null, "Res1"),
            (nameof(ModuleCheckNet), "Block2.Left", null),
        };
        var data = new TheoryData<string, string?, string?, KernelFamily>();
        foreach (var (network, frozen, through) in cases)
            foreach (var family in CheckNetworks.Families)
                data.Add(network, frozen, through, family);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Trainer_gradients_with_frozen_nodes_match_central_finite_differences(string name, string? frozen, string? through, KernelFamily family)
    {
        var network = CheckNetworks.All[name];
        var definition = network.Definition;
        var batch = CheckBatch.Create(definition, batch: 3, seed: 47);
        var trainer = network.ComputeFrozenGradients(family, batch, frozen is null ? null : new[] { frozen }, through);

        var frozenTensors = definition.Parameters.Where(p => p.Trainable && !trainer.TrainedParameters.Contains(p.Name)).ToList();
        Assert.NotEmpty(frozenTensors);
        foreach (var parameter in definition.Parameters.Where(p => !trainer.TrainedParameters.Contains(p.Name)))
            Assert.All(trainer.Gradients.AsSpan(parameter.Offset, parameter.Length).ToArray(), g => Assert.Equal(0f, g));

        var frozenBatchNorms = trainer.FrozenNodes.Where(n => definition.Nodes[n].Kind == OpKind.BatchNorm).ToHashSet();
        Assert.NotEmpty(frozenBatchNorms);
        var reference = FiniteDifferences.Loss(definition, batch, trainer.Masks, frozenBatchNorms);
        Assert.True(Math.Abs(trainer.Loss - reference) <= WholeNetworkGradientTests.LossTolerance * Math.Abs(reference),
            $"{name} on {family}: the trainer's loss is {trainer.Loss:G9}, the reference's (frozen BatchNorms on running statistics) {reference:G9}.");

        var indices = FiniteDifferences.ChosenParameters(definition, PerTensor, seed: 43, p => trainer.TrainedParameters.Contains(p.Name));
        var numeric = FiniteDifferences.Gradient(definition, batch, indices, trainer.Masks, frozenBatchNorms);
        var worst = FiniteDifferences.AssertAgree(definition, indices, numeric, trainer.Gradients,
            WholeNetworkGradientTests.Absolute, WholeNetworkGradientTests.Relative, $"{name} with {frozen ?? "through " + through} frozen, on {family}");
        output.WriteLine($"{name}, {frozen ?? "through " + through} frozen ({frozenTensors.Count} tensors), on {family}: {indices.Length} parameters checked, largest error {worst:E2} of the largest gradient");
    }
}
