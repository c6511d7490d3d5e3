using System;
using System.IO;
using System.Text;

namespace ConvForge.Compiler.WeightFiles;

/// <summary>
/// Reads protocol buffers fields from a seekable stream through a small buffer, so an ONNX model's header
/// (names, shapes, operators) is read without its weight data: a field that is not needed, raw_data above
/// all, is skipped by moving the position past it, never read or copied. Every length is checked against
/// the enclosing message, so a truncated or corrupt file ends in a <see cref="WeightFileException"/> naming
/// the byte offset.
/// </summary>
internal sealed class ProtoStream
{
    public const int VarintType = 0;
    public const int Fixed64Type = 1;
    public const int LengthDelimitedType = 2;
    public const int Fixed32Type = 5;

    /// <summary>The longest string (a name, an operator) read; anything longer is not a header an exporter writes.</summary>
    private const int MaxStringLength = 1 << 20;

    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private long _bufferStart;
    private int _bufferLength;
    private int _bufferPosition;

    public ProtoStream(Stream stream)
    {
        _stream = stream;
        Length = stream.Length;
        _bufferStart = stream.Position;
    }

    /// <summary>The stream's length: the end of the outermost message.</summary>
    public long Length { get; }

    /// <summary>The offset of the next byte to read.</summary>
    public long Position => _bufferStart + _bufferPosition;

    /// <summary>The field number and wire type of the next field, or false at <paramref name="end"/>.</summary>
    public bool Next(long end, out int field, out int wireType)
    {
        field = 0;
        wireType = 0;
        if (Position >= end)
            return false;
        var at = Position;
        var tag = ReadVarint(end);
        field = (int)Math.Min(tag >> 3, int.MaxValue);
        wireType = (int)(tag & 7);
        if (field == 0)
            throw Corrupt(at, "a field number of 0");
        if (wireType is not (VarintType or Fixed64Type or LengthDelimitedType or Fixed32Type))
            throw Corrupt(at, $"wire type {wireType} for field {field}");
        return true;
    }

    public ulong ReadVarint(long end)
    {
        var at = Position;
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (Position >= end)
                throw Truncated(at, "a varint");
            var b = ReadByte();
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return value;
        }
        throw Corrupt(at, "a varint longer than 10 bytes");
    }

    /// <summary>A length-delimited field's length, checked against <paramref name="end"/>; returns where the field ends.</summary>
    public long ReadLength(long end, string what)
    {
        var at = Position;
        var length = ReadVarint(end);
        if (length > (ulong)(end - Position))
            throw Truncated(at, $"{what} of {length} bytes, but only {end - Position} bytes remain");
        return Position + (long)length;
    }

    public string ReadString(long end, string what)
    {
        var at = Position;
        var stop = ReadLength(end, what);
        var length = stop - Position;
        if (length > MaxStringLength)
            throw Corrupt(at, $"{what} of {length} bytes");
        var bytes = new byte[length];
        for (var i = 0; i < bytes.Length; i++)
            bytes[i] = ReadByte();
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Skips the value of a field of <paramref name="wireType"/>, without reading a length-delimited one.</summary>
    public void Skip(int wireType, long end)
    {
        switch (wireType)
        {
            case VarintType:
                ReadVarint(end);
                break;
            case Fixed64Type:
                SkipTo(Position + 8, end);
                break;
            case Fixed32Type:
                SkipTo(Position + 4, end);
                break;
            default:
                SkipTo(ReadLength(end, "a field"), end);
                break;
        }
    }

    /// <summary>Moves to <paramref name="target"/>: inside the buffer when it is there, else by seeking.</summary>
    public void SkipTo(long target, long end)
    {
        if (target > end)
            throw Truncated(Position, $"a field ending at byte {target}, past the end of its message at {end}");
        var offset = target - _bufferStart;
        if (offset >= 0 && offset <= _bufferLength)
        {
            _bufferPosition = (int)offset;
            return;
        }
        _stream.Seek(target, SeekOrigin.Begin);
        _bufferStart = target;
        _bufferLength = 0;
        _bufferPosition = 0;
    }

    private byte ReadByte()
    {
        if (_bufferPosition == _bufferLength)
        {
            _bufferStart += _bufferLength;
            _bufferPosition = 0;
            _bufferLength = _stream.Read(_buffer, 0, _buffer.Length);
            if (_bufferLength == 0)
                throw Truncated(Position, "a field");
        }
        return _buffer[_bufferPosition++];
    }

    public static WeightFileException Truncated(long at, string what)
        => new($"the file is truncated or corrupt at byte {at}: {what}");

    public static WeightFileException Corrupt(long at, string what)
        => new($"the file is corrupt at byte {at}: {what}");
}
