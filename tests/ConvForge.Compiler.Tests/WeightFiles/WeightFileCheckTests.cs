using System.Collections.Generic;
using System.IO;
using System.Linq;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Tests.Helpers;
using ConvForge.Compiler.WeightFiles;
using static ConvForge.Compiler.Tests.WeightFiles.TestWeightFiles;

namespace ConvForge.Compiler.Tests.WeightFiles;

public class WeightFileCheckTests
{
    private static readonly Site Site = Site.NetworkArgument("Weights");

    /// <summary>Conv1: Conv 8x3x3x3 with bias, BatchNorm, Relu; Out: GlobalAvgPool, Flatten, Dense(10).</summary>
    private static NetworkGraph Net(int denseUnits = 10) => Specs.Network("Net", 3, 8, 8)
        .Layer("Conv1", Op.Conv(8, kernel: 3, padding: 1), Op.BatchNorm(), Op.Relu())
        .Layer("Out", Op.GlobalAvgPool(), Op.Flatten(), Op.Dense(denseUnits))
        .QuietGraph();

    private static Tensor[] TensorsOf(NetworkGraph graph)
        => graph.Parameters.Select(p => new Tensor(p.Name, p.Dimensions.Select(d => (long)d).ToArray())).ToArray();

    private static IReadOnlyList<DiagnosticInfo> CheckSafeTensors(NetworkGraph graph, params Tensor[] tensors)
    {
        var table = WeightFileReader.Read(new MemoryStream(SafeTensors(tensors)), WeightFileFormat.SafeTensors).Table!;
        return WeightFileCheck.Check(graph, table, "net.safetensors", Site);
    }

    [Fact]
    public void Parameters_are_the_names_the_check_compares()
    {
        Assert.Equal(
            new[] { "Conv1.Weight", "Conv1.Bias", "Conv1.BatchNorm.Gamma", "Conv1.BatchNorm.Beta", "Conv1.BatchNorm.RunningMean", "Conv1.BatchNorm.RunningVar", "Out.Weight", "Out.Bias" },
            Net().Parameters.Select(p => p.Name));
    }

    [Fact]
    public void A_file_with_every_parameter_in_its_shape_passes()
    {
        Assert.Empty(CheckSafeTensors(Net(), TensorsOf(Net())));
    }

    [Fact]
    public void Missing_extra_and_misshapen_tensors_are_one_diagnostic_each_at_the_site()
    {
        var tensors = TensorsOf(Net()).Where(t => t.Name != "Conv1.Bias").ToList();
        tensors[0] = tensors[0] with { Shape = new long[] { 8, 3, 5, 5 } };
        tensors.Add(new Tensor("Head.Weight", new long[] { 2, 2 }));

        var problems = CheckSafeTensors(Net(), tensors.ToArray());

        Assert.Equal(new[] { "CF0022", "CF0023", "CF0024" }, problems.Select(p => p.Id));
        Assert.All(problems, p => Assert.Equal(Site, p.Site));
        Assert.Equal("The weight file 'net.safetensors' lacks 1 parameter of Net: Conv1.Bias", problems[0].Message);
        Assert.Equal(Severity.Warning, problems[1].Severity);
        Assert.Equal("The weight file 'net.safetensors' has 1 tensor that Net does not declare: Head.Weight", problems[1].Message);
        Assert.Equal("The weight file 'net.safetensors' does not fit Net: Conv1.Weight is [8, 3, 5, 5] in the file, [8, 3, 3, 3] declared", problems[2].Message);
    }

    [Fact]
    public void An_element_type_ConvForge_cannot_read_is_a_mismatch()
    {
        var tensors = TensorsOf(Net());
        tensors[1] = tensors[1] with { DType = "I64" };

        var problem = Assert.Single(CheckSafeTensors(Net(), tensors));

        Assert.Equal("CF0024", problem.Id);
        Assert.EndsWith("Conv1.Bias is I64, which ConvForge does not read (F32, F16, BF16 or F64)", problem.Message);
    }

    [Fact]
    public void A_file_with_other_names_says_the_check_is_by_ConvForge_names()
    {
        var problems = CheckSafeTensors(Net(), new Tensor("conv1.weight", new long[] { 8, 3, 3, 3 }));

        Assert.Equal(
            "The weight file 'net.safetensors' lacks 8 parameters of Net: Conv1.Weight, Conv1.Bias, Conv1.BatchNorm.Gamma, Conv1.BatchNorm.Beta, Conv1.BatchNorm.RunningMean and 3 more. "
            + "None of its 1 tensor has a ConvForge parameter name (it has 'conv1.weight'): the build checks names as SaveWeights writes them",
            problems[0].Message);
    }

    // ONNX: by structure, in graph order.

    private static OnnxNode[] ConvBnGemm(string convWeight = "w", bool convBias = true, bool batchNorm = true)
    {
        var nodes = new List<OnnxNode> { new("Conv", "conv", convBias ? new[] { "data", convWeight, "b" } : new[] { "data", convWeight }, new[] { "c" }) };
        if (batchNorm)
            nodes.Add(new OnnxNode("BatchNormalization", "bn", new[] { "c", "g", "beta", "m", "v" }, new[] { "n" }));
        nodes.Add(new OnnxNode("Relu", "relu", new[] { batchNorm ? "n" : "c" }, new[] { "r" }));
        nodes.Add(new OnnxNode("GlobalAveragePool", "pool", new[] { "r" }, new[] { "p" }));
        nodes.Add(new OnnxNode("Flatten", "flat", new[] { "p" }, new[] { "f" }));
        nodes.Add(new OnnxNode("Gemm", "fc", new[] { "f", "fc_w", "fc_b" }, new[] { "y" }, TransposeB: true));
        return nodes.ToArray();
    }

    private static Tensor[] ConvBnGemmWeights(long[]? convWeight = null, long fcUnits = 10) => new[]
    {
        new Tensor("w", convWeight ?? new long[] { 8, 3, 3, 3 }), new Tensor("b", new long[] { 8 }),
        new Tensor("g", new long[] { 8 }), new Tensor("beta", new long[] { 8 }), new Tensor("m", new long[] { 8 }), new Tensor("v", new long[] { 8 }),
        new Tensor("fc_w", new long[] { fcUnits, 8 }), new Tensor("fc_b", new long[] { fcUnits }),
    };

    private static IReadOnlyList<DiagnosticInfo> CheckOnnx(NetworkGraph graph, OnnxNode[] nodes, Tensor[] initializers)
    {
        var table = WeightFileReader.Read(new MemoryStream(Onnx(nodes, initializers)), WeightFileFormat.Onnx).Table!;
        return WeightFileCheck.Check(graph, table, "net.onnx", Site);
    }

    [Fact]
    public void An_onnx_model_of_the_same_structure_passes_whatever_its_names()
    {
        Assert.Empty(CheckOnnx(Net(), ConvBnGemm(), ConvBnGemmWeights()));
    }

    [Fact]
    public void The_first_onnx_mismatch_names_the_declared_node_and_the_onnx_node()
    {
        var problem = Assert.Single(CheckOnnx(Net(), ConvBnGemm(), ConvBnGemmWeights(convWeight: new long[] { 8, 3, 5, 5 })));

        Assert.Equal("CF0024", problem.Id);
        Assert.Equal(
            "The weight file 'net.onnx' does not fit Net: Conv1.Conv (Conv 3x3 pad 1, weight [8, 3, 3, 3]) matches no ONNX node in order; "
            + "the next one of its kind is 'conv' (Conv), which has w of shape [8, 3, 5, 5] where Conv1.Weight is [8, 3, 3, 3]",
            problem.Message);
    }

    [Fact]
    public void A_mismatch_with_nothing_of_its_kind_ahead_names_the_next_onnx_node()
    {
        var nodes = ConvBnGemm().Where(n => n.OpType != "Conv").ToArray();

        var problem = Assert.Single(CheckOnnx(Net(), nodes, ConvBnGemmWeights()));

        Assert.EndsWith("Conv1.Conv (Conv 3x3 pad 1, weight [8, 3, 3, 3]) matches no ONNX node in order; the next weighted ONNX node is 'bn' (BatchNormalization)", problem.Message);
    }

    [Fact]
    public void A_gemm_without_transB_holds_features_by_units()
    {
        var nodes = ConvBnGemm();
        nodes[^1] = nodes[^1] with { TransposeB = false };
        var weights = ConvBnGemmWeights();
        weights[6] = new Tensor("fc_w", new long[] { 8, 10 });

        Assert.Empty(CheckOnnx(Net(), nodes, weights));
        Assert.Equal("CF0024", Assert.Single(CheckOnnx(Net(), nodes, ConvBnGemmWeights())).Id);
    }

    [Fact]
    public void Onnx_layers_the_declaration_lacks_are_extra_and_declared_layers_the_model_lacks_are_missing()
    {
        var shorter = ConvBnGemm().Where(n => n.OpType != "Gemm").ToArray();
        var missing = Assert.Single(CheckOnnx(Net(), shorter, ConvBnGemmWeights()));
        Assert.Equal("CF0022", missing.Id);
        Assert.Equal("The weight file 'net.onnx' has no weights for 1 node of Net: Out (the ONNX model has 2 weighted nodes, all taken by earlier layers)", missing.Message);

        var trunk = Specs.Network("Trunk", 3, 8, 8).Layer("Conv1", Op.Conv(8, kernel: 3, padding: 1), Op.BatchNorm(), Op.Relu()).QuietGraph();
        var extra = Assert.Single(CheckOnnx(trunk, ConvBnGemm(), ConvBnGemmWeights()));
        Assert.Equal("CF0023", extra.Id);
        Assert.Equal("The weight file 'net.onnx' has 1 weighted ONNX node that Trunk does not declare: 'fc' (Gemm)", extra.Message);
    }

    [Fact]
    public void A_batch_norm_folded_into_the_convolution_bias_matches_a_declared_batch_norm()
    {
        var declared = Specs.Network("Net", 3, 8, 8)
            .Layer("Conv1", Op.Conv(8, kernel: 3, padding: 1, bias: false), Op.BatchNorm(), Op.Relu())
            .Layer("Out", Op.GlobalAvgPool(), Op.Flatten(), Op.Dense(10))
            .QuietGraph();

        Assert.Empty(CheckOnnx(declared, ConvBnGemm(batchNorm: false), ConvBnGemmWeights()));
        // Without a batch norm to absorb it, the model's bias has nowhere to go.
        var noBatchNorm = Specs.Network("Net", 3, 8, 8)
            .Layer("Conv1", Op.Conv(8, kernel: 3, padding: 1, bias: false), Op.Relu())
            .Layer("Out", Op.GlobalAvgPool(), Op.Flatten(), Op.Dense(10))
            .QuietGraph();
        var problem = Assert.Single(CheckOnnx(noBatchNorm, ConvBnGemm(batchNorm: false), ConvBnGemmWeights()));
        Assert.Equal("CF0024", problem.Id);
        Assert.Contains("has a bias, which Conv1.Conv does not declare", problem.Message);
    }

    [Fact]
    public void A_model_batch_norm_the_declaration_folded_into_its_convolution_bias_is_taken_in()
    {
        // As OnnxWeights loads: the convolution's declared bias takes in the model's BatchNormalization after it.
        var declared = Specs.Network("Net", 3, 8, 8)
            .Layer("Conv1", Op.Conv(8, kernel: 3, padding: 1), Op.Relu())
            .Layer("Out", Op.GlobalAvgPool(), Op.Flatten(), Op.Dense(10))
            .QuietGraph();

        Assert.Empty(CheckOnnx(declared, ConvBnGemm(convBias: false), ConvBnGemmWeights()));
    }

    [Fact]
    public void Biases_load_as_OnnxWeights_loads_them()
    {
        // A declared bias the model lacks loads as zeros; a Gemm's C may be one value for all units.
        var nodes = ConvBnGemm(convBias: false);
        nodes[^1] = nodes[^1] with { Inputs = new[] { "f", "fc_w" } };
        Assert.Empty(CheckOnnx(Net(), nodes, ConvBnGemmWeights()));

        var weights = ConvBnGemmWeights();
        weights[7] = new Tensor("fc_b", new long[] { 1 });
        Assert.Empty(CheckOnnx(Net(), ConvBnGemm(), weights));
        weights[7] = new Tensor("fc_b", new long[] { 7 });
        Assert.EndsWith("which has a bias fc_b of shape [7], [10] declared", Assert.Single(CheckOnnx(Net(), ConvBnGemm(), weights)).Message);
    }

    [Fact]
    public void Sibling_branches_listed_in_another_order_still_match()
    {
        var declared = Specs.Network("Net", 3, 8, 8)
            .Layer("Main", Op.Conv(8, kernel: 3, padding: 1))
            .Layer("Side", Op.Conv(8, kernel: 1, from: "Input"))
            .Layer("Sum", Op.Add("Main", "Side"))
            .QuietGraph();
        var nodes = new[]
        {
            new OnnxNode("Conv", "side", new[] { "data", "ws", "bs" }, new[] { "s" }),
            new OnnxNode("Conv", "main", new[] { "data", "wm", "bm" }, new[] { "m" }),
            new OnnxNode("Add", "sum", new[] { "m", "s" }, new[] { "y" }),
        };
        var weights = new[]
        {
            new Tensor("ws", new long[] { 8, 3, 1, 1 }), new Tensor("bs", new long[] { 8 }),
            new Tensor("wm", new long[] { 8, 3, 3, 3 }), new Tensor("bm", new long[] { 8 }),
        };

        Assert.Empty(CheckOnnx(declared, nodes, weights));
    }
}
