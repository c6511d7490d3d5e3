using System.Globalization;
using System.Linq;
using ConvForge.Compiler.Summary;
using ConvForge.Compiler.Tests.Helpers;

namespace ConvForge.Compiler.Tests;

public class SummaryFormatterTests
{
    [Fact]
    public void A_small_network_s_summary_reads_as_a_table_with_totals()
    {
        var graph = Specs.Network("Tiny", 3, 32, 32)
            .Layer("Conv1", Op.Conv(16, kernel: 3, padding: 1), Op.BatchNorm(), Op.Relu())
            .Layer("Pool1", Op.MaxPool(2))
            .Layer("Output", Op.Flatten(), Op.Dense(10))
            .QuietGraph();
        var expected = string.Join("\n",
            "Layer            Operation         Output  Params     MACs",
            "---------------  --------------  --------  ------  -------",
            "Input            Input            3x32x32       0        0",
            "Conv1.Conv       Conv 3x3 pad 1  16x32x32     448  442,368",
            "Conv1.BatchNorm  BatchNorm       16x32x32      32        0",
            "Conv1            Relu            16x32x32       0        0",
            "Pool1            MaxPool 2x2/2   16x16x16       0        0",
            "Output.Flatten   Flatten         4096x1x1       0        0",
            "Output           Dense             10x1x1  40,970   40,960",
            "---------------  --------------  --------  ------  -------",
            "Trainable parameters: 41,450",
            "Non-trainable state:  32",
            "Total MACs:           483,328 (483 KMACs)",
            // 4 bytes x (3,072 + 3 x 16,384 + 4,096 + 4,096 + 10) elements
            "Activation bytes:     241,704 (242 KB, fp32, one image)",
            "");
        Assert.Equal(expected, SummaryFormatter.Format(graph));
    }

    [Fact]
    public void Totals_use_thousands_separators_and_giga_units_whatever_the_current_culture()
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NumberGroupSeparator = ".";
        culture.NumberFormat.NumberDecimalSeparator = ",";
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = culture;
            var text = SummaryFormatter.Format(ReferenceNetworks.ResNet18().QuietGraph());
            Assert.Contains("Trainable parameters: 11,689,512\n", text);
            Assert.Contains("Non-trainable state:  9,600\n", text);
            Assert.Contains("Total MACs:           1,814,073,344 (1.81 GMACs)\n", text);
            Assert.Contains("Layer4b.Conv2  ", text);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Every_row_of_the_table_has_the_same_width_and_the_text_is_ascii()
    {
        var graph = ReferenceNetworks.SqueezeNet11().QuietGraph();
        var text = SummaryFormatter.Format(graph);
        var lines = text.Split('\n');
        var table = lines.TakeWhile(l => !l.StartsWith("Trainable", System.StringComparison.Ordinal)).ToList();
        Assert.Equal(graph.Nodes.Count + 3, table.Count); // header, rule, one row per node, rule
        Assert.Single(table.Select(l => l.Length).Distinct());
        Assert.All(text, c => Assert.True(c < 128, "non-ASCII character in the summary"));
    }
}
