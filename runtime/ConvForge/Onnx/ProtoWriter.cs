using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;

namespace ConvForge.Onnx;

/// <summary>Protocol buffers wire types (the low 3 bits of a field's tag).</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    Fixed32 = 5,
}

/// <summary>
/// Writes protocol buffers fields into a growing byte buffer: just what ONNX's messages need
/// (varints, 32-bit floats, strings, bytes and nested messages), so the runtime needs no protobuf
/// package. A nested message is written into its own writer first, then embedded with its length.
/// </summary>
internal sealed class ProtoWriter
{
    private byte[] buffer = new byte[256];

    /// <summary>Bytes written so far.</summary>
    public int Length { get; private set; }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => buffer.AsSpan(0, Length);

    /// <summary>Bytes a value takes as a varint: 7 bits per byte, 1 to 10 bytes.</summary>
    public static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }
        return size;
    }

    /// <summary>Bytes a field's tag takes.</summary>
    public static int TagSize(int field) => VarintSize((ulong)field << 3);

    /// <summary>Writes a varint: low 7 bits first, the high bit set on every byte but the last.</summary>
    public void WriteVarint(ulong value)
    {
        Reserve(10);
        while (value >= 0x80)
        {
            buffer[Length++] = (byte)(value | 0x80);
            value >>= 7;
        }
        buffer[Length++] = (byte)value;
    }

    /// <summary>Writes a field's tag: its number and wire type.</summary>
    public void WriteTag(int field, WireType type) => WriteVarint(((ulong)field << 3) | (uint)type);

    /// <summary>An int64 or int32 or enum field; negative values take 10 bytes (two's complement), as protobuf specifies.</summary>
    public void WriteInt64(int field, long value)
    {
        WriteTag(field, WireType.Varint);
        WriteVarint((ulong)value);
    }

    /// <summary>A float field: 4 bytes, little-endian.</summary>
    public void WriteFloat(int field, float value)
    {
        WriteTag(field, WireType.Fixed32);
        Reserve(4);
        BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(Length), value);
        Length += 4;
    }

    /// <summary>A string field, UTF-8.</summary>
    public void WriteString(int field, string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((ulong)count);
        Reserve(count);
        Length += Encoding.UTF8.GetBytes(value, buffer.AsSpan(Length));
    }

    /// <summary>A bytes field.</summary>
    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((ulong)value.Length);
        WriteRaw(value);
    }

    /// <summary>A nested message field: the message's length, then its bytes.</summary>
    public void WriteMessage(int field, ProtoWriter message)
    {
        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((ulong)message.Length);
        WriteRaw(message.WrittenSpan);
    }

    /// <summary>Bytes as they are (for a message whose header was written already).</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        Reserve(bytes.Length);
        bytes.CopyTo(buffer.AsSpan(Length));
        Length += bytes.Length;
    }

    /// <summary>Copies the bytes written to <paramref name="destination"/>.</summary>
    public void CopyTo(Stream destination) => destination.Write(WrittenSpan);

    private void Reserve(int count)
    {
        if (Length + count <= buffer.Length)
            return;
        var size = buffer.Length;
        while (size < Length + count)
            size = checked(size * 2);
        Array.Resize(ref buffer, size);
    }
}
