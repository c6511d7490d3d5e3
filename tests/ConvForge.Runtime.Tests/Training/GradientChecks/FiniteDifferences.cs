using System;
using System.Collections.Generic;
using System.Linq;
using ConvForge.Runtime.Tests.Onnx;

namespace ConvForge.Runtime.Tests.Training.GradientChecks;

/// <summary>A batch to check gradients on: images, labels and the parameters (float, as the network holds them).</summary>
/// <param name="Images">Batch x input length values in [-1, 1).</param>
/// <param name="Labels">One class per image, all different when the classes allow.</param>
/// <param name="Parameters">The parameter buffer: the seeded initialization, then random biases and BatchNorm shifts and scales.</param>
public sealed record CheckBatch(float[] Images, int[] Labels, float[] Parameters)
{
    /// <summary>A batch of <paramref name="batch"/> images for <paramref name="network"/>, from <paramref name="seed"/>.</summary>
    public static CheckBatch Create(NetworkDefinition network, int batch, ulong seed)
    {
        var classes = network.Nodes[TrainingReference.LogitsNode(network)].Output.Channels;
        var labels = Enumerable.Range(0, batch).Select(n => (n * 3 + 1) % classes).ToArray();
        return new CheckBatch(
            OnnxRuntimeHarness.RandomValues(batch * network.InputShape.Length, seed),
            labels,
            OnnxRuntimeHarness.TestParameters(network, seed + 1));
    }
}

/// <summary>
/// Central finite differences of the double-precision reference loss (<see cref="TrainingReference.Loss"/>), and
/// the comparison of a float gradient with them.
/// </summary>
public static class FiniteDifferences
{
    /// <summary>
    /// The step: small enough that a perturbation rarely moves a ReLU input or a pooling maximum across a kink
    /// (the loss is piecewise smooth), large enough that double rounding (about 1e-16 / step relative) is negligible.
    /// The truncation error is of order step^2.
    /// </summary>
    public const double Step = 1e-5;

    /// <summary>
    /// The parameters to check: every entry of each trainable tensor of at most <paramref name="perTensor"/> entries,
    /// else its first and last entries and a seeded sample of the others (so a long tensor cannot dominate the time).
    /// </summary>
    public static int[] ChosenParameters(NetworkDefinition network, int perTensor, ulong seed, Func<ParameterInfo, bool>? include = null)
    {
        var random = new Random(unchecked((int)seed));
        var chosen = new List<int>();
        foreach (var parameter in network.Parameters)
        {
            if (!parameter.Trainable || (include is not null && !include(parameter)))
                continue;
            if (parameter.Length <= perTensor)
            {
                chosen.AddRange(Enumerable.Range(parameter.Offset, parameter.Length));
                continue;
            }
            var picked = new SortedSet<int> { 0, parameter.Length - 1 };
            while (picked.Count < perTensor)
                picked.Add(random.Next(parameter.Length));
            chosen.AddRange(picked.Select(i => parameter.Offset + i));
        }
        return chosen.ToArray();
    }

    /// <summary>d(loss)/d(parameter) for each of <paramref name="indices"/>: (L(p + h) - L(p - h)) / 2h with h = <see cref="Step"/>, in double.</summary>
    public static double[] Gradient(NetworkDefinition network, CheckBatch batch, IReadOnlyList<int> indices,
        IReadOnlyDictionary<int, double[]>? dropoutMasks = null, IReadOnlySet<int>? frozenBatchNorms = null)
    {
        var parameters = batch.Parameters.Select(v => (double)v).ToArray();
        var images = batch.Images.Select(v => (double)v).ToArray();
        var gradient = new double[indices.Count];
        for (var i = 0; i < indices.Count; i++)
        {
            var index = indices[i];
            var original = parameters[index];
            parameters[index] = original + Step;
            var plus = TrainingReference.Loss(network, parameters, images, batch.Labels, ReferenceMode.Training, dropoutMasks, frozenBatchNorms);
            parameters[index] = original - Step;
            var minus = TrainingReference.Loss(network, parameters, images, batch.Labels, ReferenceMode.Training, dropoutMasks, frozenBatchNorms);
            parameters[index] = original;
            gradient[i] = (plus - minus) / (2 * Step);
        }
        return gradient;
    }

    /// <summary>The reference loss at the batch's parameters.</summary>
    public static double Loss(NetworkDefinition network, CheckBatch batch, IReadOnlyDictionary<int, double[]>? dropoutMasks = null,
        IReadOnlySet<int>? frozenBatchNorms = null) =>
        TrainingReference.Loss(network, batch.Parameters.Select(v => (double)v).ToArray(), batch.Images.Select(v => (double)v).ToArray(),
            batch.Labels, ReferenceMode.Training, dropoutMasks, frozenBatchNorms);

    /// <summary>
    /// Asserts |analytic - numeric| &lt;= <paramref name="absolute"/> * max |numeric| + <paramref name="relative"/> * |numeric| for
    /// every checked parameter: the first term bounds float rounding relative to the network's gradient scale (a float
    /// gradient cannot resolve an entry far smaller than the largest), the second the error of the large entries.
    /// Names the worst parameters when it fails. Returns the largest |analytic - numeric| / max |numeric|.
    /// </summary>
    public static double AssertAgree(NetworkDefinition network, IReadOnlyList<int> indices, double[] numeric, ReadOnlySpan<float> analytic,
        double absolute, double relative, string what)
    {
        var scale = numeric.Max(Math.Abs);
        if (!(scale > 0))
            throw new InvalidOperationException($"{what}: every checked gradient is zero; the check would prove nothing.");
        var failures = new List<(double Excess, string Text)>();
        double worst = 0;
        for (var i = 0; i < indices.Count; i++)
        {
            var a = (double)analytic[indices[i]];
            var error = Math.Abs(a - numeric[i]);
            worst = Math.Max(worst, error / scale);
            var allowed = absolute * scale + relative * Math.Abs(numeric[i]);
            if (!(error <= allowed))
                failures.Add((error / allowed, $"{Describe(network, indices[i])}: analytic {a:G7}, finite differences {numeric[i]:G7}"));
        }
        if (failures.Count > 0)
            throw new Xunit.Sdk.XunitException(
                $"{what}: {failures.Count} of {indices.Count} parameter gradients differ from central finite differences by more than "
                + $"{absolute:G2} x {scale:G4} (the largest) + {relative:G2} x |numeric|; the worst:\n  "
                + string.Join("\n  ", failures.OrderByDescending(f => f.Excess).Take(8).Select(f => f.Text)));
        return worst;
    }

    /// <summary>"Res1.Conv1.Weight[17]" for a parameter offset.</summary>
    public static string Describe(NetworkDefinition network, int offset)
    {
        foreach (var parameter in network.Parameters)
            if (offset >= parameter.Offset && offset < parameter.Offset + parameter.Length)
                return $"{parameter.Name}[{offset - parameter.Offset}]";
        return $"parameter {offset}";
    }
}
