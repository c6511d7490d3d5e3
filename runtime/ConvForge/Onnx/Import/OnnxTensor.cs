using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace ConvForge.Onnx.Import;

/// <summary>TensorProto.DataType: the element types ONNX defines.</summary>
public enum OnnxElementType
{
#pragma warning disable CS1591 // The names are ONNX's.
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
#pragma warning restore CS1591
}

/// <summary>
/// A tensor stored in an ONNX model (an initializer, or a Constant node's value): its name, element
/// type and dimensions, and its data as the file holds it (raw little-endian bytes, or one of the typed
/// repeated fields). The data is read on demand by <see cref="ToFloats"/> and <see cref="ToInt64s"/>.
/// </summary>
public sealed class OnnxTensor
{
    private readonly ReadOnlyMemory<byte> raw;
    private readonly bool hasRaw;
    private readonly float[] floatData;
    private readonly long[] int64Data;
    private readonly long[] int32Data;
    private readonly double[] doubleData;

    internal OnnxTensor(string name, OnnxElementType elementType, long[] dims, ReadOnlyMemory<byte>? raw,
        float[] floatData, long[] int64Data, long[] int32Data, double[] doubleData, string? externalLocation)
    {
        Name = name;
        ElementType = elementType;
        this.dims = dims;
        hasRaw = raw.HasValue;
        this.raw = raw ?? default;
        this.floatData = floatData;
        this.int64Data = int64Data;
        this.int32Data = int32Data;
        this.doubleData = doubleData;
        ExternalLocation = externalLocation;
    }

    private readonly long[] dims;

    /// <summary>The tensor's name (the value name nodes read).</summary>
    public string Name { get; }
    /// <summary>The element type.</summary>
    public OnnxElementType ElementType { get; }
    /// <summary>The dimensions; empty for a scalar.</summary>
    public IReadOnlyList<long> Dims => dims;
    /// <summary>Where the data is when the model keeps it in a separate file; null when it is inside the model.</summary>
    public string? ExternalLocation { get; }
    /// <summary>The number of elements: the product of <see cref="Dims"/> (1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (var dim in dims)
                count *= dim;
            return count;
        }
    }

    /// <summary>"conv1.weight float [64, 3, 7, 7]".</summary>
    public override string ToString() => $"{Name} {DescribeType(ElementType)} {DescribeShape(dims)}";

    /// <summary>The elements as floats; only float tensors are read (a weight of another type is a mistake worth hearing about).</summary>
    /// <exception cref="NotSupportedException">The tensor is not float, or its data is external.</exception>
    /// <exception cref="InvalidDataException">The data does not hold <see cref="ElementCount"/> elements.</exception>
    public float[] ToFloats()
    {
        CheckInternal();
        if (ElementType != OnnxElementType.Float)
            throw new NotSupportedException($"ONNX tensor {this} holds {DescribeType(ElementType)} elements where float (32-bit) ones are needed; convert the model's weights to float32 first.");
        var count = CheckedCount();
        var values = new float[count];
        if (hasRaw)
        {
            CheckRawLength(count, sizeof(float));
            var bytes = raw.Span;
            for (var i = 0; i < values.Length; i++)
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * sizeof(float)));
        }
        else
        {
            CheckTypedLength(floatData.Length, count, "float_data");
            floatData.CopyTo(values, 0);
        }
        return values;
    }

    /// <summary>The elements as 64-bit integers; int64 and int32 tensors are read.</summary>
    /// <exception cref="NotSupportedException">The tensor is not an integer tensor, or its data is external.</exception>
    public long[] ToInt64s()
    {
        CheckInternal();
        var count = CheckedCount();
        var values = new long[count];
        switch (ElementType)
        {
            case OnnxElementType.Int64 when hasRaw:
                CheckRawLength(count, sizeof(long));
                for (var i = 0; i < values.Length; i++)
                    values[i] = BinaryPrimitives.ReadInt64LittleEndian(raw.Span.Slice(i * sizeof(long)));
                break;
            case OnnxElementType.Int64:
                CheckTypedLength(int64Data.Length, count, "int64_data");
                int64Data.CopyTo(values, 0);
                break;
            case OnnxElementType.Int32 when hasRaw:
                CheckRawLength(count, sizeof(int));
                for (var i = 0; i < values.Length; i++)
                    values[i] = BinaryPrimitives.ReadInt32LittleEndian(raw.Span.Slice(i * sizeof(int)));
                break;
            case OnnxElementType.Int32:
                CheckTypedLength(int32Data.Length, count, "int32_data");
                for (var i = 0; i < values.Length; i++)
                    values[i] = (int)int32Data[i];
                break;
            default:
                throw new NotSupportedException($"ONNX tensor {this} holds {DescribeType(ElementType)} elements where integers are needed.");
        }
        return values;
    }

    /// <summary>The same tensor under another name (a Constant node's value takes the node's output name).</summary>
    internal OnnxTensor WithName(string name) =>
        new(name, ElementType, dims, hasRaw ? raw : null, floatData, int64Data, int32Data, doubleData, ExternalLocation);

    /// <summary>A scalar (or one-element) float or double tensor's value, as used for Clip's bounds and Dropout's ratio.</summary>
    internal double ToScalar()
    {
        CheckInternal();
        if (CheckedCount() != 1)
            throw new NotSupportedException($"ONNX tensor {this} should hold one value.");
        return ElementType switch
        {
            OnnxElementType.Float => ToFloats()[0],
            OnnxElementType.Double when hasRaw => ReadRawDouble(),
            OnnxElementType.Double when doubleData.Length == 1 => doubleData[0],
            OnnxElementType.Int64 or OnnxElementType.Int32 => ToInt64s()[0],
            _ => throw new NotSupportedException($"ONNX tensor {this} holds {DescribeType(ElementType)}; a float scalar is needed."),
        };
    }

    private double ReadRawDouble()
    {
        CheckRawLength(1, sizeof(double));
        return BinaryPrimitives.ReadDoubleLittleEndian(raw.Span);
    }

    private void CheckInternal()
    {
        if (ExternalLocation is not null)
            throw new NotSupportedException($"ONNX tensor {this} keeps its data in an external file ({ExternalLocation}); ConvForge reads models with all tensors inside: save the model with onnx.save_model(model, path, save_as_external_data=False).");
    }

    private int CheckedCount()
    {
        var count = ElementCount;
        if (count < 0 || count > Array.MaxLength)
            throw new InvalidDataException($"ONNX tensor {this} has {count} elements, too many for one array.");
        return (int)count;
    }

    private void CheckRawLength(int count, int elementSize)
    {
        if (raw.Length != (long)count * elementSize)
            throw new InvalidDataException(FormattableString.Invariant($"ONNX tensor {this} should have {(long)count * elementSize} bytes of raw_data ({count} elements of {elementSize} bytes) but has {raw.Length}."));
    }

    private void CheckTypedLength(int found, int count, string field)
    {
        if (found != count)
            throw new InvalidDataException(FormattableString.Invariant($"ONNX tensor {this} should have {count} elements in {field} but has {found}."));
    }

    internal static string DescribeShape(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";

    internal static string DescribeType(OnnxElementType type) => type switch
    {
        OnnxElementType.Float => "float",
        OnnxElementType.Float16 => "float16",
        OnnxElementType.BFloat16 => "bfloat16",
        OnnxElementType.Double => "double",
        OnnxElementType.Int64 => "int64",
        OnnxElementType.Int32 => "int32",
        OnnxElementType.Undefined => "undefined",
        _ => type.ToString().ToLower(CultureInfo.InvariantCulture),
    };
}
