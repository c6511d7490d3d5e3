using System;
using System.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace ConvForge.Imaging;

/// <summary>
/// An image as 8-bit pixels in managed memory, rows top to bottom, channels interleaved
/// (height x width x channels): 1 channel for grayscale sources, 3 (red, green, blue) for the others.
/// Nothing to dispose. Decode one with <see cref="Load"/> or <see cref="Decode(Stream, string, long)"/>, or wrap
/// pixels you already have (an MNIST sample, say) with <see cref="FromPixels"/>; then write it into a
/// network's input with <see cref="ImagePreprocessing"/>.
/// </summary>
/// <remarks>
/// Alpha is dropped, not composited (as PIL's <c>convert("RGB")</c> does, which torchvision's image
/// loader calls); 16-bit samples are reduced to 8 bits; palette and CMYK images become RGB. Decoding is
/// ImageSharp 2.1 with its PNG and JPEG decoders only.
/// </remarks>
public sealed class DecodedImage
{
    /// <summary>
    /// The default bound on width x height: 178,956,970 pixels, the size at which PIL refuses an image as
    /// a possible decompression bomb. A larger image is rejected from its header, before any pixel is decoded.
    /// </summary>
    public const long DefaultMaxPixels = 178_956_970;

    // Only the two decoders this package promises: a smaller surface for crafted files, and less to trim.
    private static readonly Configuration Decoders = new(new PngConfigurationModule(), new JpegConfigurationModule());

    private readonly byte[] pixels;

    private DecodedImage(int width, int height, int channels, byte[] pixels, string name)
    {
        Width = width;
        Height = height;
        Channels = channels;
        this.pixels = pixels;
        Name = name;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>1 (grayscale) or 3 (red, green, blue).</summary>
    public int Channels { get; }

    /// <summary>The path it came from, or the name given to <see cref="Decode(Stream, string, long)"/> or <see cref="FromPixels"/>.</summary>
    public string Name { get; }

    /// <summary>The pixels: <see cref="Height"/> rows of <see cref="Width"/> x <see cref="Channels"/> bytes.</summary>
    public ReadOnlySpan<byte> Pixels => pixels;

    /// <summary>The pixel array itself, for readers in this assembly that must not copy it; never written.</summary>
    internal byte[] PixelArray => pixels;

    /// <summary>Reads and decodes the PNG or JPEG file at <paramref name="path"/>.</summary>
    /// <exception cref="ImageDecodeException">The file is empty, truncated, corrupt, too large, or not a PNG or JPEG; the message names the path.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static DecodedImage Load(string path, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Decode(File.ReadAllBytes(path), path, maxPixels);
    }

    /// <summary>Reads <paramref name="stream"/> to its end and decodes the PNG or JPEG in it.</summary>
    /// <param name="stream">The encoded image; read from its current position to its end, not closed.</param>
    /// <param name="name">What error messages call the image (a file name or URL, say).</param>
    /// <param name="maxPixels">The largest width x height accepted; see <see cref="DefaultMaxPixels"/>.</param>
    /// <exception cref="ImageDecodeException">The data is empty, truncated, corrupt, too large, or not a PNG or JPEG.</exception>
    public static DecodedImage Decode(Stream stream, string name = "stream", long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Decode(buffer.ToArray(), name, maxPixels);
    }

    /// <summary>Decodes the PNG or JPEG in <paramref name="encoded"/>.</summary>
    /// <param name="encoded">The whole encoded file.</param>
    /// <param name="name">What error messages call the image.</param>
    /// <param name="maxPixels">The largest width x height accepted; see <see cref="DefaultMaxPixels"/>.</param>
    /// <exception cref="ImageDecodeException">The data is empty, truncated, corrupt, too large, or not a PNG or JPEG.</exception>
    public static DecodedImage Decode(ReadOnlySpan<byte> encoded, string name = "bytes", long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Decode(encoded.ToArray(), name, maxPixels);
    }

    /// <summary>
    /// Wraps pixels already in memory: <paramref name="height"/> rows of <paramref name="width"/> x
    /// <paramref name="channels"/> bytes (1 = gray, 3 = red, green, blue). The bytes are copied.
    /// </summary>
    /// <example>A Fashion-MNIST sample: <c>DecodedImage.FromPixels(28, 28, 1, train.Images.GetPixels(i))</c>.</example>
    public static DecodedImage FromPixels(int width, int height, int channels, ReadOnlySpan<byte> pixels, string name = "pixels")
    {
        ArgumentNullException.ThrowIfNull(name);
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"An image needs a positive size; got {width} x {height}.");
        if (channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(channels), $"Channels must be 1 (gray) or 3 (red, green, blue); got {channels}.");
        var expected = (long)width * height * channels;
        if (pixels.Length != expected)
            throw new ArgumentException($"{width} x {height} x {channels} pixels need {expected} bytes; got {pixels.Length}.", nameof(pixels));
        return new DecodedImage(width, height, channels, pixels.ToArray(), name);
    }

    /// <summary>The value of channel <paramref name="channel"/> at column <paramref name="x"/>, row <paramref name="y"/>.</summary>
    public byte GetPixel(int x, int y, int channel = 0)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height || (uint)channel >= (uint)Channels)
            throw new ArgumentOutOfRangeException(nameof(x), $"({x}, {y}) channel {channel} is outside a {Width} x {Height} x {Channels} image.");
        return pixels[(y * Width + x) * Channels + channel];
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Width} x {Height}, {(Channels == 1 ? "gray" : "RGB")})";

    private static DecodedImage Decode(byte[] encoded, string name, long maxPixels)
    {
        if (maxPixels <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxPixels), $"The pixel limit must be positive; got {maxPixels}.");
        var format = ImageFormatCheck.Identify(encoded, name);
        ImageFormatCheck.CheckComplete(format, encoded, name);
        var formatName = format == ImageFormat.Png ? "PNG" : "JPEG";
        try
        {
            var info = Image.Identify(Decoders, encoded, out _)
                ?? throw new ImageDecodeException(name, $"corrupt {formatName}: its header cannot be read");
            if (info.Width <= 0 || info.Height <= 0)
                throw new ImageDecodeException(name, $"corrupt {formatName}: the header gives a size of {info.Width} x {info.Height}");
            if ((long)info.Width * info.Height > maxPixels)
                throw new ImageDecodeException(name, $"{info.Width} x {info.Height} pixels is more than the limit of {maxPixels:N0} (a possible decompression bomb; pass a larger maxPixels to accept it)");

            using var image = Image.Load<Rgb24>(Decoders, encoded);
            var gray = IsGray(image, format);
            var rgb = new byte[checked(image.Width * image.Height * 3)];
            image.CopyPixelDataTo(rgb);
            if (!gray)
                return new DecodedImage(image.Width, image.Height, 3, rgb, name);
            var luminance = new byte[image.Width * image.Height];
            for (var i = 0; i < luminance.Length; i++)
                luminance[i] = rgb[3 * i]; // a gray source decodes to R = G = B
            return new DecodedImage(image.Width, image.Height, 1, luminance, name);
        }
        catch (ImageDecodeException)
        {
            throw;
        }
        catch (Exception e) when (e is ImageFormatException or InvalidImageContentException or UnknownImageFormatException
                                      or InvalidDataException or NotSupportedException or ArgumentException or IndexOutOfRangeException)
        {
            // ImageSharp reports corrupt content with its own types and, for some malformed inputs, with
            // argument or index errors from deep inside a decoder; all of them mean this file is bad.
            throw new ImageDecodeException(name, $"corrupt {formatName}: {e.Message}", e);
        }
    }

    private static bool IsGray(Image image, ImageFormat format) => format == ImageFormat.Png
        ? image.Metadata.GetPngMetadata().ColorType is PngColorType.Grayscale or PngColorType.GrayscaleWithAlpha
        : image.Metadata.GetJpegMetadata().ColorType == JpegColorType.Luminance;
}
