using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace ConvForge.Data;

/// <summary>
/// Reads the IDX format of MNIST, Fashion-MNIST, KMNIST and EMNIST: idx3-ubyte image files and
/// idx1-ubyte label files, plain or gzip-compressed (recognized by content, not by the ".gz" name).
/// </summary>
/// <remarks>
/// An IDX file is a magic number (two zero bytes, a type code, the number of dimensions), one big-endian
/// 32-bit size per dimension, then the values in row-major order. Only unsigned bytes (type 0x08) are
/// read; that is what every MNIST-family file holds. The header is checked against the data that follows:
/// a file with fewer or more bytes than its header states is rejected, as is one with the wrong type or
/// number of dimensions (an image file where labels are expected, say). Every error is an
/// <see cref="InvalidDataException"/> whose message starts with the file's path or the stream's name.
/// </remarks>
public static class Idx
{
    private const byte UnsignedByte = 0x08;

    /// <summary>Reads an idx3-ubyte image file (count x rows x columns bytes).</summary>
    public static IdxImages ReadImages(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        return ReadImages(stream, path);
    }

    /// <summary>Reads an idx3-ubyte image file from <paramref name="stream"/> (to its end; not closed).</summary>
    /// <param name="stream">The file's content, plain or gzip-compressed.</param>
    /// <param name="name">What error messages call the data.</param>
    public static IdxImages ReadImages(Stream stream, string name = "stream")
    {
        var (dimensions, values) = Read(stream, name, expectedDimensions: 3, kind: "image");
        if (dimensions[1] == 0 || dimensions[2] == 0)
            throw new InvalidDataException($"{name}: the images are {dimensions[1]} x {dimensions[2]} pixels; IDX images need at least one row and one column.");
        return new IdxImages(values, dimensions[0], dimensions[1], dimensions[2], name);
    }

    /// <summary>Reads an idx1-ubyte label file: one label (0 to 255) per sample.</summary>
    public static int[] ReadLabels(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        return ReadLabels(stream, path);
    }

    /// <summary>Reads an idx1-ubyte label file from <paramref name="stream"/> (to its end; not closed).</summary>
    public static int[] ReadLabels(Stream stream, string name = "stream")
    {
        var (_, values) = Read(stream, name, expectedDimensions: 1, kind: "label");
        var labels = new int[values.Length];
        for (var i = 0; i < labels.Length; i++)
            labels[i] = values[i];
        return labels;
    }

    /// <summary>Reads an image file and its label file and checks that they have the same number of samples.</summary>
    /// <param name="imagesPath">The idx3-ubyte image file.</param>
    /// <param name="labelsPath">The idx1-ubyte label file.</param>
    /// <param name="classCount">The number of classes; by default the largest label plus one (see <see cref="IdxDataSet.Create"/>).</param>
    public static IdxDataSet ReadDataSet(string imagesPath, string labelsPath, int? classCount = null)
    {
        var images = ReadImages(imagesPath);
        var labels = ReadLabels(labelsPath);
        return IdxDataSet.Create(images, labels, labelsPath, classCount);
    }

    private static (int[] Dimensions, byte[] Values) Read(Stream stream, string name, int expectedDimensions, string kind)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        try
        {
            using var content = Decompressed(stream, out var compressed);
            return ReadContent(content, compressed ? "decompressed data" : "file", name, expectedDimensions, kind);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(name + ":", StringComparison.Ordinal))
        {
            // GZipStream's complaints about a corrupt or cut-off archive do not say which file.
            throw new InvalidDataException($"{name}: corrupt gzip data ({e.Message})", e);
        }
    }

    // "what" names the content in messages: the file, or for gzip the data it decompresses to.
    private static (int[] Dimensions, byte[] Values) ReadContent(Stream content, string what, string name, int expectedDimensions, string kind)
    {
        Span<byte> magic = stackalloc byte[4];
        var got = ReadFully(content, magic);
        if (got == 0)
            throw new InvalidDataException($"{name}: the {what} is empty, not IDX data.");
        if (got < 4)
            throw new InvalidDataException($"{name}: truncated: the {what} has {got} bytes, less than the 4-byte IDX magic number.");
        if (magic[0] != 0 || magic[1] != 0)
            throw new InvalidDataException(
                $"{name}: not an IDX file: the magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(magic):X8} does not start with two zero bytes.");
        var expectedMagic = 0x0800 | expectedDimensions;
        if (magic[2] != UnsignedByte)
            throw new InvalidDataException(
                $"{name}: IDX type 0x{magic[2]:X2} ({TypeName(magic[2])}) is not supported; MNIST-style files hold unsigned bytes (magic 0x{expectedMagic:X8}).");
        if (magic[3] != expectedDimensions)
            throw new InvalidDataException(
                $"{name}: magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(magic):X8} has {magic[3]} dimension(s), not the {expectedDimensions} of an IDX {kind} file (0x{expectedMagic:X8})" +
                (magic[3] is 1 or 3 ? $"; is this the {(magic[3] == 1 ? "label" : "image")} file?" : "."));

        Span<byte> sizeBytes = stackalloc byte[4 * expectedDimensions];
        got = ReadFully(content, sizeBytes);
        if (got < sizeBytes.Length)
            throw new InvalidDataException($"{name}: truncated: the header ends after {4 + got} bytes; it needs {4 + sizeBytes.Length}.");
        var dimensions = new int[expectedDimensions];
        long total = 1;
        for (var d = 0; d < expectedDimensions; d++)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(sizeBytes[(4 * d)..]);
            if (size > int.MaxValue)
                throw new InvalidDataException($"{name}: dimension {d} has the impossible size {size}.");
            dimensions[d] = (int)size;
            total *= size;
            if (total > Array.MaxLength)
                throw new InvalidDataException($"{name}: the header states {string.Join(" x ", dimensions[..(d + 1)])}... values, more than one array can hold.");
        }

        var values = new byte[total];
        got = ReadFully(content, values);
        if (got < total)
            throw new InvalidDataException(
                $"{name}: truncated: the header states {Describe(dimensions)} = {total:N0} bytes of data, but the {what} has {got:N0}.");
        if (content.ReadByte() >= 0)
            throw new InvalidDataException(
                $"{name}: the {what} has more bytes than its header states ({Describe(dimensions)} = {total:N0} bytes).");
        return (dimensions, values);
    }

    // A gzip member starts with 1F 8B; anything else is read as it is.
    private static Stream Decompressed(Stream stream, out bool compressed)
    {
        var seekable = stream.CanSeek ? stream : Buffered(stream);
        var start = seekable.Position;
        var first = seekable.ReadByte();
        var second = seekable.ReadByte();
        seekable.Position = start;
        compressed = first == 0x1F && second == 0x8B;
        return compressed
            ? new GZipStream(seekable, CompressionMode.Decompress, leaveOpen: true)
            : new NonClosingStream(seekable);
    }

    private static MemoryStream Buffered(Stream stream)
    {
        var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        buffer.Position = 0;
        return buffer;
    }

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = stream.Read(buffer[total..]);
            if (read == 0)
                break;
            total += read;
        }
        return total;
    }

    private static string Describe(int[] dimensions) => dimensions.Length == 3
        ? $"{dimensions[0]:N0} images of {dimensions[1]} x {dimensions[2]}"
        : $"{dimensions[0]:N0} labels";

    private static string TypeName(byte type) => type switch
    {
        0x09 => "signed byte",
        0x0B => "16-bit integer",
        0x0C => "32-bit integer",
        0x0D => "32-bit float",
        0x0E => "64-bit float",
        _ => "unknown",
    };

    // Lets "using" dispose what Decompressed returns without closing the caller's stream.
    private sealed class NonClosingStream : Stream
    {
        private readonly Stream inner;

        public NonClosingStream(Stream inner) => this.inner = inner;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
