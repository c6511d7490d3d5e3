using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using ConvForge.Compiler.Diagnostics;
using Microsoft.CodeAnalysis;

namespace ConvForge.Generators.Tests.Analysis;

/// <summary>
/// The analyzer runs on every keystroke, over code that is half written: it must never throw (AD0001), and
/// everything it reports must point into the source. 8 seeds x 45 files = 360 random declarations, a share
/// of them plausible networks whose layers disagree, so that the shape checks are reached too.
/// </summary>
public class AnalyzerFuzzTests
{
    private const int FilesPerSeed = 45;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task Random_and_malformed_declarations_never_crash_the_analyzer(int seed)
    {
        var sources = new FuzzDeclarations(seed).Sources(FilesPerSeed);

        var run = await AnalyzerRunner.RunAsync(sources, WeightFiles());

        Assert.Empty(run.Exceptions);
        Assert.DoesNotContain(run.AnalyzerDiagnostics, d => d.Id == "AD0001");
        var trees = run.Compilation.SyntaxTrees.ToHashSet();
        foreach (var diagnostic in run.ConvForgeDiagnostics)
        {
            Assert.True(diagnostic.Location.IsInSource, $"{diagnostic} has no location in source");
            Assert.Contains(diagnostic.Location.SourceTree!, trees);
            Assert.InRange(diagnostic.Location.SourceSpan.End, 0, diagnostic.Location.SourceTree!.Length);
            Assert.False(string.IsNullOrWhiteSpace(diagnostic.GetMessage()), $"{diagnostic.Id} has no message");
        }

        // Not a vacuous pass: the declarations reached the shape checks and tripped many different rules.
        var ids = run.ConvForgeDiagnostics.Select(d => d.Id).Distinct().ToList();
        Assert.True(ids.Count >= 10, "only " + string.Join(", ", ids));
        Assert.Contains(ids, id => id is "CF0004" or "CF0005" or "CF0006" or "CF0007" or "CF0009");
    }

    [Fact]
    public async Task The_corpus_trips_every_rule()
    {
        var sources = Enumerable.Range(1, 8).SelectMany(seed => new FuzzDeclarations(seed).Sources(FilesPerSeed)).ToList();

        var run = await AnalyzerRunner.RunAsync(sources, WeightFiles());

        Assert.Empty(run.Exceptions);
        var seen = run.ConvForgeDiagnostics.Select(d => d.Id).ToHashSet();
        Assert.Equal(DiagnosticIds.All.Select(rule => rule.Id), DiagnosticIds.All.Select(rule => rule.Id).Where(seen.Contains));
    }

    /// <summary>
    /// The files of <see cref="FuzzDeclarations.WeightFileNames"/> but the absent one: a safetensors file whose
    /// L0 and L1 fit some networks and not others, with a tensor no network has; a corrupt one; the pretrained
    /// ResNet-18 the samples restore, when it is there.
    /// </summary>
    private static AdditionalText[] WeightFiles()
    {
        var folder = Path.Combine(Path.GetTempPath(), "convforge-fuzz-weights");
        Directory.CreateDirectory(folder);
        var files = new List<AdditionalText>
        {
            new WeightFileText(Analysis.WeightFiles.WriteSafeTensors(Path.Combine(folder, "fuzz.safetensors"), new[]
            {
                "L0.Weight F32 [8, 3, 3, 3]", "L0.Bias F32 [8]", "L1.Weight F32 [16, 8, 3, 3]", "L1.Bias F32 [16]", "Extra.Weight F32 [4]",
            })),
        };
        var corrupt = Path.Combine(folder, "fuzz-corrupt.safetensors");
        File.WriteAllBytes(corrupt, new byte[] { 4, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'"', (byte)'a', (byte)'"' });
        files.Add(new WeightFileText(corrupt));
        if (Analysis.WeightFiles.ResNet18Cntk() is { } resnet)
            files.Add(new WeightFileText(resnet));
        return files.ToArray();
    }
}
