using System.Collections.Generic;

namespace ConvForge.Onnx;

/// <summary>An ONNX attribute: an int, a float or a list of ints (all ConvForge's ops need).</summary>
internal readonly record struct OnnxAttribute(string Name, long Int, float Float, long[]? Ints, OnnxAttributeType Type)
{
    public static OnnxAttribute Of(string name, long value) => new(name, value, 0, null, OnnxAttributeType.Int);
    public static OnnxAttribute Of(string name, float value) => new(name, 0, value, null, OnnxAttributeType.Float);
    public static OnnxAttribute Of(string name, params long[] values) => new(name, 0, 0, values, OnnxAttributeType.Ints);
}

/// <summary>AttributeProto.AttributeType values used here.</summary>
internal enum OnnxAttributeType
{
    Float = 1,
    Int = 2,
    Ints = 7,
}

/// <summary>One ONNX node: an operator reading and writing named values.</summary>
internal sealed record OnnxNode(string Name, string OpType, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes);

/// <summary>A small constant tensor (a Clip bound, a Reshape target), stored in the model as an initializer.</summary>
internal sealed record OnnxConstant(string Name, OnnxDataType DataType, long[] Dims, byte[] Data);

/// <summary>A value's name and its shape, with "N" for the batch dimension.</summary>
internal sealed record OnnxValue(string Name, long[] DimsAfterBatch);

/// <summary>TensorProto.DataType values used here.</summary>
internal enum OnnxDataType
{
    Float = 1,
    Int64 = 7,
}

/// <summary>ONNX graph contents before encoding; parameters stay in the caller's buffer until written.</summary>
internal sealed class OnnxGraph
{
    public OnnxGraph(string name) => Name = name;

    public string Name { get; }
    public List<OnnxNode> Nodes { get; } = new();
    public List<OnnxConstant> Constants { get; } = new();
    public List<ParameterInfo> Parameters { get; } = new();
    public OnnxValue? Input { get; set; }
    public OnnxValue? Output { get; set; }
    public List<OnnxValue> ValueInfo { get; } = new();
}
