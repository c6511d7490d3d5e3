using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;

namespace ConvForge.Generators.Tests.Analysis;

/// <summary>The sample networks (NIN, SqueezeNet, GoogLeNet, ResNets) are what users copy: the analyzer finds nothing wrong in them.</summary>
public class SampleNetworksAnalysisTests
{
    [Fact]
    public async Task Samples_have_no_errors_or_warnings()
    {
        var files = Directory.GetFiles(RepositoryFiles.PathOf("samples", "ConvForge.Samples", "Networks"), "*.cs").OrderBy(f => f).ToList();
        Assert.NotEmpty(files);

        // ResNet18Cntk names its weights, ResNet18.onnx, which the build then checks: give the analyzer the
        // file the samples project restores, as the build does.
        var weights = WeightFiles.ResNet18Cntk();
        Assert.True(weights is not null, "ResNet18.onnx is not in the NuGet cache: restore samples/ConvForge.Samples first");
        var run = await AnalyzerRunner.RunAsync(files.Select(File.ReadAllText).ToList(), new[] { new WeightFileText(weights!) });

        Assert.Empty(run.Exceptions);
        Assert.Empty(run.CompilerErrors);
        Assert.Empty(run.AnalyzerDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }
}
