using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Generators.Analysis;
using ConvForge.Generators.Parsing;
using Microsoft.CodeAnalysis;

namespace ConvForge.Generators.Tests.Analysis;

/// <summary>
/// Where each kind of <see cref="Site"/> lands, including forms the analyzer tests above do not reach:
/// one element of a params or array argument ("Inputs[1]"), named constructor arguments, and indices
/// out of range (which must still land in source).
/// </summary>
public class SiteLocatorTests
{
    private const string Source = """
        using ConvForge;

        [Network(Channels = 3, Height = 32)]
        public partial class Net
        {
            [Conv(channels: 16, Kernel = 3, Padding = 1), Relu]  public partial Layer A { get; }
            [Conv(16, Kernel = 1)]                                public partial Layer B { get; }
            [Concat(nameof(A), nameof(B), Layers.Input)]          public partial Layer Joined { get; }
            [Concat(new[] { "A", "B" })]                          public partial Layer Listed { get; }
            [MlpConv(96, 96, 48, Kernel = 3)]                     public partial Layer Nin { get; }
            [Fire(16, 64)]                                        public partial Layer Fire2 { get; }
        }
        """;

    [Theory]
    // Arguments by the name the core gives them.
    [InlineData(0, 0, "Channels", "channels: 16")]
    [InlineData(0, 0, "Kernel", "Kernel = 3")]
    [InlineData(4, 0, "Channels", "96")]
    [InlineData(5, 0, "Squeeze", "16")]
    [InlineData(5, 0, "Expand", "64")]
    // A params array: all of it, or one element.
    [InlineData(2, 0, "Inputs", "nameof(A), nameof(B), Layers.Input")]
    [InlineData(2, 0, "Inputs[1]", "nameof(B)")]
    [InlineData(2, 0, "Inputs[2]", "Layers.Input")]
    [InlineData(4, 0, "Mlp", "96, 48")]
    [InlineData(4, 0, "Mlp[1]", "48")]
    // An array written as one argument.
    [InlineData(3, 0, "Inputs", "new[] { \"A\", \"B\" }")]
    [InlineData(3, 0, "Inputs[1]", "\"B\"")]
    // Not written, or past the end: the attribute.
    [InlineData(0, 0, "Stride", "Conv(channels: 16, Kernel = 3, Padding = 1)")]
    [InlineData(2, 0, "Inputs[7]", "nameof(A), nameof(B), Layers.Input")]
    [InlineData(0, 1, null, "Relu")]
    // The property when no attribute is meant, or the attribute index is out of range.
    [InlineData(1, -1, null, "B")]
    [InlineData(1, 5, "Kernel", "B")]
    // The [Network] attribute: an argument written, one not written, and layer indices out of range.
    [InlineData(-1, -1, "Height", "Height = 32")]
    [InlineData(-1, -1, "Width", "Network(Channels = 3, Height = 32)")]
    [InlineData(-1, -1, null, "Network(Channels = 3, Height = 32)")]
    [InlineData(99, 0, "Kernel", "Network(Channels = 3, Height = 32)")]
    public async Task Sites_land_on_the_text_that_is_at_fault(int layer, int op, string? argument, string expected)
    {
        var compilation = await AnalyzerRunner.CompileAsync(new[] { Source });
        var type = compilation.GetTypeByMetadataName("Net")!;
        var network = type.GetAttributes().Single(a => a.AttributeClass?.Name == "NetworkAttribute");
        var parsed = NetworkParser.Parse(type, network, includeModules: true, CancellationToken.None);

        var location = SiteLocator.Locate(parsed, new Site(layer, op, argument), CancellationToken.None);

        Assert.True(location.IsInSource);
        Assert.Equal(expected, location.SourceTree!.GetText().ToString(location.SourceSpan));
    }
}
