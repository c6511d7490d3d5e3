using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using ConvForge.Data;
using ConvForge.Training;
using Spectre.Console;

namespace ConvForge.Samples.Training;

/// <summary>`fashion`: prepare Fashion-MNIST, train from scratch with Fit, report history and test accuracy.</summary>
internal static class FashionCommand
{
    public static int Run(IAnsiConsole console, FashionSettings settings, CancellationToken cancel)
    {
        var data = FashionData.Load(settings);
        Describe(console, data);

        using var trainer = Trainers.Fashion(settings, data.Train.BatchesPerEpoch);

        TrainingHistory? history = null;
        TrainingProgressDisplay.Create(console).Start(context => history = trainer.Fit(data.Train, data.Validation, new FitOptions
        {
            Epochs = settings.Epochs,
            CheckpointPath = settings.CheckpointPath,
            Resume = settings.Resume,
            Progress = new TrainingProgressDisplay(context),
            StopWhen = settings.TargetAccuracy is { } target ? epoch => epoch.ValidationAccuracy >= target : null,
            CancellationToken = cancel,
        }));
        console.Write(ResultsTables.History(history!));

        var test = trainer.Evaluate(data.Test, cancellationToken: cancel);
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"Test: [bold]{test.Accuracy:0.00%}[/] of {test.Count:N0} images, loss {test.Loss:0.0000} ({test.ImagesPerSecond:0} images/s)."));
        if (settings.TargetAccuracy is { } goal && history!.Epochs.Count > 0)
        {
            var seconds = 0.0;
            var reached = history.Epochs.FirstOrDefault(e => (seconds += e.Seconds) > 0 && e.ValidationAccuracy >= goal);
            console.MarkupLine(reached is null
                ? string.Create(CultureInfo.InvariantCulture, $"Validation accuracy did not reach {goal:0.00%}.")
                : string.Create(CultureInfo.InvariantCulture, $"Validation accuracy reached {goal:0.00%} after epoch {reached.Epoch + 1}, {TrainingProgressDisplay.FormatTime(TimeSpan.FromSeconds(seconds))} of training{(history.Resumed ? " in this run" : "")}."));
        }
        return Cli.Success;
    }

    private static void Describe(IAnsiConsole console, FashionData data)
    {
        var options = data.Train.Options;
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"Fashion-MNIST: {data.Train.DataSet.Count:N0} training, {data.Validation?.DataSet.Count ?? 0:N0} validation, {data.Test.DataSet.Count:N0} test images; batches of {data.Train.BatchSize}."));
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"Normalization from the training images: {data.Statistics}. Augmentation: random crop with padding {options.RandomCropPadding}, horizontal flip.")));
    }
}
