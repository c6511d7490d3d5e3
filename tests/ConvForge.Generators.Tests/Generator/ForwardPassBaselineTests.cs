using System;
using System.Collections.Generic;
using System.Linq;
using ConvForge.Generators.Tests.Infrastructure;

namespace ConvForge.Generators.Tests.Generator;

/// <summary>
/// Golden files of the forward pass alone (the nested ForwardPass class), one feature per small declaration, so a
/// reviewer sees what each feature prints: a Fire module, a BatchNorm folded into a convolution with a residual Add in
/// its epilogue, a zero-copy concat next to a copied one, a depthwise convolution.
/// </summary>
public class ForwardPassBaselineTests
{
    public static readonly IReadOnlyDictionary<string, string> Features = new Dictionary<string, string>
    {
        // Squeeze, then two expand branches whose outputs are channel slices of the module's tensor (64 + 64 channels).
        ["FireModule"] = """
            [Network(Channels = 3, Height = 15, Width = 15)]
            public partial class FireModule
            {
                [Conv(64, Kernel = 3, Stride = 2), Relu] public partial Layer Conv1 { get; }
                [Fire(16, 64)]                           public partial Layer Fire2 { get; }
            }
            """,

        // Every BatchNorm folds into the convolution before it; the Add and the Relu after it run in Conv2's epilogue.
        ["BatchNormResidual"] = """
            [Network(Channels = 16, Height = 8, Width = 8)]
            public partial class BatchNormResidual
            {
                [Conv(16, Kernel = 3, Padding = 1, Bias = false), BatchNorm, Relu] public partial Layer Conv1 { get; }
                [Conv(16, Kernel = 3, Padding = 1, Bias = false), BatchNorm]       public partial Layer Conv2 { get; }
                [Add(nameof(Conv2), Layers.Input), Relu]                           public partial Layer Output { get; }
            }
            """,

        // Wide ends on a 16-channel boundary, so Wide and Narrow write straight into Joined; Odd (24 channels) does not,
        // so Mixed copies its parts.
        ["ZeroCopyAndCopiedConcat"] = """
            [Network(Channels = 16, Height = 6, Width = 6)]
            public partial class ZeroCopyAndCopiedConcat
            {
                [Conv(32, Kernel = 1)]                            public partial Layer Wide { get; }
                [Conv(8, Kernel = 3, Padding = 1, From = Layers.Input)] public partial Layer Narrow { get; }
                [Concat(nameof(Wide), nameof(Narrow))]            public partial Layer Joined { get; }
                [Conv(24, Kernel = 1)]                            public partial Layer Odd { get; }
                [Conv(8, Kernel = 1, From = nameof(Joined))]      public partial Layer Tail { get; }
                [Concat(nameof(Odd), nameof(Tail))]               public partial Layer Mixed { get; }
            }
            """,

        // One group per channel: the shape struct is a DwConv.
        ["DepthwiseConv"] = """
            [Network(Channels = 32, Height = 10, Width = 10)]
            public partial class DepthwiseConv
            {
                [Conv(32, Kernel = 3, Padding = 1, Depthwise = true), Relu6] public partial Layer Depthwise { get; }
                [Conv(48, Kernel = 1), Relu6]                                public partial Layer Pointwise { get; }
            }
            """,
    };

    public static TheoryData<string> FeatureNames() => new(Features.Keys);

    private static string Source(string feature) => "using ConvForge;\n\nnamespace ConvForge.Tests.Features;\n\n" + Features[feature];

    [Theory]
    [MemberData(nameof(FeatureNames))]
    public void Prints_the_forward_pass_of_the_feature(string feature)
    {
        var run = GeneratorHarness.Run(TestCompilation.Create((feature + ".cs", Source(feature))));

        Assert.Null(run.GeneratorResult.Exception);
        Baselines.Verify("ForwardPass", feature + ".ForwardPass.cs", ForwardPassOf(run.Sources[$"ConvForge.Tests.Features.{feature}.g.cs"]));
    }

    [Fact]
    public void Every_feature_compiles_without_errors_or_warnings()
    {
        var sources = Features.Keys.Select(feature => (feature + ".cs", Source(feature))).ToArray();
        var run = GeneratorHarness.Run(TestCompilation.Create(sources));

        var problems = TestCompilation.ErrorsAndWarnings(run.OutputCompilation).ToList();
        Assert.True(problems.Count == 0, TestCompilation.Describe(problems));
        Baselines.VerifyNoOthers("ForwardPass", Features.Keys.Select(feature => feature + ".ForwardPass.cs"));
    }

    [Fact]
    public void The_features_plan_what_their_comments_say()
    {
        var run = GeneratorHarness.Run(TestCompilation.Create(Features.Keys.Select(feature => (feature + ".cs", Source(feature))).ToArray()));
        string Pass(string feature) => ForwardPassOf(run.Sources[$"ConvForge.Tests.Features.{feature}.g.cs"]);

        Assert.Contains("into channels 64-127 of Fire2", Pass("FireModule"));
        Assert.Contains("ResidualEpilogue<global::ConvForge.Kernels.Relu>", Pass("BatchNormResidual"));
        Assert.DoesNotContain("ScaleShift", Pass("BatchNormResidual"));
        var concat = Pass("ZeroCopyAndCopiedConcat");
        Assert.Contains("into channels 32-39 of Joined", concat);
        Assert.Equal(2, concat.Split("TKernels.CopyChannels<").Length - 1);
        Assert.Contains("DwConv3x3S1P1_32_10x10", Pass("DepthwiseConv"));
    }

    /// <summary>The nested ForwardPass class of a generated file, with its documentation, unindented.</summary>
    private static string ForwardPassOf(string generated)
    {
        var lines = generated.Replace("\r\n", "\n").Split('\n');
        var declaration = Array.FindIndex(lines, line => line.TrimStart().StartsWith("private static class ForwardPass", StringComparison.Ordinal));
        Assert.True(declaration >= 0, "no ForwardPass class");
        var indent = lines[declaration].Length - lines[declaration].TrimStart().Length;
        var start = declaration;
        while (start > 0 && lines[start - 1].TrimStart().StartsWith("///", StringComparison.Ordinal))
            start--;
        var end = Array.FindIndex(lines, declaration + 1, line => line == new string(' ', indent) + "}");
        return string.Join("\n", lines[start..(end + 1)].Select(line => line.Length >= indent ? line[indent..] : line.TrimStart())) + "\n";
    }
}
