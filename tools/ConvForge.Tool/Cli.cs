using System;
using System.CommandLine;
using System.IO;
using ConvForge.Tool.Commands;
using Spectre.Console;

namespace ConvForge.Tool;

/// <summary>The <c>convforge</c> command line: import, summary, check.</summary>
/// <remarks>
/// Exit codes: 0 done, 1 <c>check</c> found differences, 2 the command failed (unsupported model, unreadable
/// file, bad arguments); the message says why, naming the nodes or tensors at fault.
/// </remarks>
internal static class Cli
{
    public const int Success = 0;
    public const int Different = 1;
    public const int Failed = 2;

    public static int Run(string[] args, IAnsiConsole console)
    {
        var root = new RootCommand("convforge: ONNX models in, ConvForge declarations and weights out.");

        var importModel = new Argument<FileInfo>("model") { Description = "The ONNX model to import." };
        var name = new Option<string?>("--name") { Description = "The network class's name (default: from the file name)." };
        var ns = new Option<string?>("--namespace") { Description = "The namespace of the written class (default: none)." };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Where to write ClassName.cs and ClassName.safetensors (default: the current directory)." };
        var import = new Command("import", "Write the model as a C# declaration in ConvForge's attributes, and its weights as safetensors in ConvForge's parameter names.")
        {
            importModel, name, ns, output,
        };
        import.SetAction(result => Guard(console, () => ImportCommand.Run(console,
            result.GetValue(importModel)!, result.GetValue(name), result.GetValue(ns), result.GetValue(output))));

        var summaryModel = new Argument<FileInfo>("model") { Description = "The ONNX model." };
        var summary = new Command("summary", "Print the model as ConvForge declares it: one row per node with its operation, output shape, parameters and MACs.")
        {
            summaryModel,
        };
        summary.SetAction(result => Guard(console, () => SummaryCommand.Run(console, result.GetValue(summaryModel)!)));

        var weights = new Argument<FileInfo>("weights") { Description = "A .safetensors or .onnx weight file." };
        var className = new Argument<string>("class") { Description = "The network class (simple or full name)." };
        var network = new Option<FileInfo>("--network") { Description = "The compiled assembly that declares the network.", Required = true };
        var check = new Command("check", "Compare a weight file with a compiled network: missing, extra and mis-shaped tensors.")
        {
            weights, network, className,
        };
        check.SetAction(result => Guard(console, () => CheckCommand.Run(console,
            result.GetValue(weights)!, result.GetValue(network)!, result.GetValue(className)!)));

        root.Subcommands.Add(import);
        root.Subcommands.Add(summary);
        root.Subcommands.Add(check);

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
                console.MarkupLine("[red]error:[/] " + Markup.Escape(error.Message));
            console.MarkupLine("Run [bold]convforge --help[/] for the commands.");
            return Failed;
        }
        return parsed.Invoke(new InvocationConfiguration { Output = new AnsiWriter(console), Error = new AnsiWriter(console) });
    }

    /// <summary>Runs a command; a failure is one message naming what is wrong, and exit code 2.</summary>
    private static int Guard(IAnsiConsole console, Func<int> command)
    {
        try
        {
            return command();
        }
        catch (Exception e) when (e is NotSupportedException or InvalidDataException or IOException or InvalidOperationException or ArgumentException or UnauthorizedAccessException or BadImageFormatException)
        {
            console.MarkupLine("[red]error:[/] " + Markup.Escape(e.Message));
            return Failed;
        }
    }

    /// <summary>System.CommandLine's help and messages, written to the same console as the rest.</summary>
    private sealed class AnsiWriter : TextWriter
    {
        private readonly IAnsiConsole console;

        public AnsiWriter(IAnsiConsole console) => this.console = console;

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value) => console.Write(new Text(value.ToString()));

        public override void Write(string? value)
        {
            if (!string.IsNullOrEmpty(value))
                console.Write(new Text(value));
        }
    }
}
