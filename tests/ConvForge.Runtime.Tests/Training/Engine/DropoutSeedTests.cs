using System;
using System.IO;
using System.Linq;
using ConvForge.Training;

namespace ConvForge.Runtime.Tests.Training.Engine;

/// <summary>Dropout masks follow (seed, step): reproducible, different per seed, continued by a resumed run, off in evaluation.</summary>
public sealed class DropoutSeedTests
{
    private const int Batch = 8;

    private static (float[] Images, int[] Labels) Data()
    {
        var random = new Random(2);
        var images = Enumerable.Range(0, 4 * Batch).Select(_ => (float)random.NextDouble()).ToArray();
        var labels = Enumerable.Range(0, Batch).Select(i => i % 3).ToArray();
        return (images, labels);
    }

    private static Trainer<TinyDropoutNetwork> Make(TinyDropoutNetwork network, ulong seed, int threads = 2, string? through = null) =>
        new(network, new TrainerOptions { BatchSize = Batch, Threads = threads, Seed = seed, Optimizer = OptimizerKind.Adam, Schedule = new ConstantSchedule(0.01), FreezeThrough = through });

    private static float[] Train(ulong seed, int steps, int threads = 2)
    {
        var (images, labels) = Data();
        var network = new TinyDropoutNetwork();
        using var trainer = Make(network, seed, threads);
        for (int i = 0; i < steps; i++)
            trainer.TrainBatch(images, labels);
        return network.Parameters.Values.ToArray();
    }

    [Fact]
    public void The_same_seed_draws_the_same_masks_and_another_seed_other_ones()
    {
        Assert.Equal(Train(7, 5), Train(7, 5));
        Assert.NotEqual(Train(7, 5), Train(8, 5));
        // Masks depend on the image, not on which worker ran it: one and two threads differ by rounding only.
        double largest = Train(7, 5, threads: 1).Zip(Train(7, 5, threads: 2), (a, b) => Math.Abs(a - b)).Max();
        Assert.True(largest < 1e-5, $"one and two threads differ by {largest}");
    }

    [Fact]
    public void Each_step_draws_new_masks_and_a_resumed_run_draws_the_same_ones()
    {
        var (images, labels) = Data();
        var network = new TinyDropoutNetwork();
        using var trainer = Make(network, 7);
        float first = trainer.ComputeLoss(images, labels);
        Assert.Equal(first, trainer.ComputeLoss(images, labels));

        var path = Path.Combine(Path.GetTempPath(), $"convforge-dropout-{Guid.NewGuid():N}.safetensors");
        try
        {
            trainer.TrainBatch(images, labels);
            trainer.SaveCheckpoint(path);
            for (int i = 0; i < 4; i++)
                trainer.TrainBatch(images, labels);

            var resumedNetwork = new TinyDropoutNetwork(seed: 50);
            using var resumed = Make(resumedNetwork, 7);
            resumed.LoadCheckpoint(path);
            for (int i = 0; i < 4; i++)
                resumed.TrainBatch(images, labels);
            Assert.Equal(network.Parameters.Values.ToArray(), resumedNetwork.Parameters.Values.ToArray());
        }
        finally
        {
            File.Delete(path);
        }

        // A step later the masks differ: the same parameters give another training loss.
        var fresh = new TinyDropoutNetwork();
        using var probe = new Trainer<TinyDropoutNetwork>(fresh, new TrainerOptions { BatchSize = Batch, Threads = 1, Seed = 7, Schedule = new ConstantSchedule(1e-30) });
        float atStep0 = probe.ComputeLoss(images, labels);
        probe.TrainBatch(images, labels);
        Assert.NotEqual(atStep0, probe.ComputeLoss(images, labels));
    }

    [Fact]
    public void Evaluation_runs_without_dropout()
    {
        var (images, labels) = Data();
        using var trainer = Make(new TinyDropoutNetwork(), 7);
        var alone = trainer.EvaluateBatch(images.AsSpan(0, 4), labels.AsSpan(0, 1));
        var inBatch = trainer.EvaluateBatch(images.AsSpan(0, 8), labels.AsSpan(0, 2));
        var second = trainer.EvaluateBatch(images.AsSpan(4, 4), labels.AsSpan(1, 1));
        Assert.Equal((alone.Loss + second.Loss) / 2, inBatch.Loss, 6);
    }

    [Fact]
    public void A_trunk_with_dropout_cannot_be_cached()
    {
        using var trainer = Make(new TinyDropoutNetwork(), 7, through: "Drop");
        var error = Assert.Throws<InvalidOperationException>(() => trainer.CacheFrozenFeatures(new float[4 * Batch]));
        Assert.Contains("Drop", error.Message);
    }
}
