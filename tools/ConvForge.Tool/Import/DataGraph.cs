using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ConvForge.Onnx.Import;

namespace ConvForge.Tool.Import;

/// <summary>The primitive operations of a model's data path, as ConvForge's attributes can state them.</summary>
internal enum DataOp
{
    Input, Conv, BatchNorm, Relu, Relu6, LeakyRelu, Sigmoid, Softmax, Lrn, MaxPool, AvgPool, GlobalAvgPool, GlobalMaxPool,
    Concat, Add, Mul, Dense, Flatten, Dropout,
}

/// <summary>One operation on image data, with its settings and output shape (one image, C x H x W).</summary>
internal sealed class DataNode
{
    public DataNode(int index, string onnxName, DataOp op, IReadOnlyList<DataNode> inputs, TensorShape output)
    {
        Index = index;
        OnnxName = onnxName;
        Op = op;
        Inputs = inputs;
        Output = output;
    }

    public int Index { get; }
    /// <summary>The ONNX node it comes from (its output node when several make it up, as MatMul + Add).</summary>
    public string OnnxName { get; set; }
    public DataOp Op { get; }
    public IReadOnlyList<DataNode> Inputs { get; }
    public TensorShape Output { get; }
    public List<DataNode> Consumers { get; } = new();
    public KernelWindow Window { get; init; }
    public int Groups { get; init; } = 1;
    public bool Bias { get; set; }
    public double Epsilon { get; init; }
    public double Slope { get; init; }
    public double Rate { get; init; }
    public int LrnSize { get; init; }
    public double LrnAlpha { get; init; }
    public double LrnBeta { get; init; }
    public double LrnK { get; init; }
    public bool CountIncludePad { get; init; }

    public int Channels => Output.Channels;
    public DataNode Source => Inputs[0];
    /// <summary>Read by exactly one node.</summary>
    public bool SingleUse => Consumers.Count == 1;

    public override string ToString() => $"{OnnxName} ({Op}) -> {Output}";
}

/// <summary>
/// An ONNX model's data path as <see cref="DataNode"/>s with shapes: constants and shape arithmetic left
/// out, Identity passed through, Flatten and Reshape of a C x 1 x 1 value passed through, MatMul + Add
/// joined into one dense node. Nodes that do not lead to the model's output are dropped.
/// </summary>
internal sealed class DataGraph
{
    private static readonly HashSet<string> Supported = new(StringComparer.Ordinal)
    {
        "Conv", "BatchNormalization", "Relu", "Clip", "LeakyRelu", "Sigmoid", "Softmax", "LRN", "MaxPool", "AveragePool",
        "GlobalAveragePool", "GlobalMaxPool", "Concat", "Add", "Sum", "Mul", "Gemm", "MatMul", "Flatten", "Reshape",
        "Dropout", "Identity",
    };

    private readonly OnnxModel model;
    private readonly Dictionary<string, DataNode> values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnnxTensor> constants = new(StringComparer.Ordinal);
    private readonly HashSet<string> metadata = new(StringComparer.Ordinal);
    // The rank of each ONNX data value: 4 for images, 2 after Flatten, Gemm and MatMul; axes are read against it.
    private readonly Dictionary<string, int> ranks = new(StringComparer.Ordinal);
    private readonly List<DataNode> nodes = new();

    private DataGraph(OnnxModel model)
    {
        this.model = model;
    }

    /// <summary>The nodes in a topological order; node 0 is the input, the last the output.</summary>
    public IReadOnlyList<DataNode> Nodes => nodes;
    public DataNode Input => nodes[0];
    public DataNode Output => nodes[^1];

    /// <exception cref="NotSupportedException">Operators ConvForge cannot state, listed with their nodes.</exception>
    /// <exception cref="System.IO.InvalidDataException">The model's structure or settings cannot be read.</exception>
    public static DataGraph Build(OnnxModel model)
    {
        var graph = new DataGraph(model);
        graph.Read();
        return graph;
    }

    private void Read()
    {
        var g = model.Graph;
        foreach (var initializer in g.Initializers)
        {
            constants[initializer.Name] = initializer;
            metadata.Add(initializer.Name);
        }
        var computeNodes = new List<OnnxNodeInfo>();
        foreach (var node in g.Nodes)
        {
            if (node.OpType == "Constant" && node.Outputs.Count > 0)
            {
                if (node.FindAttribute("value")?.Tensor is { } tensor)
                    constants[node.Outputs[0]] = tensor;
                metadata.Add(node.Outputs[0]);
                continue;
            }
            var isMetadata = node.OpType is "Shape" or "Size" || node.Inputs.All(i => i.Length == 0 || metadata.Contains(i));
            if (isMetadata)
            {
                foreach (var value in node.Outputs)
                    metadata.Add(value);
                continue;
            }
            computeNodes.Add(node);
        }

        var unsupported = computeNodes.Where(n => !Supported.Contains(n.OpType) || n.Domain.Length > 0).ToList();
        if (unsupported.Count > 0)
            throw new NotSupportedException(
                $"The model uses {Plural(unsupported.Count, "operator")} ConvForge cannot declare: "
                + string.Join(", ", unsupported.Select(n => $"{n.DisplayName} ({(n.Domain.Length > 0 ? n.Domain + "." : "")}{n.OpType})")) + ".");

        var dataInputs = g.DataInputs.ToList();
        if (dataInputs.Count != 1)
            throw new NotSupportedException($"The model has {dataInputs.Count} data inputs ({string.Join(", ", dataInputs.Select(i => i.Name))}); a ConvForge network reads one image.");
        var input = dataInputs[0];
        if (input.Shape is not { Count: 4 } dims || dims.Skip(1).Any(d => d.Value is not > 0))
            throw new NotSupportedException($"The model's input {input} is not an image of fixed size [N, C, H, W]; ConvForge declares its input shape.");
        var inputNode = Add(new DataNode(0, input.Name, DataOp.Input, Array.Empty<DataNode>(),
            new TensorShape((int)dims[1].Value!.Value, (int)dims[2].Value!.Value, (int)dims[3].Value!.Value)));
        values[input.Name] = inputNode;
        ranks[input.Name] = 4;

        foreach (var node in computeNodes)
            ReadNode(node);

        if (g.Outputs.Count != 1)
            throw new NotSupportedException($"The model has {g.Outputs.Count} outputs ({string.Join(", ", g.Outputs.Select(o => o.Name))}); a ConvForge network has one.");
        var output = Value(g.Outputs[0].Name, null);
        Prune(output);
    }

    private void ReadNode(OnnxNodeInfo node)
    {
        var data = node.Inputs.Where(i => i.Length > 0 && !metadata.Contains(i)).Select(i => Value(i, node)).ToList();
        var x = data[0];
        var name = node.DisplayName;
        var rank = ranks.TryGetValue(node.Inputs.First(i => i.Length > 0 && !metadata.Contains(i)), out var r0) ? r0 : 4;
        ranks[node.Outputs[0]] = node.OpType switch
        {
            "Flatten" or "Gemm" or "MatMul" => 2,
            "Reshape" when node.Inputs.Count > 1 && constants.TryGetValue(node.Inputs[1], out var target) => (int)target.ElementCount,
            _ => rank,
        };
        int Axis(long fallback)
        {
            var axis = node.FindAttribute("axis")?.Int ?? fallback;
            return (int)(axis < 0 ? axis + rank : axis);
        }
        switch (node.OpType)
        {
            case "Identity":
                Alias(node, x);
                return;
            case "Dropout":
            {
                var ratio = node.FindAttribute("ratio") is { } r ? r.Float
                    : node.Inputs.Count > 1 && node.Inputs[1].Length > 0 && constants.TryGetValue(node.Inputs[1], out var t) ? t.ToFloats()[0]
                    : 0.5f;
                Define(node, new DataNode(nodes.Count, name, DataOp.Dropout, data, x.Output) { Rate = Rounded(ratio) });
                return;
            }
            case "Flatten" when Axis(1) != 1:
                throw Unsupported(node, "flattens from another axis than the channels (axis 1)");
            case "Flatten":
            case "Reshape":
                // A Reshape of a C x 1 x 1 value only changes its rank (the gate of a squeeze-and-excitation block); a Flatten is kept as written.
                if (node.OpType == "Reshape" && x.Output.Height * x.Output.Width == 1)
                    Alias(node, x);
                else
                    Define(node, new DataNode(nodes.Count, name, DataOp.Flatten, data, new TensorShape(x.Output.Length, 1, 1)));
                return;
            case "Conv":
            {
                var weight = Constant(node, 1, "weight");
                if (weight.Dims.Count != 4)
                    throw Unsupported(node, $"has a {weight.Dims.Count}-D weight; ConvForge convolutions are 2-D");
                var groups = (int)(node.FindAttribute("group")?.Int ?? 1);
                var window = Window(node, x.Output, (int)weight.Dims[2], (int)weight.Dims[3], conv: true);
                var output = Shape((int)weight.Dims[0], x.Output, window);
                var bias = node.Inputs.Count > 2 && node.Inputs[2].Length > 0;
                Define(node, new DataNode(nodes.Count, name, DataOp.Conv, data, output) { Window = window, Groups = groups, Bias = bias });
                return;
            }
            case "BatchNormalization":
            {
                var epsilon = node.FindAttribute("epsilon") is { } e ? e.Float : 1e-5f;
                Define(node, new DataNode(nodes.Count, name, DataOp.BatchNorm, data, x.Output) { Epsilon = Rounded(epsilon) });
                return;
            }
            case "Relu":
                Define(node, new DataNode(nodes.Count, name, DataOp.Relu, data, x.Output));
                return;
            case "Sigmoid":
                Define(node, new DataNode(nodes.Count, name, DataOp.Sigmoid, data, x.Output));
                return;
            case "LeakyRelu":
            {
                var slope = node.FindAttribute("alpha") is { } a ? a.Float : 0.01f;
                Define(node, new DataNode(nodes.Count, name, DataOp.LeakyRelu, data, x.Output) { Slope = Rounded(slope) });
                return;
            }
            case "Clip":
            {
                var (low, high) = ClipBounds(node);
                if (low == 0 && high == 6)
                    Define(node, new DataNode(nodes.Count, name, DataOp.Relu6, data, x.Output));
                else if (low == 0 && float.IsPositiveInfinity(high))
                    Define(node, new DataNode(nodes.Count, name, DataOp.Relu, data, x.Output));
                else
                    throw Unsupported(node, FormattableString.Invariant($"clips to [{low}, {high}]; ConvForge has ReLU (0, inf) and ReLU6 (0, 6)"));
                return;
            }
            case "Softmax":
            {
                // ConvForge's softmax is over the channels. Before opset 13 ONNX's runs over every axis from `axis` on, from 13 over `axis` alone.
                var spatial = x.Output.Height * x.Output.Width > 1;
                var overChannels = Axis(model.OpsetVersion < 13 ? 1 : -1) == 1 && (model.OpsetVersion >= 13 || rank == 2 || !spatial);
                if (!overChannels)
                    throw Unsupported(node, $"runs over axis {node.FindAttribute("axis")?.Int.ToString(CultureInfo.InvariantCulture) ?? "(default)"} of a rank-{rank} value, not over the channels alone");
                Define(node, new DataNode(nodes.Count, name, DataOp.Softmax, data, x.Output));
                return;
            }
            case "LRN":
                Define(node, new DataNode(nodes.Count, name, DataOp.Lrn, data, x.Output)
                {
                    LrnSize = (int)(node.FindAttribute("size")?.Int ?? throw Unsupported(node, "has no size")),
                    LrnAlpha = Rounded(node.FindAttribute("alpha")?.Float ?? 1e-4f),
                    LrnBeta = Rounded(node.FindAttribute("beta")?.Float ?? 0.75f),
                    LrnK = Rounded(node.FindAttribute("bias")?.Float ?? 1f),
                });
                return;
            case "MaxPool":
            case "AveragePool":
            {
                var kernel = node.FindAttribute("kernel_shape")?.Ints ?? throw Unsupported(node, "has no kernel_shape");
                if (kernel.Count != 2)
                    throw Unsupported(node, "pools over other than two axes");
                if (node.Outputs.Count > 1 && node.Outputs[1].Length > 0)
                    throw Unsupported(node, "returns the indices of the maxima");
                var window = Window(node, x.Output, (int)kernel[0], (int)kernel[1], conv: false);
                var op = node.OpType == "MaxPool" ? DataOp.MaxPool : DataOp.AvgPool;
                var countPad = node.FindAttribute("count_include_pad")?.Int == 1;
                Define(node, new DataNode(nodes.Count, name, op, data, Shape(x.Output.Channels, x.Output, window)) { Window = window, CountIncludePad = countPad });
                return;
            }
            case "GlobalAveragePool":
                Define(node, new DataNode(nodes.Count, name, DataOp.GlobalAvgPool, data, new TensorShape(x.Output.Channels, 1, 1)));
                return;
            case "GlobalMaxPool":
                Define(node, new DataNode(nodes.Count, name, DataOp.GlobalMaxPool, data, new TensorShape(x.Output.Channels, 1, 1)));
                return;
            case "Concat":
            {
                var axis = Axis(1);
                if (axis != 1)
                    throw Unsupported(node, $"concatenates along axis {axis}; ConvForge concatenates channels (axis 1)");
                if (data.Count != node.Inputs.Count(i => i.Length > 0))
                    throw Unsupported(node, "concatenates a constant");
                var channels = data.Sum(d => d.Output.Channels);
                Define(node, new DataNode(nodes.Count, name, DataOp.Concat, data, new TensorShape(channels, x.Output.Height, x.Output.Width)));
                return;
            }
            case "Add":
            case "Sum":
                if (data.Count == 1 && x is { Op: DataOp.Dense, Bias: false, Consumers.Count: 0 } && node.OpType == "Add")
                {
                    // MatMul + Add: the dense layer's bias.
                    x.Bias = true;
                    x.OnnxName = name;
                    Alias(node, x);
                    return;
                }
                if (data.Count < 2 || data.Count != node.Inputs.Count(i => i.Length > 0))
                    throw Unsupported(node, "adds a constant to the data; ConvForge adds layers to layers");
                Define(node, new DataNode(nodes.Count, name, DataOp.Add, data, x.Output));
                return;
            case "Mul":
                if (data.Count != 2)
                    throw Unsupported(node, "multiplies the data by a constant; ConvForge scales channels only by a computed gate (squeeze-and-excitation)");
                Define(node, new DataNode(nodes.Count, name, DataOp.Mul, data, data[0].Output.Length >= data[1].Output.Length ? data[0].Output : data[1].Output));
                return;
            case "Gemm":
            {
                if (node.FindAttribute("transA")?.Int == 1)
                    throw Unsupported(node, "transposes its input (transA = 1)");
                var weight = Constant(node, 1, "weight");
                var transB = node.FindAttribute("transB")?.Int == 1;
                var units = (int)(transB ? weight.Dims[0] : weight.Dims[1]);
                var bias = node.Inputs.Count > 2 && node.Inputs[2].Length > 0;
                Define(node, new DataNode(nodes.Count, name, DataOp.Dense, data, new TensorShape(units, 1, 1)) { Bias = bias });
                return;
            }
            case "MatMul":
            {
                var weight = Constant(node, 1, "weight");
                Define(node, new DataNode(nodes.Count, name, DataOp.Dense, data, new TensorShape((int)weight.Dims[^1], 1, 1)) { Bias = false });
                return;
            }
        }
        throw Unsupported(node, "is not an operator ConvForge can declare");
    }

    private DataNode Add(DataNode node)
    {
        nodes.Add(node);
        return node;
    }

    private void Define(OnnxNodeInfo node, DataNode data)
    {
        Add(data);
        foreach (var input in data.Inputs)
            input.Consumers.Add(data);
        values[node.Outputs[0]] = data;
    }

    private void Alias(OnnxNodeInfo node, DataNode data) => values[node.Outputs[0]] = data;

    private DataNode Value(string name, OnnxNodeInfo? reader) =>
        values.TryGetValue(name, out var node) ? node
        : throw new System.IO.InvalidDataException(reader is null
            ? $"The model's output {name} is not computed from its input."
            : $"ONNX node {reader.DisplayName} ({reader.OpType}) reads {name}, which no node before it computes.");

    private OnnxTensor Constant(OnnxNodeInfo node, int input, string what) =>
        node.Inputs.Count > input && constants.TryGetValue(node.Inputs[input], out var tensor) ? tensor
        : throw Unsupported(node, $"computes its {what} in the graph; ConvForge needs it stored (an initializer)");

    private (float Low, float High) ClipBounds(OnnxNodeInfo node)
    {
        if (node.FindAttribute("min") is not null || node.FindAttribute("max") is not null)
            return (node.FindAttribute("min")?.Float ?? float.NegativeInfinity, node.FindAttribute("max")?.Float ?? float.PositiveInfinity);
        float Bound(int index, float none) =>
            node.Inputs.Count > index && node.Inputs[index].Length > 0
                ? constants.TryGetValue(node.Inputs[index], out var t) ? t.ToFloats()[0] : throw Unsupported(node, "computes its bounds in the graph")
                : none;
        return (Bound(1, float.NegativeInfinity), Bound(2, float.PositiveInfinity));
    }

    private static KernelWindow Window(OnnxNodeInfo node, TensorShape input, int kernelHeight, int kernelWidth, bool conv)
    {
        int[] Ints(string attribute, int count, int fallback)
        {
            var values = node.FindAttribute(attribute)?.Ints;
            if (values is null || values.Count == 0)
                return Enumerable.Repeat(fallback, count).ToArray();
            if (values.Count != count)
                throw Unsupported(node, $"has {values.Count} {attribute}; a 2-D window has {count}");
            return values.Select(v => checked((int)v)).ToArray();
        }
        if (node.FindAttribute("kernel_shape")?.Ints is { Count: 2 } kernel && (kernel[0] != kernelHeight || kernel[1] != kernelWidth))
            throw Unsupported(node, "has a kernel_shape that differs from its weight");
        var strides = Ints("strides", 2, 1);
        var dilations = Ints("dilations", 2, 1);
        var pads = Ints("pads", 4, 0);
        var ceil = node.FindAttribute("ceil_mode")?.Int == 1;
        var autoPad = node.FindAttribute("auto_pad")?.String ?? "NOTSET";
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            var (top, bottom) = Same(input.Height, kernelHeight, strides[0], dilations[0], autoPad == "SAME_UPPER");
            var (left, right) = Same(input.Width, kernelWidth, strides[1], dilations[1], autoPad == "SAME_UPPER");
            pads = new[] { top, left, bottom, right };
        }
        else if (autoPad == "VALID")
        {
            pads = new int[4];
        }
        else if (autoPad != "NOTSET")
        {
            throw Unsupported(node, $"has auto_pad {autoPad}");
        }
        if (!conv && dilations.Any(d => d != 1))
            throw Unsupported(node, "pools with dilation");
        return new KernelWindow(kernelHeight, kernelWidth, strides[0], strides[1], pads[0], pads[1], pads[2], pads[3], dilations[0], dilations[1], ceil);
    }

    private static (int Begin, int End) Same(int input, int kernel, int stride, int dilation, bool upper)
    {
        var output = (input + stride - 1) / stride;
        var total = Math.Max(0, (output - 1) * stride + dilation * (kernel - 1) + 1 - input);
        var small = total / 2;
        return upper ? (small, total - small) : (total - small, small);
    }

    private static TensorShape Shape(int channels, TensorShape input, KernelWindow window)
    {
        var height = window.OutputHeight(input.Height);
        var width = window.OutputWidth(input.Width);
        if (height < 1 || width < 1)
            throw new System.IO.InvalidDataException(FormattableString.Invariant($"A window {window} does not fit its input {input}."));
        return new TensorShape(channels, height, width);
    }

    // Keeps the nodes the output depends on; the output, which depends on all of them, stays last.
    private void Prune(DataNode output)
    {
        var needed = new HashSet<DataNode>();
        var stack = new Stack<DataNode>();
        stack.Push(output);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (!needed.Add(node))
                continue;
            foreach (var input in node.Inputs)
                stack.Push(input);
        }
        needed.Add(nodes[0]);
        var kept = nodes.Where(needed.Contains).ToList();
        foreach (var node in kept)
            node.Consumers.RemoveAll(c => !needed.Contains(c));
        nodes.Clear();
        nodes.AddRange(kept);
    }

    /// <summary>A float attribute as the decimal it was written as (1e-5, not 9.99999974737875E-06).</summary>
    private static double Rounded(float value) => double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static NotSupportedException Unsupported(OnnxNodeInfo node, string problem) =>
        new($"ONNX node {node.DisplayName} ({node.OpType}) {problem}.");

    private static string Plural(int count, string noun) => count == 1 ? $"an {noun}" : $"{count} {noun}s";
}
