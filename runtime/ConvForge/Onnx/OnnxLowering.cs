using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace ConvForge.Onnx;

/// <summary>
/// Turns a <see cref="NetworkDefinition"/> into standard ONNX operators (opset 13). Values keep the
/// rank that reads naturally: 4-D [N, C, H, W], except the outputs of Flatten and Dense (and what
/// follows them elementwise), which are 2-D [N, C] as in PyTorch exports. A Flatten is inserted
/// before a Gemm that reads a 4-D value, and a Reshape to [N, C, 1, 1] before an operator that needs
/// 4-D input and reads a 2-D one.
/// </summary>
internal sealed class OnnxLowering
{
    private const string ZeroName = "const:zero";
    private const string SixName = "const:six";
    private const string To4dName = "const:to_nc11";

    private readonly NetworkDefinition network;
    private readonly OnnxGraph graph;
    private readonly HashSet<string> usedNames = new(StringComparer.Ordinal);
    private readonly string[] values;
    private readonly int[] ranks;
    private readonly Dictionary<int, string> flattened = new();
    private readonly Dictionary<int, string> reshaped = new();

    private OnnxLowering(NetworkDefinition network)
    {
        this.network = network;
        graph = new OnnxGraph(network.Name);
        values = new string[network.Nodes.Count];
        ranks = new int[network.Nodes.Count];
    }

    public static OnnxGraph Lower(NetworkDefinition network)
    {
        var lowering = new OnnxLowering(network);
        lowering.Run();
        return lowering.graph;
    }

    private void Run()
    {
        // Parameter names are fixed (initializers are named after them); other names avoid them.
        foreach (var parameter in network.Parameters)
        {
            usedNames.Add(parameter.Name);
            graph.Parameters.Add(parameter);
        }
        usedNames.Add(ZeroName);
        usedNames.Add(SixName);
        usedNames.Add(To4dName);
        usedNames.Add(OnnxExporter.InputName);
        usedNames.Add(OnnxExporter.OutputName);

        var input = network.InputShape;
        values[0] = OnnxExporter.InputName;
        ranks[0] = 4;
        graph.Input = new OnnxValue(OnnxExporter.InputName, new long[] { input.Channels, input.Height, input.Width });

        var last = network.Nodes.Count - 1;
        for (var i = 1; i <= last; i++)
            LowerNode(i, i == last ? OnnxExporter.OutputName : Unique(network.Nodes[i].Name));

        if (last == 0)
        {
            // A network that is only its input still gets an output.
            graph.Nodes.Add(new OnnxNode("Output", "Identity", new[] { values[0] }, new[] { OnnxExporter.OutputName }, Array.Empty<OnnxAttribute>()));
            values[0] = OnnxExporter.OutputName;
        }
        graph.Output = Describe(OnnxExporter.OutputName, last);
        // Shapes of the values in between, so viewers such as Netron can show them without inference.
        for (var i = 1; i < last; i++)
            graph.ValueInfo.Add(Describe(values[i], i));
    }

    private void LowerNode(int index, string output)
    {
        var node = network.Nodes[index];
        var attributes = new List<OnnxAttribute>();
        string opType;
        string[] inputs;
        var rank = 4;
        switch (node.Kind)
        {
            case OpKind.Conv:
            {
                var w = node.Window;
                opType = "Conv";
                inputs = node.HasBias
                    ? new[] { Rank4(node.Inputs[0], node), node.Weight!.Name, node.Bias!.Name }
                    : new[] { Rank4(node.Inputs[0], node), node.Weight!.Name };
                attributes.Add(OnnxAttribute.Of("kernel_shape", w.KernelHeight, w.KernelWidth));
                attributes.Add(OnnxAttribute.Of("strides", w.StrideHeight, w.StrideWidth));
                attributes.Add(OnnxAttribute.Of("pads", w.PadTop, w.PadLeft, w.PadBottom, w.PadRight));
                attributes.Add(OnnxAttribute.Of("dilations", w.DilationHeight, w.DilationWidth));
                attributes.Add(OnnxAttribute.Of("group", (long)node.Groups));
                break;
            }
            case OpKind.MaxPool:
            case OpKind.AvgPool:
            {
                var w = node.Window;
                opType = node.Kind == OpKind.MaxPool ? "MaxPool" : "AveragePool";
                inputs = new[] { Rank4(node.Inputs[0], node) };
                attributes.Add(OnnxAttribute.Of("kernel_shape", w.KernelHeight, w.KernelWidth));
                attributes.Add(OnnxAttribute.Of("strides", w.StrideHeight, w.StrideWidth));
                var input = network.Nodes[node.Inputs[0]].Output;
                // ONNX's shape inference ignores PyTorch's rule that a ceil-mode window starting in the end
                // padding is dropped (ONNX Runtime's kernel applies it), so a model relying on it fails to load.
                // Floor mode with just enough end padding gives the same windows: padded cells never win a max
                // and do not count in an average that excludes padding.
                var padBottom = Math.Max(w.PadBottom, (node.Output.Height - 1) * w.StrideHeight + (w.KernelHeight - 1) * w.DilationHeight + 1 - input.Height - w.PadTop);
                var padRight = Math.Max(w.PadRight, (node.Output.Width - 1) * w.StrideWidth + (w.KernelWidth - 1) * w.DilationWidth + 1 - input.Width - w.PadLeft);
                var dropsAWindow = w.CeilMode
                    && (OnnxCeilSize(input.Height, w.KernelHeight, w.StrideHeight, w.PadTop + w.PadBottom, w.DilationHeight) != node.Output.Height
                        || OnnxCeilSize(input.Width, w.KernelWidth, w.StrideWidth, w.PadLeft + w.PadRight, w.DilationWidth) != node.Output.Width);
                var countsPadding = node.Kind == OpKind.AvgPool && node.CountIncludePad;
                if (dropsAWindow && !countsPadding && padBottom < w.KernelHeight && padRight < w.KernelWidth)
                {
                    attributes.Add(OnnxAttribute.Of("pads", w.PadTop, w.PadLeft, padBottom, padRight));
                }
                else if (dropsAWindow && countsPadding && w.DilationHeight == 1 && w.DilationWidth == 1 && padBottom - w.PadBottom < w.KernelHeight && padRight - w.PadRight < w.KernelWidth)
                {
                    // The declared padding counts in the divisor, the extra does not (PyTorch clips the window at
                    // the declared padding): pad with real zeros first, then pool excluding the extra padding.
                    var padded = Helper(node.Name + ":padded", "Pad",
                        new long[] { input.Channels, input.Height + w.PadTop + w.PadBottom, input.Width + w.PadLeft + w.PadRight },
                        Array.Empty<OnnxAttribute>(),
                        inputs[0], Int64s(node.Name + ":pads", 0, 0, w.PadTop, w.PadLeft, 0, 0, w.PadBottom, w.PadRight));
                    inputs = new[] { padded };
                    attributes.Add(OnnxAttribute.Of("pads", 0L, 0L, padBottom - w.PadBottom, padRight - w.PadRight));
                    attributes.Add(OnnxAttribute.Of("count_include_pad", 0L));
                    break;
                }
                else
                {
                    attributes.Add(OnnxAttribute.Of("pads", w.PadTop, w.PadLeft, w.PadBottom, w.PadRight));
                    if (w.CeilMode)
                        attributes.Add(OnnxAttribute.Of("ceil_mode", 1L));
                }
                if (w.DilationHeight != 1 || w.DilationWidth != 1)
                {
                    // AveragePool has dilations only from opset 19.
                    if (node.Kind == OpKind.AvgPool)
                        throw new NotSupportedException($"Node {node.Name}: ONNX opset {OnnxExporter.OpsetVersion} has no dilated average pooling (window {w}).");
                    attributes.Add(OnnxAttribute.Of("dilations", w.DilationHeight, w.DilationWidth));
                }
                if (node.Kind == OpKind.AvgPool)
                    attributes.Add(OnnxAttribute.Of("count_include_pad", node.CountIncludePad ? 1L : 0L));
                break;
            }
            case OpKind.GlobalAvgPool:
            case OpKind.GlobalMaxPool:
                opType = node.Kind == OpKind.GlobalAvgPool ? "GlobalAveragePool" : "GlobalMaxPool";
                inputs = new[] { Rank4(node.Inputs[0], node) };
                break;
            case OpKind.BatchNorm:
                opType = "BatchNormalization";
                inputs = new[] { values[node.Inputs[0]], node.Gamma!.Name, node.Beta!.Name, node.RunningMean!.Name, node.RunningVar!.Name };
                attributes.Add(OnnxAttribute.Of("epsilon", (float)node.Epsilon));
                rank = ranks[node.Inputs[0]];
                break;
            case OpKind.Relu:
            case OpKind.Sigmoid:
                opType = node.Kind == OpKind.Relu ? "Relu" : "Sigmoid";
                inputs = new[] { values[node.Inputs[0]] };
                rank = ranks[node.Inputs[0]];
                break;
            case OpKind.LeakyRelu:
                opType = "LeakyRelu";
                inputs = new[] { values[node.Inputs[0]] };
                attributes.Add(OnnxAttribute.Of("alpha", (float)node.Slope));
                rank = ranks[node.Inputs[0]];
                break;
            case OpKind.Relu6:
                // Opset 11 moved Clip's bounds from attributes to inputs.
                opType = "Clip";
                inputs = new[] { values[node.Inputs[0]], Scalar(ZeroName, 0f), Scalar(SixName, 6f) };
                rank = ranks[node.Inputs[0]];
                break;
            case OpKind.Dropout:
                // The identity at inference; kept as a node so the layer stays visible.
                opType = "Identity";
                inputs = new[] { values[node.Inputs[0]] };
                rank = ranks[node.Inputs[0]];
                break;
            case OpKind.Dense:
                opType = "Gemm";
                inputs = node.HasBias
                    ? new[] { Rank2(node.Inputs[0], node), node.Weight!.Name, node.Bias!.Name }
                    : new[] { Rank2(node.Inputs[0], node), node.Weight!.Name };
                attributes.Add(OnnxAttribute.Of("transB", 1L));
                rank = 2;
                break;
            case OpKind.Flatten:
                opType = "Flatten";
                inputs = new[] { values[node.Inputs[0]] };
                attributes.Add(OnnxAttribute.Of("axis", 1L));
                rank = 2;
                break;
            case OpKind.Softmax:
                opType = "Softmax";
                inputs = new[] { values[node.Inputs[0]] };
                attributes.Add(OnnxAttribute.Of("axis", 1L));
                rank = ranks[node.Inputs[0]];
                break;
            case OpKind.Lrn when node.LrnSize % 2 == 1:
                opType = "LRN";
                inputs = new[] { Rank4(node.Inputs[0], node) };
                attributes.Add(OnnxAttribute.Of("size", (long)node.LrnSize));
                attributes.Add(OnnxAttribute.Of("alpha", (float)node.LrnAlpha));
                attributes.Add(OnnxAttribute.Of("beta", (float)node.LrnBeta));
                attributes.Add(OnnxAttribute.Of("bias", (float)node.LrnK));
                break;
            case OpKind.Lrn:
                // ONNX allows an even LRN size but ONNX Runtime does not; spell it out in standard ops.
                opType = "Div";
                inputs = EvenSizeLrnDenominator(node);
                break;
            case OpKind.Concat:
                opType = "Concat";
                inputs = SameRank(node, out rank);
                attributes.Add(OnnxAttribute.Of("axis", 1L));
                break;
            case OpKind.Add:
                // Add takes two inputs; Sum any number.
                opType = node.Inputs.Count == 2 ? "Add" : "Sum";
                inputs = SameRank(node, out rank);
                break;
            case OpKind.ChannelScale:
                // [N, C, H, W] * [N, C, 1, 1] broadcasts over the pixels.
                opType = "Mul";
                inputs = SameRank(node, out rank);
                break;
            default:
                throw new NotSupportedException($"Node {node.Name}: {node.Kind} cannot be exported to ONNX.");
        }

        graph.Nodes.Add(new OnnxNode(node.Name, opType, inputs, new[] { output }, attributes.ToArray()));
        values[index] = output;
        ranks[index] = rank;
    }

    /// <summary>
    /// (k + alpha / size * sum of squares over the channel window)^beta as Mul, a 1x1 Conv with a
    /// banded 0/1 matrix (channel j counts for channel c when c - floor((size - 1) / 2) &lt;= j &lt;=
    /// c + ceil((size - 1) / 2), ONNX's window), Mul, Add and Pow. Returns the final Div's inputs.
    /// </summary>
    private string[] EvenSizeLrnDenominator(NodeDefinition node)
    {
        var x = Rank4(node.Inputs[0], node);
        var shape = node.Output;
        var dims = new long[] { shape.Channels, shape.Height, shape.Width };
        var channels = shape.Channels;
        var before = (node.LrnSize - 1) / 2;
        var after = node.LrnSize - 1 - before;
        var band = new byte[channels * channels * sizeof(float)];
        for (var c = 0; c < channels; c++)
        {
            for (var j = Math.Max(0, c - before); j <= Math.Min(channels - 1, c + after); j++)
                BinaryPrimitives.WriteSingleLittleEndian(band.AsSpan((c * channels + j) * sizeof(float)), 1f);
        }
        var bandName = Unique(node.Name + ":window");
        graph.Constants.Add(new OnnxConstant(bandName, OnnxDataType.Float, new long[] { channels, channels, 1, 1 }, band));

        var squares = Helper(node.Name + ":square", "Mul", dims, Array.Empty<OnnxAttribute>(), x, x);
        var sums = Helper(node.Name + ":sum", "Conv", dims, new[] { OnnxAttribute.Of("kernel_shape", 1L, 1L) }, squares, bandName);
        var scaled = Helper(node.Name + ":scaled", "Mul", dims, Array.Empty<OnnxAttribute>(), sums,
            Scalar(Unique(node.Name + ":alpha_over_size"), (float)(node.LrnAlpha / node.LrnSize)));
        var shifted = Helper(node.Name + ":shifted", "Add", dims, Array.Empty<OnnxAttribute>(), scaled, Scalar(Unique(node.Name + ":k"), (float)node.LrnK));
        var denominator = Helper(node.Name + ":denominator", "Pow", dims, Array.Empty<OnnxAttribute>(), shifted, Scalar(Unique(node.Name + ":beta"), (float)node.LrnBeta));
        return new[] { x, denominator };
    }

    /// <summary>Adds a node that only exists in the ONNX graph; returns its output's name.</summary>
    private string Helper(string name, string opType, long[] dims, OnnxAttribute[] attributes, params string[] inputs)
    {
        name = Unique(name);
        graph.Nodes.Add(new OnnxNode(name, opType, inputs, new[] { name }, attributes));
        graph.ValueInfo.Add(new OnnxValue(name, dims));
        return name;
    }

    private string[] SameRank(NodeDefinition node, out int rank)
    {
        rank = ranks[node.Inputs[0]];
        foreach (var input in node.Inputs)
        {
            if (ranks[input] != rank)
                rank = 4;
        }
        var names = new string[node.Inputs.Count];
        for (var i = 0; i < names.Length; i++)
            names[i] = rank == 4 ? Rank4(node.Inputs[i], node) : values[node.Inputs[i]];
        return names;
    }

    /// <summary>Node <paramref name="producer"/>'s value as [N, C*H*W], flattening once per producer.</summary>
    private string Rank2(int producer, NodeDefinition consumer)
    {
        if (ranks[producer] == 2)
            return values[producer];
        if (flattened.TryGetValue(producer, out var name))
            return name;
        name = Unique(consumer.Name + ":flatten");
        graph.Nodes.Add(new OnnxNode(name, "Flatten", new[] { values[producer] }, new[] { name }, new[] { OnnxAttribute.Of("axis", 1L) }));
        graph.ValueInfo.Add(new OnnxValue(name, new long[] { network.Nodes[producer].Output.Length }));
        flattened[producer] = name;
        return name;
    }

    /// <summary>Node <paramref name="producer"/>'s value as [N, C, H, W]; a 2-D value [N, C] becomes [N, C, 1, 1].</summary>
    private string Rank4(int producer, NodeDefinition consumer)
    {
        if (ranks[producer] == 4)
            return values[producer];
        if (reshaped.TryGetValue(producer, out var name))
            return name;
        if (!graph.Constants.Exists(c => c.Name == To4dName))
        {
            var shape = new byte[4 * sizeof(long)];
            BinaryPrimitives.WriteInt64LittleEndian(shape.AsSpan(0), 0);    // 0: keep N
            BinaryPrimitives.WriteInt64LittleEndian(shape.AsSpan(8), -1);   // -1: C, whatever it is
            BinaryPrimitives.WriteInt64LittleEndian(shape.AsSpan(16), 1);
            BinaryPrimitives.WriteInt64LittleEndian(shape.AsSpan(24), 1);
            graph.Constants.Add(new OnnxConstant(To4dName, OnnxDataType.Int64, new long[] { 4 }, shape));
        }
        name = Unique(consumer.Name + ":reshape");
        graph.Nodes.Add(new OnnxNode(name, "Reshape", new[] { values[producer], To4dName }, new[] { name }, Array.Empty<OnnxAttribute>()));
        var shapeOut = network.Nodes[producer].Output;
        graph.ValueInfo.Add(new OnnxValue(name, new long[] { shapeOut.Channels, shapeOut.Height, shapeOut.Width }));
        reshaped[producer] = name;
        return name;
    }

    private string Scalar(string name, float value)
    {
        if (!graph.Constants.Exists(c => c.Name == name))
        {
            var data = new byte[sizeof(float)];
            BinaryPrimitives.WriteSingleLittleEndian(data, value);
            graph.Constants.Add(new OnnxConstant(name, OnnxDataType.Float, Array.Empty<long>(), data));
        }
        return name;
    }

    private OnnxValue Describe(string name, int node)
    {
        var shape = network.Nodes[node].Output;
        return ranks[node] == 2
            ? new OnnxValue(name, new long[] { shape.Channels })
            : new OnnxValue(name, new long[] { shape.Channels, shape.Height, shape.Width });
    }

    private string Unique(string name)
    {
        var candidate = name;
        for (var i = 2; !usedNames.Add(candidate); i++)
            candidate = name + ":" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return candidate;
    }

    /// <summary>A 1-D int64 constant (e.g. Pad's pads); returns its name.</summary>
    private string Int64s(string name, params long[] values)
    {
        name = Unique(name);
        var data = new byte[values.Length * sizeof(long)];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(i * sizeof(long)), values[i]);
        graph.Constants.Add(new OnnxConstant(name, OnnxDataType.Int64, new long[] { values.Length }, data));
        return name;
    }

    /// <summary>ONNX's ceil-mode pooling size, without PyTorch's dropped-last-window rule.</summary>
    private static int OnnxCeilSize(int input, int kernel, int stride, int pads, int dilation)
    {
        var span = input + pads - ((kernel - 1) * dilation + 1);
        return span < 0 ? 0 : (span + stride - 1) / stride + 1;
    }
}
