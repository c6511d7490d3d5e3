using System;
using System.Linq;
using ConvForge.Data;
using ConvForge.Samples;
using ConvForge.Training;

namespace ConvForge.Samples.Tests;

/// <summary>
/// The short version of the training samples that CI runs (the full runs are commands in docs/training.md):
/// a few hundred real Fashion-MNIST images, a few epochs, on the machine's best kernels and both cores.
/// </summary>
public sealed class TrainingSmokeTests
{
    private const int TrainImages = 640;
    private const int TestImages = 500;
    private const int BatchSize = 64;
    private const int Epochs = 4;

    [Fact]
    public void FashionNin_from_scratch_lowers_its_loss_and_beats_chance_on_unseen_images()
    {
        var train = DataSplit.TrainValidation(FashionMnist.LoadTrain(), TrainImages, seed: 3).Validation;
        var test = DataSplit.TrainValidation(FashionMnist.LoadTest(), TestImages, seed: 3).Validation;
        var statistics = ChannelStatistics.Compute(train);
        var trainLoader = new DataLoader(train, BatchSize, new DataLoaderOptions { Shuffle = true, Seed = 3, Normalization = statistics });
        var testLoader = new DataLoader(test, BatchSize, new DataLoaderOptions { Normalization = statistics });
        using var trainer = new Trainer<FashionNin>(new FashionNin(), new TrainerOptions
        {
            BatchSize = BatchSize,
            Optimizer = OptimizerKind.Adam,
            Schedule = new ConstantSchedule(3e-3),
            Seed = 3,
        });

        var before = trainer.Evaluate(testLoader);
        var history = trainer.Fit(trainLoader, null, new FitOptions { Epochs = Epochs });
        var after = trainer.Evaluate(testLoader);

        var losses = history.Epochs.Select(e => e.TrainLoss).ToArray();
        Assert.True(losses[^1] < 0.7 * losses[0], $"Training loss per epoch: {string.Join(", ", losses)}; the last should be well below the first.");
        Assert.True(after.Loss < before.Loss, $"Test loss {before.Loss} before training, {after.Loss} after.");
        // Ten balanced classes: chance is 10%. A few hundred images and four epochs already give far more.
        Assert.True(after.Accuracy > 0.5, $"Test accuracy {after.Accuracy:P1} on {after.Count} unseen images after {Epochs} epochs on {TrainImages}.");
    }

    [Fact]
    public void ResNet18Fashion_takes_every_trunk_tensor_from_the_pretrained_model_and_keeps_its_new_head()
    {
        var pretrained = new ResNet18Cntk();
        pretrained.Parameters.LoadOnnx(ResNet18Cntk.OnnxPath);
        var network = new ResNet18Fashion();
        var head = network.Parameters.GetTensor("Classifier.Weight").ToArray();

        var copied = network.Parameters.CopyMatchingTensors(pretrained.Parameters);

        Assert.Equal(pretrained.Parameters.Parameters.Select(p => p.Name), copied);
        Assert.Equal(new[] { "Classifier.Weight", "Classifier.Bias" }, network.Parameters.Parameters.Select(p => p.Name).Except(copied));
        Assert.Equal(head, network.Parameters.GetTensor("Classifier.Weight").ToArray());
    }

    [Fact]
    public void Feature_extraction_on_the_pretrained_trunk_trains_only_the_head_and_never_enters_the_trunk_backward()
    {
        var pretrained = new ResNet18Cntk();
        pretrained.Parameters.LoadOnnx(ResNet18Cntk.OnnxPath);
        var network = new ResNet18Fashion();
        network.Parameters.CopyMatchingTensors(pretrained.Parameters);
        var trunkBefore = network.Parameters.Values.ToArray();
        var headWeight = network.Parameters.GetParameter("Classifier.Weight");

        var images = DataSplit.TrainValidation(FashionMnist.LoadTrain(), 32, seed: 5).Validation;
        var input = new ResizedDataSet(images, ResNet18Fashion.InputHeight, ResNet18Fashion.InputWidth, channels: 3, pixelScale: 255,
            normalization: new ChannelStatistics(ResNet18CntkPreprocessing.Load().ChannelMeans, new[] { 1f, 1f, 1f }));
        var loader = new DataLoader(input, 16, new DataLoaderOptions { Shuffle = true, Seed = 5 });
        using var trainer = new Trainer<ResNet18Fashion>(network, new TrainerOptions
        {
            BatchSize = 16,
            Schedule = new ConstantSchedule(0.01),
            Momentum = 0.9f,
            FreezeThrough = "Features",
            Seed = 5,
        });
        trainer.Fit(loader, null, new FitOptions { Epochs = 1 });

        var after = network.Parameters.Values;
        Assert.True(after[..headWeight.Offset].SequenceEqual(trunkBefore.AsSpan(0, headWeight.Offset)), "the frozen trunk changed");
        Assert.False(after[headWeight.Offset..].SequenceEqual(trunkBefore.AsSpan(headWeight.Offset)), "the head did not change");
        Assert.Equal(512 * 10 + 10, trainer.Schedule.TrainableParameterCount);
        foreach (var step in trainer.Schedule.Program.Steps.Where(s => trainer.Schedule.IsNodeFrozen(s.NodeIndex)))
        {
            Assert.Equal(0, trainer.Counters.BackwardInput(step.Index));
            Assert.Equal(0, trainer.Counters.BackwardParameters(step.Index));
        }
    }
}
