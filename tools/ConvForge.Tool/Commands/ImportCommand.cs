using System;
using System.IO;
using System.Linq;
using ConvForge.Tool.Import;
using Spectre.Console;

namespace ConvForge.Tool.Commands;

/// <summary><c>convforge import model.onnx [--name C] [--namespace N] [--out dir]</c>.</summary>
internal static class ImportCommand
{
    public static int Run(IAnsiConsole console, FileInfo modelFile, string? name, string? @namespace, DirectoryInfo? output)
    {
        var className = name ?? OnnxImporter.ClassNameFor(modelFile.Name);
        if (!OnnxImporter.IsIdentifier(className))
            throw new ArgumentException($"--name {className} is not a C# identifier.");
        if (@namespace is not null && !@namespace.Split('.').All(OnnxImporter.IsIdentifier))
            throw new ArgumentException($"--namespace {@namespace} is not a C# namespace name.");
        var directory = output ?? new DirectoryInfo(Directory.GetCurrentDirectory());

        var model = ModelFile.Load(console, modelFile);
        var weightsName = className + ".safetensors";
        var result = OnnxImporter.Import(model, modelFile.Name, className, @namespace, weightsName);

        directory.Create();
        var sourcePath = Path.Combine(directory.FullName, className + ".cs");
        var weightsPath = Path.Combine(directory.FullName, weightsName);
        File.WriteAllText(sourcePath, result.Source);
        result.Parameters.Save(weightsPath);

        var table = new Table().Title($"[bold]{Markup.Escape(className)}[/] from {Markup.Escape(modelFile.Name)}")
            .AddColumn("Layer").AddColumn("Declared as").AddColumn(new TableColumn("Output").RightAligned()).AddColumn(new TableColumn("ONNX nodes").RightAligned());
        foreach (var layer in result.Declaration.Layers)
        {
            var declared = string.Join(", ", layer.Attributes.Select(a => a.Kind));
            table.AddRow(Markup.Escape(layer.Name), Markup.Escape(declared), layer.Output.Output.ToString(), layer.Members.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        console.Write(table);
        var modules = result.Modules.Count == 0 ? "none" : string.Join(", ", result.Modules.Select(m => $"{m.Value} {m.Key}"));
        console.MarkupLine($"Modules recognized: {Markup.Escape(modules)}");
        console.MarkupLine($"Parameters: {result.Graph.TrainableParameterCount:N0} trainable, {result.Parameters.Parameters.Count:N0} tensors, taken from {result.Matches.Sum(m => m.OnnxNodes.Count):N0} ONNX nodes");
        console.MarkupLine($"Wrote [green]{Markup.Escape(sourcePath)}[/]");
        console.MarkupLine($"Wrote [green]{Markup.Escape(weightsPath)}[/] (load with [bold]net.LoadWeights(\"{Markup.Escape(weightsName)}\")[/])");
        return Cli.Success;
    }
}
