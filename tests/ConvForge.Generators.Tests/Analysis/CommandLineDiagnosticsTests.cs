using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using ConvForge.Generators.Analysis;

namespace ConvForge.Generators.Tests.Analysis;

/// <summary>
/// What a <c>dotnet build</c> shows, not just the editor: the compiler runs no analyzer once declarations have
/// errors, so a ConvForge diagnostic about such code has to come from the generator to be seen at all.
/// </summary>
public class CommandLineDiagnosticsTests
{
    private const string NotPartial = "CF0001";

    [Fact]
    public async Task The_CF0001_page_wrong_example_shows_CF0001_once_beside_the_compiler_errors()
    {
        var page = File.ReadAllText(RepositoryFiles.PathOf("docs", "diagnostics", "CF0001.md")).Replace("\r\n", "\n");
        var wrong = new Regex(@"## Wrong\n+```csharp\n(.*?)```", RegexOptions.Singleline).Match(page);
        Assert.True(wrong.Success, "no Wrong example on the CF0001 page");

        var build = await CommandLineBuild.RunAsync(wrong.Groups[1].Value);

        Assert.False(build.AnalyzersRan, build.Describe());
        Assert.Contains(build.Diagnostics, d => d.Id == "CS0751");
        var notPartial = Assert.Single(build.WithId(NotPartial));
        Assert.Equal("Network class 'TinyNet' must be partial: the generator implements its layers in another part of the class", notPartial.GetMessage());
        var span = notPartial.Location.GetLineSpan();
        Assert.Equal("Source0.cs", span.Path);
        Assert.Equal((3, 13), (span.StartLinePosition.Line, span.StartLinePosition.Character));
        Assert.Equal("https://github.com/convforge/convforge/blob/main/docs/diagnostics/CF0001.md", notPartial.Descriptor.HelpLinkUri);
    }

    [Fact]
    public async Task A_module_that_is_not_partial_is_named_as_a_module()
    {
        var build = await CommandLineBuild.RunAsync("""
            using ConvForge;

            [NetworkModule]
            class Block
            {
                [Relu] public partial Layer Out { get; }
            }
            """);

        var notPartial = Assert.Single(build.WithId(NotPartial));
        Assert.Equal("Module class 'Block' must be partial: the generator implements its layers in another part of the class", notPartial.GetMessage());
    }

    [Fact]
    public async Task A_class_around_networks_that_is_not_partial_gets_one_CF0001_for_all_of_them()
    {
        var build = await CommandLineBuild.RunAsync("""
            using ConvForge;

            public static class Zoo
            {
                [Network(Channels = 3, Height = 16, Width = 16)]
                public partial class First
                {
                    [GlobalAvgPool, Flatten, Dense(10)] public partial Layer Output { get; }
                }

                [Network(Channels = 3, Height = 16, Width = 16)]
                public partial class Second
                {
                    [GlobalAvgPool, Flatten, Dense(10)] public partial Layer Output { get; }
                }
            }
            """);

        Assert.False(build.AnalyzersRan, build.Describe());
        Assert.Contains(build.Diagnostics, d => d.Id == "CS9248");
        var notPartial = Assert.Single(build.WithId(NotPartial));
        Assert.Equal("Class 'Zoo' must be partial: it contains 'First', and the generator declares the classes around a network again", notPartial.GetMessage());
        Assert.Equal(2, notPartial.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public async Task Without_partial_members_the_analyzer_runs_and_reports_CF0001_alone()
    {
        var build = await CommandLineBuild.RunAsync("""
            using ConvForge;

            [Network(Channels = 3, Height = 32, Width = 32)]
            public class TinyNet
            {
                [Conv(16, Kernel = 3, Padding = 1), Relu] public Layer Conv1 => null!;
            }
            """);

        Assert.True(build.AnalyzersRan, build.Describe());
        Assert.Single(build.WithId(NotPartial));
        Assert.Single(build.WithId("CF0003"));
    }

    [Fact]
    public async Task A_partial_network_gets_no_CF0001()
    {
        var build = await CommandLineBuild.RunAsync("""
            using ConvForge;

            [Network(Channels = 3, Height = 32, Width = 32)]
            public partial class TinyNet
            {
                [Conv(16, Kernel = 3, Padding = 1), Relu] public partial Layer Conv1 { get; }
                [GlobalAvgPool, Flatten, Dense(10)]       public partial Layer Output { get; }
            }
            """);

        Assert.True(build.AnalyzersRan, build.Describe());
        Assert.Empty(build.Diagnostics.Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning));
    }

    [Fact]
    public async Task Layer_properties_without_Network_or_NetworkModule_show_CF0002_once_beside_CS9248()
    {
        var build = await CommandLineBuild.RunAsync("""
            using ConvForge;

            public partial class ResidualBlock
            {
                [Conv(WidthFactor = 1, Kernel = 3, Padding = 1), Relu] public partial Layer Conv1 { get; }
                [Add(Layers.Input), Relu]                              public partial Layer Out { get; }
            }
            """);

        Assert.False(build.AnalyzersRan, build.Describe());
        Assert.Contains(build.Diagnostics, d => d.Id == "CS9248");
        var outside = Assert.Single(build.WithId("CF0002"));
        Assert.Equal("'ResidualBlock' has 2 layer properties (Conv1, Out) but neither [Network] nor [NetworkModule], so no layer is ever built: mark the class [Network(Channels = ..., Height = ..., Width = ...)] or [NetworkModule]", outside.GetMessage());
        Assert.Equal((4, 5), (outside.Location.GetLineSpan().StartLinePosition.Line, outside.Location.GetLineSpan().StartLinePosition.Character));
    }

    [Fact]
    public async Task Layer_properties_that_are_not_partial_outside_a_network_leave_CF0002_to_the_analyzer()
    {
        var build = await CommandLineBuild.RunAsync("""
            using ConvForge;

            public class Helper
            {
                [Relu] public Layer Out => null!;
            }
            """);

        Assert.True(build.AnalyzersRan, build.Describe());
        Assert.Single(build.WithId("CF0002"));
    }

    [Fact]
    public async Task A_partial_property_the_user_implemented_is_no_reason_for_the_generator_to_report()
    {
        var build = await CommandLineBuild.RunAsync("""
            using ConvForge;

            public partial class Helper
            {
                [Relu] public partial Layer Out { get; }
                public partial Layer Out => null!;
            }
            """);

        Assert.True(build.AnalyzersRan, build.Describe());
        Assert.Single(build.WithId("CF0002"));
    }
}
