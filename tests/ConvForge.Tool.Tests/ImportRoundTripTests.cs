using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ConvForge.Parity.Tests.Infrastructure;
using ConvForge.Samples;
using ConvForge.Tool.Tests.Infrastructure;

namespace ConvForge.Tool.Tests;

/// <summary>
/// <c>convforge import</c> on real models: every sample network's ONNX export and the pretrained CNTK
/// ResNet-18. The C# it writes compiles through the real generator, loads the weights it wrote with
/// <c>LoadWeights</c>, and computes what ONNX Runtime computes on the source file (max |ours - ORT| &lt;=
/// 1e-4 x max |ORT|); and the modules of the literature come back as their attributes.
/// </summary>
public sealed class ImportRoundTripTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("convforge-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    public static IEnumerable<object[]> Samples => new[]
    {
        new object[] { nameof(Nin), "[MlpConv(192, 160, 96, Kernel = 5, Padding = 2)]" },
        new object[] { nameof(SqueezeNet11), "[Fire(16, 64)]" },
        new object[] { nameof(GoogLeNet), "[Inception(64, 96, 128, 16, 32, 32)]" },
        new object[] { nameof(ResNet18), "[BasicBlock(128, Stride = 2)]" },
        new object[] { nameof(ResNet50), "[Bottleneck(128, Stride = 2)]" },
        new object[] { nameof(TinyResidualNet), "[SqueezeExcite(Reduction = 8)]" },
        new object[] { nameof(ResNet18Cntk), "[BasicBlock(128, Stride = 2)]" },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void A_sample_networks_export_imports_as_its_modules_compiles_and_computes_what_onnx_runtime_computes(string sample, string module)
    {
        var type = typeof(ResNet18).Assembly.GetType("ConvForge.Samples." + sample, throwOnError: true)!;
        var source = new GeneratedNetwork(type);
        OnnxParity.SetTestParameters(source, seed: 5);
        var onnx = Path.Combine(directory, sample + ".onnx");
        File.WriteAllBytes(onnx, source.ExportOnnx());

        var imported = ImportedNetwork.Import(onnx, "Imported" + sample, directory);

        Assert.Contains(module, imported.Source);
        // A model ConvForge exported keeps its layer names; the weights are the exported ones, bit for bit.
        Assert.Contains($"public partial Layer {source.Definition.Nodes[^1].Name} {{ get; }}", imported.Source);
        var store = (ParameterStore)imported.Type.GetProperty("Parameters")!.GetValue(imported.Instance)!;
        Assert.Equal(source.Parameters.Values.ToArray().OrderBy(v => v), store.Values.ToArray().OrderBy(v => v));
        imported.AssertMatchesOnnxRuntime(imported.RandomInput(seed: 1, scale: 1), sample);
    }

    [Fact]
    public void The_pretrained_cntk_resnet18_imports_as_basic_blocks_and_computes_what_onnx_runtime_computes()
    {
        var imported = ImportedNetwork.Import(ResNet18Cntk.OnnxPath, "CntkResNet18", directory);

        // CNTK pads its stride-2 layers on the top and left only; where no window reads the missing bottom and
        // right padding, the blocks are ResNet's basic blocks, and the stem keeps the file's padding.
        Assert.Equal(9, Count(imported.Source, "[BasicBlock("));
        Assert.Equal(3, Count(imported.Source, ", Stride = 2)]"));
        Assert.Contains("[BasicBlock(256, Stride = 2)]", imported.Source);
        Assert.Contains("[Conv(64, Kernel = 7, Stride = 2, PadTop = 3, PadLeft = 3, PadBottom = 2, PadRight = 2, Bias = false), BatchNorm, Relu]", imported.Source);
        Assert.Equal(512, imported.Definition.OutputShape.Channels);
        // The model's inputs are BGR values from 0 to 255 less a mean image.
        imported.AssertMatchesOnnxRuntime(imported.RandomInput(seed: 2, scale: 128), "CNTK ResNet-18");
    }

    private static int Count(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
            count++;
        return count;
    }
}
