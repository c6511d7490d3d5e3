using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace ConvForge.Imaging.Tests;

public class PreprocessingTests
{
    // Output value of channel c at (x, y) in a C x H x W plane layout.
    private static float At(float[] output, ImagePreprocessing p, int c, int x, int y) => output[(c * p.Height + y) * p.Width + x];

    private static DecodedImage FromPng(byte[] pixels, int width, int height, int channels) =>
        DecodedImage.Decode(TestImages.Png(pixels, width, height, channels));

    [Fact]
    public void Without_steps_a_png_becomes_rgb_planes_scaled_to_one()
    {
        var pixels = TestImages.Distinct(5, 4);
        var p = ImagePreprocessing.ForInput(3, 4, 5);
        var output = p.Apply(FromPng(pixels, 5, 4, 3));

        Assert.Equal(60, output.Length);
        for (var y = 0; y < 4; y++)
            for (var x = 0; x < 5; x++)
                for (var c = 0; c < 3; c++)
                    Assert.Equal(pixels[(y * 5 + x) * 3 + c] / 255f, At(output, p, c, x, y));
    }

    [Fact]
    public void Bgr_puts_blue_first()
    {
        var pixels = TestImages.Distinct(5, 4);
        var p = ImagePreprocessing.ForInput(3, 4, 5).WithChannelOrder(ChannelOrder.Bgr).WithPixelRange(PixelRange.ZeroTo255);
        var output = p.Apply(FromPng(pixels, 5, 4, 3));

        for (var y = 0; y < 4; y++)
            for (var x = 0; x < 5; x++)
            {
                Assert.Equal(pixels[(y * 5 + x) * 3 + 2], At(output, p, 0, x, y));
                Assert.Equal(pixels[(y * 5 + x) * 3 + 1], At(output, p, 1, x, y));
                Assert.Equal(pixels[(y * 5 + x) * 3 + 0], At(output, p, 2, x, y));
            }
    }

    [Fact]
    public void A_gray_image_is_replicated_into_three_channels()
    {
        var pixels = TestImages.Pattern(6, 3, 1, (x, y, _) => 30 * x + 7 * y);
        var p = ImagePreprocessing.ForInput(3, 3, 6);
        var output = p.Apply(FromPng(pixels, 6, 3, 1));

        for (var c = 0; c < 3; c++)
            for (var y = 0; y < 3; y++)
                for (var x = 0; x < 6; x++)
                    Assert.Equal(pixels[y * 6 + x] / 255f, At(output, p, c, x, y));
    }

    [Fact]
    public void A_color_image_becomes_luma_for_a_one_channel_input()
    {
        var pixels = TestImages.Distinct(4, 4);
        var p = ImagePreprocessing.ForInput(1, 4, 4);
        var output = p.Apply(FromPng(pixels, 4, 4, 3));

        for (var i = 0; i < 16; i++)
        {
            var luma = (0.299 * pixels[3 * i] + 0.587 * pixels[3 * i + 1] + 0.114 * pixels[3 * i + 2]) / 255;
            Assert.Equal(luma, output[i], 5);
        }
    }

    [Fact]
    public void ImageNet_normalization_uses_each_colors_mean_and_std_in_either_channel_order()
    {
        var pixels = TestImages.Distinct(3, 2);
        double[] mean = { 0.485, 0.456, 0.406 }, std = { 0.229, 0.224, 0.225 };
        var image = FromPng(pixels, 3, 2, 3);
        var rgb = ImagePreprocessing.ForInput(3, 2, 3).Normalize(ChannelNormalization.ImageNet);
        var bgr = rgb.WithChannelOrder(ChannelOrder.Bgr);
        var rgbOutput = rgb.Apply(image);
        var bgrOutput = bgr.Apply(image);

        for (var i = 0; i < 6; i++)
            for (var color = 0; color < 3; color++)
            {
                var expected = (pixels[3 * i + color] / 255.0 - mean[color]) / std[color];
                Assert.Equal(expected, rgbOutput[color * 6 + i], 5);
                Assert.Equal(expected, bgrOutput[(2 - color) * 6 + i], 5);
            }
    }

    [Fact]
    public void Bgr_statistics_are_matched_to_their_colors()
    {
        // Caffe's BGR means on [0, 255]: blue 104, green 117, red 123.
        var caffe = new ChannelNormalization(new[] { 104f, 117f, 123f }, new[] { 1f, 1f, 1f }, ChannelOrder.Bgr);
        var pixels = new byte[] { 200, 150, 100 }; // one pixel: red 200, green 150, blue 100
        var rgbOutput = ImagePreprocessing.ForInput(3, 1, 1).WithPixelRange(PixelRange.ZeroTo255).Normalize(caffe)
            .Apply(DecodedImage.FromPixels(1, 1, 3, pixels));

        Assert.Equal(new[] { 200f - 123, 150f - 117, 100f - 104 }, rgbOutput);
    }

    [Fact]
    public void A_mean_image_is_subtracted_in_the_networks_channel_order()
    {
        var pixels = TestImages.Distinct(4, 3);
        var meanImage = Enumerable.Range(0, 36).Select(i => 0.5f * i).ToArray();
        var p = ImagePreprocessing.ForInput(3, 3, 4).WithChannelOrder(ChannelOrder.Bgr).WithPixelRange(PixelRange.ZeroTo255)
            .SubtractMeanImage(meanImage);
        var output = p.Apply(FromPng(pixels, 4, 3, 3));

        for (var c = 0; c < 3; c++)
            for (var y = 0; y < 3; y++)
                for (var x = 0; x < 4; x++)
                {
                    var color = 2 - c;
                    Assert.Equal(pixels[(y * 4 + x) * 3 + color] - meanImage[(c * 3 + y) * 4 + x], At(output, p, c, x, y));
                }
    }

    // torchvision's center crop: top = round((h - crop) / 2), left likewise, Python rounding (ties to even).
    [Theory]
    [InlineData(10, 7, 4, 2)]   // left round(3.5) = 4, top round(2.0) = 2
    [InlineData(9, 8, 3, 2)]    // left round(3.0) = 3, top round(2.5) = 2
    [InlineData(8, 6, 2, 2)]    // left round(2.5) = 2, top round(1.5) = 2
    [InlineData(3, 3, 0, 0)]
    public void Center_crop_takes_torchvisions_offsets(int width, int height, int left, int top)
    {
        var pixels = TestImages.Distinct(width, height);
        var p = ImagePreprocessing.ForInput(3, 3, 3).CenterCrop();
        var output = p.Apply(FromPng(pixels, width, height, 3));

        for (var y = 0; y < 3; y++)
            for (var x = 0; x < 3; x++)
                for (var c = 0; c < 3; c++)
                    Assert.Equal(pixels[((y + top) * width + x + left) * 3 + c] / 255f, At(output, p, c, x, y));
    }

    [Fact]
    public void Center_crop_pads_a_smaller_image_with_zeros_like_torchvision()
    {
        // 2 wide, 3 high into 5 x 5: torchvision pads (5 - 2) // 2 = 1 column left, 2 right; 1 row top, 1 bottom.
        var pixels = TestImages.Pattern(2, 3, 1, (x, y, _) => 100 + 10 * y + x);
        var p = ImagePreprocessing.ForInput(1, 5, 5).CenterCrop().WithPixelRange(PixelRange.ZeroTo255);
        var output = p.Apply(FromPng(pixels, 2, 3, 1));

        for (var y = 0; y < 5; y++)
            for (var x = 0; x < 5; x++)
            {
                var inside = x is >= 1 and <= 2 && y is >= 1 and <= 3;
                Assert.Equal(inside ? 100 + 10 * (y - 1) + (x - 1) : 0, At(output, p, 0, x, y));
            }
    }

    [Theory]
    [InlineData(50, 30, 16, 26, 16)]   // landscape: width int(16 * 50 / 30) = 26
    [InlineData(30, 50, 16, 16, 26)]   // portrait
    [InlineData(40, 40, 10, 10, 10)]
    [InlineData(7, 1000, 256, 256, 36571)] // int(256 * 1000 / 7) = 36571
    public void Resizing_the_shorter_side_keeps_the_aspect_ratio_as_torchvision_computes_it(int width, int height, int size, int newWidth, int newHeight)
    {
        var image = DecodedImage.FromPixels(width, height, 1, new byte[width * height]);
        var fits = ImagePreprocessing.ForInput(1, newHeight, newWidth).ResizeShorterSide(size);
        fits.Apply(image); // accepted: exactly the input size after resizing

        var tooWide = ImagePreprocessing.ForInput(1, newHeight, newWidth + 1).ResizeShorterSide(size);
        var error = Assert.Throws<ArgumentException>(() => tooWide.Apply(image));
        Assert.Contains($"{newWidth} x {newHeight} after resizing", error.Message);
    }

    [Theory]
    [InlineData(40, 30, 17, 13)]   // shrink by non-integer factors
    [InlineData(40, 30, 10, 10)]   // shrink by 4 and 3
    [InlineData(12, 9, 61, 45)]    // enlarge
    [InlineData(28, 28, 224, 224)] // the Fashion-MNIST case: enlarge by 8
    public void Resizing_matches_the_antialiased_bilinear_filter_computed_independently(int width, int height, int newWidth, int newHeight)
    {
        var pixels = TestImages.Random(width, height, 3, seed: width * 1000 + newWidth);
        var p = ImagePreprocessing.ForInput(3, newHeight, newWidth).Resize(newHeight, newWidth).WithPixelRange(PixelRange.ZeroTo255);
        var output = p.Apply(FromPng(pixels, width, height, 3));
        var reference = TestImages.ReferenceResize(pixels, width, height, 3, newWidth, newHeight);

        var exactChecked = 0;
        for (var y = 0; y < newHeight; y++)
            for (var x = 0; x < newWidth; x++)
                for (var c = 0; c < 3; c++)
                {
                    var expected = reference[(y * newWidth + x) * 3 + c];
                    var actual = At(output, p, c, x, y);
                    // The output is rounded to 8 bits: it is the reference rounded, except that a reference
                    // within a hair of a half may round either way in ImageSharp's single precision.
                    Assert.True(Math.Abs(actual - expected) <= 0.5 + 1e-3, $"({x}, {y}) channel {c}: {actual} vs {expected:F4}");
                    if (Math.Abs(expected - Math.Floor(expected) - 0.5) > 0.02)
                    {
                        Assert.Equal(Math.Round(expected), actual);
                        exactChecked++;
                    }
                }
        Assert.True(exactChecked > newWidth * newHeight * 3 * 9 / 10);
    }

    [Fact]
    public void Shrinking_is_antialiased_every_source_pixel_counts()
    {
        // A one-pixel checkerboard shrunk 4x: the antialiased filter averages it to mid-gray; plain
        // bilinear interpolation would sample two pixels and keep black and white.
        var pixels = TestImages.Pattern(32, 32, 1, (x, y, _) => (x + y) % 2 == 0 ? 255 : 0);
        var p = ImagePreprocessing.ForInput(1, 8, 8).ResizeToInput().WithPixelRange(PixelRange.ZeroTo255);
        var output = p.Apply(FromPng(pixels, 32, 32, 1));

        Assert.All(output, v => Assert.InRange(v, 127, 128));
    }

    [Fact]
    public void Resize_then_center_crop_then_normalize_is_the_torchvision_evaluation_pipeline()
    {
        // 48 x 32: the shorter side 32 -> 16, the longer int(16 * 48 / 32) = 24; crop 12 x 12 at left 6, top 2.
        var pixels = TestImages.Random(48, 32, 3, seed: 5);
        var p = ImagePreprocessing.ForInput(3, 12, 12).ResizeShorterSide(16).CenterCrop().Normalize(ChannelNormalization.ImageNet);
        var output = p.Apply(FromPng(pixels, 48, 32, 3));
        var resized = TestImages.ReferenceResize(pixels, 48, 32, 3, 24, 16);
        double[] mean = { 0.485, 0.456, 0.406 }, std = { 0.229, 0.224, 0.225 };

        for (var y = 0; y < 12; y++)
            for (var x = 0; x < 12; x++)
                for (var c = 0; c < 3; c++)
                {
                    var expected = (resized[((y + 2) * 24 + x + 6) * 3 + c] / 255 - mean[c]) / std[c];
                    Assert.Equal(expected, At(output, p, c, x, y), 1.0 / 255 / std[c] * 0.51);
                }
    }

    [Fact]
    public void A_wrong_length_destination_names_both_lengths_and_is_left_untouched()
    {
        var p = ImagePreprocessing.ForInput(3, 4, 5);
        var image = TestImages.Rgb(TestImages.Distinct(5, 4), 5, 4);
        var destination = Enumerable.Repeat(float.NaN, 59).ToArray();

        var error = Assert.Throws<ArgumentException>(() => p.Write(image, destination));
        Assert.Equal("destination", error.ParamName);
        Assert.StartsWith("The destination must hold exactly 3 x 4 x 5 = 60 floats; it has 59.", error.Message);
        Assert.All(destination, v => Assert.True(float.IsNaN(v)));

        var batchError = Assert.Throws<ArgumentException>(() => p.WriteBatch(new[] { image, image }, new float[121]));
        Assert.StartsWith("The destination must hold exactly 2 images x 3 x 4 x 5 = 120 floats; it has 121.", batchError.Message);
    }

    [Fact]
    public void An_image_of_another_size_without_a_crop_is_an_error_that_says_what_to_add()
    {
        var p = ImagePreprocessing.ForInput(3, 4, 4);
        var error = Assert.Throws<ArgumentException>(() => p.Apply(TestImages.Rgb(TestImages.Distinct(5, 4), 5, 4)));
        Assert.Contains("the image is 5 x 4, but the input is 4 x 4", error.Message);
        Assert.Contains("CenterCrop()", error.Message);
    }

    [Fact]
    public void Descriptions_are_immutable()
    {
        var plain = ImagePreprocessing.ForInput(3, 4, 4);
        var cropped = plain.CenterCrop();
        var image = TestImages.Rgb(TestImages.Distinct(6, 6), 6, 6);

        Assert.Equal(48, cropped.Apply(image).Length);
        Assert.Throws<ArgumentException>(() => plain.Apply(image));
        Assert.Equal("CenterCrop(4 x 4) -> RGB -> [0, 1] => 3 x 4 x 4", cropped.ToString());
    }

    [Fact]
    public void Random_crop_with_padding_covers_every_offset_and_pads_with_zeros()
    {
        var pixels = TestImages.Pattern(6, 6, 1, (x, y, _) => 1 + 6 * y + x); // 1..36, never 0
        var image = DecodedImage.FromPixels(6, 6, 1, pixels);
        var p = ImagePreprocessing.ForInput(1, 6, 6).RandomCrop(padding: 2).WithPixelRange(PixelRange.ZeroTo255);
        var random = new Random(42);
        var seen = new HashSet<(int, int)>();

        for (var draw = 0; draw < 400; draw++)
        {
            var output = p.Apply(image, random);
            var (top, left) = FindOffset(output);
            Assert.InRange(top, -2, 2);
            Assert.InRange(left, -2, 2);
            seen.Add((top, left));
            for (var y = 0; y < 6; y++)
                for (var x = 0; x < 6; x++)
                {
                    int sy = y + top, sx = x + left;
                    var expected = sy is >= 0 and < 6 && sx is >= 0 and < 6 ? pixels[sy * 6 + sx] : 0;
                    Assert.Equal(expected, output[y * 6 + x]);
                }
        }
        Assert.Equal(25, seen.Count);

        // The offset is where pixel value 1 (source (0, 0)) or its neighbours landed.
        static (int Top, int Left) FindOffset(float[] output)
        {
            for (var i = 0; i < output.Length; i++)
                if (output[i] != 0)
                {
                    var v = (int)output[i] - 1;
                    return (v / 6 - i / 6, v % 6 - i % 6);
                }
            throw new InvalidOperationException("an all-padding crop");
        }
    }

    [Fact]
    public void Random_steps_are_reproducible_from_the_seed_and_draw_top_left_then_flip()
    {
        var pixels = TestImages.Distinct(10, 10);
        var image = TestImages.Rgb(pixels, 10, 10);
        var p = ImagePreprocessing.ForInput(3, 8, 8).RandomCrop(padding: 1).RandomHorizontalFlip();
        Random first = new(7), second = new(7), draws = new(7);

        for (var n = 0; n < 20; n++)
        {
            var output = p.Apply(image, first);
            Assert.Equal(output, p.Apply(image, second));

            // The documented draws: the crop's top, its left (each over the padded range), then the flip.
            var top = draws.Next(10 + 2 - 8 + 1) - 1;
            var left = draws.Next(10 + 2 - 8 + 1) - 1;
            var mirrored = draws.NextDouble() < 0.5;
            for (var c = 0; c < 3; c++)
                for (var y = 0; y < 8; y++)
                    for (var x = 0; x < 8; x++)
                    {
                        int sy = top + y, sx = left + (mirrored ? 7 - x : x);
                        var expected = sy is >= 0 and < 10 && sx is >= 0 and < 10 ? pixels[(sy * 10 + sx) * 3 + c] / 255f : 0f;
                        Assert.Equal(expected, output[(c * 8 + y) * 8 + x]);
                    }
        }
    }

    [Fact]
    public void Horizontal_flip_mirrors_about_half_the_images()
    {
        var pixels = TestImages.Distinct(5, 3);
        var image = TestImages.Rgb(pixels, 5, 3);
        var p = ImagePreprocessing.ForInput(3, 3, 5).RandomHorizontalFlip().WithPixelRange(PixelRange.ZeroTo255);
        var plain = ImagePreprocessing.ForInput(3, 3, 5).WithPixelRange(PixelRange.ZeroTo255).Apply(image);
        var random = new Random(3);
        var flipped = 0;

        for (var draw = 0; draw < 200; draw++)
        {
            var output = p.Apply(image, random);
            var mirrored = true;
            for (var c = 0; c < 3 && mirrored; c++)
                for (var y = 0; y < 3; y++)
                    for (var x = 0; x < 5; x++)
                        mirrored &= output[(c * 3 + y) * 5 + x] == pixels[(y * 5 + 4 - x) * 3 + c];
            if (mirrored)
                flipped++;
            else
                Assert.Equal(plain, output);
        }
        Assert.InRange(flipped, 70, 130);
    }

    [Fact]
    public void Random_steps_without_a_random_are_an_error()
    {
        var p = ImagePreprocessing.ForInput(3, 4, 4).RandomCrop();
        var error = Assert.Throws<ArgumentNullException>(() => p.Apply(TestImages.Rgb(TestImages.Distinct(4, 4), 4, 4)));
        Assert.Contains("new Random(seed)", error.Message);
    }

    [Fact]
    public void A_random_crop_larger_than_the_padded_image_is_an_error()
    {
        var p = ImagePreprocessing.ForInput(3, 8, 8).RandomCrop(padding: 1);
        var error = Assert.Throws<ArgumentException>(() => p.Apply(TestImages.Rgb(TestImages.Distinct(5, 9), 5, 9), new Random(1)));
        Assert.Contains("padded by 1 is 7 x 11, smaller than the random crop of 8 x 8", error.Message);
    }

    [Fact]
    public void A_batch_holds_each_image_as_written_alone()
    {
        var images = new[] { TestImages.Rgb(TestImages.Distinct(6, 6), 6, 6), DecodedImage.FromPixels(8, 5, 1, TestImages.Random(8, 5, 1, 9)) };
        var p = ImagePreprocessing.ForInput(3, 4, 4).CenterCrop().Normalize(ChannelNormalization.ImageNet);
        var batch = new float[2 * p.OutputLength];

        p.WriteBatch(images, batch);

        Assert.Equal(p.Apply(images[0]), batch[..p.OutputLength]);
        Assert.Equal(p.Apply(images[1]), batch[p.OutputLength..]);
    }

    [Fact]
    public void A_batch_of_files_with_a_bad_one_names_it_and_writes_nothing()
    {
        var folder = Directory.CreateTempSubdirectory("convforge-batch-");
        try
        {
            var good = Path.Combine(folder.FullName, "good.png");
            var bad = Path.Combine(folder.FullName, "bad.png");
            File.WriteAllBytes(good, TestImages.Png(TestImages.Distinct(4, 4), 4, 4, 3));
            File.WriteAllBytes(bad, TestImages.Png(TestImages.Distinct(4, 4), 4, 4, 3)[..40]);
            var p = ImagePreprocessing.ForInput(3, 4, 4);
            var batch = Enumerable.Repeat(float.NaN, 2 * p.OutputLength).ToArray();

            var error = Assert.Throws<ImageDecodeException>(() => p.WriteBatch(new[] { good, bad }, batch));

            Assert.Equal(bad, error.ImageName);
            Assert.All(batch, v => Assert.True(float.IsNaN(v)));
            p.WriteBatch(new[] { good, good }, batch);
            Assert.Equal(p.Apply(DecodedImage.Load(good)), batch[p.OutputLength..]);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Settings_that_do_not_fit_the_input_are_refused_when_made()
    {
        var gray = ImagePreprocessing.ForInput(1, 28, 28);
        var error = Assert.Throws<ArgumentException>(() => gray.Normalize(ChannelNormalization.ImageNet));
        Assert.Contains("3 channel(s) but the input has 1", error.Message);
        var meanError = Assert.Throws<ArgumentException>(() => ImagePreprocessing.ForInput(3, 224, 224).SubtractMeanImage(new float[3 * 224 * 223]));
        Assert.Contains("3 x 224 x 224 = 150528 floats; got 149856", meanError.Message);
        Assert.Throws<ArgumentException>(() => new ChannelNormalization(new[] { 0.5f, 0.5f, 0.5f }, new[] { 0.5f, 0f, 0.5f }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImagePreprocessing.ForInput(2, 8, 8));
    }
}
