using System.Threading.Tasks;
using ConvForge.Generators.Analysis;
using Microsoft.CodeAnalysis.Testing;

namespace ConvForge.Generators.Tests.Analysis;

/// <summary>Advice and warnings give way to #pragma and .editorconfig like any other diagnostic.</summary>
public class SuppressionTests
{
    private const string Advised = """
        using ConvForge;

        [Network(Channels = 3, Height = 56, Width = 56)]
        public partial class Net
        {
            [Conv(256, Kernel = 1), Relu]                    public partial Layer Wide { get; }
        #pragma warning disable CF0015 // this layer is measured against the paper as it is
            [Conv(256, Kernel = 3, Padding = 1), Relu]       public partial Layer Conv3 { get; }
        #pragma warning restore CF0015
            [{|#0:Conv(256, Kernel = 3, Padding = 1)|}, Relu] public partial Layer Conv4 { get; }
        }
        """;

    [Fact]
    public Task Pragma_silences_the_bottleneck_advice_where_it_applies_only()
    {
        var test = new NetworkAnalyzerTest
        {
            TestCode = Advised,
            // The framework's own check puts '#pragma warning disable' on top, which the restore above would undo.
            TestBehaviors = TestBehaviors.SkipSuppressionCheck,
        };
        test.ExpectedDiagnostics.Add(AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.BottleneckAdvice));
        return test.RunAsync();
    }

    [Fact]
    public Task Editorconfig_turns_the_advice_off()
    {
        var test = new NetworkAnalyzerTest { TestCode = Advised.Replace("{|#0:", "").Replace("|}", "") };
        test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", """
            root = true

            [*.cs]
            dotnet_diagnostic.CF0015.severity = none
            """));
        return test.RunAsync();
    }

    [Fact]
    public Task Editorconfig_turns_a_warning_off()
    {
        var test = new NetworkAnalyzerTest
        {
            TestCode = """
                using ConvForge;

                [Network(Channels = 3, Height = 32, Width = 32)]
                public partial class Net
                {
                    [Conv(16, Kernel = 3, Stride = 2), Relu] public partial Layer Conv1 { get; }
                }
                """,
        };
        test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", """
            root = true

            [*.cs]
            dotnet_diagnostic.CF0008.severity = none
            """));
        return test.RunAsync();
    }

    [Fact]
    public Task SuppressMessage_on_a_layer_property_silences_its_warning() => NetworkAnalyzerTest.VerifyAsync("""
        using System.Diagnostics.CodeAnalysis;
        using ConvForge;

        [Network(Channels = 3, Height = 32, Width = 32)]
        public partial class Net
        {
            [SuppressMessage("ConvForge.Shapes", "CF0008", Justification = "as published")]
            [Conv(16, Kernel = 3, Stride = 2), Relu]            public partial Layer Conv1 { get; }
            [Conv(16, Kernel = 3, {|#0:Stride = 2|}, From = Layers.Input), Relu] public partial Layer Conv2 { get; }
        }
        """,
        AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.DroppedPixels));
}
