using System;
using System.IO;
using System.Linq;

namespace ConvForge.Imaging.Tests;

public class DecodingTests
{
    [Fact]
    public void A_png_decodes_to_exactly_the_pixels_that_were_encoded()
    {
        var pixels = TestImages.Distinct(13, 7);
        var image = DecodedImage.Decode(TestImages.Png(pixels, 13, 7, 3));

        Assert.Equal((13, 7, 3), (image.Width, image.Height, image.Channels));
        Assert.Equal(pixels, image.Pixels.ToArray());
        Assert.Equal(10 * 4 + 2, image.GetPixel(4, 2, 0));
    }

    [Fact]
    public void A_gray_png_stays_one_channel()
    {
        var pixels = TestImages.Pattern(6, 5, 1, (x, y, _) => 40 * y + x);
        var image = DecodedImage.Decode(TestImages.Png(pixels, 6, 5, 1));

        Assert.Equal(1, image.Channels);
        Assert.Equal(pixels, image.Pixels.ToArray());
    }

    [Fact]
    public void A_png_with_alpha_keeps_its_colors_and_drops_the_alpha()
    {
        using var rgba = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgba32>(2, 1);
        rgba[0, 0] = new SixLabors.ImageSharp.PixelFormats.Rgba32(200, 100, 50, 0);
        rgba[1, 0] = new SixLabors.ImageSharp.PixelFormats.Rgba32(1, 2, 3, 128);
        using var stream = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsPng(rgba, stream);

        var image = DecodedImage.Decode(stream.ToArray());

        Assert.Equal(new byte[] { 200, 100, 50, 1, 2, 3 }, image.Pixels.ToArray());
    }

    [Fact]
    public void A_jpeg_decodes_close_to_the_encoded_pixels()
    {
        // A smooth pattern: JPEG at quality 95 without chroma subsampling stays within a few levels of it.
        var pixels = TestImages.Pattern(32, 24, 3, (x, y, c) => 40 + 3 * x + 2 * y + 20 * c);
        var image = DecodedImage.Decode(TestImages.Jpeg(pixels, 32, 24, 3));

        Assert.Equal((32, 24, 3), (image.Width, image.Height, image.Channels));
        var errors = pixels.Zip(image.Pixels.ToArray(), (a, b) => Math.Abs(a - b)).ToArray();
        Assert.True(errors.Max() <= 6, $"largest error {errors.Max()}");
        Assert.True(errors.Average() < 1.5, $"mean error {errors.Average()}");
    }

    [Fact]
    public void A_grayscale_jpeg_is_one_channel()
    {
        var pixels = TestImages.Pattern(16, 16, 1, (x, y, _) => 8 * x + 4 * y);
        var image = DecodedImage.Decode(TestImages.Jpeg(pixels, 16, 16, 1));

        Assert.Equal(1, image.Channels);
        Assert.True(pixels.Zip(image.Pixels.ToArray(), (a, b) => Math.Abs(a - b)).Max() <= 6);
    }

    [Fact]
    public void Files_streams_and_bytes_decode_the_same()
    {
        var pixels = TestImages.Distinct(5, 4);
        var png = TestImages.Png(pixels, 5, 4, 3);
        var path = Path.Combine(Path.GetTempPath(), $"convforge-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, png);
        try
        {
            var fromFile = DecodedImage.Load(path);
            var fromStream = DecodedImage.Decode(new MemoryStream(png), "upload");

            Assert.Equal(pixels, fromFile.Pixels.ToArray());
            Assert.Equal(pixels, fromStream.Pixels.ToArray());
            Assert.Equal(path, fromFile.Name);
            Assert.Equal("upload", fromStream.Name);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void An_empty_file_is_an_error_naming_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"convforge-{Guid.NewGuid():N}.jpg");
        File.WriteAllBytes(path, Array.Empty<byte>());
        try
        {
            var error = Assert.Throws<ImageDecodeException>(() => DecodedImage.Load(path));
            Assert.Equal(path, error.ImageName);
            Assert.StartsWith(path + ": empty", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(4)]      // inside the signature
    [InlineData(20)]     // inside IHDR
    [InlineData(60)]     // inside the image data
    [InlineData(-12)]    // IEND missing
    public void A_truncated_png_is_an_error(int cut)
    {
        var png = TestImages.Png(TestImages.Random(16, 16, 3, seed: 1), 16, 16, 3);
        var truncated = png[..(cut > 0 ? cut : png.Length + cut)];

        var error = Assert.Throws<ImageDecodeException>(() => DecodedImage.Decode(new MemoryStream(truncated)));
        Assert.Equal("stream", error.ImageName);
        Assert.Contains("truncated", error.Message);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(100)]
    [InlineData(-2)]     // the end-of-image marker cut off
    [InlineData(-200)]   // inside the scan
    public void A_truncated_jpeg_is_an_error(int cut)
    {
        var jpeg = TestImages.Jpeg(TestImages.Random(32, 32, 3, seed: 2), 32, 32, 3);
        var truncated = jpeg[..(cut > 0 ? cut : jpeg.Length + cut)];

        var error = Assert.Throws<ImageDecodeException>(() => DecodedImage.Decode(truncated, "photo.jpg"));
        Assert.StartsWith("photo.jpg: truncated", error.Message);
    }

    [Fact]
    public void A_jpeg_with_bytes_after_its_end_marker_decodes()
    {
        var pixels = TestImages.Pattern(16, 16, 3, (x, y, c) => 100 + x + y + c);
        var jpeg = TestImages.Jpeg(pixels, 16, 16, 3).Concat(new byte[] { 1, 2, 3 }).ToArray();

        Assert.Equal(16, DecodedImage.Decode(jpeg).Width);
    }

    [Fact]
    public void A_jpeg_with_stray_bytes_between_segments_decodes_as_other_decoders_do()
    {
        var pixels = TestImages.Pattern(16, 16, 3, (x, y, c) => 100 + x + y + c);
        var jpeg = TestImages.Jpeg(pixels, 16, 16, 3);
        // Two zero bytes before the second marker segment (right after SOI's first segment).
        var second = 4 + (jpeg[4] << 8 | jpeg[5]);
        var padded = jpeg[..second].Concat(new byte[] { 0, 0 }).Concat(jpeg[second..]).ToArray();

        Assert.Equal(DecodedImage.Decode(jpeg).Pixels.ToArray(), DecodedImage.Decode(padded).Pixels.ToArray());
        Assert.Contains("truncated JPEG", Assert.Throws<ImageDecodeException>(() => DecodedImage.Decode(padded[..^2])).Message);
    }

    [Fact]
    public void A_png_with_damaged_image_data_is_an_error()
    {
        var png = TestImages.Png(TestImages.Random(16, 16, 3, seed: 3), 16, 16, 3);
        // Overwrite the zlib stream of the IDAT chunk (its data starts 8 bytes after the "IDAT" type).
        var idat = png.AsSpan().IndexOf("IDAT"u8);
        var damaged = png.ToArray();
        for (var i = idat + 4; i < idat + 24; i++)
            damaged[i] = 0xFF;

        var error = Assert.Throws<ImageDecodeException>(() => DecodedImage.Decode(damaged, "damaged.png"));
        Assert.StartsWith("damaged.png: corrupt PNG", error.Message);
    }

    [Fact]
    public void Text_is_not_an_image()
    {
        var error = Assert.Throws<ImageDecodeException>(() => DecodedImage.Decode("<html>not an image</html>"u8, "page.png"));
        Assert.Equal("page.png: not a PNG or JPEG image (it starts with bytes 3C 68 74 6D 6C 3E 6E 6F)", error.Message);
    }

    [Fact]
    public void Another_image_format_is_named()
    {
        var gif = TestImages.Gif(TestImages.Distinct(4, 4), 4, 4);
        var error = Assert.Throws<ImageDecodeException>(() => DecodedImage.Decode(gif, "anim.gif"));
        Assert.Equal("anim.gif: a GIF image; ConvForge.Imaging decodes PNG and JPEG only", error.Message);
    }

    [Fact]
    public void An_image_over_the_pixel_limit_is_refused_from_its_header()
    {
        var png = TestImages.Png(TestImages.Distinct(20, 10), 20, 10, 3);

        var error = Assert.Throws<ImageDecodeException>(() => DecodedImage.Decode(png, "big.png", maxPixels: 199));
        Assert.Contains("20 x 10 pixels is more than the limit of 199", error.Message);
        Assert.Equal(20, DecodedImage.Decode(png, "big.png", maxPixels: 200).Width);
    }

    [Fact]
    public void A_missing_file_is_a_file_not_found_error()
    {
        Assert.Throws<FileNotFoundException>(() => DecodedImage.Load(Path.Combine(Path.GetTempPath(), $"convforge-missing-{Guid.NewGuid():N}.png")));
    }

    [Fact]
    public void Pixels_from_memory_are_checked_against_their_size()
    {
        var error = Assert.Throws<ArgumentException>(() => DecodedImage.FromPixels(28, 28, 1, new byte[783]));
        Assert.Contains("28 x 28 x 1 pixels need 784 bytes; got 783", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => DecodedImage.FromPixels(2, 2, 2, new byte[8]));
    }
}
