using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace ConvForge.Compiler.Tests.WeightFiles;

/// <summary>Writes small weight files for the readers to read: safetensors with zero data, ONNX models with raw_data.</summary>
public static class TestWeightFiles
{
    public sealed record Tensor(string Name, long[] Shape, string DType = "F32");

    /// <summary>A safetensors file: the 8-byte length, the JSON header padded to 8 bytes, zeros for the data.</summary>
    public static byte[] SafeTensors(params Tensor[] tensors) => SafeTensors(tensors, out _);

    public static byte[] SafeTensors(Tensor[] tensors, out string header)
    {
        var json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        foreach (var tensor in tensors)
        {
            var bytes = tensor.Shape.Aggregate(1L, (a, b) => a * b) * (tensor.DType is "F64" or "I64" ? 8 : tensor.DType is "F16" or "BF16" ? 2 : 4);
            json.Append($",\"{tensor.Name}\":{{\"dtype\":\"{tensor.DType}\",\"shape\":[{string.Join(",", tensor.Shape)}],\"data_offsets\":[{offset},{offset + bytes}]}}");
            offset += bytes;
        }
        json.Append('}');
        while ((json.Length + 8) % 8 != 0)
            json.Append(' ');
        header = json.ToString();
        var headerBytes = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + headerBytes.Length + offset];
        BitConverter.GetBytes((ulong)headerBytes.Length).CopyTo(file, 0);
        headerBytes.CopyTo(file, 8);
        return file;
    }

    /// <summary>A raw safetensors file from a header string (for malformed headers).</summary>
    public static byte[] SafeTensorsWithHeader(string header, int dataBytes = 0)
    {
        var headerBytes = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + headerBytes.Length + dataBytes];
        BitConverter.GetBytes((ulong)headerBytes.Length).CopyTo(file, 0);
        headerBytes.CopyTo(file, 8);
        return file;
    }

    /// <param name="Value">A Constant node's tensor (its "value" attribute).</param>
    public sealed record OnnxNode(string OpType, string Name, string[] Inputs, string[] Outputs, bool TransposeB = false, Tensor? Value = null);

    /// <summary>An ONNX model with <paramref name="nodes"/> and FLOAT initializers whose data is raw_data zeros.</summary>
    public static byte[] Onnx(IEnumerable<OnnxNode> nodes, IEnumerable<Tensor> initializers)
    {
        var graph = new Proto();
        foreach (var node in nodes)
        {
            var n = new Proto();
            foreach (var input in node.Inputs)
                n.String(1, input);
            foreach (var output in node.Outputs)
                n.String(2, output);
            n.String(3, node.Name);
            n.String(4, node.OpType);
            if (node.TransposeB)
                n.Message(5, new Proto().String(1, "transB").Varint(3, 1).Varint(20, 2));
            if (node.Value is { } value)
                n.Message(5, new Proto().String(1, "value").Message(5, Initializer(value)).Varint(20, 4));
            graph.Message(1, n);
        }
        graph.String(2, "test");
        foreach (var tensor in initializers)
            graph.Message(5, Initializer(tensor));
        graph.Message(11, new Proto().String(1, "data"));
        var model = new Proto().Varint(1, 7).String(2, "test").Message(7, graph);
        return model.ToArray();
    }

    private static Proto Initializer(Tensor tensor)
    {
        var t = new Proto();
        // Packed dims, as protobuf 3 writes them.
        var dims = new Proto();
        foreach (var d in tensor.Shape)
            dims.RawVarint((ulong)d);
        t.Bytes(1, dims.ToArray());
        t.Varint(2, tensor.DType == "F64" ? 11UL : tensor.DType == "I64" ? 7UL : 1UL);
        t.String(8, tensor.Name);
        t.Bytes(9, new byte[tensor.Shape.Aggregate(1L, (a, b) => a * b) * 4]);
        return t;
    }

    /// <summary>A protocol buffers writer, enough for the test models.</summary>
    public sealed class Proto
    {
        private readonly MemoryStream _bytes = new();

        public Proto Varint(int field, ulong value)
        {
            RawVarint((ulong)field << 3);
            RawVarint(value);
            return this;
        }

        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

        public Proto Bytes(int field, byte[] value)
        {
            RawVarint(((ulong)field << 3) | 2);
            RawVarint((ulong)value.Length);
            _bytes.Write(value, 0, value.Length);
            return this;
        }

        public Proto RawVarint(ulong value)
        {
            while (value >= 0x80)
            {
                _bytes.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            _bytes.WriteByte((byte)value);
            return this;
        }

        public byte[] ToArray() => _bytes.ToArray();
    }
}
