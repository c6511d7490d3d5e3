using System;
using System.Linq;
using ConvForge.Data;

namespace ConvForge.Runtime.Tests.Data;

public sealed class DataSetTests
{
    [Fact]
    public void Fashion_mnist_reads_as_an_image_data_set_of_10_balanced_classes()
    {
        var train = FashionMnist.LoadTrain();
        var test = FashionMnist.LoadTest();
        Assert.Equal(60000, train.Count);
        Assert.Equal(10000, test.Count);
        IImageDataSet set = train;
        Assert.Equal(new TensorShape(1, 28, 28), set.ImageShape);
        Assert.Equal(10, set.ClassCount);
        for (var c = 0; c < 10; c++)
            Assert.Equal(6000, Enumerable.Range(0, train.Count).Count(i => set.GetLabel(i) == c));

        var image = new float[784];
        foreach (var index in new[] { 0, 1234, 59999 })
        {
            set.CopyImage(index, image);
            var pixels = train.Images.GetPixels(index);
            for (var p = 0; p < 784; p++)
                Assert.Equal(pixels[p] / 255f, image[p]);
            Assert.Equal(train.Labels[index], set.GetLabel(index));
        }
        Assert.Equal(9, set.GetLabel(0)); // the first training image is an ankle boot
    }

    [Fact]
    public void A_given_class_count_must_cover_the_labels()
    {
        var train = FashionMnist.LoadTest();
        var error = Assert.Throws<System.IO.InvalidDataException>(() => IdxDataSet.Create(train.Images, train.Labels, "t10k labels", classCount: 5));
        Assert.Contains("outside the 5 classes", error.Message);
        Assert.Equal(10, IdxDataSet.Create(train.Images, train.Labels).ClassCount);
    }

    [Fact]
    public void A_subset_is_a_view_on_the_listed_images()
    {
        var data = ArrayDataSet.Distinct(10, new TensorShape(1, 2, 2), classCount: 4);
        var subset = new SubsetDataSet(data, new[] { 7, 2, 7 });
        Assert.Equal(3, subset.Count);
        Assert.Equal(4, subset.ClassCount);
        Assert.Equal(data.ImageShape, subset.ImageShape);
        var image = new float[4];
        subset.CopyImage(1, image);
        Assert.Equal(data.Image(2), image);
        Assert.Equal(data.GetLabel(7), subset.GetLabel(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SubsetDataSet(data, new[] { 10 }));
    }

    [Theory]
    [InlineData(1000, 0.1, 100)]
    [InlineData(1003, 0.25, 251)]
    [InlineData(50, 0.0, 0)]
    [InlineData(50, 1.0, 50)]
    public void A_split_is_disjoint_complete_stratified_and_decided_by_the_seed(int count, double fraction, int expectedValidation)
    {
        var data = ArrayDataSet.Random(count, new TensorShape(1, 1, 1), seed: 3, classCount: 7);
        var (train, validation) = DataSplit.TrainValidation(data, fraction, seed: 42);
        Assert.Equal(expectedValidation, validation.Count);
        Assert.Equal(count - expectedValidation, train.Count);
        Assert.Empty(train.Indices.Intersect(validation.Indices));
        Assert.Equal(Enumerable.Range(0, count), train.Indices.Concat(validation.Indices).OrderBy(i => i));
        for (var c = 0; c < 7; c++)
        {
            var inClass = Enumerable.Range(0, count).Count(i => data.GetLabel(i) == c);
            var held = validation.Indices.Count(i => data.GetLabel(i) == c);
            Assert.InRange(held, Math.Floor((double)inClass * expectedValidation / count), Math.Ceiling((double)inClass * expectedValidation / count));
        }

        var again = DataSplit.TrainValidation(data, fraction, seed: 42);
        Assert.Equal(validation.Indices, again.Validation.Indices);
        if (expectedValidation is > 0 and < 50)
            Assert.NotEqual(validation.Indices, DataSplit.TrainValidation(data, fraction, seed: 43).Validation.Indices);
    }

    [Fact]
    public void Fashion_mnist_split_keeps_600_of_each_class_for_validation()
    {
        var (train, validation) = DataSplit.TrainValidation(FashionMnist.LoadTrain(), 6000, seed: 0);
        Assert.Equal(54000, train.Count);
        for (var c = 0; c < 10; c++)
            Assert.Equal(600, validation.Indices.Count(i => validation.Source.GetLabel(i) == c));
    }

    [Fact]
    public void Channel_statistics_match_a_direct_two_pass_computation()
    {
        var shape = new TensorShape(3, 4, 5);
        var data = ArrayDataSet.Random(50, shape, seed: 7);
        var statistics = ChannelStatistics.Compute(data);
        var plane = shape.Height * shape.Width;
        for (var c = 0; c < 3; c++)
        {
            var values = Enumerable.Range(0, data.Count).SelectMany(i => data.Image(i).Skip(c * plane).Take(plane)).Select(v => (double)v).ToArray();
            var mean = values.Average();
            var std = Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Average());
            Assert.Equal(mean, statistics.Mean[c], 1e-6);
            Assert.Equal(std, statistics.Std[c], 1e-6);
        }

        var image = data.Image(3);
        var expected = image.Select((v, i) => (v - statistics.Mean[i / plane]) / statistics.Std[i / plane]).ToArray();
        statistics.Normalize(image);
        Assert.Equal(expected, image);
    }

    [Fact]
    public void Fashion_mnist_training_statistics_are_the_published_ones()
    {
        var statistics = ChannelStatistics.Compute(FashionMnist.LoadTrain());
        Assert.Equal(0.2860, statistics.Mean[0], 4e-4);
        Assert.Equal(0.3530, statistics.Std[0], 4e-4);
    }

    [Fact]
    public void A_constant_channel_has_no_statistics_to_normalize_by()
    {
        var data = new ArrayDataSet(new TensorShape(1, 1, 2), new float[] { 0.5f, 0.5f, 0.5f, 0.5f }, new[] { 0, 1 }, 2);
        var error = Assert.Throws<ArgumentException>(() => ChannelStatistics.Compute(data));
        Assert.Contains("Channel 0 has the same value", error.Message);
    }
}
