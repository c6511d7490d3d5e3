using System.Linq;
using ConvForge.Samples;

namespace ConvForge.Samples.Tests;

/// <summary>Network in Network (CIFAR-10): shapes and costs computed by hand from the Caffe model.</summary>
public class NinTests
{
    [Fact]
    public void Takes_a_cifar_image_and_outputs_ten_class_scores()
    {
        Assert.Equal(new TensorShape(3, 32, 32), Nin.Summary.InputShape);
        Assert.Equal(10, Nin.OutputChannels);
        Assert.Equal(1, Nin.OutputHeight);
        Assert.Equal(1, Nin.OutputWidth);
        Assert.Equal(10, Nin.OutputLength);
    }

    [Fact]
    public void Each_stage_has_the_shapes_of_the_caffe_model()
    {
        var net = new Nin();

        // 5x5 pad 2 keeps 32x32; the last 1x1 of each mlpconv sets the depth.
        Assert.Equal(new TensorShape(96, 32, 32), net.Mlpconv1.OutputShape);
        // Ceil-mode 3x3/2 pooling: ceil((32 - 3) / 2) + 1 = 16, then ceil((16 - 3) / 2) + 1 = 8.
        Assert.Equal(new TensorShape(96, 16, 16), net.Pool1.OutputShape);
        Assert.Equal(new TensorShape(192, 16, 16), net.Mlpconv2.OutputShape);
        Assert.Equal(new TensorShape(192, 8, 8), net.Pool2.OutputShape);
        // One 8x8 confidence map per class, averaged.
        Assert.Equal(new TensorShape(10, 8, 8), net.Mlpconv3.OutputShape);
        Assert.Equal(new TensorShape(10, 1, 1), net.Output.OutputShape);

        // The same shapes as constants, and the inner nodes of an mlpconv.
        Assert.Equal(192, Nin.Shapes.Mlpconv1.Conv.Channels);
        Assert.Equal(160, Nin.Shapes.Mlpconv1.Mlp1.Channels);
        Assert.Equal(96, Nin.Shapes.Mlpconv1.Channels);
        Assert.Equal(16, Nin.Shapes.Drop1.Height);
    }

    [Fact]
    public void Parameter_count_is_the_sum_of_the_nine_convolutions()
    {
        // Each convolution has out * in * k * k weights and out biases.
        const long expected =
              (192 * 3 * 5 * 5 + 192)     // conv1   14,592
            + (160 * 192 + 160)           // cccp1   30,880
            + (96 * 160 + 96)             // cccp2   15,456
            + (192 * 96 * 5 * 5 + 192)    // conv2  460,992
            + (192 * 192 + 192)           // cccp3   37,056
            + (192 * 192 + 192)           // cccp4   37,056
            + (192 * 192 * 3 * 3 + 192)   // conv3  331,968
            + (192 * 192 + 192)           // cccp5   37,056
            + (10 * 192 + 10);            // cccp6    1,930; total 966,986
        Assert.Equal(expected, Nin.TrainableParameterCount);
        Assert.Equal(expected, Nin.ParameterLength); // no batch norm, so no state besides the parameters
    }

    [Fact]
    public void Costs_about_0_22_GMACs()
    {
        // out * outH * outW * in * k * k per convolution.
        const long expected =
              192L * 32 * 32 * 3 * 5 * 5   // conv1
            + 160L * 32 * 32 * 192         // cccp1
            + 96L * 32 * 32 * 160          // cccp2
            + 192L * 16 * 16 * 96 * 5 * 5  // conv2
            + 192L * 16 * 16 * 192         // cccp3
            + 192L * 16 * 16 * 192         // cccp4
            + 192L * 8 * 8 * 192 * 3 * 3   // conv3
            + 192L * 8 * 8 * 192           // cccp5
            + 10L * 8 * 8 * 192;           // cccp6
        Assert.Equal(expected, Nin.Macs);
        Assert.Equal(0.22, System.Math.Round(Nin.Macs / 1e9, 2));
    }

    [Fact]
    public void An_mlpconv_names_its_parameters_after_its_inner_convolutions()
    {
        var net = new Nin();

        Assert.Equal(
            new[]
            {
                "Mlpconv3.Conv.Weight", "Mlpconv3.Conv.Bias",
                "Mlpconv3.Mlp1.Weight", "Mlpconv3.Mlp1.Bias",
                "Mlpconv3.Mlp2.Weight", "Mlpconv3.Mlp2.Bias",
            },
            net.Mlpconv3.Parameters.Select(p => p.Name));
        Assert.Equal(new[] { 10, 192, 1, 1 }, net.Mlpconv3.Parameters[4].Shape);
    }
}
