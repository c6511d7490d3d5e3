using System.Collections.Generic;
using System.Globalization;
using ConvForge.Training;
using Spectre.Console;

namespace ConvForge.Samples.Training;

/// <summary>One row of the transfer comparison.</summary>
internal sealed record TransferResult(TransferMode Mode, long TrainableParameters, double SecondsPerEpoch, double TestAccuracy, int Epochs);

/// <summary>The tables the samples print after training.</summary>
internal static class ResultsTables
{
    /// <summary>Epoch by epoch: training and validation loss and accuracy, time, speed.</summary>
    public static Table History(TrainingHistory history)
    {
        var table = new Table().Title("Training history")
            .AddColumns("epoch", "train loss", "train acc", "val loss", "val acc", "seconds", "images/s");
        foreach (var epoch in history.Epochs)
            table.AddRow(
                (epoch.Epoch + 1).ToString(CultureInfo.InvariantCulture),
                Number(epoch.TrainLoss, "0.0000"), Percent(epoch.TrainAccuracy),
                epoch.ValidationLoss is { } loss ? Number(loss, "0.0000") : "-",
                epoch.ValidationAccuracy is { } accuracy ? Percent(accuracy) : "-",
                Number(epoch.Seconds, "0.0"), Number(epoch.ImagesPerSecond, "0"));
        return RightAligned(table);
    }

    /// <summary>The transfer comparison: mode, trainable parameters, time per epoch, test accuracy.</summary>
    public static Table Transfer(IEnumerable<TransferResult> results)
    {
        var table = new Table().Title("ResNet-18 on Fashion-MNIST: feature extraction vs fine-tuning")
            .AddColumns("mode", "trainable parameters", "epochs", "time per epoch", "test accuracy");
        foreach (var result in results)
            table.AddRow(
                result.Mode == TransferMode.FeatureExtraction ? "feature extraction" : "fine-tuning",
                result.TrainableParameters.ToString("N0", CultureInfo.InvariantCulture),
                result.Epochs.ToString(CultureInfo.InvariantCulture),
                $"{Number(result.SecondsPerEpoch, "0.0")} s",
                Percent(result.TestAccuracy));
        return RightAligned(table);
    }

    private static Table RightAligned(Table table)
    {
        for (var i = 1; i < table.Columns.Count; i++)
            table.Columns[i].RightAligned();
        return table;
    }

    private static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Percent(double value) => value.ToString("0.00%", CultureInfo.InvariantCulture);
}
