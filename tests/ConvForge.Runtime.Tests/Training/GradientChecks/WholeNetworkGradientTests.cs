using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using ConvForge.Kernels;
using Xunit.Abstractions;

namespace ConvForge.Runtime.Tests.Training.GradientChecks;

/// <summary>
/// Whole-network gradient checks: the trainer's analytic gradients (float, generated backward passes, two workers) on
/// every check network and every kernel family, against central finite differences of the double-precision training
/// reference's loss (softmax cross-entropy, mean over a batch of 3, BatchNorm on batch statistics, the trainer's
/// dropout masks). Tolerances: |analytic - numeric| &lt;= <see cref="Absolute"/> x max |numeric| + <see cref="Relative"/> x |numeric|
/// per parameter, and the loss to <see cref="LossTolerance"/> relative.
/// </summary>
public class WholeNetworkGradientTests(ITestOutputHelper output)
{
    /// <summary>
    /// Error allowed relative to the network's largest gradient entry (float rounding through the whole backward pass).
    /// Measured: 6e-8 to 4e-7 on most networks, 5e-6 on ConvFormsCheckNet; 1e-4 leaves room for another seed's
    /// rounding while a wrong gradient (a missed term, a wrong scale or tap) is orders of magnitude larger.
    /// </summary>
    public const double Absolute = 1e-4;

    /// <summary>Error allowed relative to the entry itself (for the large entries).</summary>
    public const double Relative = 1e-3;

    /// <summary>|trainer loss - reference loss| / reference loss.</summary>
    public const double LossTolerance = 1e-5;

    /// <summary>Entries checked per parameter tensor (all of a smaller one).</summary>
    private const int PerTensor = 48;

    private const int Batch = 3;

    // The finite differences depend on the network (and the masks) only, not the family: computed once per network.
    private static readonly ConcurrentDictionary<string, (CheckBatch Batch, int[] Indices, double[] Numeric, IReadOnlyDictionary<int, double[]> Masks)> s_numeric = new();

    [Theory]
    [MemberData(nameof(CheckNetworks.NamesAndFamilies), MemberType = typeof(CheckNetworks))]
    public void Trainer_gradients_match_central_finite_differences(string name, KernelFamily family)
    {
        var network = CheckNetworks.All[name];
        var definition = network.Definition;
        var batch = CheckBatch.Create(definition, Batch, seed: 41);
        var trainer = network.ComputeGradients(family, batch);

        var cached = s_numeric.GetOrAdd(name, _ => Numeric(definition, batch, trainer.Masks));
        Assert.Equal(batch.Images, cached.Batch.Images);
        if (!SameMasks(cached.Masks, trainer.Masks))
            cached = Numeric(definition, batch, trainer.Masks);

        var reference = FiniteDifferences.Loss(definition, batch, trainer.Masks);
        Assert.True(Math.Abs(trainer.Loss - reference) <= LossTolerance * Math.Abs(reference),
            $"{name} on {family}: the trainer's loss is {trainer.Loss:G9}, the reference's {reference:G9}.");

        var worst = FiniteDifferences.AssertAgree(definition, cached.Indices, cached.Numeric, trainer.Gradients, Absolute, Relative, $"{name} on {family}");
        output.WriteLine($"{name} on {family}: {cached.Indices.Length} parameters checked, largest error {worst:E2} of the largest gradient {cached.Numeric.Max(Math.Abs):E3}; loss {trainer.Loss:G7} vs {reference:G9}");

        // Parameters that are not trained (BatchNorm running statistics) get no gradient.
        foreach (var parameter in definition.Parameters.Where(p => !p.Trainable))
            Assert.All(trainer.Gradients.AsSpan(parameter.Offset, parameter.Length).ToArray(), g => Assert.Equal(0f, g));
    }

    /// <summary>The check fails on a gradient that is wrong in one entry by 1% of the largest: it can tell.</summary>
    [Fact]
    public void A_gradient_wrong_in_one_entry_fails_the_check()
    {
        var network = CheckNetworks.All[nameof(MlpConvCheckNet)];
        var batch = CheckBatch.Create(network.Definition, Batch, seed: 41);
        var trainer = network.ComputeGradients(KernelFamily.Portable, batch);
        var indices = FiniteDifferences.ChosenParameters(network.Definition, PerTensor, seed: 43);
        var numeric = FiniteDifferences.Gradient(network.Definition, batch, indices, trainer.Masks);
        FiniteDifferences.AssertAgree(network.Definition, indices, numeric, trainer.Gradients, Absolute, Relative, "unchanged");

        var wrong = (float[])trainer.Gradients.Clone();
        wrong[indices[indices.Length / 2]] += (float)(0.01 * numeric.Max(Math.Abs));
        Assert.Throws<Xunit.Sdk.XunitException>(() =>
            FiniteDifferences.AssertAgree(network.Definition, indices, numeric, wrong, Absolute, Relative, "one entry off"));
    }

    /// <summary>Every family draws the same dropout masks (image i of step s from (seed, s, i)), and they are inverted-dropout masks of the declared rate.</summary>
    [Fact]
    public void Dropout_masks_are_the_same_on_every_family_and_scaled_by_one_over_keep()
    {
        var network = CheckNetworks.All[nameof(DropoutCheckNet)];
        var batch = CheckBatch.Create(network.Definition, Batch, seed: 41);
        var masks = CheckNetworks.Families.Select(family => network.ComputeGradients(family, batch).Masks).ToList();
        var (node, mask) = masks[0].Single();
        var rate = network.Definition.Nodes[node].Rate;
        Assert.All(mask, m => Assert.True(m == 0 || Math.Abs(m - 1 / (1 - rate)) < 1e-6, $"mask value {m}"));
        var dropped = mask.Count(m => m == 0) / (double)mask.Length;
        Assert.InRange(dropped, rate - 0.15, rate + 0.15);
        foreach (var other in masks.Skip(1))
            Assert.Equal(mask, other[node]);
    }

    private static (CheckBatch, int[], double[], IReadOnlyDictionary<int, double[]>) Numeric(NetworkDefinition definition, CheckBatch batch, IReadOnlyDictionary<int, double[]> masks)
    {
        var indices = FiniteDifferences.ChosenParameters(definition, PerTensor, seed: 43);
        return (batch, indices, FiniteDifferences.Gradient(definition, batch, indices, masks), masks);
    }

    private static bool SameMasks(IReadOnlyDictionary<int, double[]> a, IReadOnlyDictionary<int, double[]> b) =>
        a.Count == b.Count && a.All(entry => b.TryGetValue(entry.Key, out var other) && entry.Value.AsSpan().SequenceEqual(other));
}
