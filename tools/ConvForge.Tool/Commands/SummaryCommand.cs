using System.Globalization;
using System.IO;
using ConvForge.Tool.Import;
using Spectre.Console;

namespace ConvForge.Tool.Commands;

/// <summary>
/// <c>convforge summary model.onnx</c>: the model summary ConvForge's generator puts on the class (the same
/// rows, from the compiler core's graph of the declaration <c>import</c> would write), as a table.
/// </summary>
internal static class SummaryCommand
{
    public static int Run(IAnsiConsole console, FileInfo modelFile)
    {
        var model = ModelFile.Load(console, modelFile);
        var className = OnnxImporter.ClassNameFor(modelFile.Name);
        var (_, graph) = OnnxImporter.Declare(model, modelFile.Name, className, null);

        var table = new Table().Title($"[bold]{Markup.Escape(modelFile.Name)}[/] ({Markup.Escape(OnnxImporter.Describe(model))})")
            .AddColumn("Layer").AddColumn("Operation")
            .AddColumn(new TableColumn("Output").RightAligned())
            .AddColumn(new TableColumn("Params").RightAligned())
            .AddColumn(new TableColumn("MACs").RightAligned());
        foreach (var node in graph.Nodes)
        {
            table.AddRow(Markup.Escape(node.Name), Markup.Escape(node.Describe()),
                Invariant($"{node.Output.Channels}x{node.Output.Height}x{node.Output.Width}"),
                Invariant($"{node.TrainableParameterCount:N0}"), Invariant($"{node.Macs:N0}"));
        }
        console.Write(table);
        console.WriteLine(Invariant($"Trainable parameters: {graph.TrainableParameterCount:N0}"));
        console.WriteLine(Invariant($"Non-trainable state:  {graph.NonTrainableParameterCount:N0}"));
        console.WriteLine(Invariant($"Total MACs:           {graph.Macs:N0}"));
        console.WriteLine(Invariant($"Activation bytes:     {graph.ActivationBytes:N0} (fp32, one image)"));
        return Cli.Success;
    }

    private static string Invariant(System.FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
