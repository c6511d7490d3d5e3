using System;
using System.Linq;
using ConvForge.Data;

namespace ConvForge.Runtime.Tests.Data;

public sealed class ResizedDataSetTests
{
    private static readonly ArrayDataSet TwoByTwo = new(new TensorShape(1, 2, 2), new float[] { 0, 1, 2, 3 }, new[] { 1 }, 2);

    [Fact]
    public void Enlarging_is_bilinear_with_half_pixel_centers_as_pytorch_interpolate()
    {
        // torch.nn.functional.interpolate(torch.tensor([[[[0., 1.], [2., 3.]]]]), size=4, mode="bilinear", align_corners=False)
        var expected = new float[]
        {
            0.00f, 0.25f, 0.75f, 1.00f,
            0.50f, 0.75f, 1.25f, 1.50f,
            1.50f, 1.75f, 2.25f, 2.50f,
            2.00f, 2.25f, 2.75f, 3.00f,
        };
        var resized = new ResizedDataSet(TwoByTwo, 4, 4, channels: 1);
        Assert.Equal(new TensorShape(1, 4, 4), resized.ImageShape);
        var image = new float[16];
        resized.CopyImage(0, image);
        Assert.Equal(expected, image);
        Assert.Equal(1, resized.GetLabel(0));
        Assert.Equal(2, resized.ClassCount);
    }

    [Fact]
    public void Gray_is_replicated_to_three_channels_then_scaled_and_normalized_per_channel()
    {
        var normalization = new ChannelStatistics(new[] { 100f, 110f, 120f }, new[] { 50f, 60f, 70f });
        var resized = new ResizedDataSet(TwoByTwo, 3, 3, channels: 3, pixelScale: 255, normalization: normalization);
        var plain = new float[9];
        new ResizedDataSet(TwoByTwo, 3, 3, channels: 1).CopyImage(0, plain);
        var image = new float[27];
        resized.CopyImage(0, image);
        for (var c = 0; c < 3; c++)
            for (var i = 0; i < 9; i++)
                Assert.Equal((plain[i] * 255 - normalization.Mean[c]) / normalization.Std[c], image[c * 9 + i]);
    }

    [Fact]
    public void The_same_size_is_the_identity_and_shrinking_by_two_averages_pixel_pairs()
    {
        var data = ArrayDataSet.Random(3, new TensorShape(2, 6, 8), seed: 1);
        var same = new ResizedDataSet(data, 6, 8, channels: 2);
        var image = new float[96];
        same.CopyImage(2, image);
        Assert.Equal(data.Image(2), image);

        // Halving samples at source coordinate 2y + 0.5: the mean of each 2 x 2 block.
        var half = new ResizedDataSet(data, 3, 4, channels: 2);
        var small = new float[24];
        half.CopyImage(1, small);
        var source = data.Image(1);
        for (var c = 0; c < 2; c++)
            for (var y = 0; y < 3; y++)
                for (var x = 0; x < 4; x++)
                {
                    float At(int yy, int xx) => source[(c * 6 + yy) * 8 + xx];
                    var mean = (At(2 * y, 2 * x) + At(2 * y, 2 * x + 1) + At(2 * y + 1, 2 * x) + At(2 * y + 1, 2 * x + 1)) / 4;
                    Assert.Equal(mean, small[(c * 3 + y) * 4 + x], 1e-6f);
                }
    }

    [Fact]
    public void Fashion_mnist_becomes_3_x_224_x_224_with_the_gray_plane_in_every_channel()
    {
        var resized = new ResizedDataSet(FashionMnist.LoadTest(), 224, 224);
        Assert.Equal(new TensorShape(3, 224, 224), resized.ImageShape);
        var image = new float[resized.ImageShape.Length];
        resized.CopyImage(0, image);
        var plane = 224 * 224;
        Assert.True(image.AsSpan(0, plane).SequenceEqual(image.AsSpan(plane, plane)));
        Assert.True(image.AsSpan(0, plane).SequenceEqual(image.AsSpan(2 * plane, plane)));
        Assert.InRange(image.Min(), 0f, 0f);
        Assert.InRange(image.Max(), 0.5f, 1f);
    }

    [Fact]
    public void A_resized_set_of_a_resized_set_resizes_twice()
    {
        var data = ArrayDataSet.Random(2, new TensorShape(1, 5, 7), seed: 4);
        var inner = new ResizedDataSet(data, 9, 6, channels: 1);
        var nested = new ResizedDataSet(inner, 4, 11, channels: 3);
        var middle = new float[54];
        inner.CopyImage(1, middle);
        var expected = new float[132];
        new ResizedDataSet(new ArrayDataSet(new TensorShape(1, 9, 6), middle, new[] { 0 }, 3), 4, 11, channels: 3).CopyImage(0, expected);
        var image = new float[132];
        nested.CopyImage(1, image);
        Assert.Equal(expected, image);
    }

    [Fact]
    public void Channels_other_than_kept_or_gray_to_three_are_refused()
    {
        var color = ArrayDataSet.Random(1, new TensorShape(3, 2, 2), seed: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResizedDataSet(color, 4, 4, channels: 1));
        Assert.Throws<ArgumentException>(() => new ResizedDataSet(TwoByTwo, 4, 4, channels: 3, normalization: new ChannelStatistics(new[] { 0f }, new[] { 1f })));
    }
}
