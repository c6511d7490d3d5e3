using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using static ConvForge.Runtime.Tests.Onnx.Import.OnnxTestModel;

namespace ConvForge.Runtime.Tests.Onnx.Import;

/// <summary>
/// Hand-written ONNX models shaped like exporters' output (PyTorch's names and layouts, CNTK's old opsets),
/// loaded by structure into declared networks; the declared network, run by the reference interpreter with
/// the loaded weights, must compute what ONNX Runtime computes on the same file.
/// </summary>
public sealed class OnnxImportTests
{
    private const int Batch = 2;

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(17)]
    [InlineData(21)]
    public void A_pytorch_style_residual_network_computes_what_onnx_runtime_computes(long opset)
    {
        var m = PyTorchStyleModels.ResidualWithBranches(opset);

        // Declared in another order than the file lists the branches: pairing is by structure.
        var n = new DeclaredNetwork(3, 16, 16);
        var x = n.Conv("Conv1.Conv", 0, 8, KernelWindow.Square(3, padding: 1));
        x = n.BatchNorm("Conv1.BatchNorm", x);
        x = n.Unary("Conv1", OpKind.Relu, x);
        var pool = n.Pool("Pool", OpKind.MaxPool, x, KernelWindow.Square(3, stride: 2, ceilMode: true));
        var branch = n.Conv("Branch", pool, 4, KernelWindow.Square(1, stride: 2));
        var shortcut = n.BatchNorm("Shortcut.Bn", n.Conv("Shortcut.Conv", pool, 8, KernelWindow.Square(1, stride: 2), bias: false));
        var down = n.Conv("Down.Conv", pool, 8, new KernelWindow(3, 3, 2, 2, 1, 1, 0, 0, 1, 1, false), bias: false);
        down = n.BatchNorm("Down.Bn", down);
        var sum = n.Unary("Block", OpKind.Relu, n.Join("Block.Add", OpKind.Add, down, shortcut));
        x = n.Join("Cat", OpKind.Concat, sum, branch);
        x = n.Pool("Smooth", OpKind.AvgPool, x, KernelWindow.Square(3, padding: 1), countIncludePad: true);
        x = n.Flatten("Features", n.Global("Features.Pool", OpKind.GlobalAvgPool, x));
        n.Dense("Fc", x, 5);

        var matches = AssertSameAsOnnxRuntime(m.ToArray(), n.Build());
        Assert.Contains(matches, match => match.Layer == "Down.Conv" && match.OnnxNodes.SequenceEqual(new[] { "/down/conv/Conv" }));
        Assert.Contains(matches, match => match.Layer == "Branch" && match.OnnxNodes.SequenceEqual(new[] { "/branch/Conv" }));
        Assert.Contains(matches, match => match.Layer == "Fc" && match.OnnxNodes.SequenceEqual(new[] { "/Flatten", "/fc/Gemm" }));
    }

    [Fact]
    public void An_unfused_batch_norm_folds_into_a_declared_convolution_with_a_bias()
    {
        var m = new OnnxTestModel(13).Input("input", -1, 2, 8, 8).Output("output");
        var random = new PyTorchStyleModels.Values(2);
        m.Floats("conv.weight", random.Next(6 * 2 * 9), new long[] { 6, 2, 3, 3 });
        PyTorchStyleModels.BatchNormInitializers(m, "bn", 6, random);
        var c = m.Op("Conv", "conv", new[] { "input", "conv.weight" }, Attr.Is("kernel_shape", 3, 3), Attr.Is("pads", 1, 1, 1, 1));
        var b = m.Op("BatchNormalization", "bn", PyTorchStyleModels.BatchNormInputs(c, "bn"), Attr.F("epsilon", 1e-3f));
        m.Node("Relu", "relu", new[] { b }, new[] { "output" });

        var n = new DeclaredNetwork(2, 8, 8);
        n.Unary("Conv", OpKind.Relu, n.Conv("Conv.Conv", 0, 6, KernelWindow.Square(3, padding: 1), bias: true));
        var matches = AssertSameAsOnnxRuntime(m.ToArray(), n.Build());
        Assert.Contains(matches, match => match.Layer == "Conv.Conv" && match.OnnxNodes.SequenceEqual(new[] { "conv", "bn" }) && match.Note!.Contains("folded", StringComparison.Ordinal));
    }

    [Fact]
    public void A_convolution_bias_before_a_declared_batch_norm_moves_into_its_mean_and_a_folded_batch_norm_becomes_the_identity()
    {
        var m = new OnnxTestModel(13).Input("input", -1, 2, 8, 8).Output("output");
        var random = new PyTorchStyleModels.Values(3);
        m.Floats("a.weight", random.Next(4 * 2 * 9), new long[] { 4, 2, 3, 3 }).Floats("a.bias", random.Next(4), new long[] { 4 });
        PyTorchStyleModels.BatchNormInitializers(m, "a.bn", 4, random);
        m.Floats("b.weight", random.Next(4 * 4 * 9), new long[] { 4, 4, 3, 3 }).Floats("b.bias", random.Next(4), new long[] { 4 });
        var a = m.Op("Conv", "a", new[] { "input", "a.weight", "a.bias" }, Attr.Is("kernel_shape", 3, 3));
        var bn = m.Op("BatchNormalization", "a.bn", PyTorchStyleModels.BatchNormInputs(a, "a.bn"));
        // The second batch norm was folded by the exporter: a convolution with a bias, then nothing.
        m.Node("Conv", "b", new[] { bn, "b.weight", "b.bias" }, new[] { "output" }, Attr.Is("kernel_shape", 3, 3));

        var n = new DeclaredNetwork(2, 8, 8);
        var x = n.BatchNorm("A.Bn", n.Conv("A.Conv", 0, 4, KernelWindow.Square(3), bias: false));
        n.BatchNorm("B.Bn", n.Conv("B.Conv", x, 4, KernelWindow.Square(3), bias: false));
        AssertSameAsOnnxRuntime(m.ToArray(), n.Build());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Gemm_heads_with_either_layout_and_alpha_beta_and_matmul_add_heads_load(int transB)
    {
        var random = new PyTorchStyleModels.Values(4);
        var m = new OnnxTestModel(13).Input("input", -1, 3, 4, 4).Output("output");
        m.Floats("fc1.weight", random.Next(48 * 10), transB == 1 ? new long[] { 10, 48 } : new long[] { 48, 10 }).Floats("fc1.bias", random.Next(10), new long[] { 1, 10 });
        m.Floats("fc2.weight", random.Next(10 * 3), new long[] { 10, 3 }).Floats("fc2.bias", random.Next(3), new long[] { 3 });
        var flat = m.Op("Flatten", "flatten", new[] { "input" }, Attr.I("axis", 1));
        var h = m.Op("Gemm", "fc1", new[] { flat, "fc1.weight", "fc1.bias" }, Attr.F("alpha", 0.5f), Attr.F("beta", 2f), Attr.I("transB", transB));
        var s = m.Op("Sigmoid", "sigmoid", new[] { h });
        var mm = m.Op("MatMul", "fc2/MatMul", new[] { s, "fc2.weight" });
        m.Node("Add", "fc2/Add", new[] { mm, "fc2.bias" }, new[] { "output" });

        var n = new DeclaredNetwork(3, 4, 4);
        var x = n.Unary("Hidden", OpKind.Sigmoid, n.Dense("Hidden.Dense", n.Flatten("Flat", 0), 10));
        n.Dense("Out", x, 3);
        var matches = AssertSameAsOnnxRuntime(m.ToArray(), n.Build());
        Assert.Contains(matches, match => match.Layer == "Out" && match.OnnxNodes.SequenceEqual(new[] { "fc2/MatMul", "fc2/Add" }));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(10)]
    public void A_cntk_era_model_with_attribute_forms_and_initializers_listed_as_inputs_loads(long opset)
    {
        var random = new PyTorchStyleModels.Values(5);
        var m = new OnnxTestModel(opset, producer: "CNTK").Input("input", 1, 3, 16, 16).Output("output");
        m.Floats("W1", random.Next(8 * 3 * 9), new long[] { 8, 3, 3, 3 }, asFloatData: true).Floats("b1", random.Next(8), new long[] { 8 }, asFloatData: true);
        PyTorchStyleModels.BatchNormInitializers(m, "bn", 8, random);
        m.Floats("W2", random.Next(8 * 8 * 9), new long[] { 8, 8, 3, 3 });
        m.Floats("Wfc", random.Next(8 * 4), new long[] { 4, 8 }).Floats("bfc", random.Next(4), new long[] { 4 });
        var c1 = m.Op("Conv", "Convolution1", new[] { "input", "W1", "b1" }, Attr.Is("kernel_shape", 3, 3), Attr.Is("pads", 1, 1, 1, 1), Attr.S("auto_pad", "NOTSET"));
        // BatchNormalization lost its spatial attribute in opset 9.
        var bn = opset < 9
            ? m.Op("BatchNormalization", "BatchNormalization2", PyTorchStyleModels.BatchNormInputs(c1, "bn"), Attr.I("spatial", 1), Attr.F("epsilon", 1e-2f), Attr.F("momentum", 0.9f))
            : m.Op("BatchNormalization", "BatchNormalization2", PyTorchStyleModels.BatchNormInputs(c1, "bn"), Attr.F("epsilon", 1e-2f), Attr.F("momentum", 0.9f));
        var clip = m.Op("Clip", "Clip3", new[] { bn }, Attr.F("min", 0), Attr.F("max", 6));
        m.Node("Dropout", "Dropout4", new[] { clip }, new[] { "drop", "mask" }, Attr.F("ratio", 0.3f));
        var c2 = m.Op("Conv", "Convolution5", new[] { "drop", "W2" }, Attr.Is("kernel_shape", 3, 3), Attr.S("auto_pad", "SAME_UPPER"));
        var leaky = m.Op("LeakyRelu", "LeakyReLU6", new[] { c2 }, Attr.F("alpha", 0.2f));
        var pool = m.Op("MaxPool", "Pooling7", new[] { leaky }, Attr.Is("kernel_shape", 3, 3), Attr.Is("strides", 2, 2), Attr.S("auto_pad", "SAME_UPPER"));
        var gap = m.Op("GlobalAveragePool", "Pooling8", new[] { pool });
        var flat = m.Op("Flatten", "Flatten9", new[] { gap });
        var fc = m.Op("Gemm", "Times10", new[] { flat, "Wfc", "bfc" }, Attr.I("transB", 1));
        m.Node("Softmax", "Softmax11", new[] { fc }, new[] { "output" });

        var n = new DeclaredNetwork(3, 16, 16);
        var x = n.Conv("Conv1.Conv", 0, 8, KernelWindow.Square(3, padding: 1));
        x = n.BatchNorm("Conv1.BatchNorm", x);   // epsilon 1e-5 declared; the file's 1e-2 goes into the variance
        x = n.Unary("Conv1", OpKind.Relu6, x);
        x = n.Unary("Drop", OpKind.Dropout, x, rate: 0.3);
        x = n.Unary("Conv2", OpKind.LeakyRelu, n.Conv("Conv2.Conv", x, 8, KernelWindow.Square(3, padding: 1), bias: false), slope: 0.2);
        x = n.Pool("Pool", OpKind.MaxPool, x, new KernelWindow(3, 3, 2, 2, 0, 0, 1, 1, 1, 1, false));
        x = n.Flatten("Features", n.Global("Features.Pool", OpKind.GlobalAvgPool, x));
        n.Unary("Output", OpKind.Softmax, n.Dense("Output.Dense", x, 4));
        AssertSameAsOnnxRuntime(m.ToArray(), n.Build(), batch: 1);
    }

    [Fact]
    public void Opset_13_forms_load_clip_bounds_from_constants_dropout_ratio_input_squeeze_excite_scale_and_lrn()
    {
        var random = new PyTorchStyleModels.Values(6);
        var m = new OnnxTestModel(13).Input("input", -1, 4, 6, 6).Output("output");
        m.Floats("conv.weight", random.Next(8 * 4 * 9), new long[] { 8, 4, 3, 3 }).Floats("conv.bias", random.Next(8), new long[] { 8 });
        m.Floats("se.fc1.weight", random.Next(2 * 8), new long[] { 2, 8 }).Floats("se.fc1.bias", random.Next(2), new long[] { 2 });
        m.Floats("se.fc2.weight", random.Next(8 * 2), new long[] { 8, 2 }).Floats("se.fc2.bias", random.Next(8), new long[] { 8 });
        m.Floats("ratio", new[] { 0.5f }, Array.Empty<long>());
        m.Int64s("to_nc11", new long[] { 0, -1, 1, 1 }, new long[] { 4 });
        m.Node("Constant", "zero", Array.Empty<string>(), new[] { "zero" }, new Attr("value_float", Float: 0f));
        m.Node("Constant", "six", Array.Empty<string>(), new[] { "six" }, new Attr("value_float", Float: 6f));
        var c = m.Op("Conv", "conv", new[] { "input", "conv.weight", "conv.bias" }, Attr.Is("kernel_shape", 3, 3), Attr.S("auto_pad", "SAME_LOWER"), Attr.Is("strides", 2, 2));
        var clip = m.Op("Clip", "relu6", new[] { c, "zero", "six" });
        var drop = m.Op("Dropout", "drop", new[] { clip, "ratio" });
        var gap = m.Op("GlobalAveragePool", "se/pool", new[] { drop });
        var flat = m.Op("Flatten", "se/flatten", new[] { gap });
        var f1 = m.Op("Gemm", "se/fc1", new[] { flat, "se.fc1.weight", "se.fc1.bias" }, Attr.I("transB", 1));
        var rl = m.Op("Relu", "se/relu", new[] { f1 });
        var f2 = m.Op("Gemm", "se/fc2", new[] { rl, "se.fc2.weight", "se.fc2.bias" }, Attr.I("transB", 1));
        var sg = m.Op("Sigmoid", "se/sigmoid", new[] { f2 });
        var rs = m.Op("Reshape", "se/reshape", new[] { sg, "to_nc11" });
        var scaled = m.Op("Mul", "se/scale", new[] { drop, rs });
        m.Node("LRN", "lrn", new[] { scaled }, new[] { "output" }, Attr.I("size", 3), Attr.F("alpha", 2e-4f), Attr.F("beta", 0.75f), Attr.F("bias", 2f));

        var n = new DeclaredNetwork(4, 6, 6);
        // SAME_LOWER on 6 with 3x3/2: one pixel of padding in total, on the top and left.
        var x = n.Unary("Conv", OpKind.Relu6, n.Conv("Conv.Conv", 0, 8, new KernelWindow(3, 3, 2, 2, 1, 1, 0, 0, 1, 1, false)));
        x = n.Unary("Drop", OpKind.Dropout, x, rate: 0.5);
        var squeeze = n.Flatten("Se.Flat", n.Global("Se.Pool", OpKind.GlobalAvgPool, x));
        var excite = n.Unary("Se.Gate", OpKind.Sigmoid, n.Dense("Se.Fc2", n.Unary("Se.Relu", OpKind.Relu, n.Dense("Se.Fc1", squeeze, 2)), 8));
        x = n.Join("Se", OpKind.ChannelScale, x, excite);
        n.Lrn("Norm", x, 3, 2e-4, 0.75, 2);
        AssertSameAsOnnxRuntime(m.ToArray(), n.Build());
    }

    [Fact]
    public void A_flatten_by_shape_arithmetic_as_pytorch_traces_view_is_ignored()
    {
        var random = new PyTorchStyleModels.Values(7);
        var m = new OnnxTestModel(11).Input("input", -1, 2, 3, 3).Output("output");
        m.Floats("fc.weight", random.Next(4 * 18), new long[] { 4, 18 }).Floats("fc.bias", random.Next(4), new long[] { 4 });
        m.Int64s("zero", new long[] { 0 }, Array.Empty<long>());
        m.Int64s("minus_one", new long[] { -1 }, new long[] { 1 });
        var shape = m.Op("Shape", "Shape_0", new[] { "input" });
        var batch = m.Op("Gather", "Gather_1", new[] { shape, "zero" }, Attr.I("axis", 0));
        var unsqueezed = m.Op("Unsqueeze", "Unsqueeze_2", new[] { batch }, Attr.Is("axes", 0));
        var target = m.Op("Concat", "Concat_3", new[] { unsqueezed, "minus_one" }, Attr.I("axis", 0));
        var flat = m.Op("Reshape", "Reshape_4", new[] { "input", target });
        m.Node("Gemm", "Gemm_5", new[] { flat, "fc.weight", "fc.bias" }, new[] { "output" }, Attr.I("transB", 1));

        var n = new DeclaredNetwork(2, 3, 3);
        n.Dense("Fc", n.Flatten("Flat", 0), 4);
        AssertSameAsOnnxRuntime(m.ToArray(), n.Build());
    }

    [Fact]
    public void The_reader_reads_the_model_header_graph_and_tensors()
    {
        var m = new OnnxTestModel(13, producer: "pytorch").Input("input", -1, 3, 4, 4).Output("output");
        m.Floats("w", new[] { 1f, 2f, 3f }, new long[] { 3, 1, 1, 1 }, asFloatData: true);
        m.Node("Conv", "conv", new[] { "input", "w" }, new[] { "output" }, Attr.Is("kernel_shape", 1, 1), Attr.S("auto_pad", "NOTSET"));
        var model = ConvForge.Onnx.Import.OnnxModel.Parse(m.ToArray());
        Assert.Equal(13, model.OpsetVersion);
        Assert.Equal(7, model.IrVersion);
        Assert.Equal("pytorch", model.ProducerName);
        Assert.Equal("input float [N, 3, 4, 4]", model.Graph.Inputs[0].ToString());
        var node = Assert.Single(model.Graph.Nodes);
        Assert.Equal("conv (Conv): input, w -> output", node.ToString());
        Assert.Equal(new long[] { 1, 1 }, node.FindAttribute("kernel_shape")!.Ints);
        Assert.Equal("NOTSET", node.FindAttribute("auto_pad")!.String);
        Assert.Equal(new[] { 1f, 2f, 3f }, model.Graph.FindInitializer("w")!.ToFloats());
    }

    [Fact]
    public void A_truncated_file_is_an_error_naming_where_it_ends()
    {
        var (bytes, network) = SmallModel();
        foreach (var length in new[] { 0, 1, 5, bytes.Length / 2, bytes.Length - 3 })
        {
            var store = new ParameterStore(network);
            var error = Assert.Throws<InvalidDataException>(() => store.LoadOnnx(new MemoryStream(bytes[..length])));
            Assert.Matches("truncated|empty|no graph", error.Message);
        }
    }

    [Fact]
    public void Corrupt_bytes_are_an_error_not_a_crash()
    {
        var (bytes, network) = SmallModel();
        var random = new Random(11);
        for (var trial = 0; trial < 200; trial++)
        {
            var corrupt = (byte[])bytes.Clone();
            for (var k = 0; k < 3; k++)
                corrupt[random.Next(corrupt.Length)] = (byte)random.Next(256);
            var store = new ParameterStore(network);
            var before = store.Values.ToArray();
            try
            {
                store.LoadOnnx(new MemoryStream(corrupt));
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException)
            {
                Assert.Equal(before, store.Values.ToArray());
            }
        }
    }

    [Theory]
    [InlineData("float16")]
    [InlineData("int64")]
    public void A_weight_of_another_element_type_is_an_error_naming_the_node(string type)
    {
        var m = new OnnxTestModel(13).Input("input", -1, 2, 4, 4).Output("output");
        if (type == "float16")
            m.Halfs("conv.weight", new float[3 * 2], new long[] { 3, 2, 1, 1 });
        else
            m.Int64s("conv.weight", new long[3 * 2], new long[] { 3, 2, 1, 1 });
        m.Node("Conv", "/conv/Conv", new[] { "input", "conv.weight" }, new[] { "output" }, Attr.Is("kernel_shape", 1, 1));
        var n = new DeclaredNetwork(2, 4, 4);
        n.Conv("Conv", 0, 3, KernelWindow.Square(1), bias: false);
        var store = new ParameterStore(n.Build());
        var error = Assert.Throws<NotSupportedException>(() => store.LoadOnnx(new MemoryStream(m.ToArray())));
        Assert.Contains("declared node Conv", error.Message, StringComparison.Ordinal);
        Assert.Contains("'/conv/Conv' (Conv)", error.Message, StringComparison.Ordinal);
        Assert.Contains($"conv.weight {type} [3, 2, 1, 1]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void External_data_is_not_supported_and_says_how_to_fix_it()
    {
        var m = new OnnxTestModel(13).Input("input", -1, 2, 4, 4).Output("output");
        m.External("conv.weight", new long[] { 3, 2, 1, 1 }, "weights.bin");
        m.Node("Conv", "/conv/Conv", new[] { "input", "conv.weight" }, new[] { "output" }, Attr.Is("kernel_shape", 1, 1));
        var n = new DeclaredNetwork(2, 4, 4);
        n.Conv("Conv", 0, 3, KernelWindow.Square(1), bias: false);
        var error = Assert.Throws<NotSupportedException>(() => new ParameterStore(n.Build()).LoadOnnx(new MemoryStream(m.ToArray())));
        Assert.Contains("external file (weights.bin)", error.Message, StringComparison.Ordinal);
        Assert.Contains("save_as_external_data=False", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsupported_operator_is_named_with_its_node()
    {
        var m = new OnnxTestModel(13).Input("input", -1, 2, 4, 4).Output("output");
        m.Floats("conv.weight", new float[6], new long[] { 3, 2, 1, 1 });
        var c = m.Op("Conv", "/conv/Conv", new[] { "input", "conv.weight" }, Attr.Is("kernel_shape", 1, 1));
        m.Node("Tanh", "/act/Tanh", new[] { c }, new[] { "output" });
        var n = new DeclaredNetwork(2, 4, 4);
        n.Unary("Act", OpKind.Relu, n.Conv("Conv", 0, 3, KernelWindow.Square(1), bias: false));
        var error = Assert.Throws<NotSupportedException>(() => new ParameterStore(n.Build()).LoadOnnx(new MemoryStream(m.ToArray())));
        Assert.Contains("declared node Act: Relu", error.Message, StringComparison.Ordinal);
        Assert.Contains("'/act/Tanh' (Tanh): Tanh is not an operator ConvForge can import", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shape_mismatch_names_both_nodes_and_both_shapes_and_loads_nothing()
    {
        var (bytes, _) = SmallModel();
        var n = new DeclaredNetwork(2, 4, 4);
        n.Unary("Out", OpKind.Relu, n.Conv("Conv1.Conv", 0, 5, KernelWindow.Square(1)));
        var store = new ParameterStore(n.Build());
        store.Initialize(3);
        var before = store.Values.ToArray();
        var version = store.Version;
        var error = Assert.Throws<InvalidDataException>(() => store.LoadOnnx(new MemoryStream(bytes)));
        Assert.Contains("network Declared", error.Message, StringComparison.Ordinal);
        Assert.Contains("declared node Conv1.Conv: Conv 1x1 -> 5x4x4", error.Message, StringComparison.Ordinal);
        Assert.Contains("'/conv1/Conv' (Conv)", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected [5, 2, 1, 1], found [3, 2, 1, 1]", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, store.Values.ToArray());
        Assert.Equal(version, store.Version);
    }

    [Fact]
    public void A_model_longer_than_the_declaration_is_an_error_unless_allowed_and_a_new_head_may_keep_its_weights()
    {
        var (bytes, _) = SmallModel();
        var trunk = new DeclaredNetwork(2, 4, 4);
        trunk.Conv("Conv1.Conv", 0, 3, KernelWindow.Square(1));
        var error = Assert.Throws<InvalidDataException>(() => new ParameterStore(trunk.Build()).LoadOnnx(new MemoryStream(bytes)));
        Assert.Contains("'/relu/Relu' (Relu)", error.Message, StringComparison.Ordinal);
        new ParameterStore(trunk.Build()).LoadOnnx(new MemoryStream(bytes), new OnnxImportOptions { AllowExtraOnnxNodes = true });

        var withHead = new DeclaredNetwork(2, 4, 4);
        var x = withHead.Unary("Conv1", OpKind.Relu, withHead.Conv("Conv1.Conv", 0, 3, KernelWindow.Square(1)));
        withHead.Dense("Head", withHead.Flatten("Flat", x), 7);
        var store = new ParameterStore(withHead.Build());
        store.Initialize(9);
        var head = store.GetTensor("Head.Weight").ToArray();
        Assert.Throws<InvalidDataException>(() => store.LoadOnnx(new MemoryStream(bytes)));
        var matches = store.LoadOnnx(new MemoryStream(bytes), new OnnxImportOptions { AllowMissingLayers = true });
        Assert.Equal(head, store.GetTensor("Head.Weight").ToArray());
        Assert.Equal(new[] { 1f, -2f, 3f, -4f, 5f, -6f }, store.GetTensor("Conv1.Conv.Weight").ToArray());
        Assert.Contains(matches, match => match.Layer == "Head" && match.OnnxNodes.Count == 0);
    }

    [Fact]
    public void A_name_map_takes_tensors_by_name_and_reports_what_does_not_fit()
    {
        var (bytes, _) = SmallModel();
        var n = new DeclaredNetwork(2, 4, 4);
        n.Conv("Stem", 0, 3, KernelWindow.Square(1));
        var store = new ParameterStore(n.Build());
        store.LoadOnnx(new MemoryStream(bytes), new OnnxImportOptions
        {
            NameMap = new Dictionary<string, string> { ["Stem.Weight"] = "conv1.weight", ["Stem.Bias"] = "conv1.bias" },
        });
        Assert.Equal(new[] { 1f, -2f, 3f, -4f, 5f, -6f }, store.GetTensor("Stem.Weight").ToArray());
        Assert.Equal(new[] { 0.5f, 0.25f, -1f }, store.GetTensor("Stem.Bias").ToArray());

        var error = Assert.Throws<InvalidDataException>(() => store.LoadOnnx(new MemoryStream(bytes), new OnnxImportOptions
        {
            NameMap = new Dictionary<string, string> { ["Stem.Weight"] = "conv1.bias", ["Stem.Bias"] = "fc.bias" },
        }));
        Assert.Contains("Stem.Weight has shape [3, 2, 1, 1] but conv1.bias has [3]", error.Message, StringComparison.Ordinal);
        Assert.Contains("Stem.Bias maps to fc.bias, which is not an initializer", error.Message, StringComparison.Ordinal);
    }

    /// <summary>input [N, 2, 4, 4] -> Conv 1x1 (3 channels, bias) -> Relu; the declaration "Conv1.Conv", "Conv1".</summary>
    private static (byte[] Model, NetworkDefinition Network) SmallModel()
    {
        var m = new OnnxTestModel(13).Input("input", -1, 2, 4, 4).Output("output");
        m.Floats("conv1.weight", new[] { 1f, -2f, 3f, -4f, 5f, -6f }, new long[] { 3, 2, 1, 1 }).Floats("conv1.bias", new[] { 0.5f, 0.25f, -1f }, new long[] { 3 });
        var c = m.Op("Conv", "/conv1/Conv", new[] { "input", "conv1.weight", "conv1.bias" }, Attr.Is("kernel_shape", 1, 1));
        m.Node("Relu", "/relu/Relu", new[] { c }, new[] { "output" });
        var n = new DeclaredNetwork(2, 4, 4);
        n.Unary("Conv1", OpKind.Relu, n.Conv("Conv1.Conv", 0, 3, KernelWindow.Square(1)));
        return (m.ToArray(), n.Build());
    }

    private static IReadOnlyList<OnnxLayerMatch> AssertSameAsOnnxRuntime(byte[] model, NetworkDefinition network, int batch = Batch)
    {
        var store = new ParameterStore(network);
        var matches = store.LoadOnnx(new MemoryStream(model));
        var input = OnnxRuntimeHarness.RandomValues(batch * network.InputShape.Length, 99);
        var (expected, _) = OnnxRuntimeHarness.Run(model, input, batch, network.InputShape);
        var actual = ReferenceInterpreter.Run(store, input, batch);
        OnnxRuntimeHarness.AssertClose(expected, actual, network.Name);
        return matches;
    }

}
