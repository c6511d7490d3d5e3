using System;
using System.Collections.Generic;
using System.Linq;

namespace ConvForge.Onnx.Import;

/// <summary>
/// The parts of an ONNX graph that carry image data, as the importer walks them: which node produces and
/// which nodes read each value, which values are constants (initializers, Constant nodes, and everything
/// computed from them or from Shape, such as PyTorch's <c>x.view(x.size(0), -1)</c> shape arithmetic),
/// and which nodes only pass data through (Identity, Dropout, Flatten, Reshape) and so stand for their input.
/// </summary>
internal sealed class OnnxGraphView
{
    private readonly Dictionary<string, OnnxNodeInfo> producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<OnnxNodeInfo>> readers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnnxTensor> constants = new(StringComparer.Ordinal);
    private readonly HashSet<string> metadata = new(StringComparer.Ordinal);

    public OnnxGraphView(OnnxModel model)
    {
        Model = model;
        var graph = model.Graph;
        foreach (var initializer in graph.Initializers)
        {
            constants[initializer.Name] = initializer;
            metadata.Add(initializer.Name);
        }
        var ordered = TopologicalOrder(graph);
        Nodes = ordered;
        foreach (var node in ordered)
        {
            foreach (var output in node.Outputs)
            {
                if (output.Length > 0)
                    producers[output] = node;
            }
            foreach (var input in node.Inputs.Distinct())
            {
                if (input.Length == 0)
                    continue;
                if (!readers.TryGetValue(input, out var list))
                    readers[input] = list = new List<OnnxNodeInfo>();
                list.Add(node);
            }

            var isConstant = node.OpType == "Constant";
            if (isConstant && node.Outputs.Count > 0)
                constants[node.Outputs[0]] = ConstantValue(node);
            // Shape and Size read data but yield metadata; other nodes yield metadata when all they read is metadata.
            var yieldsMetadata = isConstant || node.OpType is "Shape" or "Size"
                || node.Inputs.All(input => input.Length == 0 || metadata.Contains(input));
            if (yieldsMetadata)
            {
                foreach (var output in node.Outputs)
                    metadata.Add(output);
            }
        }

        var dataInputs = graph.DataInputs.ToList();
        if (dataInputs.Count != 1)
            throw new NotSupportedException(dataInputs.Count == 0
                ? "The ONNX graph has no data input (every input is an initializer)."
                : $"The ONNX graph has {dataInputs.Count} data inputs ({string.Join(", ", dataInputs.Select(i => i.Name))}); ConvForge networks take one image.");
        DataInput = dataInputs[0];
    }

    public OnnxModel Model { get; }
    /// <summary>The nodes in a topological order (the file's order where it is one already).</summary>
    public IReadOnlyList<OnnxNodeInfo> Nodes { get; }
    /// <summary>The image the model reads.</summary>
    public OnnxValueInfo DataInput { get; }
    public long Opset => Model.OpsetVersion;

    /// <summary>Whether the node reads image data (rather than only constants or shapes).</summary>
    public bool IsCompute(OnnxNodeInfo node) =>
        node.OpType is not ("Shape" or "Size" or "Constant") && node.Inputs.Any(input => input.Length > 0 && !metadata.Contains(input));

    /// <summary>Nodes that pass their first input through unchanged at inference.</summary>
    public static bool IsPassThrough(OnnxNodeInfo node) => node.OpType is "Identity" or "Dropout" or "Flatten" or "Reshape";

    /// <summary>The constant tensor named <paramref name="value"/> (an initializer or a Constant node's output), or null.</summary>
    public OnnxTensor? Constant(string value) => constants.TryGetValue(value, out var tensor) ? tensor : null;

    public OnnxNodeInfo? Producer(string value) => producers.TryGetValue(value, out var node) ? node : null;

    public IReadOnlyList<OnnxNodeInfo> Readers(string value) =>
        readers.TryGetValue(value, out var list) ? list : (IReadOnlyList<OnnxNodeInfo>)Array.Empty<OnnxNodeInfo>();

    /// <summary>
    /// The rank of <paramref name="value"/>: from the shapes the file gives, else from what produced it
    /// (Gemm, MatMul and Flatten give [N, C]; other operators keep their input's rank; the image is 4-D).
    /// </summary>
    public int Rank(string value)
    {
        foreach (var info in Model.Graph.ValueInfo.Concat(Model.Graph.Outputs).Concat(Model.Graph.Inputs))
        {
            if (info.Name == value && info.Shape is { } shape)
                return shape.Count;
        }
        var producer = Producer(value);
        if (producer is null)
            return 4;
        if (producer.OpType is "Gemm" or "MatMul" or "Flatten")
            return 2;
        if (producer.OpType == "Reshape" && producer.Inputs.Count > 1 && Constant(producer.Inputs[1]) is { } target)
            return (int)target.ElementCount;
        var data = producer.Inputs.FirstOrDefault(input => input.Length > 0 && !metadata.Contains(input));
        return data is null ? 4 : Rank(data);
    }

    /// <summary>The value <paramref name="value"/> stands for once pass-through nodes are looked through.</summary>
    public string Origin(string value)
    {
        while (Producer(value) is { } node && IsPassThrough(node) && node.Outputs.Count > 0 && node.Outputs[0] == value)
            value = node.Inputs[0];
        return value;
    }

    /// <summary>The image-data inputs of <paramref name="node"/>, each looked through pass-through nodes.</summary>
    public List<string> DataInputsOf(OnnxNodeInfo node)
    {
        var inputs = new List<string>();
        foreach (var input in node.Inputs)
        {
            if (input.Length > 0 && !metadata.Contains(input))
                inputs.Add(Origin(input));
        }
        return inputs;
    }

    /// <summary>
    /// The compute nodes that read <paramref name="value"/>, directly or through pass-through nodes, in
    /// graph order; <paramref name="passedThrough"/> receives the pass-through nodes on the way, and
    /// <paramref name="reshaped"/> the readers reached through a Flatten or a Reshape.
    /// </summary>
    public List<OnnxNodeInfo> Consumers(string value, List<OnnxNodeInfo>? passedThrough, HashSet<OnnxNodeInfo>? reshaped)
    {
        var found = new List<OnnxNodeInfo>();
        Collect(value, false, found, passedThrough, reshaped);
        found.Sort((a, b) => a.Index.CompareTo(b.Index));
        return found;
    }

    private void Collect(string value, bool viaReshape, List<OnnxNodeInfo> found, List<OnnxNodeInfo>? passedThrough, HashSet<OnnxNodeInfo>? reshaped)
    {
        foreach (var reader in Readers(value))
        {
            if (!IsCompute(reader))
                continue;
            if (IsPassThrough(reader) && reader.Inputs[0] == value)
            {
                passedThrough?.Add(reader);
                if (reader.Outputs.Count > 0)
                    Collect(reader.Outputs[0], viaReshape || reader.OpType is "Flatten" or "Reshape", found, passedThrough, reshaped);
                continue;
            }
            if (!found.Contains(reader))
                found.Add(reader);
            if (viaReshape)
                reshaped?.Add(reader);
        }
    }

    private static List<OnnxNodeInfo> TopologicalOrder(OnnxGraphInfo graph)
    {
        // Kahn's algorithm, taking nodes in file order whenever several are ready.
        var available = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in graph.Inputs)
            available.Add(input.Name);
        foreach (var initializer in graph.Initializers)
            available.Add(initializer.Name);
        var pending = graph.Nodes.ToList();
        var ordered = new List<OnnxNodeInfo>(pending.Count);
        while (pending.Count > 0)
        {
            var progressed = false;
            for (var i = 0; i < pending.Count; i++)
            {
                var node = pending[i];
                if (!node.Inputs.All(input => input.Length == 0 || available.Contains(input)))
                    continue;
                ordered.Add(node);
                foreach (var output in node.Outputs)
                    available.Add(output);
                pending.RemoveAt(i);
                i--;
                progressed = true;
            }
            if (!progressed)
            {
                var stuck = pending[0];
                var missing = stuck.Inputs.First(input => input.Length > 0 && !available.Contains(input));
                throw new System.IO.InvalidDataException($"ONNX node {stuck.DisplayName} ({stuck.OpType}) reads {missing}, which no node, initializer or graph input provides (or the graph has a cycle).");
            }
        }
        return ordered;
    }

    private static OnnxTensor ConstantValue(OnnxNodeInfo node)
    {
        var name = node.Outputs[0];
        foreach (var attribute in node.Attributes)
        {
            switch (attribute.Name)
            {
                case "value" when attribute.Tensor is { } tensor:
                    return Renamed(tensor, name);
                case "value_float":
                    return new OnnxTensor(name, OnnxElementType.Float, Array.Empty<long>(), null, new[] { attribute.Float }, Array.Empty<long>(), Array.Empty<long>(), Array.Empty<double>(), null);
                case "value_floats":
                    return new OnnxTensor(name, OnnxElementType.Float, new long[] { attribute.Floats.Count }, null, attribute.Floats.ToArray(), Array.Empty<long>(), Array.Empty<long>(), Array.Empty<double>(), null);
                case "value_int":
                    return new OnnxTensor(name, OnnxElementType.Int64, Array.Empty<long>(), null, Array.Empty<float>(), new[] { attribute.Int }, Array.Empty<long>(), Array.Empty<double>(), null);
                case "value_ints":
                    return new OnnxTensor(name, OnnxElementType.Int64, new long[] { attribute.Ints.Count }, null, Array.Empty<float>(), attribute.Ints.ToArray(), Array.Empty<long>(), Array.Empty<double>(), null);
            }
        }
        throw new NotSupportedException($"ONNX node {node.DisplayName} (Constant) has no value ConvForge can read (value, value_float(s) or value_int(s)).");
    }

    private static OnnxTensor Renamed(OnnxTensor tensor, string name) => tensor.WithName(name);
}
