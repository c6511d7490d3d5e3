using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace ConvForge.Onnx.Import;

/// <summary>
/// An ONNX model as read from a file (ModelProto): its IR version, producer, operator set versions and
/// graph. Read by a small protobuf decoder written for ONNX's messages (no package, no reflection,
/// NativeAOT-safe); fields ConvForge does not use are skipped.
/// </summary>
/// <example>
/// <code>
/// var model = OnnxModel.Load("resnet18.onnx");
/// Console.WriteLine(model);                       // "CNTK 2.6, IR 3, opset 8: 1 input, 1 output, 69 nodes, 102 initializers"
/// foreach (var node in model.Graph.Nodes)
///     Console.WriteLine(node);                    // "Convolution28 (Conv): Input247, Parameter5 -> Convolution28_Output_0"
/// </code>
/// </example>
public sealed class OnnxModel
{
    private OnnxModel(long irVersion, string producerName, string producerVersion, IReadOnlyDictionary<string, long> opsets, OnnxGraphInfo graph)
    {
        IrVersion = irVersion;
        ProducerName = producerName;
        ProducerVersion = producerVersion;
        Opsets = opsets;
        Graph = graph;
    }

    /// <summary>The ONNX IR version the file declares.</summary>
    public long IrVersion { get; }
    /// <summary>The tool that wrote the file ("pytorch", "CNTK", "ConvForge" ...).</summary>
    public string ProducerName { get; }
    /// <summary>That tool's version.</summary>
    public string ProducerVersion { get; }
    /// <summary>Operator set versions by domain; the default domain is "" (also written "ai.onnx").</summary>
    public IReadOnlyDictionary<string, long> Opsets { get; }
    /// <summary>The version of the default domain's operator set, which fixes how each operator reads.</summary>
    public long OpsetVersion => Opsets.TryGetValue("", out var version) ? version : 0;
    /// <summary>The main graph.</summary>
    public OnnxGraphInfo Graph { get; }

    /// <summary>"pytorch 2.1, IR 8, opset 17: 1 input, 1 output, 49 nodes, 62 initializers".</summary>
    public override string ToString() => FormattableString.Invariant(
        $"{ProducerName} {ProducerVersion}, IR {IrVersion}, opset {OpsetVersion}: {Graph.Inputs.Count} input{(Graph.Inputs.Count == 1 ? "" : "s")}, {Graph.Outputs.Count} output{(Graph.Outputs.Count == 1 ? "" : "s")}, {Graph.Nodes.Count} nodes, {Graph.Initializers.Count} initializers");

    /// <summary>Reads the model in the file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed ONNX model; the message names the file, the message and the byte.</exception>
    public static OnnxModel Load(string path)
    {
        if (string.IsNullOrEmpty(path))
            throw new ArgumentException("A path is required.", nameof(path));
        try
        {
            return Parse(File.ReadAllBytes(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException(path + ": " + e.Message, e);
        }
    }

    /// <summary>Reads a model from <paramref name="source"/> (to its end).</summary>
    public static OnnxModel Load(Stream source)
    {
        if (source is null)
            throw new ArgumentNullException(nameof(source));
        using var copy = new MemoryStream();
        source.CopyTo(copy);
        return Parse(copy.GetBuffer().AsMemory(0, (int)copy.Length));
    }

    /// <summary>Reads a model from its bytes; the tensors keep referring to <paramref name="data"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed ONNX model.</exception>
    public static OnnxModel Parse(ReadOnlyMemory<byte> data)
    {
        if (data.Length == 0)
            throw new InvalidDataException("The ONNX data is empty.");
        var reader = new ProtoReader(data, 0, "ModelProto");
        long irVersion = 0;
        string producerName = "", producerVersion = "";
        var opsets = new Dictionary<string, long>(StringComparer.Ordinal);
        OnnxGraphInfo? graph = null;
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 1:
                    irVersion = reader.ReadInt64();
                    break;
                case 2:
                    producerName = reader.ReadString();
                    break;
                case 3:
                    producerVersion = reader.ReadString();
                    break;
                case 7:
                    graph = ReadGraph(reader.ReadMessage("GraphProto"));
                    break;
                case 8:
                {
                    var opset = reader.ReadMessage("OperatorSetIdProto");
                    string domain = "";
                    long version = 0;
                    while (opset.Next())
                    {
                        if (opset.Field == 1)
                            domain = opset.ReadString();
                        else if (opset.Field == 2)
                            version = opset.ReadInt64();
                        else
                            opset.Skip();
                    }
                    opsets[domain == "ai.onnx" ? "" : domain] = version;
                    break;
                }
                default:
                    reader.Skip();
                    break;
            }
        }
        if (graph is null)
            throw new InvalidDataException("The ONNX data has no graph: it is not an ONNX model, or it is truncated.");
        if (irVersion <= 0)
            throw new InvalidDataException("The ONNX data declares no IR version: it is not an ONNX model.");
        // IR version 3 models (opset 1 to 8 era) may omit opset_import; they mean opset 1 of the default domain.
        if (!opsets.ContainsKey(""))
            opsets[""] = 1;
        return new OnnxModel(irVersion, producerName, producerVersion, opsets, graph);
    }

    private static OnnxGraphInfo ReadGraph(ProtoReader reader)
    {
        var nodes = new List<OnnxNodeInfo>();
        var initializers = new List<OnnxTensor>();
        var inputs = new List<OnnxValueInfo>();
        var outputs = new List<OnnxValueInfo>();
        var valueInfo = new List<OnnxValueInfo>();
        var name = "";
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 1:
                    nodes.Add(ReadNode(reader.ReadMessage(Format($"NodeProto {nodes.Count}")), nodes.Count));
                    break;
                case 2:
                    name = reader.ReadString();
                    break;
                case 5:
                    initializers.Add(ReadTensor(reader.ReadMessage(Format($"TensorProto (initializer {initializers.Count})"))));
                    break;
                case 11:
                    inputs.Add(ReadValueInfo(reader.ReadMessage("ValueInfoProto (graph input)")));
                    break;
                case 12:
                    outputs.Add(ReadValueInfo(reader.ReadMessage("ValueInfoProto (graph output)")));
                    break;
                case 13:
                    valueInfo.Add(ReadValueInfo(reader.ReadMessage("ValueInfoProto")));
                    break;
                case 15:
                    throw new NotSupportedException("The ONNX graph has sparse initializers; ConvForge reads dense ones only.");
                default:
                    reader.Skip();
                    break;
            }
        }
        return new OnnxGraphInfo(name, nodes, initializers, inputs, outputs, valueInfo);
    }

    private static OnnxNodeInfo ReadNode(ProtoReader reader, int index)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new List<OnnxAttributeInfo>();
        string name = "", opType = "", domain = "";
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 1:
                    inputs.Add(reader.ReadString());
                    break;
                case 2:
                    outputs.Add(reader.ReadString());
                    break;
                case 3:
                    name = reader.ReadString();
                    break;
                case 4:
                    opType = reader.ReadString();
                    break;
                case 5:
                    attributes.Add(ReadAttribute(reader.ReadMessage("AttributeProto")));
                    break;
                case 7:
                    domain = reader.ReadString();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        if (opType.Length == 0)
            throw new InvalidDataException(Format($"ONNX node {index} ({(name.Length == 0 ? "unnamed" : name)}) has no op_type."));
        return new OnnxNodeInfo(index, name, opType, domain == "ai.onnx" ? "" : domain, inputs, outputs, attributes);
    }

    private static OnnxAttributeInfo ReadAttribute(ProtoReader reader)
    {
        string name = "";
        var type = OnnxAttributeKind.Undefined;
        float f = 0;
        long i = 0;
        byte[]? s = null;
        OnnxTensor? t = null;
        var floats = new List<float>();
        var ints = new List<long>();
        var strings = new List<string>();
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 1:
                    name = reader.ReadString();
                    break;
                case 2:
                    f = reader.ReadFloat();
                    break;
                case 3:
                    i = reader.ReadInt64();
                    break;
                case 4:
                    s = reader.ReadBytes().ToArray();
                    break;
                case 5:
                    t = ReadTensor(reader.ReadMessage("TensorProto (attribute value)"));
                    break;
                case 7:
                    reader.ReadFloats(floats);
                    break;
                case 8:
                    reader.ReadInt64s(ints);
                    break;
                case 9:
                    strings.Add(reader.ReadString());
                    break;
                case 20:
                    type = (OnnxAttributeKind)reader.ReadInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        if (type == OnnxAttributeKind.Undefined)
        {
            // IR version 1 and 2 files may leave the type out; infer it from the field that is set.
            type = t is not null ? OnnxAttributeKind.Tensor
                : s is not null ? OnnxAttributeKind.String
                : ints.Count > 0 ? OnnxAttributeKind.Ints
                : floats.Count > 0 ? OnnxAttributeKind.Floats
                : strings.Count > 0 ? OnnxAttributeKind.Strings
                : f != 0 ? OnnxAttributeKind.Float
                : OnnxAttributeKind.Int;
        }
        return new OnnxAttributeInfo(name, type, f, i, s, t, floats.ToArray(), ints.ToArray(), strings.ToArray());
    }

    internal static OnnxTensor ReadTensor(ProtoReader reader)
    {
        var dims = new List<long>();
        var dataType = OnnxElementType.Undefined;
        string name = "";
        ReadOnlyMemory<byte>? raw = null;
        var floats = new List<float>();
        var int64s = new List<long>();
        var int32s = new List<long>();
        var doubles = new List<double>();
        string? location = null;
        var external = false;
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 1:
                    reader.ReadInt64s(dims);
                    break;
                case 2:
                    dataType = (OnnxElementType)reader.ReadInt64();
                    break;
                case 4:
                    reader.ReadFloats(floats);
                    break;
                case 5:
                    reader.ReadInt64s(int32s);
                    break;
                case 7:
                    reader.ReadInt64s(int64s);
                    break;
                case 8:
                    name = reader.ReadString();
                    break;
                case 9:
                    raw = reader.ReadBytes();
                    break;
                case 10:
                    reader.ReadDoubles(doubles);
                    break;
                case 13:
                {
                    var entry = reader.ReadMessage("StringStringEntryProto (external_data)");
                    string key = "", value = "";
                    while (entry.Next())
                    {
                        if (entry.Field == 1)
                            key = entry.ReadString();
                        else if (entry.Field == 2)
                            value = entry.ReadString();
                        else
                            entry.Skip();
                    }
                    if (key == "location")
                        location = value;
                    external = true;
                    break;
                }
                case 14:
                    external |= reader.ReadInt64() == 1;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        foreach (var dim in dims)
        {
            if (dim < 0)
                throw new InvalidDataException(Format($"ONNX tensor {name} has a negative dimension in {OnnxTensor.DescribeShape(dims)}."));
        }
        return new OnnxTensor(name, dataType, dims.ToArray(), raw, floats.ToArray(), int64s.ToArray(), int32s.ToArray(), doubles.ToArray(),
            external ? location ?? "location not given" : null);
    }

    private static OnnxValueInfo ReadValueInfo(ProtoReader reader)
    {
        string name = "";
        var elementType = OnnxElementType.Undefined;
        List<OnnxDimension>? shape = null;
        while (reader.Next())
        {
            if (reader.Field == 1)
            {
                name = reader.ReadString();
                continue;
            }
            if (reader.Field != 2)
            {
                reader.Skip();
                continue;
            }
            var type = reader.ReadMessage("TypeProto");
            while (type.Next())
            {
                if (type.Field != 1)
                {
                    type.Skip();
                    continue;
                }
                var tensorType = type.ReadMessage("TypeProto.Tensor");
                while (tensorType.Next())
                {
                    if (tensorType.Field == 1)
                    {
                        elementType = (OnnxElementType)tensorType.ReadInt64();
                    }
                    else if (tensorType.Field == 2)
                    {
                        shape = new List<OnnxDimension>();
                        var shapeReader = tensorType.ReadMessage("TensorShapeProto");
                        while (shapeReader.Next())
                        {
                            if (shapeReader.Field != 1)
                            {
                                shapeReader.Skip();
                                continue;
                            }
                            var dim = shapeReader.ReadMessage("TensorShapeProto.Dimension");
                            long? value = null;
                            string? symbol = null;
                            while (dim.Next())
                            {
                                if (dim.Field == 1)
                                    value = dim.ReadInt64();
                                else if (dim.Field == 2)
                                    symbol = dim.ReadString();
                                else
                                    dim.Skip();
                            }
                            shape.Add(new OnnxDimension(value, symbol));
                        }
                    }
                    else
                    {
                        tensorType.Skip();
                    }
                }
            }
        }
        return new OnnxValueInfo(name, elementType, shape?.ToArray());
    }

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>An ONNX graph (GraphProto): nodes in the order the file lists them, initializers, inputs, outputs and value shapes.</summary>
public sealed class OnnxGraphInfo
{
    private readonly Dictionary<string, OnnxTensor> initializersByName;

    internal OnnxGraphInfo(string name, List<OnnxNodeInfo> nodes, List<OnnxTensor> initializers, List<OnnxValueInfo> inputs, List<OnnxValueInfo> outputs, List<OnnxValueInfo> valueInfo)
    {
        Name = name;
        Nodes = nodes;
        Initializers = initializers;
        Inputs = inputs;
        Outputs = outputs;
        ValueInfo = valueInfo;
        initializersByName = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        foreach (var initializer in initializers)
        {
            if (!initializersByName.TryAdd(initializer.Name, initializer))
                throw new InvalidDataException($"The ONNX graph has two initializers named {initializer.Name}.");
        }
    }

    /// <summary>The graph's name.</summary>
    public string Name { get; }
    /// <summary>The nodes, in the order of the file (ONNX requires a topological order).</summary>
    public IReadOnlyList<OnnxNodeInfo> Nodes { get; }
    /// <summary>The stored tensors (weights and constants).</summary>
    public IReadOnlyList<OnnxTensor> Initializers { get; }
    /// <summary>The graph inputs; models of IR version 3 and before list the initializers here too.</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; }
    /// <summary>The graph outputs.</summary>
    public IReadOnlyList<OnnxValueInfo> Outputs { get; }
    /// <summary>Shapes of values in between, where the producer wrote them.</summary>
    public IReadOnlyList<OnnxValueInfo> ValueInfo { get; }

    /// <summary>The initializer named <paramref name="name"/>, or null.</summary>
    public OnnxTensor? FindInitializer(string name) =>
        initializersByName.TryGetValue(name ?? throw new ArgumentNullException(nameof(name)), out var tensor) ? tensor : null;

    /// <summary>The inputs that are not initializers: the data the model is run on.</summary>
    public IEnumerable<OnnxValueInfo> DataInputs => Inputs.Where(input => !initializersByName.ContainsKey(input.Name));
}

/// <summary>An ONNX node (NodeProto): an operator reading and writing named values.</summary>
public sealed class OnnxNodeInfo
{
    private readonly string[] inputs;
    private readonly string[] outputs;
    private readonly OnnxAttributeInfo[] attributes;

    internal OnnxNodeInfo(int index, string name, string opType, string domain, List<string> inputs, List<string> outputs, List<OnnxAttributeInfo> attributes)
    {
        Index = index;
        Name = name;
        OpType = opType;
        Domain = domain;
        this.inputs = inputs.ToArray();
        this.outputs = outputs.ToArray();
        this.attributes = attributes.ToArray();
    }

    /// <summary>The node's position in the file.</summary>
    public int Index { get; }
    /// <summary>The node's name (may be empty in the file; <see cref="DisplayName"/> never is).</summary>
    public string Name { get; }
    /// <summary>The operator ("Conv", "BatchNormalization" ...).</summary>
    public string OpType { get; }
    /// <summary>The operator's domain; "" for ONNX's own.</summary>
    public string Domain { get; }
    /// <summary>Input value names; "" marks an optional input left out.</summary>
    public IReadOnlyList<string> Inputs => inputs;
    /// <summary>Output value names.</summary>
    public IReadOnlyList<string> Outputs => outputs;
    /// <summary>The attributes as written.</summary>
    public IReadOnlyList<OnnxAttributeInfo> Attributes => attributes;
    /// <summary>The name, or "#index" for an unnamed node; used in messages.</summary>
    public string DisplayName => Name.Length > 0 ? Name : FormattableString.Invariant($"#{Index} (unnamed)");

    /// <summary>The attribute named <paramref name="name"/>, or null.</summary>
    public OnnxAttributeInfo? FindAttribute(string name) => Array.Find(attributes, a => a.Name == name);

    /// <summary>"Conv_0 (Conv): input, conv1.weight -> 123".</summary>
    public override string ToString() => $"{DisplayName} ({OpType}): {string.Join(", ", inputs)} -> {string.Join(", ", outputs)}";
}

/// <summary>AttributeProto.AttributeType.</summary>
public enum OnnxAttributeKind
{
#pragma warning disable CS1591 // The names are ONNX's.
    Undefined = 0,
    Float = 1,
    Int = 2,
    String = 3,
    Tensor = 4,
    Graph = 5,
    Floats = 6,
    Ints = 7,
    Strings = 8,
    Tensors = 9,
    Graphs = 10,
    SparseTensor = 11,
    SparseTensors = 12,
    TypeProto = 13,
    TypeProtos = 14,
#pragma warning restore CS1591
}

/// <summary>One attribute of an ONNX node.</summary>
public sealed class OnnxAttributeInfo
{
    private readonly byte[]? bytes;
    private readonly float[] floats;
    private readonly long[] ints;
    private readonly string[] strings;

    internal OnnxAttributeInfo(string name, OnnxAttributeKind kind, float f, long i, byte[]? s, OnnxTensor? t, float[] floats, long[] ints, string[] strings)
    {
        Name = name;
        Kind = kind;
        Float = f;
        Int = i;
        bytes = s;
        Tensor = t;
        this.floats = floats;
        this.ints = ints;
        this.strings = strings;
    }

    /// <summary>The attribute's name.</summary>
    public string Name { get; }
    /// <summary>Which of the values is set.</summary>
    public OnnxAttributeKind Kind { get; }
    /// <summary>The value of a float attribute.</summary>
    public float Float { get; }
    /// <summary>The value of an int attribute.</summary>
    public long Int { get; }
    /// <summary>The value of a string attribute (UTF-8), or null.</summary>
    public string? String => bytes is null ? null : System.Text.Encoding.UTF8.GetString(bytes);
    /// <summary>The value of a tensor attribute, or null.</summary>
    public OnnxTensor? Tensor { get; }
    /// <summary>The values of a floats attribute.</summary>
    public IReadOnlyList<float> Floats => floats;
    /// <summary>The values of an ints attribute.</summary>
    public IReadOnlyList<long> Ints => ints;
    /// <summary>The values of a strings attribute.</summary>
    public IReadOnlyList<string> Strings => strings;

    /// <summary>"kernel_shape = [3, 3]", "epsilon = 1E-05".</summary>
    public override string ToString() => Kind switch
    {
        OnnxAttributeKind.Float => FormattableString.Invariant($"{Name} = {Float}"),
        OnnxAttributeKind.Int => FormattableString.Invariant($"{Name} = {Int}"),
        OnnxAttributeKind.String => $"{Name} = \"{String}\"",
        OnnxAttributeKind.Ints => $"{Name} = [{string.Join(", ", ints)}]",
        OnnxAttributeKind.Floats => $"{Name} = [{string.Join(", ", floats.Select(v => v.ToString(CultureInfo.InvariantCulture)))}]",
        OnnxAttributeKind.Tensor => $"{Name} = {Tensor}",
        _ => $"{Name} ({Kind})",
    };
}

/// <summary>A graph input, output or intermediate value (ValueInfoProto): its name, element type and shape when given.</summary>
public sealed class OnnxValueInfo
{
    private readonly OnnxDimension[]? shape;

    internal OnnxValueInfo(string name, OnnxElementType elementType, OnnxDimension[]? shape)
    {
        Name = name;
        ElementType = elementType;
        this.shape = shape;
    }

    /// <summary>The value's name.</summary>
    public string Name { get; }
    /// <summary>Its element type (Undefined when not a tensor or not given).</summary>
    public OnnxElementType ElementType { get; }
    /// <summary>Its dimensions, or null when the file gives no shape.</summary>
    public IReadOnlyList<OnnxDimension>? Shape => shape;

    /// <summary>"Input247 float [1, 3, 224, 224]", "input float [N, 3, 224, 224]".</summary>
    public override string ToString() =>
        $"{Name} {OnnxTensor.DescribeType(ElementType)}" + (shape is null ? "" : " [" + string.Join(", ", shape.Select(d => d.ToString())) + "]");
}

/// <summary>One dimension of a value's shape: a size, a symbol ("N"), or unknown.</summary>
/// <param name="Value">The size, when fixed.</param>
/// <param name="Symbol">The symbolic name, when the size varies.</param>
public readonly record struct OnnxDimension(long? Value, string? Symbol)
{
    /// <summary>"224", "N" or "?".</summary>
    public override string ToString() =>
        Value is long value ? value.ToString(CultureInfo.InvariantCulture) : Symbol ?? "?";
}
