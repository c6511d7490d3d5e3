using System;
using System.CommandLine;
using System.IO;
using System.Threading;
using ConvForge.Data;
using ConvForge.Training;
using Spectre.Console;

namespace ConvForge.Samples.Training;

/// <summary>The sample's command line: fashion, transfer, data.</summary>
/// <remarks>Exit codes: 0 done, 1 stopped (diverged or cancelled), 2 failed (bad arguments, missing data, no trainer yet).</remarks>
internal static class Cli
{
    public const int Success = 0;
    public const int Stopped = 1;
    public const int Failed = 2;

    public static int Run(string[] args, IAnsiConsole console)
    {
        var root = new RootCommand("ConvForge training samples: Fashion-MNIST from scratch, and transfer from the pretrained ResNet-18.");

        var data = new Option<string>("--data") { Description = "The Fashion-MNIST directory.", DefaultValueFactory = _ => FashionMnist.DebianDirectory };
        var seed = new Option<int>("--seed") { Description = "Seeds the split, the shuffling and the augmentation.", DefaultValueFactory = _ => 1 };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint if it exists." };

        var epochs = new Option<int>("--epochs") { Description = "Epochs to train up to.", DefaultValueFactory = _ => new FashionSettings().Epochs };
        var batch = new Option<int>("--batch-size") { Description = "Images per batch.", DefaultValueFactory = _ => new FashionSettings().BatchSize };
        var validation = new Option<int>("--validation") { Description = "Training images held out for validation (0: none).", DefaultValueFactory = _ => new FashionSettings().ValidationCount };
        var trainLimit = new Option<int?>("--train-limit") { Description = "Train on this many images only (a stratified subset), for a short run." };
        var testLimit = new Option<int?>("--test-limit") { Description = "Test on this many images only (a stratified subset)." };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Save a checkpoint here after every epoch (safetensors)." };
        var target = new Option<double?>("--target") { Description = "Stop when the validation accuracy reaches this (e.g. 0.93)." };
        var fashion = new Command("fashion", "Train a network of the seed's family from scratch on Fashion-MNIST.")
        {
            data, seed, resume, epochs, batch, validation, trainLimit, testLimit, checkpoint, target,
        };
        fashion.SetAction(result => Guard(console, cancel => FashionCommand.Run(console, new FashionSettings
        {
            DataDirectory = result.GetValue(data)!,
            Seed = result.GetValue(seed),
            Resume = result.GetValue(resume),
            Epochs = result.GetValue(epochs),
            BatchSize = result.GetValue(batch),
            ValidationCount = result.GetValue(validation),
            TrainLimit = result.GetValue(trainLimit),
            TestLimit = result.GetValue(testLimit),
            CheckpointPath = result.GetValue(checkpoint),
            TargetAccuracy = result.GetValue(target),
        }, cancel)));

        var transferEpochs = new Option<int>("--epochs") { Description = "Epochs for each mode.", DefaultValueFactory = _ => new TransferSettings().Epochs };
        var transferBatch = new Option<int>("--batch-size") { Description = "Images per batch.", DefaultValueFactory = _ => new TransferSettings().BatchSize };
        var trainImages = new Option<int>("--train-images") { Description = "Training images (the data budget, the same for both modes).", DefaultValueFactory = _ => new TransferSettings().TrainImages };
        var testImages = new Option<int>("--test-images") { Description = "Test images.", DefaultValueFactory = _ => new TransferSettings().TestImages };
        var checkpoints = new Option<string?>("--checkpoints") { Description = "A directory for one checkpoint per mode." };
        var mode = new Option<string>("--mode") { Description = "both, feature-extraction or fine-tuning.", DefaultValueFactory = _ => "both" };
        mode.AcceptOnlyFromAmong("both", "feature-extraction", "fine-tuning");
        var transfer = new Command("transfer", "Fashion-MNIST on the pretrained ResNet-18: feature extraction and fine-tuning side by side.")
        {
            data, seed, resume, transferEpochs, transferBatch, trainImages, testImages, checkpoints, mode,
        };
        transfer.SetAction(result => Guard(console, cancel => TransferCommand.Run(console, new TransferSettings
        {
            DataDirectory = result.GetValue(data)!,
            Seed = result.GetValue(seed),
            Resume = result.GetValue(resume),
            Epochs = result.GetValue(transferEpochs),
            BatchSize = result.GetValue(transferBatch),
            TrainImages = result.GetValue(trainImages),
            TestImages = result.GetValue(testImages),
            CheckpointDirectory = result.GetValue(checkpoints),
        }, result.GetValue(mode)!, cancel)));

        var dataCommand = new Command("data", "Prepare the data of both samples without training and time the loaders.")
        {
            data, seed,
        };
        dataCommand.SetAction(result => Guard(console, _ => DataCommand.Run(console, result.GetValue(data)!, result.GetValue(seed))));

        root.Subcommands.Add(fashion);
        root.Subcommands.Add(transfer);
        root.Subcommands.Add(dataCommand);

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
                console.MarkupLine("[red]error:[/] " + Markup.Escape(error.Message));
            console.MarkupLine("Run with [bold]--help[/] for the commands.");
            return Failed;
        }
        return parsed.Invoke(new InvocationConfiguration { Output = new AnsiWriter(console), Error = new AnsiWriter(console) });
    }

    /// <summary>Runs a command with Ctrl+C wired to a cancellation token; a failure is one message and exit code 2.</summary>
    private static int Guard(IAnsiConsole console, Func<CancellationToken, int> command)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true; // let the loop stop between batches; the last epoch's checkpoint stays
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return command(cancel.Token);
        }
        catch (TrainingDivergedException e)
        {
            console.MarkupLine("[red]diverged:[/] " + Markup.Escape(e.Message));
            return Stopped;
        }
        catch (OperationCanceledException)
        {
            console.MarkupLine("[yellow]cancelled[/]: the checkpoint of the last completed epoch (if any) is kept; run again with --resume.");
            return Stopped;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or NotSupportedException or InvalidOperationException)
        {
            console.MarkupLine("[red]error:[/] " + Markup.Escape(e.Message));
            return Failed;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>System.CommandLine's help and messages, written to the same console as the rest.</summary>
    private sealed class AnsiWriter(IAnsiConsole console) : TextWriter
    {
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value) => console.Write(new Text(value.ToString()));

        public override void Write(string? value)
        {
            if (!string.IsNullOrEmpty(value))
                console.Write(new Text(value));
        }
    }
}
