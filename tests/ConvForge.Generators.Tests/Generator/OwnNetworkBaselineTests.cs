using System.Linq;
using ConvForge.Generators.Tests.Infrastructure;

namespace ConvForge.Generators.Tests.Generator;

/// <summary>
/// Golden files for a small declaration kept here, independent of the samples, that exercises what the
/// samples do not: a module whose node names clash with their enclosing classes and the Shapes constants,
/// a nested network in a documented class, keyword and non-public property names.
/// </summary>
public class OwnNetworkBaselineTests
{
    public const string Source = """
        using ConvForge;

        namespace ConvForge.Tests.Networks;

        [NetworkModule]
        public partial class TwoPaths
        {
            [Conv(WidthFactor = 1, Kernel = 1)]                                   public partial Layer Left { get; }
            [Conv(WidthFactor = 1, Kernel = 3, Padding = 1, From = Layers.Input)] public partial Layer Right { get; }
            [Concat(nameof(Left), nameof(Right)), Relu]                           public partial Layer Paths { get; }
        }

        [Network(Channels = 1, Height = 12, Width = 12)]
        public partial class TinyNet
        {
            [Conv(8, Kernel = 3, Bias = false), BatchNorm, Relu] public partial Layer Stem { get; }
            [MaxPool(2)]                                         public partial Layer Pool { get; }
            [Module(typeof(TwoPaths), Width = 4)]                public partial Layer Paths { get; }
            [GlobalAvgPool, Flatten]                             public partial Layer Length { get; }
            [Dense(10), Softmax]                                 public partial Layer Output { get; }
        }

        public static partial class Zoo
        {
            /// <summary>A documented network nested in another class.</summary>
            [Network(Channels = 3, Height = 4, Width = 4)]
            internal partial class Nested
            {
                [Conv(2, Kernel = 1)] internal partial Layer @class { get; }
                [Flatten, Dense(3)]   protected internal partial Layer Head { get; }
            }
        }
        """;

    public static GeneratorRun Run() => GeneratorHarness.Run(TestCompilation.Create(("OwnNetworks.cs", Source)));

    [Fact]
    public void Generates_its_baselines()
    {
        var run = Run();

        Assert.Null(run.GeneratorResult.Exception);
        Assert.Equal(
            new[] { "ConvForge.Tests.Networks.TinyNet.g.cs", "ConvForge.Tests.Networks.TwoPaths.g.cs", "ConvForge.Tests.Networks.Zoo+Nested.g.cs" },
            run.Sources.Keys.OrderBy(k => k, System.StringComparer.Ordinal));
        foreach (var (hintName, text) in run.Sources)
            Baselines.Verify("OwnNetworks", hintName, text);
        Baselines.VerifyNoOthers("OwnNetworks", run.Sources.Keys);
    }

    [Fact]
    public void Compiles_with_the_generated_code_without_errors_or_warnings()
    {
        var run = GeneratorHarness.Run(TestCompilation.Create(new[] { ("OwnNetworks.cs", Source) }, TestCompilation.DocumentedParseOptions));

        // Documentation is checked (as with <GenerateDocumentationFile>) for the generated files; the
        // declaration above leaves its own public classes undocumented on purpose.
        var problems = TestCompilation.ErrorsAndWarnings(run.OutputCompilation)
            .Where(d => !(d.Id == "CS1591" && d.Location.SourceTree?.FilePath == "OwnNetworks.cs"))
            .ToList();
        Assert.True(problems.Count == 0, TestCompilation.Describe(problems));
    }
}
