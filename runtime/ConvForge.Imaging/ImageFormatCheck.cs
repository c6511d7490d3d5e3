using System;
using System.Buffers.Binary;

namespace ConvForge.Imaging;

/// <summary>The encoded formats this package decodes.</summary>
public enum ImageFormat
{
    /// <summary>PNG (lossless; 1, 2, 4, 8 or 16 bits, gray, gray + alpha, palette, RGB, RGBA).</summary>
    Png,

    /// <summary>JPEG (baseline or progressive; grayscale, YCbCr, RGB, CMYK or YCCK).</summary>
    Jpeg,
}

/// <summary>
/// Checks on the encoded bytes made before ImageSharp sees them: which format the signature names, and
/// whether the file is complete. ImageSharp 2 decodes a truncated PNG or JPEG without complaint (the
/// missing rows come out black or gray), so completeness is checked here from the container structure.
/// </summary>
internal static class ImageFormatCheck
{
    private static ReadOnlySpan<byte> PngSignature => new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };

    /// <summary>The format of <paramref name="data"/>, or an exception naming what it is instead.</summary>
    public static ImageFormat Identify(ReadOnlySpan<byte> data, string name)
    {
        if (data.IsEmpty)
            throw new ImageDecodeException(name, "empty (0 bytes), not an image");
        if (data.StartsWith(PngSignature))
            return ImageFormat.Png;
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
            return ImageFormat.Jpeg;
        if (PngSignature.StartsWith(data) || data.SequenceEqual(new byte[] { 0xFF, 0xD8 }) || data.SequenceEqual(new byte[] { 0xFF }))
            throw new ImageDecodeException(name, $"truncated: only {data.Length} bytes, the start of a PNG or JPEG signature");
        var other = OtherFormat(data);
        if (other is not null)
            throw new ImageDecodeException(name, $"a {other} image; ConvForge.Imaging decodes PNG and JPEG only");
        throw new ImageDecodeException(name, $"not a PNG or JPEG image (it starts with bytes {Hex(data[..Math.Min(8, data.Length)])})");
    }

    /// <summary>Throws when the PNG or JPEG container ends before its end marker.</summary>
    public static void CheckComplete(ImageFormat format, ReadOnlySpan<byte> data, string name)
    {
        var problem = format == ImageFormat.Png ? PngProblem(data) : JpegProblem(data);
        if (problem is not null)
            throw new ImageDecodeException(name, problem);
    }

    // A PNG is the signature and then chunks (length, type, data, CRC) up to IEND.
    private static string? PngProblem(ReadOnlySpan<byte> data)
    {
        var position = PngSignature.Length;
        while (true)
        {
            if (position + 8 > data.Length)
                return $"truncated PNG: the data ends at byte {data.Length} before the IEND chunk";
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[position..]);
            var type = data.Slice(position + 4, 4);
            var end = position + 12L + length;
            if (end > data.Length)
                return $"truncated PNG: the {Ascii(type)} chunk at byte {position} needs {length} data bytes but the data ends at byte {data.Length}";
            if (type.SequenceEqual("IEND"u8))
                return null;
            position = (int)end;
        }
    }

    // A JPEG is SOI, marker segments (FF xx, big-endian length) up to a start of scan, entropy-coded data
    // (where FF is followed by 00 or a restart marker), possibly more segments and scans, then EOI.
    private static string? JpegProblem(ReadOnlySpan<byte> data)
    {
        var position = 2;
        while (true)
        {
            // The next marker. Fill bytes (FF FF ...) may precede it, and like libjpeg (which warns of
            // "extraneous bytes before marker") stray bytes between segments are skipped, not refused.
            if (position + 2 > data.Length)
                return Truncated(data);
            var marker = data[position + 1];
            if (data[position] != 0xFF || marker == 0xFF)
            {
                position++;
                continue;
            }
            if (marker == 0xD9)
                return null;
            position += 2;
            if (marker == 0x01 || marker is >= 0xD0 and <= 0xD7)
                continue; // markers without a length
            if (position + 2 > data.Length)
                return Truncated(data);
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[position..]);
            if (length < 2)
                return $"corrupt JPEG: marker FF{marker:X2} at byte {position - 2} has length {length}";
            position += length;
            if (position > data.Length)
                return Truncated(data);
            if (marker != 0xDA)
                continue;
            // Entropy-coded data after the scan header runs to the next marker other than a stuffed 00 or a restart.
            while (true)
            {
                if (position + 1 >= data.Length)
                    return Truncated(data);
                if (data[position] == 0xFF && data[position + 1] != 0x00 && data[position + 1] is not (>= 0xD0 and <= 0xD7) && data[position + 1] != 0xFF)
                    break;
                position++;
            }
        }
    }

    private static string Truncated(ReadOnlySpan<byte> data) =>
        $"truncated JPEG: the data ends at byte {data.Length} before the end-of-image marker (FFD9)";

    private static string? OtherFormat(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith("GIF8"u8))
            return "GIF";
        if (data.StartsWith("BM"u8))
            return "BMP";
        if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data.Slice(8, 4).SequenceEqual("WEBP"u8))
            return "WebP";
        if (data.StartsWith("II*\0"u8) || data.StartsWith("MM\0*"u8))
            return "TIFF";
        if (data.Length >= 12 && data.Slice(4, 4).SequenceEqual("ftyp"u8))
            return "HEIF/AVIF (ISO media)";
        return null;
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => BitConverter.ToString(bytes.ToArray()).Replace('-', ' ');

    private static string Ascii(ReadOnlySpan<byte> type)
    {
        Span<char> chars = stackalloc char[4];
        for (var i = 0; i < 4; i++)
            chars[i] = type[i] is >= 0x20 and < 0x7F ? (char)type[i] : '?';
        return new string(chars);
    }
}
