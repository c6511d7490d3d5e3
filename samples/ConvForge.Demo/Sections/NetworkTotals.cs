using System.Globalization;
using ConvForge.Samples;

namespace ConvForge.Demo.Sections;

/// <summary>One line per sample network: its input and output, parameters, cost and what it shows.</summary>
internal static class NetworkTotals
{
    private static readonly (NetworkSummary Summary, string Demonstrates)[] s_samples =
    {
        (Nin.Summary, "mlpconv: 1x1 convolutions as a per-pixel MLP"),
        (SqueezeNet11.Summary, "fire modules: 1x1 squeeze, 1x1 + 3x3 expand"),
        (GoogLeNet.Summary, "inception modules: 1x1 reductions before 3x3 and 5x5"),
        (ResNet18.Summary, "basic blocks, 1x1 projection shortcuts"),
        (ResNet50.Summary, "bottlenecks: 1x1 reduce, 3x3, 1x1 expand"),
        (TinyResidualNet.Summary, "a custom [NetworkModule] at two widths, squeeze-excite"),
    };

    public static void Print()
    {
        var table = new TextTable("Network", "Input>", "Output>", "Parameters>", "GMACs>", "Activations>", "Demonstrates");
        foreach (var (summary, demonstrates) in s_samples)
        {
            table.Add(
                summary.NetworkName,
                summary.InputShape.ToString(),
                summary.Rows[^1].OutputShape.ToString(),
                summary.TotalParameters.ToString("N0", CultureInfo.InvariantCulture),
                (summary.TotalMacs / 1e9).ToString("0.00", CultureInfo.InvariantCulture),
                (summary.TotalActivationBytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
                demonstrates);
        }
        table.Print();
        System.Console.WriteLine();
        System.Console.WriteLine("Parameters are trainable ones (as PyTorch's parameters() counts); MACs and activation bytes are per image.");
    }
}
