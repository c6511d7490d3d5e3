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
            $"Fashion-MNIST for ResNet-18: {data.Train.DataSet.Count:N0} training and {data.Test.DataSet.Count:N0} test images, 28 x 28 gray resized bilinearly to {data.Train.ImageShape}, the model's BGR mean-image preprocessing; {settings.Epochs} epoch(s) of batches of {settings.BatchSize} per mode, no augmentation."));

        var results = new List<TransferResult>();
        foreach (var current in modes)
        {
            var built = Trainers.Transfer(current, settings, data.Train.BatchesPerEpoch);
            if (built is null)
            {
                console.MarkupLine($"[yellow]No trainer yet:[/] fill in Trainers.Transfer (samples/ConvForge.Training/Trainers.cs) for {current}.");
                return Cli.Failed;
            }
            var checkpoint = settings.CheckpointDirectory is { } directory
                ? Path.Combine(Directory.CreateDirectory(directory).FullName, $"{current}.safetensors")
                : null;
            console.MarkupLine($"[bold]{current}[/]");
            TrainingHistory? history = null;
            TrainingProgressDisplay.Create(console).Start(context => history = built.Trainer.Fit(data.Train, null, new FitOptions
            {
                Epochs = settings.Epochs,
                CheckpointPath = checkpoint,
                Resume = settings.Resume && checkpoint is not null,
                Progress = new TrainingProgressDisplay(context),
                CancellationToken = cancel,
            }));
            var test = built.Trainer.Evaluate(data.Test, cancellationToken: cancel);
            var secondsPerEpoch = history!.Epochs.Count == 0 ? 0 : history.Epochs.Average(e => e.Seconds);
            results.Add(new TransferResult(current, built.TrainableParameters, secondsPerEpoch, test.Accuracy, settings.Epochs));
        }
        console.Write(ResultsTables.Transfer(results));
        return Cli.Success;
    }
}
