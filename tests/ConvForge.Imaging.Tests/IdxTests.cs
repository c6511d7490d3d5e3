using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using ConvForge.Data;

namespace ConvForge.Imaging.Tests;

public sealed class IdxTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("convforge-idx-");

    public void Dispose() => folder.Delete(recursive: true);

    private static void RequireFashionMnist() => Assert.True(
        File.Exists(Path.Combine(FashionMnist.DebianDirectory, "train-images-idx3-ubyte.gz")),
        $"Fashion-MNIST is not in {FashionMnist.DebianDirectory}; 'apt-get install dataset-fashion-mnist' (as .ci/run does).");

    // A well-formed IDX file: the magic 00 00 08 <dims>, big-endian sizes, then the bytes.
    private static byte[] IdxFile(int[] sizes, byte[] values, byte type = 0x08)
    {
        var header = new byte[4 + 4 * sizes.Length];
        header[2] = type;
        header[3] = (byte)sizes.Length;
        for (var d = 0; d < sizes.Length; d++)
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * d), sizes[d]);
        return header.Concat(values).ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            gzip.Write(data);
        return output.ToArray();
    }

    private string Write(string name, byte[] content)
    {
        var path = Path.Combine(folder.FullName, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    [Fact]
    public void Fashion_mnist_training_set_has_60000_images_of_28_by_28_and_6000_of_each_class()
    {
        RequireFashionMnist();
        var train = FashionMnist.LoadTrain();

        Assert.Equal(60_000, train.Count);
        Assert.Equal((60_000, 28, 28), (train.Images.Count, train.Images.Height, train.Images.Width));
        Assert.All(Enumerable.Range(0, 10), label => Assert.Equal(6_000, train.Labels.Count(l => l == label)));
        // Facts about the published files, checked independently with Python's gzip module: the first ten
        // labels, and the first image (an ankle boot) has pixel sum 76,247, maximum 255, and 217 at row 14, column 14.
        Assert.Equal(new[] { 9, 0, 0, 3, 0, 2, 7, 2, 5, 5 }, train.Labels.Take(10));
        var first = train.Images.GetPixels(0);
        Assert.Equal(76_247, first.ToArray().Sum(b => b));
        Assert.Equal(255, first.ToArray().Max());
        Assert.Equal(217, first[14 * 28 + 14]);
        Assert.Equal("Ankle boot", FashionMnist.ClassNames[train.Labels[0]]);
    }

    [Fact]
    public void Fashion_mnist_test_set_has_10000_images_and_1000_of_each_class()
    {
        RequireFashionMnist();
        var test = FashionMnist.LoadTest();

        Assert.Equal(10_000, test.Count);
        Assert.All(Enumerable.Range(0, 10), label => Assert.Equal(1_000, test.Labels.Count(l => l == label)));
        Assert.Equal(new[] { 9, 2, 1, 1, 6, 1, 4, 6, 5, 7 }, test.Labels.Take(10));
        Assert.Equal(33_456, test.Images.GetPixels(0).ToArray().Sum(b => b));
    }

    [Fact]
    public void Images_come_out_as_floats_scaled_to_one()
    {
        var pixels = new byte[] { 0, 51, 255, 102, 1, 2, 3, 4 };
        var images = Idx.ReadImages(Write("two-2x2", IdxFile(new[] { 2, 2, 2 }, pixels)));

        Assert.Equal(pixels.Select(p => p / 255f), images.ToFloats());
        var second = new float[4];
        images.CopyImage(1, second);
        Assert.Equal(new[] { 1 / 255f, 2 / 255f, 3 / 255f, 4 / 255f }, second);
        var error = Assert.Throws<ArgumentException>(() => images.CopyImage(0, new float[5]));
        Assert.Contains("exactly 2 x 2 = 4 floats; it has 5", error.Message);
    }

    [Fact]
    public void Plain_and_gzip_files_read_the_same()
    {
        var content = IdxFile(new[] { 3 }, new byte[] { 7, 8, 9 });
        Assert.Equal(new[] { 7, 8, 9 }, Idx.ReadLabels(Write("labels", content)));
        Assert.Equal(new[] { 7, 8, 9 }, Idx.ReadLabels(Write("labels.gz", Gzip(content))));
        Assert.Equal(new[] { 7, 8, 9 }, Idx.ReadLabels(new MemoryStream(Gzip(content))));
    }

    [Fact]
    public void A_label_file_given_as_images_is_named_as_such()
    {
        var path = Write("train-labels-idx1-ubyte", IdxFile(new[] { 3 }, new byte[] { 1, 2, 3 }));
        var error = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));
        Assert.Equal($"{path}: magic number 0x00000801 has 1 dimension(s), not the 3 of an IDX image file (0x00000803); is this the label file?", error.Message);
    }

    [Fact]
    public void A_wrong_magic_number_is_an_error()
    {
        var path = Write("notidx", "PK\x03\x04 a zip file"u8.ToArray());
        var error = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(path));
        Assert.StartsWith($"{path}: not an IDX file: the magic number 0x504B0304", error.Message);

        var floats = Write("floats", IdxFile(new[] { 1 }, new byte[4], type: 0x0D));
        Assert.Contains("IDX type 0x0D (32-bit float) is not supported", Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(floats)).Message);
    }

    [Fact]
    public void A_truncated_file_says_how_much_is_missing()
    {
        var full = IdxFile(new[] { 2, 3, 3 }, Enumerable.Range(0, 18).Select(i => (byte)i).ToArray());
        var path = Write("cut", full[..^5]);
        var error = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));
        Assert.Equal($"{path}: truncated: the header states 2 images of 3 x 3 = 18 bytes of data, but the file has 13.", error.Message);

        var header = Write("header", full[..9]);
        Assert.Contains("truncated: the header ends after 9 bytes; it needs 16", Assert.Throws<InvalidDataException>(() => Idx.ReadImages(header)).Message);
        Assert.Contains("the file is empty, not IDX data", Assert.Throws<InvalidDataException>(() => Idx.ReadImages(Write("empty", Array.Empty<byte>()))).Message);
    }

    [Fact]
    public void A_truncated_gzip_file_is_an_error_naming_it()
    {
        var compressed = Gzip(IdxFile(new[] { 100, 10, 10 }, TestImages.Random(100, 100, 1, seed: 4)));
        var path = Write("cut.gz", compressed[..(compressed.Length / 2)]);
        var error = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));
        Assert.StartsWith(path + ": truncated: the header states 100 images of 10 x 10 = 10,000 bytes of data, but the decompressed data has ", error.Message);
        var headerOnly = Write("header.gz", compressed[..5]);
        Assert.StartsWith(headerOnly + ": the decompressed data is empty", Assert.Throws<InvalidDataException>(() => Idx.ReadImages(headerOnly)).Message);
    }

    [Fact]
    public void Data_beyond_what_the_header_states_is_an_error()
    {
        var path = Write("long", IdxFile(new[] { 2 }, new byte[] { 1, 2, 3 }));
        var error = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(path));
        Assert.Contains("the file has more bytes than its header states (2 labels = 2 bytes)", error.Message);
    }

    [Fact]
    public void Images_and_labels_of_different_counts_are_an_error()
    {
        var images = Write("images", IdxFile(new[] { 3, 1, 1 }, new byte[] { 1, 2, 3 }));
        var labels = Write("labels", IdxFile(new[] { 2 }, new byte[] { 0, 1 }));
        var error = Assert.Throws<InvalidDataException>(() => Idx.ReadDataSet(images, labels));
        Assert.Equal($"{images} has 3 images but {labels} has 2 labels; they must be the same set.", error.Message);
    }

    [Fact]
    public void A_missing_fashion_mnist_directory_says_how_to_get_it()
    {
        var error = Assert.Throws<FileNotFoundException>(() => FashionMnist.LoadTest(folder.FullName));
        Assert.Contains("apt-get install dataset-fashion-mnist", error.Message);
    }

    [Fact]
    public void A_fashion_mnist_sample_becomes_a_normalized_3_by_224_by_224_input()
    {
        RequireFashionMnist();
        var test = FashionMnist.LoadTest();
        var pixels = test.Images.GetPixels(0).ToArray();
        var sample = DecodedImage.FromPixels(28, 28, 1, pixels);
        var preprocess = ImagePreprocessing.ForInput(3, 224, 224).ResizeToInput().Normalize(ChannelNormalization.ImageNet);

        var input = preprocess.Apply(sample);

        Assert.Equal(3 * 224 * 224, input.Length);
        var upsampled = TestImages.ReferenceResize(pixels, 28, 28, 1, 224, 224);
        double[] mean = { 0.485, 0.456, 0.406 }, std = { 0.229, 0.224, 0.225 };
        for (var c = 0; c < 3; c++)
            for (var i = 0; i < 224 * 224; i += 37)
            {
                var expected = (upsampled[i] / 255 - mean[c]) / std[c];
                Assert.Equal(expected, input[c * 224 * 224 + i], 0.51 / 255 / std[c]);
            }
        // Every channel holds the same gray image: undoing each channel's normalization gives one plane.
        for (var i = 0; i < 224 * 224; i++)
        {
            var red = input[i] * 0.229f + 0.485f;
            Assert.Equal(red, input[224 * 224 + i] * 0.224f + 0.456f, 5);
            Assert.Equal(red, input[2 * 224 * 224 + i] * 0.225f + 0.406f, 5);
        }
    }
}
