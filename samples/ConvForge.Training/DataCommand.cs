using System.Diagnostics;
using System.Globalization;
using ConvForge.Data;
using Spectre.Console;

namespace ConvForge.Samples.Training;

/// <summary>`data`: both samples' data prepared and timed, without a network (the loaders' share of an epoch).</summary>
internal static class DataCommand
{
    public static int Run(IAnsiConsole console, string directory, int seed)
    {
        var fashion = FashionData.Load(new FashionSettings { DataDirectory = directory, Seed = seed });
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"Fashion-MNIST: {fashion.Train.DataSet.Count:N0} training / {fashion.Validation?.DataSet.Count ?? 0:N0} validation / {fashion.Test.DataSet.Count:N0} test; statistics of the training images: {fashion.Statistics}.")));
        Time(console, "Fashion-MNIST training epoch (crop, flip, normalize)", fashion.Train, epochs: 3);

        var transfer = TransferData.Load(new TransferSettings { DataDirectory = directory, Seed = seed });
        Time(console, $"ResNet-18 input ({transfer.Train.ImageShape}) from 28 x 28", transfer.Train, epochs: 1);
        return Cli.Success;
    }

    private static void Time(IAnsiConsole console, string what, DataLoader loader, int epochs)
    {
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var started = Stopwatch.GetTimestamp();
            var images = 0;
            foreach (var batch in loader.Epoch(epoch))
                images += batch.Count;
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{what}, epoch {epoch}: {images:N0} images in {seconds:0.000} s ({images / seconds:N0} images/s).")));
        }
    }
}
