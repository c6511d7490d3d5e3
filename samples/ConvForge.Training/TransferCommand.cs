using System.Diagnostics;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using ConvForge.Training;
using Spectre.Console;

namespace ConvForge.Samples.Training;

/// <summary>`transfer`: the same Fashion-MNIST budget through ResNet-18, trunk frozen and trunk trained; one table.</summary>
internal static class TransferCommand
{
    public static int Run(IAnsiConsole console, TransferSettings settings, string mode, CancellationToken cancel)
    {
        var modes = mode switch
        {
            "feature-extraction" => new[] { TransferMode.FeatureExtraction },
            "fine-tuning" => new[] { TransferMode.FineTuning },
            _ => new[] { TransferMode.FeatureExtraction, TransferMode.FineTuning },
        };
        var data = TransferData.Load(settings);
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"Fashion-MNIST for ResNet-18: {data.Train.DataSet.Count:N0} training and {data.Test.DataSet.Count:N0} test images, 28 x 28 gray resized bilinearly to {data.Train.ImageShape}, minus the per-channel means of the model's mean image; {settings.Epochs} epoch(s) of batches of {settings.BatchSize} per mode, no augmentation."));

        var results = new List<TransferResult>();
        foreach (var current in modes)
        {
            var built = Trainers.Transfer(current, settings, data.Train.BatchesPerEpoch);
            using var trainer = built.Trainer;
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[bold]{current}[/]: {built.TrainableParameters:N0} trainable parameters."));
            var (secondsPerEpoch, accuracy) = current == TransferMode.FeatureExtraction
                ? FeatureExtraction(console, trainer, data, settings, cancel)
                : FineTuning(console, trainer, data, settings, cancel);
            results.Add(new TransferResult(current, built.TrainableParameters, secondsPerEpoch, accuracy, settings.Epochs));
        }
        console.Write(ResultsTables.Transfer(results));
        return Cli.Success;
    }

    // The frozen trunk runs once per image: its outputs are cached, and each epoch trains the head alone from them.
    private static (double SecondsPerEpoch, double Accuracy) FeatureExtraction(
        IAnsiConsole console, Trainer<ResNet18Fashion> trainer, TransferData data, TransferSettings settings, CancellationToken cancel)
    {
        var watch = Stopwatch.StartNew();
        var train = trainer.CacheFrozenFeatures(data.Train.DataSet);
        var test = trainer.CacheFrozenFeatures(data.Test.DataSet);
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"Trunk outputs cached for {train.Count + test.Count:N0} images in {watch.Elapsed.TotalSeconds:0.0} s ({(train.Count + test.Count) / watch.Elapsed.TotalSeconds:0} images/s); {train.FeatureLength} floats each."));

        var epochSeconds = new List<double>();
        for (var epoch = 0; epoch < settings.Epochs; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            trainer.Epoch = epoch;
            watch.Restart();
            double loss = 0;
            var images = 0;
            foreach (var batch in data.Train.Epoch(epoch))
            {
                var result = trainer.TrainCachedBatch(train, batch.Indices, batch.Labels);
                loss += result.Loss * result.Count;
                images += result.Count;
            }
            epochSeconds.Add(watch.Elapsed.TotalSeconds);
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"  epoch {epoch + 1}: loss {loss / images:0.0000}, {epochSeconds[^1]:0.00} s"));
        }

        var correct = 0;
        var count = 0;
        foreach (var batch in data.Test.Epoch(0))
        {
            var result = trainer.EvaluateCachedBatch(test, batch.Indices, batch.Labels);
            correct += result.Correct;
            count += result.Count;
        }
        return (epochSeconds.Average(), (double)correct / count);
    }

    private static (double SecondsPerEpoch, double Accuracy) FineTuning(
        IAnsiConsole console, Trainer<ResNet18Fashion> trainer, TransferData data, TransferSettings settings, CancellationToken cancel)
    {
        var checkpoint = settings.CheckpointDirectory is { } directory
            ? Path.Combine(Directory.CreateDirectory(directory).FullName, "fine-tuning.safetensors")
            : null;
        TrainingHistory? history = null;
        TrainingProgressDisplay.Create(console).Start(context => history = trainer.Fit(data.Train, null, new FitOptions
        {
            Epochs = settings.Epochs,
            CheckpointPath = checkpoint,
            Resume = settings.Resume && checkpoint is not null,
            Progress = new TrainingProgressDisplay(context),
            CancellationToken = cancel,
        }));
        var test = trainer.Evaluate(data.Test, cancellationToken: cancel);
        return (history!.Epochs.Count == 0 ? 0 : history.Epochs.Average(e => e.Seconds), test.Accuracy);
    }
}
