using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace ConvForge.Runtime.Tests.Onnx;

/// <summary>
/// A minimal protocol buffers decoder for inspecting exported models in tests, written separately
/// from the runtime's writer so the two check each other. A message decodes to its fields in order.
/// </summary>
internal sealed class ProtoMessage
{
    private readonly List<(int Field, int WireType, ulong Number, byte[]? Bytes)> fields = new();

    public ProtoMessage(byte[] data)
    {
        var position = 0;
        while (position < data.Length)
        {
            var tag = ReadVarint(data, ref position);
            var field = (int)(tag >> 3);
            var wireType = (int)(tag & 7);
            switch (wireType)
            {
                case 0:
                    fields.Add((field, wireType, ReadVarint(data, ref position), null));
                    break;
                case 1:
                    fields.Add((field, wireType, BitConverter.ToUInt64(data, position), null));
                    position += 8;
                    break;
                case 2:
                    var length = checked((int)ReadVarint(data, ref position));
                    if (position + length > data.Length)
                        throw new InvalidDataException($"Field {field} claims {length} bytes at {position} but the message has {data.Length}.");
                    fields.Add((field, wireType, 0, data.AsSpan(position, length).ToArray()));
                    position += length;
                    break;
                case 5:
                    fields.Add((field, wireType, BitConverter.ToUInt32(data, position), null));
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"Unknown wire type {wireType} for field {field} at {position}.");
            }
        }
    }

    public static ulong ReadVarint(byte[] data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (shift >= 64)
                throw new InvalidDataException("Varint longer than 10 bytes.");
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return value;
        }
    }

    public IEnumerable<long> Numbers(int field) => fields.Where(f => f.Field == field && f.WireType == 0).Select(f => (long)f.Number);
    public long Number(int field) => Numbers(field).Single();
    public float Float(int field) => BitConverter.UInt32BitsToSingle((uint)fields.Single(f => f.Field == field && f.WireType == 5).Number);
    public IEnumerable<byte[]> Bytes(int field) => fields.Where(f => f.Field == field && f.WireType == 2).Select(f => f.Bytes!);
    public IEnumerable<string> Strings(int field) => Bytes(field).Select(b => Encoding.UTF8.GetString(b));
    public string String(int field) => Strings(field).Single();
    public IEnumerable<ProtoMessage> Messages(int field) => Bytes(field).Select(b => new ProtoMessage(b));
    public ProtoMessage Message(int field) => Messages(field).Single();
    public bool Has(int field) => fields.Any(f => f.Field == field);
}
