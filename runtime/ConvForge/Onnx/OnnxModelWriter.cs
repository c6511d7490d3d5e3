using System;
using System.Buffers.Binary;
using System.IO;
using System.Runtime.InteropServices;

namespace ConvForge.Onnx;

/// <summary>
/// Encodes an <see cref="OnnxGraph"/> as an ONNX ModelProto. Field numbers are those of onnx.proto.
/// Everything but the weights is built in memory; the weights' sizes are known in advance, so the
/// graph's length is computed first and the weights are streamed from the caller's buffer afterwards.
/// </summary>
internal static class OnnxModelWriter
{
    // ModelProto
    private const int ModelIrVersion = 1;
    private const int ModelProducerName = 2;
    private const int ModelProducerVersion = 3;
    private const int ModelGraph = 7;
    private const int ModelOpsetImport = 8;
    // OperatorSetIdProto
    private const int OpsetVersionField = 2;
    // GraphProto
    private const int GraphNode = 1;
    private const int GraphName = 2;
    private const int GraphInitializer = 5;
    private const int GraphDocString = 10;
    private const int GraphInput = 11;
    private const int GraphOutput = 12;
    private const int GraphValueInfo = 13;
    // NodeProto
    private const int NodeInput = 1;
    private const int NodeOutput = 2;
    private const int NodeName = 3;
    private const int NodeOpType = 4;
    private const int NodeAttribute = 5;
    // AttributeProto
    private const int AttributeName = 1;
    private const int AttributeFloat = 2;
    private const int AttributeInt = 3;
    private const int AttributeInts = 8;
    private const int AttributeType = 20;
    // TensorProto
    private const int TensorDims = 1;
    private const int TensorDataType = 2;
    private const int TensorName = 8;
    private const int TensorRawData = 9;
    // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, TensorShapeProto.Dimension
    private const int ValueInfoName = 1;
    private const int ValueInfoType = 2;
    private const int TypeTensorType = 1;
    private const int TensorTypeElemType = 1;
    private const int TensorTypeShape = 2;
    private const int ShapeDim = 1;
    private const int DimValue = 1;
    private const int DimParam = 2;

    public const string BatchDimension = "N";

    public static void Write(OnnxGraph graph, ReadOnlySpan<float> parameters, Stream destination, string producerVersion)
    {
        // The graph without the weights' initializers.
        var body = new ProtoWriter();
        foreach (var node in graph.Nodes)
            body.WriteMessage(GraphNode, EncodeNode(node));
        body.WriteString(GraphName, graph.Name);
        foreach (var constant in graph.Constants)
        {
            var tensor = new ProtoWriter();
            foreach (var dim in constant.Dims)
                tensor.WriteInt64(TensorDims, dim);
            tensor.WriteInt64(TensorDataType, (long)constant.DataType);
            tensor.WriteString(TensorName, constant.Name);
            tensor.WriteBytes(TensorRawData, constant.Data);
            body.WriteMessage(GraphInitializer, tensor);
        }
        body.WriteString(GraphDocString, "Exported by ConvForge from network " + graph.Name + ".");
        body.WriteMessage(GraphInput, EncodeValue(graph.Input!));
        body.WriteMessage(GraphOutput, EncodeValue(graph.Output!));
        foreach (var value in graph.ValueInfo)
            body.WriteMessage(GraphValueInfo, EncodeValue(value));

        // Each weight initializer: its header here, its raw data streamed later.
        var headers = new ProtoWriter[graph.Parameters.Count];
        long graphLength = body.Length;
        for (var i = 0; i < headers.Length; i++)
        {
            var parameter = graph.Parameters[i];
            var header = new ProtoWriter();
            foreach (var dim in parameter.Shape)
                header.WriteInt64(TensorDims, dim);
            header.WriteInt64(TensorDataType, (long)OnnxDataType.Float);
            header.WriteString(TensorName, parameter.Name);
            header.WriteTag(TensorRawData, WireType.LengthDelimited);
            var dataBytes = (long)parameter.Length * sizeof(float);
            header.WriteVarint((ulong)dataBytes);
            headers[i] = header;
            var tensorLength = header.Length + dataBytes;
            graphLength += ProtoWriter.TagSize(GraphInitializer) + ProtoWriter.VarintSize((ulong)tensorLength) + tensorLength;
        }

        var model = new ProtoWriter();
        model.WriteInt64(ModelIrVersion, OnnxExporter.IrVersion);
        model.WriteString(ModelProducerName, "ConvForge");
        model.WriteString(ModelProducerVersion, producerVersion);
        var opset = new ProtoWriter();
        opset.WriteInt64(OpsetVersionField, OnnxExporter.OpsetVersion);   // domain omitted: the default domain
        model.WriteMessage(ModelOpsetImport, opset);
        model.WriteTag(ModelGraph, WireType.LengthDelimited);
        model.WriteVarint((ulong)graphLength);
        model.CopyTo(destination);
        body.CopyTo(destination);

        for (var i = 0; i < headers.Length; i++)
        {
            var parameter = graph.Parameters[i];
            var data = parameters.Slice(parameter.Offset, parameter.Length);
            var prefix = new ProtoWriter();
            prefix.WriteTag(GraphInitializer, WireType.LengthDelimited);
            prefix.WriteVarint((ulong)(headers[i].Length + (long)parameter.Length * sizeof(float)));
            prefix.CopyTo(destination);
            headers[i].CopyTo(destination);
            WriteFloats(destination, data);
        }
        destination.Flush();
    }

    private static ProtoWriter EncodeNode(OnnxNode node)
    {
        var writer = new ProtoWriter();
        foreach (var input in node.Inputs)
            writer.WriteString(NodeInput, input);
        foreach (var output in node.Outputs)
            writer.WriteString(NodeOutput, output);
        writer.WriteString(NodeName, node.Name);
        writer.WriteString(NodeOpType, node.OpType);
        foreach (var attribute in node.Attributes)
        {
            var encoded = new ProtoWriter();
            encoded.WriteString(AttributeName, attribute.Name);
            switch (attribute.Type)
            {
                case OnnxAttributeType.Float:
                    encoded.WriteFloat(AttributeFloat, attribute.Float);
                    break;
                case OnnxAttributeType.Int:
                    encoded.WriteInt64(AttributeInt, attribute.Int);
                    break;
                case OnnxAttributeType.Ints:
                    foreach (var value in attribute.Ints!)
                        encoded.WriteInt64(AttributeInts, value);
                    break;
            }
            encoded.WriteInt64(AttributeType, (long)attribute.Type);
            writer.WriteMessage(NodeAttribute, encoded);
        }
        return writer;
    }

    private static ProtoWriter EncodeValue(OnnxValue value)
    {
        var shape = new ProtoWriter();
        var batch = new ProtoWriter();
        batch.WriteString(DimParam, BatchDimension);
        shape.WriteMessage(ShapeDim, batch);
        foreach (var size in value.DimsAfterBatch)
        {
            var dim = new ProtoWriter();
            dim.WriteInt64(DimValue, size);
            shape.WriteMessage(ShapeDim, dim);
        }
        var tensorType = new ProtoWriter();
        tensorType.WriteInt64(TensorTypeElemType, (long)OnnxDataType.Float);
        tensorType.WriteMessage(TensorTypeShape, shape);
        var type = new ProtoWriter();
        type.WriteMessage(TypeTensorType, tensorType);
        var info = new ProtoWriter();
        info.WriteString(ValueInfoName, value.Name);
        info.WriteMessage(ValueInfoType, type);
        return info;
    }

    private static void WriteFloats(Stream destination, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            destination.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        Span<byte> buffer = stackalloc byte[4];
        foreach (var value in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(buffer, value);
            destination.Write(buffer);
        }
    }
}
