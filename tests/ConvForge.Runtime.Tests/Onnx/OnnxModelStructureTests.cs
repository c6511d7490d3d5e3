using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace ConvForge.Runtime.Tests.Onnx;

/// <summary>
/// The exported bytes decoded with an independent reader: the ModelProto fields, the graph's
/// input and output, initializers named and shaped as the parameters, and each op's attributes.
/// Field numbers from onnx.proto.
/// </summary>
public sealed class OnnxModelStructureTests
{
    private static (ProtoMessage Model, ProtoMessage Graph, NetworkDefinition Network, float[] Parameters) Export(string parityNetwork, ulong seed = 5)
    {
        var network = ParityNetworks.All[parityNetwork]();
        var parameters = OnnxRuntimeHarness.TestParameters(network, seed);
        var model = new ProtoMessage(OnnxExporter.ExportToArray(network, parameters));
        return (model, model.Message(7), network, parameters);
    }

    private static List<ProtoMessage> Nodes(ProtoMessage graph) => graph.Messages(1).ToList();

    private static ProtoMessage Node(ProtoMessage graph, string name) => Nodes(graph).Single(n => n.String(3) == name);

    private static ProtoMessage Attribute(ProtoMessage node, string name) => node.Messages(5).Single(a => a.String(1) == name);

    [Fact]
    public void Model_header_has_ir_version_8_opset_13_and_the_producer()
    {
        var (model, graph, network, _) = Export("ResidualBlockWithSqueezeExcite");
        Assert.Equal(8, model.Number(1));
        var opset = model.Message(8);
        Assert.False(opset.Has(1));   // no domain: the default ONNX domain
        Assert.Equal(13, opset.Number(2));
        Assert.Equal("ConvForge", model.String(2));
        Assert.Equal(network.Name, graph.String(2));
    }

    [Fact]
    public void Graph_input_is_float_N_C_H_W_with_a_symbolic_batch_and_the_output_is_named_output()
    {
        var (_, graph, network, _) = Export("FlattenDenseSoftmax");
        var input = graph.Message(11);
        Assert.Equal("input", input.String(1));
        var tensorType = input.Message(2).Message(1);
        Assert.Equal(1, tensorType.Number(1));   // FLOAT
        var dims = tensorType.Message(2).Messages(1).ToList();
        Assert.Equal("N", dims[0].String(2));
        Assert.Equal(new long[] { 3, 11, 13 }, dims.Skip(1).Select(d => d.Number(1)));

        var output = graph.Message(12);
        Assert.Equal("output", output.String(1));
        var outDims = output.Message(2).Message(1).Message(2).Messages(1).ToList();
        Assert.Equal("N", outDims[0].String(2));
        Assert.Equal(new long[] { network.OutputShape.Channels }, outDims.Skip(1).Select(d => d.Number(1)));
        Assert.Equal("output", Node(graph, "Probabilities").String(2));
    }

    [Fact]
    public void Every_parameter_is_an_initializer_with_its_name_shape_and_values()
    {
        var (_, graph, network, parameters) = Export("ResidualBlockWithSqueezeExcite");
        var initializers = graph.Messages(5).ToDictionary(t => t.String(8));
        foreach (var parameter in network.Parameters)
        {
            Assert.True(initializers.TryGetValue(parameter.Name, out var tensor), $"{parameter.Name} is not an initializer.");
            Assert.Equal(parameter.Shape.Select(d => (long)d), tensor!.Numbers(1));
            Assert.Equal(1, tensor.Number(2));
            var raw = tensor.Bytes(9).Single();
            var expected = MemoryMarshal.AsBytes(parameters.AsSpan(parameter.Offset, parameter.Length)).ToArray();
            Assert.Equal(expected, raw);
        }
    }

    [Fact]
    public void Conv_pads_are_written_top_left_bottom_right_with_strides_dilations_and_group()
    {
        var (_, graph, _, _) = Export("ConvDilatedRectangular");
        var conv = Node(graph, "Conv");
        Assert.Equal("Conv", conv.String(4));
        Assert.Equal(new long[] { 3, 2 }, Attribute(conv, "kernel_shape").Numbers(8));
        Assert.Equal(new long[] { 1, 2 }, Attribute(conv, "strides").Numbers(8));
        Assert.Equal(new long[] { 2, 1, 2, 1 }, Attribute(conv, "pads").Numbers(8));
        Assert.Equal(new long[] { 2, 3 }, Attribute(conv, "dilations").Numbers(8));
        Assert.Equal(1, Attribute(conv, "group").Number(3));
        Assert.Equal(new[] { "input", "Conv.Weight", "Conv.Bias" }, conv.Strings(1));

        var (_, asymmetric, _, _) = Export("ConvStride2AsymmetricPadNoBias");
        var noBias = Node(asymmetric, "Conv");
        Assert.Equal(new long[] { 1, 0, 2, 1 }, Attribute(noBias, "pads").Numbers(8));
        Assert.Equal(new[] { "input", "Conv.Weight" }, noBias.Strings(1));
    }

    [Fact]
    public void Pools_carry_ceil_mode_and_count_include_pad()
    {
        var (_, include, _, _) = Export("AvgPoolCeilIncludePad");
        var pool = Node(include, "Pool");
        Assert.Equal("AveragePool", pool.String(4));
        Assert.Equal(1, Attribute(pool, "ceil_mode").Number(3));
        Assert.Equal(1, Attribute(pool, "count_include_pad").Number(3));

        var (_, exclude, _, _) = Export("AvgPoolPadExcludePad");
        var excluded = Node(exclude, "Pool");
        Assert.Equal(0, Attribute(excluded, "count_include_pad").Number(3));
        Assert.DoesNotContain(excluded.Messages(5), a => a.String(1) == "ceil_mode");

        var (_, max, _, _) = Export("MaxPoolAsymmetricPadDilated");
        var maxPool = Node(max, "Pool");
        Assert.Equal("MaxPool", maxPool.String(4));
        Assert.Equal(new long[] { 1, 0, 2, 1 }, Attribute(maxPool, "pads").Numbers(8));
        Assert.Equal(new long[] { 2, 1 }, Attribute(maxPool, "dilations").Numbers(8));
    }

    [Fact]
    public void Ops_map_to_the_standard_operators()
    {
        var expected = new Dictionary<string, (string Network, string Node, string OpType)[]>
        {
            ["Relu6 -> Clip with min and max inputs"] = new[] { ("Relu6", "Act", "Clip") },
            ["Dropout -> Identity"] = new[] { ("Dropout", "Act", "Identity") },
            ["LeakyRelu"] = new[] { ("LeakyRelu", "Act", "LeakyRelu") },
            ["Sigmoid"] = new[] { ("Sigmoid", "Act", "Sigmoid") },
            ["Dense -> Gemm, Flatten -> Flatten, Softmax"] = new[] { ("FlattenDenseSoftmax", "Hidden", "Gemm"), ("FlattenDenseSoftmax", "Flatten", "Flatten"), ("FlattenDenseSoftmax", "Probabilities", "Softmax") },
            ["BatchNorm -> BatchNormalization"] = new[] { ("BatchNormOnConvAndDense", "Conv.BatchNorm", "BatchNormalization") },
            ["Global pools"] = new[] { ("GlobalPools", "Average", "GlobalAveragePool"), ("GlobalPools", "Max", "GlobalMaxPool"), ("GlobalPools", "Both", "Concat") },
            ["LRN"] = new[] { ("LrnGoogLeNet", "Lrn", "LRN") },
            ["Even LRN -> Div of standard ops"] = new[] { ("LrnEvenSize", "Lrn", "Div") },
            ["ChannelScale -> Mul, Add"] = new[] { ("ResidualBlockWithSqueezeExcite", "Se", "Mul"), ("ResidualBlockWithSqueezeExcite", "Block.Add", "Add") },
            ["Add of three -> Sum"] = new[] { ("AddOfThree", "Sum", "Sum") },
        };
        foreach (var (what, cases) in expected)
        {
            foreach (var (network, node, opType) in cases)
            {
                var (_, graph, _, _) = Export(network);
                Assert.True(Node(graph, node).String(4) == opType, $"{what}: {network}/{node} is {Node(graph, node).String(4)}, not {opType}.");
            }
        }

        var (_, relu6, _, _) = Export("Relu6");
        var clip = Node(relu6, "Act");
        var bounds = clip.Strings(1).Skip(1).ToList();
        var constants = relu6.Messages(5).ToDictionary(t => t.String(8));
        Assert.Equal(0f, BitConverter.ToSingle(constants[bounds[0]].Bytes(9).Single()));
        Assert.Equal(6f, BitConverter.ToSingle(constants[bounds[1]].Bytes(9).Single()));

        var (_, dense, _, _) = Export("DenseReadsConvDirectly");
        var gemm = Node(dense, "Dense");
        Assert.Equal(1, Attribute(gemm, "transB").Number(3));
        var flatten = Nodes(dense).Single(n => n.String(2) == gemm.Strings(1).First());
        Assert.Equal("Flatten", flatten.String(4));
        Assert.Equal(1, Attribute(flatten, "axis").Number(3));
    }

    [Fact]
    public void Lrn_and_leaky_relu_attributes_are_floats()
    {
        var (_, graph, network, _) = Export("LrnStrongOddSize");
        var node = network.Nodes.Single(n => n.Kind == OpKind.Lrn);
        var lrn = Node(graph, "Lrn");
        Assert.Equal(node.LrnSize, Attribute(lrn, "size").Number(3));
        Assert.Equal((float)node.LrnAlpha, Attribute(lrn, "alpha").Float(2));
        Assert.Equal((float)node.LrnBeta, Attribute(lrn, "beta").Float(2));
        Assert.Equal((float)node.LrnK, Attribute(lrn, "bias").Float(2));

        var (_, leaky, _, _) = Export("LeakyRelu");
        Assert.Equal(0.1f, Attribute(Node(leaky, "Act"), "alpha").Float(2));
    }

    [Fact]
    public void Nodes_are_in_topological_order_and_every_value_is_defined_once()
    {
        foreach (var name in ParityNetworks.All.Keys)
        {
            var (_, graph, _, _) = Export(name);
            var defined = new HashSet<string> { "input" };
            foreach (var initializer in graph.Messages(5))
                Assert.True(defined.Add(initializer.String(8)), $"{name}: {initializer.String(8)} defined twice.");
            foreach (var node in Nodes(graph))
            {
                foreach (var input in node.Strings(1))
                    Assert.True(defined.Contains(input), $"{name}: node {node.String(3)} reads {input} before it is defined.");
                foreach (var output in node.Strings(2))
                    Assert.True(defined.Add(output), $"{name}: {output} defined twice.");
            }
            Assert.Contains("output", defined);
        }
    }

    [Fact]
    public void Export_is_deterministic_and_stream_and_array_forms_agree()
    {
        var network = ParityNetworks.All["InceptionLikeConcat"]();
        var store = new ParameterStore(network);
        store.Initialize(9);
        var first = OnnxExporter.ExportToArray(network, store.Values);
        var second = OnnxExporter.ExportToArray(network, store.Values);
        Assert.Equal(first, second);
        using var stream = new MemoryStream();
        OnnxExporter.Export(store, stream);
        Assert.Equal(first, stream.ToArray());

        var path = Path.Combine(Path.GetTempPath(), $"convforge-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Export(store, path);
            Assert.Equal(first, File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_short_parameter_buffer_is_an_argument_error_naming_both_lengths()
    {
        var network = ParityNetworks.All["Conv3x3Pad1Bias"]();
        var error = Assert.Throws<ArgumentException>(() => OnnxExporter.ExportToArray(network, new float[network.ParameterLength - 1]));
        Assert.Contains($"{network.ParameterLength} parameter floats but the buffer holds {network.ParameterLength - 1}", error.Message);
    }

    [Fact]
    public void Dilated_average_pooling_is_refused_because_opset_13_cannot_express_it()
    {
        var builder = new NetworkBuilder("DilatedAverage", new TensorShape(2, 9, 9));
        builder.AvgPool("Pool", builder.Input, KernelWindow.Square(2, dilation: 2));
        var network = builder.Build();
        var error = Assert.Throws<NotSupportedException>(() => OnnxExporter.ExportToArray(network, Array.Empty<float>()));
        Assert.Contains("Pool", error.Message);
    }
}
