using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Text;

namespace ConvForge.Onnx.Import;

/// <summary>
/// Reads protocol buffers fields from a byte range, one at a time: the decoding half of
/// <see cref="ProtoWriter"/>, enough for ONNX's messages. Every length is checked against what is left,
/// so a truncated or corrupt file ends in an <see cref="InvalidDataException"/> naming the message and
/// the byte offset, never in an out-of-range read. Nested messages are read by a new reader over their
/// slice of the same memory (no copy).
/// </summary>
internal struct ProtoReader
{
    private readonly ReadOnlyMemory<byte> data;
    private readonly long baseOffset;
    private readonly string message;
    private int position;

    /// <param name="data">The message's bytes.</param>
    /// <param name="baseOffset">Where <paramref name="data"/> starts in the file, for error messages.</param>
    /// <param name="message">What is being read ("ModelProto", "TensorProto conv1.weight"), for error messages.</param>
    public ProtoReader(ReadOnlyMemory<byte> data, long baseOffset, string message)
    {
        this.data = data;
        this.baseOffset = baseOffset;
        this.message = message;
        position = 0;
    }

    /// <summary>The number of the field just read by <see cref="Next"/>.</summary>
    public int Field { get; private set; }

    /// <summary>The wire type of the field just read by <see cref="Next"/>.</summary>
    public WireType Type { get; private set; }

    /// <summary>The file offset of the next byte to read.</summary>
    public long Offset => baseOffset + position;

    /// <summary>Reads the next field's tag; false at the end of the message.</summary>
    public bool Next()
    {
        if (position >= data.Length)
            return false;
        var start = position;
        var tag = ReadVarint();
        var field = tag >> 3;
        var type = (int)(tag & 7);
        if (field == 0 || field > int.MaxValue)
            throw Corrupt(start, Format($"a field number of {field}"));
        if (type is not (0 or 1 or 2 or 5))
            throw Corrupt(start, Format($"wire type {type} for field {field} (groups are not used by ONNX, and 6 and 7 do not exist)"));
        Field = (int)field;
        Type = (WireType)type;
        return true;
    }

    /// <summary>A varint field's value.</summary>
    public ulong ReadVarint()
    {
        ulong value = 0;
        var span = data.Span;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (position >= span.Length)
                throw Truncated("a varint");
            var b = span[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return value;
        }
        throw Corrupt(position - 10, "a varint longer than 10 bytes");
    }

    /// <summary>An int64 field (or int32, or enum): checks the wire type.</summary>
    public long ReadInt64()
    {
        Expect(WireType.Varint);
        return (long)ReadVarint();
    }

    /// <summary>A float field: checks the wire type.</summary>
    public float ReadFloat()
    {
        Expect(WireType.Fixed32);
        return BinaryPrimitives.ReadSingleLittleEndian(Take(4, "a float").Span);
    }

    /// <summary>A length-delimited field's bytes (a string, bytes, a packed array or a message).</summary>
    public ReadOnlyMemory<byte> ReadBytes()
    {
        Expect(WireType.LengthDelimited);
        var start = position;
        var length = ReadVarint();
        if (length > (ulong)(data.Length - position))
            throw Corrupt(start, Format($"field {Field} of {length} bytes, but only {data.Length - position} bytes of the message remain (the file is truncated or corrupt)"));
        return Take((int)length, "a length-delimited field");
    }

    /// <summary>A string field, UTF-8.</summary>
    public string ReadString() => Encoding.UTF8.GetString(ReadBytes().Span);

    /// <summary>A nested message field: a reader over its bytes.</summary>
    public ProtoReader ReadMessage(string what)
    {
        Expect(WireType.LengthDelimited);
        var start = position;
        var length = ReadVarint();
        if (length > (ulong)(data.Length - position))
            throw Corrupt(start, Format($"a nested {what} of {length} bytes, but only {data.Length - position} bytes of the message remain (the file is truncated or corrupt)"));
        var offset = baseOffset + position;
        return new ProtoReader(Take((int)length, what), offset, what);
    }

    /// <summary>Appends a repeated varint field, packed or not, to <paramref name="values"/>.</summary>
    public void ReadInt64s(System.Collections.Generic.List<long> values)
    {
        if (Type == WireType.Varint)
        {
            values.Add((long)ReadVarint());
            return;
        }
        var bytes = ReadBytes();
        var packed = new ProtoReader(bytes, Offset - bytes.Length, message);
        while (packed.position < packed.data.Length)
            values.Add((long)packed.ReadVarint());
    }

    /// <summary>Appends a repeated float field, packed or not, to <paramref name="values"/>.</summary>
    public void ReadFloats(System.Collections.Generic.List<float> values)
    {
        if (Type == WireType.Fixed32)
        {
            values.Add(ReadFloat());
            return;
        }
        var bytes = ReadBytes().Span;
        if (bytes.Length % 4 != 0)
            throw Corrupt(position - bytes.Length, Format($"a packed float array of {bytes.Length} bytes, not a multiple of 4"));
        for (var i = 0; i < bytes.Length; i += 4)
            values.Add(BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i)));
    }

    /// <summary>Appends a repeated double field, packed or not, to <paramref name="values"/>.</summary>
    public void ReadDoubles(System.Collections.Generic.List<double> values)
    {
        if (Type == WireType.Fixed64)
        {
            values.Add(BinaryPrimitives.ReadDoubleLittleEndian(Take(8, "a double").Span));
            return;
        }
        var bytes = ReadBytes().Span;
        if (bytes.Length % 8 != 0)
            throw Corrupt(position - bytes.Length, Format($"a packed double array of {bytes.Length} bytes, not a multiple of 8"));
        for (var i = 0; i < bytes.Length; i += 8)
            values.Add(BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(i)));
    }

    /// <summary>Skips the field just read by <see cref="Next"/> (fields ConvForge does not need).</summary>
    public void Skip()
    {
        switch (Type)
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.Fixed64:
                Take(8, "a fixed64 field");
                break;
            case WireType.Fixed32:
                Take(4, "a fixed32 field");
                break;
            default:
                ReadBytes();
                break;
        }
    }

    private void Expect(WireType type)
    {
        if (Type != type)
            throw Corrupt(position, Format($"field {Field} with wire type {(int)Type} where ONNX defines wire type {(int)type}"));
    }

    private ReadOnlyMemory<byte> Take(int count, string what)
    {
        if (count > data.Length - position)
            throw Truncated(what);
        var slice = data.Slice(position, count);
        position += count;
        return slice;
    }

    private InvalidDataException Truncated(string what) =>
        new(Format($"The ONNX data is truncated or corrupt: {message} ends at byte {baseOffset + data.Length} in the middle of {what} (field {Field})."));

    private InvalidDataException Corrupt(int at, string what) =>
        new(Format($"The ONNX data is corrupt: {message} has {what} at byte {baseOffset + at}."));

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
