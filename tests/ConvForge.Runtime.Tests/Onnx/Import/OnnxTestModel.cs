using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace ConvForge.Runtime.Tests.Onnx.Import;

/// <summary>
/// Writes small ONNX models the way exporters do (PyTorch's node names and layouts, CNTK's old opsets),
/// with its own protobuf encoding, independent of the runtime's writer and reader.
/// </summary>
internal sealed class OnnxTestModel
{
    private readonly List<byte[]> nodes = new();
    private readonly List<byte[]> initializers = new();
    private readonly List<string> initializerNames = new();
    private readonly List<(string Name, long[] Dims)> inputs = new();
    private readonly List<string> outputs = new();

    public OnnxTestModel(long opset = 13, long irVersion = 0, string producer = "pytorch")
    {
        Opset = opset;
        IrVersion = irVersion > 0 ? irVersion : opset <= 8 ? 3 : opset <= 12 ? 6 : opset <= 15 ? 7 : 8;
        Producer = producer;
    }

    public long Opset { get; }
    public long IrVersion { get; }
    public string Producer { get; }

    public OnnxTestModel Input(string name, params long[] dims)
    {
        inputs.Add((name, dims));
        return this;
    }

    public OnnxTestModel Output(string name)
    {
        outputs.Add(name);
        return this;
    }

    /// <summary>A float initializer as raw_data (PyTorch's way) or as float_data.</summary>
    public OnnxTestModel Floats(string name, float[] values, long[] dims, bool asFloatData = false)
    {
        var tensor = new Writer();
        foreach (var dim in dims)
            tensor.Int(1, dim);
        tensor.Int(2, 1);
        tensor.String(8, name);
        if (asFloatData)
        {
            var packed = new byte[values.Length * 4];
            for (var i = 0; i < values.Length; i++)
                BinaryPrimitives.WriteSingleLittleEndian(packed.AsSpan(i * 4), values[i]);
            tensor.Bytes(4, packed);
        }
        else
        {
            var raw = new byte[values.Length * 4];
            for (var i = 0; i < values.Length; i++)
                BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), values[i]);
            tensor.Bytes(9, raw);
        }
        return AddInitializer(name, tensor.ToArray());
    }

    public OnnxTestModel Int64s(string name, long[] values, long[] dims)
    {
        var tensor = new Writer();
        foreach (var dim in dims)
            tensor.Int(1, dim);
        tensor.Int(2, 7);
        tensor.String(8, name);
        var raw = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), values[i]);
        tensor.Bytes(9, raw);
        return AddInitializer(name, tensor.ToArray());
    }

    public OnnxTestModel Halfs(string name, float[] values, long[] dims)
    {
        var tensor = new Writer();
        foreach (var dim in dims)
            tensor.Int(1, dim);
        tensor.Int(2, 10);
        tensor.String(8, name);
        var raw = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteHalfLittleEndian(raw.AsSpan(i * 2), (Half)values[i]);
        tensor.Bytes(9, raw);
        return AddInitializer(name, tensor.ToArray());
    }

    public OnnxTestModel External(string name, long[] dims, string location)
    {
        var tensor = new Writer();
        foreach (var dim in dims)
            tensor.Int(1, dim);
        tensor.Int(2, 1);
        tensor.String(8, name);
        var entry = new Writer();
        entry.String(1, "location");
        entry.String(2, location);
        tensor.Message(13, entry);
        tensor.Int(14, 1);
        return AddInitializer(name, tensor.ToArray());
    }

    public OnnxTestModel Node(string opType, string name, string[] nodeInputs, string[] nodeOutputs, params Attr[] attributes)
    {
        var node = new Writer();
        foreach (var input in nodeInputs)
            node.String(1, input);
        foreach (var output in nodeOutputs)
            node.String(2, output);
        node.String(3, name);
        node.String(4, opType);
        foreach (var attribute in attributes)
            node.Message(5, attribute.Encode());
        nodes.Add(node.ToArray());
        return this;
    }

    /// <summary>A one-output node whose output is named after the node (PyTorch's "/conv1/Conv_output_0" style, simplified).</summary>
    public string Op(string opType, string name, string[] nodeInputs, params Attr[] attributes)
    {
        Node(opType, name, nodeInputs, new[] { name + "_out" }, attributes);
        return name + "_out";
    }

    public byte[] ToArray()
    {
        var graph = new Writer();
        foreach (var node in nodes)
            graph.Bytes(1, node);
        graph.String(2, "test_graph");
        foreach (var initializer in initializers)
            graph.Bytes(5, initializer);
        foreach (var (name, dims) in inputs)
            graph.Message(11, ValueInfo(name, dims));
        // Before IR version 4 every initializer is also a graph input (CNTK's files list them).
        if (IrVersion < 4)
        {
            foreach (var name in initializerNames)
                graph.Message(11, ValueInfo(name, null));
        }
        foreach (var output in outputs)
            graph.Message(12, ValueInfo(output, null));

        var model = new Writer();
        model.Int(1, IrVersion);
        model.String(2, Producer);
        model.String(3, "test");
        var opset = new Writer();
        opset.String(1, "");
        opset.Int(2, Opset);
        model.Message(8, opset);
        model.Message(7, graph);
        return model.ToArray();
    }

    private OnnxTestModel AddInitializer(string name, byte[] tensor)
    {
        initializers.Add(tensor);
        initializerNames.Add(name);
        return this;
    }

    private static Writer ValueInfo(string name, long[]? dims)
    {
        var tensorType = new Writer();
        tensorType.Int(1, 1);
        if (dims is not null)
        {
            var shape = new Writer();
            foreach (var size in dims)
            {
                var dim = new Writer();
                if (size < 0)
                    dim.String(2, "N");
                else
                    dim.Int(1, size);
                shape.Message(1, dim);
            }
            tensorType.Message(2, shape);
        }
        var type = new Writer();
        type.Message(1, tensorType);
        var info = new Writer();
        info.String(1, name);
        info.Message(2, type);
        return info;
    }

    /// <summary>One attribute: int, float, ints, string or a tensor.</summary>
    public sealed record Attr(string Name, long? Int = null, float? Float = null, long[]? Ints = null, string? Text = null)
    {
        public static Attr I(string name, long value) => new(name, Int: value);
        public static Attr F(string name, float value) => new(name, Float: value);
        public static Attr Is(string name, params long[] values) => new(name, Ints: values);
        public static Attr S(string name, string value) => new(name, Text: value);

        public Writer Encode()
        {
            var writer = new Writer();
            writer.String(1, Name);
            if (Int is long i)
            {
                writer.Int(3, i);
                writer.Int(20, 2);
            }
            else if (Float is float f)
            {
                writer.Tag(2, 5);
                var bytes = new byte[4];
                BinaryPrimitives.WriteSingleLittleEndian(bytes, f);
                writer.Raw(bytes);
                writer.Int(20, 1);
            }
            else if (Ints is long[] values)
            {
                foreach (var value in values)
                    writer.Int(8, value);
                writer.Int(20, 7);
            }
            else
            {
                writer.String(4, Text!);
                writer.Int(20, 3);
            }
            return writer;
        }
    }

    internal sealed class Writer
    {
        private readonly MemoryStream stream = new();

        public void Tag(int field, int wireType) => Varint(((ulong)field << 3) | (uint)wireType);

        public void Varint(ulong value)
        {
            while (value >= 0x80)
            {
                stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            stream.WriteByte((byte)value);
        }

        public void Int(int field, long value)
        {
            Tag(field, 0);
            Varint((ulong)value);
        }

        public void Bytes(int field, byte[] value)
        {
            Tag(field, 2);
            Varint((ulong)value.Length);
            stream.Write(value);
        }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Message(int field, Writer message) => Bytes(field, message.ToArray());

        public void Raw(byte[] bytes) => stream.Write(bytes);

        public byte[] ToArray() => stream.ToArray();
    }
}
