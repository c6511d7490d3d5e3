using System;
using System.IO;
using System.Linq;
using ConvForge.Training;

namespace ConvForge.Runtime.Tests.Training.Engine;

public sealed class TrainerTests
{
    private const int Batch = 12;

    private static Trainer<TinyTrainableNetwork> Make(TinyTrainableNetwork network, int threads = 1, OptimizerKind optimizer = OptimizerKind.Sgd,
        double learningRate = 0.1, string[]? frozen = null, string? through = null, float? maxNorm = null) =>
        new(network, new TrainerOptions
        {
            BatchSize = Batch,
            Threads = threads,
            Optimizer = optimizer,
            Schedule = new ConstantSchedule(learningRate),
            Frozen = frozen ?? Array.Empty<string>(),
            FreezeThrough = through,
            MaxGradientNorm = maxNorm,
            WeightDecay = 1e-4f,
            Seed = 5,
        });

    private static void TrainEpochs(Trainer<TinyTrainableNetwork> trainer, float[] images, int[] labels, int epochs, Action<BatchResult>? seen = null)
    {
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            for (int start = 0; start + Batch <= labels.Length; start += Batch)
            {
                var result = trainer.TrainBatch(EngineTestData.Batch(images, start, Batch), labels.AsSpan(start, Batch));
                seen?.Invoke(result);
            }
        }
    }

    [Theory]
    [InlineData(1, LossKind.SoftmaxCrossEntropy)]
    [InlineData(2, LossKind.SoftmaxCrossEntropy)]
    [InlineData(2, LossKind.MulticlassHinge)]
    public void Loss_falls_and_the_tiny_problem_is_learned(int threads, LossKind loss)
    {
        var (images, labels) = EngineTestData.Make(96, seed: 3);
        using var trainer = new Trainer<TinyTrainableNetwork>(new TinyTrainableNetwork(), new TrainerOptions
        {
            BatchSize = Batch,
            Threads = threads,
            Schedule = new ConstantSchedule(0.1),
            Loss = loss,
            LabelSmoothing = loss == LossKind.SoftmaxCrossEntropy ? 0.05f : 0f,
            Seed = 5,
        });
        float before = trainer.EvaluateBatch(images, labels).Loss;
        var losses = new System.Collections.Generic.List<float>();
        TrainEpochs(trainer, images, labels, 15, r => losses.Add(r.Loss));
        var after = trainer.EvaluateBatch(images, labels);
        float firstEpoch = losses.Take(8).Average(), lastEpoch = losses.TakeLast(8).Average();
        Assert.True(lastEpoch < 0.5f * firstEpoch, $"training loss {firstEpoch} -> {lastEpoch}");
        Assert.True(after.Loss < 0.5f * before, $"evaluation loss {before} -> {after.Loss}");
        Assert.True(after.Accuracy > 0.9, $"accuracy {after.Accuracy}");
        Assert.Equal(120, trainer.Step);
    }

    [Fact]
    public void A_frozen_trunk_stays_bit_identical_while_the_head_changes_and_backward_never_enters_it()
    {
        var (images, labels) = EngineTestData.Make(48, seed: 4);
        var network = new TinyTrainableNetwork();
        var before = network.Parameters.Values.ToArray();
        using var trainer = Make(network, threads: 2, through: "Norm");
        TrainEpochs(trainer, images, labels, 3);

        var after = network.Parameters.Values.ToArray();
        Assert.Equal(before.AsSpan(0, TinyTrainableNetwork.HeadWeight).ToArray(), after.AsSpan(0, TinyTrainableNetwork.HeadWeight).ToArray());
        Assert.True(TinyTrainableNetwork.HeadWeight == trainer.Schedule.ParameterGradientOrigin);
        int changed = Enumerable.Range(TinyTrainableNetwork.HeadWeight, 15).Count(i => before[i] != after[i]);
        Assert.Equal(15, changed);

        var counters = trainer.Counters;
        for (int step = 0; step < 4; step++)
        {
            Assert.True(counters.Forward(step) >= 12, $"step {step} ran forward {counters.Forward(step)} times");
            Assert.Equal(0, counters.BackwardInput(step));
            Assert.Equal(0, counters.BackwardParameters(step));
        }
        Assert.Equal(0, counters.BackwardInput(4));
        // 12 batches, each split over two workers.
        Assert.Equal(24, counters.BackwardParameters(4));
        // The frozen trunk's gradient memory does not exist: the optimizer spans the head only.
        Assert.Equal(15, trainer.Optimizer.ParameterCount);
    }

    [Fact]
    public void Freezing_the_convolution_trains_the_BatchNorm_and_updates_its_running_statistics()
    {
        var (images, labels) = EngineTestData.Make(24, seed: 6);
        var network = new TinyTrainableNetwork();
        var before = network.Parameters.Values.ToArray();
        using var trainer = Make(network, frozen: new[] { "Conv" });
        TrainEpochs(trainer, images, labels, 2);
        var after = network.Parameters.Values.ToArray();
        Assert.Equal(before.AsSpan(0, TinyTrainableNetwork.Gamma).ToArray(), after.AsSpan(0, TinyTrainableNetwork.Gamma).ToArray());
        Assert.All(Enumerable.Range(TinyTrainableNetwork.Gamma, 16), i => Assert.NotEqual(before[i], after[i]));
        Assert.Equal(0, trainer.Counters.BackwardParameters(0));
        Assert.Equal(0, trainer.Counters.BackwardInput(1));
        Assert.Equal(4, trainer.Counters.BackwardParameters(1));
    }

    [Fact]
    public void The_same_thread_count_is_bit_identical_and_one_and_two_threads_agree_to_rounding()
    {
        var (images, labels) = EngineTestData.Make(48, seed: 7);
        float[] Run(int threads)
        {
            var network = new TinyTrainableNetwork();
            using var trainer = Make(network, threads, OptimizerKind.Sgd, learningRate: 0.05);
            TrainEpochs(trainer, images, labels, 3);
            var gradients = new float[TinyTrainableNetwork.ParameterLength];
            trainer.ComputeGradients(EngineTestData.Batch(images, 0, Batch), labels.AsSpan(0, Batch), gradients);
            return network.Parameters.Values.ToArray().Concat(gradients).ToArray();
        }
        var one = Run(1);
        var two = Run(2);
        Assert.Equal(two, Run(2));
        Assert.Equal(one, Run(1));
        // Two workers sum the batch's gradient in two halves: the only difference is float rounding (SGD keeps it at that
        // scale; Adam divides tiny gradients by their own size, so rounding of a near-zero gradient can move a parameter by lr).
        double largest = one.Zip(two, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(largest < 1e-5, $"one and two threads differ by {largest}");
        Assert.True(largest > 0, "one and two threads agree bit for bit: is the batch really split?");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_training_step_allocates_nothing_after_warm_up(int threads)
    {
        var (images, labels) = EngineTestData.Make(Batch, seed: 8);
        using var trainer = Make(new TinyTrainableNetwork(), threads, OptimizerKind.AdamW, learningRate: 0.001, maxNorm: 1f);
        for (int i = 0; i < 50; i++)
            trainer.TrainBatch(images, labels);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
            trainer.TrainBatch(images, labels);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Head_training_from_cached_features_allocates_nothing_after_warm_up()
    {
        var (images, labels) = EngineTestData.Make(Batch, seed: 8);
        using var trainer = Make(new TinyTrainableNetwork(), threads: 2, OptimizerKind.Adam, learningRate: 0.001, through: "Norm");
        var features = trainer.CacheFrozenFeatures(images);
        var indices = Enumerable.Range(0, Batch).ToArray();
        for (int i = 0; i < 50; i++)
            trainer.TrainCachedBatch(features, indices, labels);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
            trainer.TrainCachedBatch(features, indices, labels);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Clipping_bounds_the_update_by_the_largest_norm()
    {
        var (images, labels) = EngineTestData.Make(Batch, seed: 17);
        var network = new TinyTrainableNetwork();
        const float MaxNorm = 1e-3f;
        const double Rate = 0.5;
        using var trainer = new Trainer<TinyTrainableNetwork>(network, new TrainerOptions
        {
            BatchSize = Batch,
            Threads = 1,
            Momentum = 0f,
            Schedule = new ConstantSchedule(Rate),
            MaxGradientNorm = MaxNorm,
        });
        var before = network.Parameters.Values.ToArray();
        trainer.TrainBatch(images, labels);
        Assert.True(trainer.LastGradientNorm > 10 * MaxNorm, $"gradient norm {trainer.LastGradientNorm}");
        double moved = Math.Sqrt(before.Zip(network.Parameters.Values.ToArray(), (a, b) => (double)(a - b) * (a - b))
            .Where((_, i) => i < TinyTrainableNetwork.RunningMean || i >= TinyTrainableNetwork.HeadWeight).Sum());
        Assert.InRange(moved, 0.9 * Rate * MaxNorm, 1.01 * Rate * MaxNorm);
    }

    [Fact]
    public void A_NaN_loss_throws_naming_the_step_and_leaves_the_parameters_as_they_were()
    {
        var (images, labels) = EngineTestData.Make(Batch, seed: 9);
        var network = new TinyTrainableNetwork();
        using var trainer = Make(network);
        trainer.Epoch = 2;
        for (int i = 0; i < 3; i++)
            trainer.TrainBatch(images, labels);
        var before = network.Parameters.Values.ToArray();
        var broken = (float[])images.Clone();
        broken[5] = float.NaN;
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.TrainBatch(broken, labels));
        Assert.Contains("step 3", error.Message);
        Assert.Contains("epoch 2", error.Message);
        Assert.Contains("learning rate 0.1", error.Message);
        // Running statistics included.
        Assert.Equal(before, network.Parameters.Values.ToArray());
        Assert.Equal(3, trainer.Step);
        trainer.TrainBatch(images, labels);
        Assert.Equal(4, trainer.Step);
    }

    [Fact]
    public void Evaluation_changes_nothing_and_uses_running_statistics()
    {
        var (images, labels) = EngineTestData.Make(30, seed: 10);
        var network = new TinyTrainableNetwork();
        using var trainer = Make(network);
        TrainEpochs(trainer, images, labels, 2);
        var before = network.Parameters.Values.ToArray();
        // 30 images: more than a batch, so it runs in chunks.
        var whole = trainer.EvaluateBatch(images, labels);
        var again = trainer.EvaluateBatch(images, labels);
        Assert.Equal(before, network.Parameters.Values.ToArray());
        Assert.Equal(whole, again);
        Assert.Equal(30, whole.Count);
        // Inference mode: an image's result does not depend on its batch.
        var first = trainer.EvaluateBatch(EngineTestData.Batch(images, 0, 1), labels.AsSpan(0, 1));
        var firstOfMany = trainer.EvaluateBatch(EngineTestData.Batch(images, 0, 5), labels.AsSpan(0, 5));
        var firstOfManyAlone = trainer.EvaluateBatch(EngineTestData.Batch(images, 0, 1), labels.AsSpan(0, 1));
        Assert.Equal(first, firstOfManyAlone);
        Assert.NotEqual(0, firstOfMany.Count);
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Adam)]
    public void Resuming_from_a_checkpoint_continues_bit_identically(OptimizerKind optimizer)
    {
        var (images, labels) = EngineTestData.Make(36, seed: 11);
        var path = Path.Combine(Path.GetTempPath(), $"convforge-engine-{Guid.NewGuid():N}.safetensors");
        try
        {
            var original = new TinyTrainableNetwork();
            using var first = Make(original, threads: 2, optimizer, learningRate: 0.01);
            TrainEpochs(first, images, labels, 2);
            first.Epoch = 2;
            first.SaveCheckpoint(path);
            TrainEpochs(first, images, labels, 2);

            var resumed = new TinyTrainableNetwork(seed: 99);
            using var second = Make(resumed, threads: 2, optimizer, learningRate: 0.01);
            second.LoadCheckpoint(path);
            Assert.Equal(6, second.Step);
            Assert.Equal(2, second.Epoch);
            TrainEpochs(second, images, labels, 2);

            Assert.Equal(original.Parameters.Values.ToArray(), resumed.Parameters.Values.ToArray());
            Assert.Equal(first.Step, second.Step);
            var header = SafeTensors.ReadHeader(path);
            Assert.Equal("TinyTrainable", header.Metadata["network"]);
            Assert.Equal(optimizer.ToString(), header.Metadata["optimizer"]);
            Assert.Contains(header.Tensors, t => t.Name == "optimizer/" + first.Optimizer.StateNames[0] + "/Head.Weight");
            // The parameters load as an ordinary weights file too.
            var weights = new ParameterStore(TinyTrainableNetwork.Definition);
            weights.Load(path, new SafeTensorsLoadOptions { AllowExtraTensors = true });
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_checkpoint_of_another_optimizer_frozen_set_or_seed_is_refused_with_what_differs()
    {
        var (images, labels) = EngineTestData.Make(Batch, seed: 12);
        var path = Path.Combine(Path.GetTempPath(), $"convforge-engine-{Guid.NewGuid():N}.safetensors");
        try
        {
            using (var trainer = Make(new TinyTrainableNetwork(), optimizer: OptimizerKind.Adam))
            {
                trainer.TrainBatch(images, labels);
                trainer.SaveCheckpoint(path);
            }
            var network = new TinyTrainableNetwork(seed: 3);
            var before = network.Parameters.Values.ToArray();
            using (var sgd = Make(network))
            {
                var error = Assert.Throws<InvalidDataException>(() => sgd.LoadCheckpoint(path));
                Assert.Contains("Adam", error.Message);
                Assert.Contains("Sgd", error.Message);
            }
            using (var headOnly = Make(network, optimizer: OptimizerKind.Adam, through: "Norm"))
            {
                var error = Assert.Throws<InvalidDataException>(() => headOnly.LoadCheckpoint(path));
                Assert.Contains("frozen", error.Message);
            }
            using (var otherSeed = new Trainer<TinyTrainableNetwork>(network, new TrainerOptions { BatchSize = Batch, Optimizer = OptimizerKind.Adam, Seed = 6 }))
            {
                var error = Assert.Throws<InvalidDataException>(() => otherSeed.LoadCheckpoint(path));
                Assert.Contains("seed 5", error.Message);
            }
            Assert.Equal(before, network.Parameters.Values.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(null, 1)]
    [InlineData("Conv", 2)]
    public void ComputeGradients_matches_central_differences_of_a_double_precision_reference(string? frozen, int threads)
    {
        var (images, labels) = EngineTestData.Make(6, seed: 13);
        var network = new TinyTrainableNetwork(seed: 14);
        // Non-trivial BatchNorm affine parameters.
        var random = new Random(15);
        var writable = network.Parameters.GetWritableValues();
        for (int c = 0; c < 4; c++)
        {
            writable[TinyTrainableNetwork.Gamma + c] = 0.5f + (float)random.NextDouble();
            writable[TinyTrainableNetwork.Beta + c] = 0.2f * (float)(random.NextDouble() - 0.5);
        }
        using var trainer = Make(network, threads, frozen: frozen is null ? null : new[] { frozen });
        var before = network.Parameters.Values.ToArray();
        var gradients = new float[TinyTrainableNetwork.ParameterLength];
        float loss = trainer.ComputeGradients(images, labels, gradients);
        Assert.Equal(before, network.Parameters.Values.ToArray());
        Assert.Equal(0, trainer.Step);

        var parameters = before.Select(v => (double)v).ToArray();
        double reference = TinyTrainableNetwork.ReferenceLoss(parameters, images, labels);
        Assert.True(Math.Abs(loss - reference) < 1e-5, $"loss {loss} vs reference {reference}");
        Assert.True(Math.Abs(trainer.ComputeLoss(images, labels) - reference) < 1e-5);
        const double H = 1e-4;
        for (int i = 0; i < parameters.Length; i++)
        {
            bool running = i >= TinyTrainableNetwork.RunningMean && i < TinyTrainableNetwork.HeadWeight;
            bool isFrozen = frozen is not null && i < TinyTrainableNetwork.Gamma;
            if (running || isFrozen)
            {
                Assert.Equal(0f, gradients[i]);
                continue;
            }
            double saved = parameters[i];
            parameters[i] = saved + H;
            double plus = TinyTrainableNetwork.ReferenceLoss(parameters, images, labels);
            parameters[i] = saved - H;
            double minus = TinyTrainableNetwork.ReferenceLoss(parameters, images, labels);
            parameters[i] = saved;
            double expected = (plus - minus) / (2 * H);
            // Float forward and backward against a double reference: 1e-4 absolute plus 1e-3 relative.
            Assert.True(Math.Abs(gradients[i] - expected) <= 1e-4 + 1e-3 * Math.Abs(expected),
                $"parameter {i}: engine {gradients[i]}, central difference {expected}");
        }
    }

    [Fact]
    public void Head_training_from_cached_features_gives_the_same_parameters_without_running_the_trunk()
    {
        var (images, labels) = EngineTestData.Make(36, seed: 16);
        var plain = new TinyTrainableNetwork();
        using (var trainer = Make(plain, threads: 2, OptimizerKind.Adam, learningRate: 0.01, through: "Norm"))
            TrainEpochs(trainer, images, labels, 3);

        var cachedNetwork = new TinyTrainableNetwork();
        using var cached = Make(cachedNetwork, threads: 2, OptimizerKind.Adam, learningRate: 0.01, through: "Norm");
        var features = cached.CacheFrozenFeatures(images);
        Assert.Equal(36, features.Count);
        Assert.Equal(16, features.FeatureLength);
        cached.Counters.Reset();
        var indices = Enumerable.Range(0, 36).ToArray();
        for (int epoch = 0; epoch < 3; epoch++)
        {
            for (int start = 0; start < 36; start += Batch)
                cached.TrainCachedBatch(features, indices.AsSpan(start, Batch), labels.AsSpan(start, Batch));
        }
        Assert.Equal(plain.Parameters.Values.ToArray(), cachedNetwork.Parameters.Values.ToArray());
        for (int step = 0; step < 4; step++)
            Assert.Equal(0, cached.Counters.Forward(step));
        Assert.Equal(cached.EvaluateBatch(images, labels), cached.EvaluateCachedBatch(features, indices, labels));
    }

    [Fact]
    public void Learning_rate_scales_and_weight_decay_make_the_parameter_groups()
    {
        using var trainer = new Trainer<TinyTrainableNetwork>(new TinyTrainableNetwork(), new TrainerOptions
        {
            BatchSize = 4,
            Threads = 1,
            WeightDecay = 0.01f,
            LearningRateScales = new System.Collections.Generic.Dictionary<string, float> { ["Head"] = 10f },
        });
        var groups = trainer.ParameterGroups;
        // Conv weight (decayed), conv bias + gamma + beta (not decayed), head weight (x10, decayed), head bias (x10).
        Assert.Equal(new[] { (0, 36, 1f, 0.01f), (36, 12, 1f, 0f), (56, 12, 10f, 0.01f), (68, 3, 10f, 0f) },
            groups.Select(g => (g.Offset, g.Length, g.LearningRateScale, g.WeightDecay)));
    }
}
