using System;
using ConvForge.Samples;

namespace ConvForge.Samples.Tests;

/// <summary>
/// The totals the literature and torchvision publish for the sample networks, read from the generated
/// constants. MACs are published in GMACs rounded to two decimals (torchvision calls them GFLOPS).
/// </summary>
public class PublishedFiguresTests
{
    private static double GigaMacs(long macs) => Math.Round(macs / 1e9, 2, MidpointRounding.AwayFromZero);

    [Fact]
    public void ResNet18_has_torchvisions_parameter_count_and_cost()
    {
        Assert.Equal(11_689_512L, ResNet18.TrainableParameterCount);
        Assert.Equal(1.81, GigaMacs(ResNet18.Macs));
    }

    [Fact]
    public void ResNet50_has_torchvisions_parameter_count_and_cost()
    {
        Assert.Equal(25_557_032L, ResNet50.TrainableParameterCount);
        Assert.Equal(4.09, GigaMacs(ResNet50.Macs));
    }

    [Fact]
    public void SqueezeNet11_has_torchvisions_parameter_count_and_cost()
    {
        Assert.Equal(1_235_496L, SqueezeNet11.TrainableParameterCount);
        Assert.Equal(0.35, GigaMacs(SqueezeNet11.Macs));
    }

    [Fact]
    public void ImageNet_networks_take_224_pixel_rgb_images_and_return_1000_scores()
    {
        Assert.Equal(3 * 224 * 224, ResNet18.InputLength);
        Assert.Equal(3 * 224 * 224, ResNet50.InputLength);
        Assert.Equal(3 * 224 * 224, SqueezeNet11.InputLength);
        Assert.Equal(3 * 224 * 224, GoogLeNet.InputLength);
        Assert.Equal(1000, ResNet18.OutputLength);
        Assert.Equal(1000, ResNet50.OutputLength);
        Assert.Equal(1000, SqueezeNet11.OutputLength);
        Assert.Equal(1000, GoogLeNet.OutputLength);
    }

    [Fact]
    public void ResNet_parameter_buffers_also_hold_the_batch_norm_statistics()
    {
        // Two running statistics per batch-norm channel. ResNet-18: 64 (stem) + 2 x 2 x (64 + 128 + 256 + 512)
        // (two BNs in each of two blocks per stage) + 128 + 256 + 512 (the projections' BNs) = 4,800 channels.
        const int resNet18BatchNormChannels = 64 + 2 * 2 * (64 + 128 + 256 + 512) + 128 + 256 + 512;
        Assert.Equal(ResNet18.TrainableParameterCount + 2 * resNet18BatchNormChannels, ResNet18.ParameterLength);

        // ResNet-50, per stage of width w and n blocks: n x (w + w + 4w) + 4w for the projection; plus the stem.
        const int resNet50BatchNormChannels = 64
            + 3 * 6 * 64 + 4 * 64
            + 4 * 6 * 128 + 4 * 128
            + 6 * 6 * 256 + 4 * 256
            + 3 * 6 * 512 + 4 * 512;
        Assert.Equal(ResNet50.TrainableParameterCount + 2 * resNet50BatchNormChannels, ResNet50.ParameterLength);
    }
}
