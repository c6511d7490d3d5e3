using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace ConvForge.Compiler.WeightFiles;

/// <summary>
/// Reads an ONNX model's tensor table: each initializer's name, element type and dims, and the nodes that
/// read weights (Conv, BatchNormalization, Gemm, MatMul) with the constants among their inputs. Tensor data
/// (raw_data, float_data ...) and everything else is skipped by seeking, so a 100 MB model costs a few
/// hundred small reads. Field numbers are onnx.proto's.
/// </summary>
internal static class OnnxHeaderReader
{
    private const int MaxDimensions = 64;

    /// <summary>The operators whose weights the build compares with the declaration.</summary>
    private static readonly HashSet<string> Weighted = new(System.StringComparer.Ordinal) { "Conv", "BatchNormalization", "Gemm", "MatMul" };

    public static WeightFileTable Read(Stream stream)
    {
        var proto = new ProtoStream(stream);
        var end = proto.Length;
        var initializers = new List<WeightTensor>();
        var nodes = new List<NodeHeader>();
        var sawGraph = false;
        // ModelProto
        while (proto.Next(end, out var field, out var wireType))
        {
            if (field == 7 && wireType == ProtoStream.LengthDelimitedType)
            {
                sawGraph = true;
                ReadGraph(proto, proto.ReadLength(end, "the graph"), initializers, nodes);
            }
            else
            {
                proto.Skip(wireType, end);
            }
        }
        if (!sawGraph)
            throw new WeightFileException("it is not an ONNX model: it has no graph");
        return new WeightFileTable(WeightFileFormat.Onnx, initializers.ToEquatableArray(), WeightedNodes(initializers, nodes));
    }

    private static EquatableArray<OnnxWeightedNode> WeightedNodes(List<WeightTensor> initializers, List<NodeHeader> nodes)
    {
        var constants = new Dictionary<string, WeightTensor>(System.StringComparer.Ordinal);
        foreach (var tensor in initializers)
            constants[tensor.Name] = tensor;
        // Constant nodes hold weights too, and exporters pass shared weights through Identity nodes.
        foreach (var node in nodes)
        {
            if (node.Outputs.Count == 0 || node.Domain is not ("" or "ai.onnx"))
                continue;
            if (node.OpType == "Constant" && node.Value is { } value)
                constants[node.Outputs[0]] = value with { Name = node.Outputs[0] };
            else if (node.OpType == "Identity" && node.Inputs.Count == 1 && constants.TryGetValue(node.Inputs[0], out var passed))
                constants[node.Outputs[0]] = passed;
        }

        var weighted = new List<OnnxWeightedNode>();
        foreach (var node in nodes)
        {
            if (!Weighted.Contains(node.OpType) || node.Domain is not ("" or "ai.onnx"))
                continue;
            var slots = new WeightTensorSlot[node.Inputs.Count];
            var any = false;
            for (var i = 0; i < slots.Length; i++)
            {
                var tensor = constants.TryGetValue(node.Inputs[i], out var found) ? found : null;
                any |= i > 0 && tensor is not null;
                slots[i] = new WeightTensorSlot(tensor);
            }
            // A MatMul of two activations (attention) reads no weights.
            if (!any)
                continue;
            var name = node.Name.Length > 0 ? node.Name : node.Outputs.Count > 0 ? node.Outputs[0] : node.OpType;
            weighted.Add(new OnnxWeightedNode(name, node.OpType, EquatableArray.Create(slots), node.TransposeB,
                node.Inputs.Count > 0 ? node.Inputs[0] : "", node.Outputs.Count > 0 ? node.Outputs[0] : ""));
        }
        return weighted.ToEquatableArray();
    }

    private static void ReadGraph(ProtoStream proto, long end, List<WeightTensor> initializers, List<NodeHeader> nodes)
    {
        while (proto.Next(end, out var field, out var wireType))
        {
            if (field == 1 && wireType == ProtoStream.LengthDelimitedType)
                nodes.Add(ReadNode(proto, proto.ReadLength(end, "a node")));
            else if (field == 5 && wireType == ProtoStream.LengthDelimitedType)
                initializers.Add(ReadTensor(proto, proto.ReadLength(end, "an initializer")));
            else
                proto.Skip(wireType, end);
        }
    }

    private static NodeHeader ReadNode(ProtoStream proto, long end)
    {
        var node = new NodeHeader();
        while (proto.Next(end, out var field, out var wireType))
        {
            switch (field)
            {
                case 1 when wireType == ProtoStream.LengthDelimitedType:
                    node.Inputs.Add(proto.ReadString(end, "a node input"));
                    break;
                case 2 when wireType == ProtoStream.LengthDelimitedType:
                    node.Outputs.Add(proto.ReadString(end, "a node output"));
                    break;
                case 3 when wireType == ProtoStream.LengthDelimitedType:
                    node.Name = proto.ReadString(end, "a node name");
                    break;
                case 4 when wireType == ProtoStream.LengthDelimitedType:
                    node.OpType = proto.ReadString(end, "an operator name");
                    break;
                case 5 when wireType == ProtoStream.LengthDelimitedType:
                    ReadAttribute(proto, proto.ReadLength(end, "an attribute"), node);
                    break;
                case 7 when wireType == ProtoStream.LengthDelimitedType:
                    node.Domain = proto.ReadString(end, "a domain");
                    break;
                default:
                    proto.Skip(wireType, end);
                    break;
            }
        }
        return node;
    }

    /// <summary>Only what the check needs: Gemm's transB and a Constant node's value (its header).</summary>
    private static void ReadAttribute(ProtoStream proto, long end, NodeHeader node)
    {
        var name = "";
        long integer = 0;
        WeightTensor? tensor = null;
        while (proto.Next(end, out var field, out var wireType))
        {
            if (field == 1 && wireType == ProtoStream.LengthDelimitedType)
                name = proto.ReadString(end, "an attribute name");
            else if (field == 3 && wireType == ProtoStream.VarintType)
                integer = (long)proto.ReadVarint(end);
            else if (field == 5 && wireType == ProtoStream.LengthDelimitedType)
                tensor = ReadTensor(proto, proto.ReadLength(end, "an attribute tensor"));
            else
                proto.Skip(wireType, end);
        }
        if (name == "transB")
            node.TransposeB = integer != 0;
        else if (name == "value" && tensor is not null)
            node.Value = tensor;
    }

    private static WeightTensor ReadTensor(ProtoStream proto, long end)
    {
        var dims = new List<long>();
        var dataType = 0L;
        var name = "";
        while (proto.Next(end, out var field, out var wireType))
        {
            if (field == 1 && wireType == ProtoStream.VarintType)
            {
                AddDimension(proto, dims, (long)proto.ReadVarint(end));
            }
            else if (field == 1 && wireType == ProtoStream.LengthDelimitedType)
            {
                var stop = proto.ReadLength(end, "packed dims");
                while (proto.Position < stop)
                    AddDimension(proto, dims, (long)proto.ReadVarint(stop));
            }
            else if (field == 2 && wireType == ProtoStream.VarintType)
            {
                dataType = (long)proto.ReadVarint(end);
            }
            else if (field == 8 && wireType == ProtoStream.LengthDelimitedType)
            {
                name = proto.ReadString(end, "a tensor name");
            }
            else
            {
                // raw_data, float_data, external_data ...: the data is not the header's business.
                proto.Skip(wireType, end);
            }
        }
        return new WeightTensor(name, DataTypeName(dataType), dims.ToEquatableArray());
    }

    private static void AddDimension(ProtoStream proto, List<long> dims, long value)
    {
        if (dims.Count == MaxDimensions)
            throw ProtoStream.Corrupt(proto.Position, $"a tensor with more than {MaxDimensions} dimensions");
        if (value < 0)
            throw ProtoStream.Corrupt(proto.Position, $"a tensor dimension of {value}");
        dims.Add(value);
    }

    /// <summary>onnx.proto's TensorProto.DataType names.</summary>
    public static string DataTypeName(long dataType) => dataType switch
    {
        0 => "UNDEFINED",
        1 => "FLOAT",
        2 => "UINT8",
        3 => "INT8",
        4 => "UINT16",
        5 => "INT16",
        6 => "INT32",
        7 => "INT64",
        8 => "STRING",
        9 => "BOOL",
        10 => "FLOAT16",
        11 => "DOUBLE",
        12 => "UINT32",
        13 => "UINT64",
        14 => "COMPLEX64",
        15 => "COMPLEX128",
        16 => "BFLOAT16",
        _ => "type " + dataType.ToString(CultureInfo.InvariantCulture),
    };

    private sealed class NodeHeader
    {
        public List<string> Inputs { get; } = new();
        public List<string> Outputs { get; } = new();
        public string Name { get; set; } = "";
        public string OpType { get; set; } = "";
        public string Domain { get; set; } = "";
        public bool TransposeB { get; set; }
        public WeightTensor? Value { get; set; }
    }
}
