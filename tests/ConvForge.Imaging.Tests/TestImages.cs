using System;
using System.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace ConvForge.Imaging.Tests;

/// <summary>Images the tests make themselves: known pixel patterns, encoded in memory with ImageSharp.</summary>
internal static class TestImages
{
    /// <summary>Height x width x channels bytes with channel <c>c</c> of pixel (x, y) = <paramref name="value"/>(x, y, c).</summary>
    public static byte[] Pattern(int width, int height, int channels, Func<int, int, int, int> value)
    {
        var pixels = new byte[width * height * channels];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                for (var c = 0; c < channels; c++)
                    pixels[(y * width + x) * channels + c] = checked((byte)value(x, y, c));
        return pixels;
    }

    /// <summary>A pattern where every channel of every pixel differs: red 10x+y, green 100+y, blue 200-x (mod 256).</summary>
    public static byte[] Distinct(int width, int height) =>
        Pattern(width, height, 3, (x, y, c) => c switch { 0 => (10 * x + y) % 256, 1 => (100 + 3 * y + x) % 256, _ => (200 - x + 7 * y + 512) % 256 });

    public static byte[] Random(int width, int height, int channels, int seed)
    {
        var pixels = new byte[width * height * channels];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }

    public static byte[] Png(byte[] pixels, int width, int height, int channels)
    {
        using var stream = new MemoryStream();
        if (channels == 1)
        {
            using var image = Image.LoadPixelData<L8>(pixels, width, height);
            image.SaveAsPng(stream);
        }
        else
        {
            using var image = Image.LoadPixelData<Rgb24>(pixels, width, height);
            image.SaveAsPng(stream);
        }
        return stream.ToArray();
    }

    public static byte[] Jpeg(byte[] pixels, int width, int height, int channels, int quality = 95)
    {
        using var stream = new MemoryStream();
        if (channels == 1)
        {
            using var image = Image.LoadPixelData<L8>(pixels, width, height);
            image.SaveAsJpeg(stream, new JpegEncoder { Quality = quality, ColorType = JpegColorType.Luminance });
        }
        else
        {
            using var image = Image.LoadPixelData<Rgb24>(pixels, width, height);
            image.SaveAsJpeg(stream, new JpegEncoder { Quality = quality, ColorType = JpegColorType.YCbCrRatio444 });
        }
        return stream.ToArray();
    }

    public static byte[] Gif(byte[] pixels, int width, int height)
    {
        using var stream = new MemoryStream();
        using var image = Image.LoadPixelData<Rgb24>(pixels, width, height);
        image.SaveAsGif(stream);
        return stream.ToArray();
    }

    public static DecodedImage Rgb(byte[] pixels, int width, int height) => DecodedImage.FromPixels(width, height, 3, pixels);

    /// <summary>
    /// The antialiased bilinear resize of PIL and torchvision, computed here in double from its definition:
    /// output pixel i samples around source position (i + 0.5) * scale with a tent filter widened to the
    /// scale when shrinking, weights normalized per output pixel; rows first, then columns. Not rounded.
    /// </summary>
    public static double[] ReferenceResize(byte[] pixels, int width, int height, int channels, int newWidth, int newHeight)
    {
        var horizontal = new double[height * newWidth * channels];
        var xWeights = TentWeights(width, newWidth);
        for (var y = 0; y < height; y++)
            for (var i = 0; i < newWidth; i++)
                for (var c = 0; c < channels; c++)
                {
                    double sum = 0;
                    for (var j = 0; j < width; j++)
                        sum += xWeights[i, j] * pixels[(y * width + j) * channels + c];
                    horizontal[(y * newWidth + i) * channels + c] = sum;
                }
        var result = new double[newHeight * newWidth * channels];
        var yWeights = TentWeights(height, newHeight);
        for (var i = 0; i < newHeight; i++)
            for (var x = 0; x < newWidth; x++)
                for (var c = 0; c < channels; c++)
                {
                    double sum = 0;
                    for (var j = 0; j < height; j++)
                        sum += yWeights[i, j] * horizontal[(j * newWidth + x) * channels + c];
                    result[(i * newWidth + x) * channels + c] = sum;
                }
        return result;
    }

    private static double[,] TentWeights(int inSize, int outSize)
    {
        var scale = (double)inSize / outSize;
        var support = Math.Max(scale, 1.0);
        var weights = new double[outSize, inSize];
        for (var i = 0; i < outSize; i++)
        {
            var center = (i + 0.5) * scale;
            double total = 0;
            for (var j = 0; j < inSize; j++)
            {
                var w = Math.Max(0, 1 - Math.Abs((j + 0.5 - center) / support));
                weights[i, j] = w;
                total += w;
            }
            for (var j = 0; j < inSize; j++)
                weights[i, j] /= total;
        }
        return weights;
    }
}
