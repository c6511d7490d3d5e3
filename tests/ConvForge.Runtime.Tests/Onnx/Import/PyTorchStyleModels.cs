using static ConvForge.Runtime.Tests.Onnx.Import.OnnxTestModel;

namespace ConvForge.Runtime.Tests.Onnx.Import;

/// <summary>
/// Models written the way PyTorch's exporter writes them, shared by the importer's tests and the convforge
/// tool's tests (which link this file).
/// </summary>
internal static class PyTorchStyleModels
{
    /// <summary>
    /// Conv with bias and BatchNorm, ReLU, a ceil-mode max pool, a stride-2 convolution padded top and left only
    /// and without bias, a 1x1 projection shortcut, Add, ReLU, a 1x1 branch, Concat, an average pool that counts
    /// padding, a global pool, Flatten and Gemm; input 3x16x16, 5 outputs.
    /// </summary>
    public static OnnxTestModel ResidualWithBranches(long opset)
    {
        var m = new OnnxTestModel(opset).Input("input", -1, 3, 16, 16).Output("output");
        var random = new Values(1);
        m.Floats("conv1.weight", random.Next(8 * 3 * 9), new long[] { 8, 3, 3, 3 }).Floats("conv1.bias", random.Next(8), new long[] { 8 });
        BatchNormInitializers(m, "bn1", 8, random);
        m.Floats("down.conv.weight", random.Next(8 * 8 * 9), new long[] { 8, 8, 3, 3 });
        BatchNormInitializers(m, "down.bn", 8, random);
        m.Floats("shortcut.conv.weight", random.Next(8 * 8), new long[] { 8, 8, 1, 1 });
        BatchNormInitializers(m, "shortcut.bn", 8, random);
        m.Floats("branch.weight", random.Next(4 * 8), new long[] { 4, 8, 1, 1 }).Floats("branch.bias", random.Next(4), new long[] { 4 });
        m.Floats("fc.weight", random.Next(5 * 12), new long[] { 5, 12 }).Floats("fc.bias", random.Next(5), new long[] { 5 });

        var c1 = m.Op("Conv", "/conv1/Conv", new[] { "input", "conv1.weight", "conv1.bias" }, Attr.Is("kernel_shape", 3, 3), Attr.Is("pads", 1, 1, 1, 1), Attr.Is("strides", 1, 1), Attr.Is("dilations", 1, 1), Attr.I("group", 1));
        var b1 = m.Op("BatchNormalization", "/bn1/BatchNormalization", BatchNormInputs(c1, "bn1"), Attr.F("epsilon", 1e-5f), Attr.F("momentum", 0.9f));
        var r1 = m.Op("Relu", "/relu/Relu", new[] { b1 });
        var p1 = m.Op("MaxPool", "/maxpool/MaxPool", new[] { r1 }, Attr.Is("kernel_shape", 3, 3), Attr.Is("strides", 2, 2), Attr.Is("pads", 0, 0, 0, 0), Attr.I("ceil_mode", 1));
        var d1 = m.Op("Conv", "/down/conv/Conv", new[] { p1, "down.conv.weight" }, Attr.Is("kernel_shape", 3, 3), Attr.Is("pads", 1, 1, 0, 0), Attr.Is("strides", 2, 2));
        var d2 = m.Op("BatchNormalization", "/down/bn/BatchNormalization", BatchNormInputs(d1, "down.bn"), Attr.F("epsilon", 1e-5f));
        var s1 = m.Op("Conv", "/shortcut/conv/Conv", new[] { p1, "shortcut.conv.weight" }, Attr.Is("kernel_shape", 1, 1), Attr.Is("strides", 2, 2));
        var s2 = m.Op("BatchNormalization", "/shortcut/bn/BatchNormalization", BatchNormInputs(s1, "shortcut.bn"), Attr.F("epsilon", 1e-5f));
        var add = m.Op("Add", "/Add", new[] { d2, s2 });
        var ar = m.Op("Relu", "/Relu_1", new[] { add });
        var br = m.Op("Conv", "/branch/Conv", new[] { p1, "branch.weight", "branch.bias" }, Attr.Is("kernel_shape", 1, 1), Attr.Is("strides", 2, 2));
        var cat = m.Op("Concat", "/Concat", new[] { ar, br }, Attr.I("axis", 1));
        var ap = m.Op("AveragePool", "/avgpool/AveragePool", new[] { cat }, Attr.Is("kernel_shape", 3, 3), Attr.Is("strides", 1, 1), Attr.Is("pads", 1, 1, 1, 1), Attr.I("count_include_pad", 1));
        var gp = m.Op("GlobalAveragePool", "/gap/GlobalAveragePool", new[] { ap });
        var fl = m.Op("Flatten", "/Flatten", new[] { gp }, Attr.I("axis", 1));
        m.Node("Gemm", "/fc/Gemm", new[] { fl, "fc.weight", "fc.bias" }, new[] { "output" }, Attr.F("alpha", 1), Attr.F("beta", 1), Attr.I("transB", 1));
        return m;
    }

    public static void BatchNormInitializers(OnnxTestModel model, string prefix, int channels, Values random)
    {
        model.Floats(prefix + ".weight", random.Next(channels, 0.5, 1.5), new long[] { channels });
        model.Floats(prefix + ".bias", random.Next(channels), new long[] { channels });
        model.Floats(prefix + ".running_mean", random.Next(channels), new long[] { channels });
        model.Floats(prefix + ".running_var", random.Next(channels, 0.5, 2), new long[] { channels });
    }

    public static string[] BatchNormInputs(string x, string prefix) =>
        new[] { x, prefix + ".weight", prefix + ".bias", prefix + ".running_mean", prefix + ".running_var" };

    /// <summary>Seeded uniform values for weights.</summary>
    public sealed class Values(ulong seed)
    {
        private DeterministicRandom random = new(seed);

        public float[] Next(int count, double low = -0.5, double high = 0.5)
        {
            var values = new float[count];
            for (var i = 0; i < count; i++)
                values[i] = (float)random.NextDouble(low, high);
            return values;
        }
    }
}
