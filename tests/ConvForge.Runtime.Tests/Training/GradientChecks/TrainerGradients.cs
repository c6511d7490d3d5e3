using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using ConvForge.Kernels;
using ConvForge.Runtime.Tests.Execution;
using ConvForge.Training;

namespace ConvForge.Runtime.Tests.Training.GradientChecks;

/// <summary>
/// What <see cref="Trainer{TNetwork}.ComputeGradients"/> gives on a batch: the training-mode loss, d loss / d parameters
/// (ParameterStore layout, float), and the dropout masks it drew (NCHW, batch x the Dropout's output length, by node
/// index), which the reference needs to compute the same function; and what the trainer froze.
/// </summary>
/// <param name="Loss">The trainer's training-mode loss.</param>
/// <param name="Gradients">d loss / d parameters, ParameterStore layout (zero where nothing is trained).</param>
/// <param name="Masks">The dropout masks by node index.</param>
/// <param name="FrozenNodes">Indices of the nodes the trainer froze.</param>
/// <param name="TrainedParameters">Names of the parameter tensors it trains.</param>
public sealed record TrainerGradients(float Loss, float[] Gradients, IReadOnlyDictionary<int, double[]> Masks,
    IReadOnlySet<int> FrozenNodes, IReadOnlySet<string> TrainedParameters)
{
    /// <summary>Threads of the trainers the checks build: two, so the batch is split and the workers' gradients summed.</summary>
    public const int Threads = 2;

    /// <summary>
    /// A trainer for a fresh <typeparamref name="TNetwork"/> holding the batch's parameters, on <paramref name="family"/>,
    /// with <paramref name="frozen"/> (<see cref="TrainerOptions.Frozen"/>) and <paramref name="freezeThrough"/>; its gradients on the batch.
    /// </summary>
    public static TrainerGradients Compute<TNetwork>(KernelFamily family, CheckBatch batch, string[]? frozen = null, string? freezeThrough = null)
        where TNetwork : class, IGeneratedNetwork, ITrainableNetwork, new()
    {
        var network = new TNetwork();
        network.UseKernels(family);
        var store = ((ITrainableNetwork)network).Parameters;
        batch.Parameters.CopyTo(store.GetWritableValues());
        store.MarkChanged();
        using var trainer = new Trainer<TNetwork>(network, new TrainerOptions
        {
            BatchSize = batch.Labels.Length,
            Kernels = family,
            Threads = Threads,
            Seed = 2026,
            Frozen = frozen ?? Array.Empty<string>(),
            FreezeThrough = freezeThrough,
        });
        Assert.Equal(family, trainer.KernelFamily);
        var gradients = new float[TNetwork.Definition.ParameterLength];
        var loss = trainer.ComputeGradients(batch.Images, batch.Labels, gradients);
        Assert.Equal(batch.Parameters, store.Values.ToArray());
        var definition = TNetwork.Definition;
        var frozenNodes = Enumerable.Range(0, definition.Nodes.Count).Where(trainer.Schedule.IsNodeFrozen).ToHashSet();
        var trained = trainer.Schedule.TrainableParameters.Select(p => p.Name).ToHashSet();
        return new TrainerGradients(loss, gradients, ReadDropoutMasks(trainer, TNetwork.TrainingProgram, family, batch.Labels.Length), frozenNodes, trained);
    }

    /// <summary>
    /// The masks of the Dropout steps, read from the trainer's value arena after the training-mode forward pass (the
    /// trainer does not expose its arena; reflection reads the runner's Values, which ComputeGradients leaves filled).
    /// </summary>
    private static Dictionary<int, double[]> ReadDropoutMasks<TNetwork>(Trainer<TNetwork> trainer, TrainingProgram program, KernelFamily family, int images)
        where TNetwork : ITrainableNetwork
    {
        var masks = new Dictionary<int, double[]>();
        var dropouts = program.Steps.Where(step => step.Kind == TrainingStepKind.Dropout).ToList();
        if (dropouts.Count == 0)
            return masks;

        var runnerField = typeof(Trainer<TNetwork>).GetField("runner", BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new InvalidOperationException("Trainer<T> has no field 'runner' any more: update how the gradient checks read the dropout masks.");
        var runner = runnerField.GetValue(trainer)!;
        var valuesField = runner.GetType().GetField("Values", BindingFlags.Public | BindingFlags.Instance)
            ?? throw new InvalidOperationException("The trainer's runner has no field 'Values' any more: update how the gradient checks read the dropout masks.");
        var arena = (float[])valuesField.GetValue(runner)!;

        var block = KernelFamilies.BlockSize(family);
        foreach (var step in dropouts)
        {
            var value = program.Values[step.Mask];
            var (channels, height, width) = (value.Channels, value.Height, value.Width);
            var mask = new double[images * channels * height * width];
            for (var n = 0; n < images; n++)
            for (var c = 0; c < channels; c++)
            for (var h = 0; h < height; h++)
            for (var w = 0; w < width; w++)
            {
                var within = value.Layout == TrainingLayout.Plain
                    ? (c * height + h) * width + w
                    : ((c / block * height + h) * width + w) * block + c % block;
                mask[((n * channels + c) * height + h) * width + w] = arena[n * program.ImageLength + value.Offset + within];
            }
            masks[step.NodeIndex] = mask;
        }
        return masks;
    }
}
