using System;
using System.IO;
using System.Linq;
using ConvForge.Runtime.Tests.Onnx.Import;
using ConvForge.Tool.Tests.Infrastructure;
using static ConvForge.Runtime.Tests.Onnx.Import.OnnxTestModel;

namespace ConvForge.Tool.Tests;

/// <summary>
/// <c>convforge import</c>, <c>summary</c> and <c>check</c> on small models written the way PyTorch's
/// exporter writes them (node names like "/conv1/Conv", raw_data initializers, Flatten before Gemm), and on
/// models ConvForge cannot state.
/// </summary>
public sealed class HandMadeModelTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("convforge-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(17)]
    public void A_pytorch_style_model_with_branches_imports_as_primitives_and_computes_what_onnx_runtime_computes(long opset)
    {
        var path = Write("branches.onnx", BranchingModel(opset));

        var imported = ImportedNetwork.Import(path, "Branches", directory);

        var source = imported.Source;
        Assert.Contains("[Conv(8, Kernel = 3, Padding = 1), BatchNorm, Relu]", source);
        Assert.Contains("[MaxPool(3, Stride = 2, CeilMode = true)]", source);
        // The file's asymmetric padding, a convolution without bias, a shortcut reading an earlier layer, and the joins.
        Assert.Contains("[Conv(8, Kernel = 3, Stride = 2, PadTop = 1, PadLeft = 1, PadBottom = 0, PadRight = 0, Bias = false), BatchNorm]", source);
        Assert.Contains("[Conv(8, Kernel = 1, Stride = 2, Bias = false, From = nameof(Pool1)), BatchNorm]", source);
        Assert.Contains("[Add(nameof(Conv2), nameof(Conv3)), Relu]", source);
        Assert.Contains("[Concat(nameof(Add1), nameof(Conv4))]", source);
        Assert.Contains("[AvgPool(3, Stride = 1, Padding = 1)]", source);
        Assert.Contains("[Dense(5)]", source);
        imported.AssertMatchesOnnxRuntime(imported.RandomInput(seed: 3, scale: 1), "branches, opset " + opset);
    }

    [Fact]
    public void A_head_written_as_matmul_and_add_with_dropout_and_softmax_imports_as_dense_layers()
    {
        // Opset 11: Dropout's ratio is still an attribute.
        var m = new OnnxTestModel(11).Input("input", -1, 2, 4, 4).Output("output");
        var random = new PyTorchStyleModels.Values(7);
        m.Floats("w1", random.Next(32 * 6), new long[] { 32, 6 }).Floats("b1", random.Next(6), new long[] { 6 });
        m.Floats("w2", random.Next(6 * 3), new long[] { 3, 6 });
        var flat = m.Op("Flatten", "/Flatten", new[] { "input" }, Attr.I("axis", 1));
        var mm = m.Op("MatMul", "/fc1/MatMul", new[] { flat, "w1" });
        var add = m.Op("Add", "/fc1/Add", new[] { mm, "b1" });
        var act = m.Op("LeakyRelu", "/act/LeakyRelu", new[] { add }, Attr.F("alpha", 0.2f));
        var drop = m.Op("Dropout", "/drop/Dropout", new[] { act }, Attr.F("ratio", 0.25f));
        var fc2 = m.Op("Gemm", "/fc2/Gemm", new[] { drop, "w2" }, Attr.I("transB", 1));
        m.Node("Softmax", "/Softmax", new[] { fc2 }, new[] { "output" }, Attr.I("axis", 1));
        var imported = ImportedNetwork.Import(Write("head.onnx", m.ToArray()), "Head", directory);

        Assert.Contains("[Flatten]", imported.Source);
        Assert.Contains("[Dense(6), LeakyRelu(Slope = 0.2)]", imported.Source);
        Assert.Contains("[Dropout(0.25)]", imported.Source);
        Assert.Contains("[Dense(3, Bias = false), Softmax]", imported.Source);
        imported.AssertMatchesOnnxRuntime(imported.RandomInput(seed: 4, scale: 1), "MatMul head");
    }

    [Fact]
    public void An_unsupported_operator_fails_the_import_naming_every_node_that_uses_one_and_writes_nothing()
    {
        var m = new OnnxTestModel(13).Input("input", -1, 2, 4, 4).Output("output");
        m.Floats("conv.weight", new PyTorchStyleModels.Values(1).Next(3 * 2), new long[] { 3, 2, 1, 1 });
        var conv = m.Op("Conv", "/conv/Conv", new[] { "input", "conv.weight" }, Attr.Is("kernel_shape", 1, 1));
        var tanh = m.Op("Tanh", "/act/Tanh", new[] { conv });
        var erf = m.Op("Erf", "/act/Erf", new[] { tanh });
        m.Node("Relu", "/Relu", new[] { erf }, new[] { "output" });
        var path = Write("tanh.onnx", m.ToArray());

        var run = ToolRun.Of("import", path, "--out", directory);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("/act/Tanh (Tanh)", run.Output);
        Assert.Contains("/act/Erf (Erf)", run.Output);
        Assert.DoesNotContain("/conv/Conv (Conv)", run.Output);
        Assert.Empty(Directory.GetFiles(directory, "*.cs"));
        Assert.Empty(Directory.GetFiles(directory, "*.safetensors"));
    }

    [Fact]
    public void A_multiplication_by_a_constant_fails_naming_the_node()
    {
        var m = new OnnxTestModel(13).Input("input", -1, 2, 4, 4).Output("output");
        m.Floats("scale", new[] { 2f }, new long[] { 1 });
        m.Node("Mul", "/Mul", new[] { "input", "scale" }, new[] { "output" });

        var run = ToolRun.Of("import", Write("mul.onnx", m.ToArray()), "--out", directory);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("/Mul (Mul) multiplies the data by a constant", run.Output);
    }

    [Theory]
    [InlineData(11, null)]
    [InlineData(13, null)]
    [InlineData(13, 2L)]
    public void A_softmax_over_more_or_other_axes_than_the_channels_fails_naming_the_node(long opset, long? axis)
    {
        // Before opset 13 axis 1 means channels, height and width together; from 13 the default is the last axis (the width).
        var m = new OnnxTestModel(opset).Input("input", -1, 2, 4, 4).Output("output");
        m.Node("Softmax", "/Softmax", new[] { "input" }, new[] { "output" }, axis is { } a ? new[] { Attr.I("axis", a) } : Array.Empty<Attr>());

        var run = ToolRun.Of("import", Write("softmax.onnx", m.ToArray()), "--out", directory);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("/Softmax (Softmax) runs over axis", run.Output);
        Assert.Contains("not over the channels alone", run.Output);
    }

    [Fact]
    public void Summary_prints_one_row_per_node_with_shapes_parameters_and_macs()
    {
        var run = ToolRun.Of("summary", Write("branches.onnx", BranchingModel(13)));

        Assert.Equal(0, run.ExitCode);
        var lines = run.Output.Split('\n');
        // Conv1: 8 x 3 x 3 x 3 weights and 8 biases; 16 x 16 outputs of 8 channels, 27 MACs each.
        Assert.Contains(lines, line => line.Contains("Conv1.Conv") && line.Contains("Conv 3x3 pad 1") && line.Contains("8x16x16") && line.Contains(" 224 ") && line.Contains("55,296"));
        Assert.Contains(lines, line => line.Contains("Pool1") && line.Contains("MaxPool 3x3/2 ceil") && line.Contains("8x8x8"));
        Assert.Contains(lines, line => line.Contains("Dense1") && line.Contains("5x1x1") && line.Contains(" 65 "));
        Assert.Contains("Trainable parameters:", run.Output);
        Assert.Contains("Total MACs:", run.Output);
    }

    [Fact]
    public void Check_passes_the_weights_import_wrote_and_names_missing_extra_and_misshaped_tensors_of_others()
    {
        var samples = typeof(ConvForge.Samples.SqueezeNet11).Assembly.Location;
        var squeezeNet = Path.Combine(directory, "squeezenet.safetensors");
        new ConvForge.Samples.SqueezeNet11().SaveWeights(squeezeNet);
        var nin = Path.Combine(directory, "nin.safetensors");
        new ConvForge.Samples.Nin().SaveWeights(nin);

        var same = ToolRun.Of("check", squeezeNet, "--network", samples, "SqueezeNet11");
        Assert.True(same.ExitCode == 0, same.Output);
        Assert.Contains("52 of 52 tensors match; 0 missing, 0 with another shape, 0 extra.", same.Output);

        var other = ToolRun.Of("check", nin, "--network", samples, "ConvForge.Samples.SqueezeNet11");
        Assert.True(other.ExitCode == 1, other.Output);
        Assert.Contains("Fire2.Squeeze.Weight", other.Output);
        Assert.Contains("missing", other.Output);
        Assert.Contains("Mlpconv1.Conv.Weight", other.Output);
        Assert.Contains("extra", other.Output);

        // The CNTK file by structure: it fits ResNet18Cntk, not ResNet18.
        var fits = ToolRun.Of("check", ConvForge.Samples.ResNet18Cntk.OnnxPath, "--network", samples, "ResNet18Cntk");
        Assert.True(fits.ExitCode == 0, fits.Output);
        var misfit = ToolRun.Of("check", ConvForge.Samples.ResNet18Cntk.OnnxPath, "--network", samples, "ResNet18");
        Assert.True(misfit.ExitCode == 1, misfit.Output);
    }

    [Fact]
    public void Check_reports_a_tensor_of_another_shape()
    {
        var samples = typeof(ConvForge.Samples.Nin).Assembly.Location;
        // Nin's parameters, but Mlpconv3's last 1x1 convolution with 5 outputs of 384 inputs instead of 10 of 192.
        var store = new ParameterStore(ConvForge.Samples.Nin.Definition);
        var path = Path.Combine(directory, "nin.safetensors");
        store.Save(path);
        var bytes = File.ReadAllBytes(path);
        var header = SafeTensors.ReadHeader(path);
        var entry = header.Tensors.Single(t => t.Name == "Mlpconv3.Mlp2.Weight");
        Assert.Equal(new long[] { 10, 192, 1, 1 }, entry.Shape);
        var text = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)header.HeaderLength);
        var patched = text.Replace("\"Mlpconv3.Mlp2.Weight\":{\"dtype\":\"F32\",\"shape\":[10,192,1,1]", "\"Mlpconv3.Mlp2.Weight\":{\"dtype\":\"F32\",\"shape\":[5,384,1,1]");
        Assert.NotEqual(text, patched);
        System.Text.Encoding.UTF8.GetBytes(patched).CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);

        var run = ToolRun.Of("check", path, "--network", samples, "Nin");

        Assert.True(run.ExitCode == 1, run.Output);
        Assert.Contains(run.Output.Split('\n'), line => line.Contains("Mlpconv3.Mlp2.Weight") && line.Contains("other shape") && line.Contains("[10, 192, 1, 1]") && line.Contains("[5, 384, 1, 1]"));
    }

    private static byte[] BranchingModel(long opset) => PyTorchStyleModels.ResidualWithBranches(opset).ToArray();

    private string Write(string name, byte[] model)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllBytes(path, model);
        return path;
    }
}
