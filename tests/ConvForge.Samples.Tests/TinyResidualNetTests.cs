using System.Linq;
using ConvForge.Samples;

namespace ConvForge.Samples.Tests;

/// <summary>The custom-module sample: one [NetworkModule] used at two widths, and squeeze-and-excitation.</summary>
public class TinyResidualNetTests
{
    [Fact]
    public void Module_widths_follow_the_width_each_use_passes()
    {
        // ResidualPair: Conv1 has WidthFactor 2, Conv2 and the shortcut WidthFactor 1.
        Assert.Equal(2 * 32, TinyResidualNet.Shapes.Block1.Conv1.Channels);
        Assert.Equal(32, TinyResidualNet.Shapes.Block1.Conv2.Channels);
        Assert.Equal(2 * 64, TinyResidualNet.Shapes.Block2.Conv1.Channels);
        Assert.Equal(64, TinyResidualNet.Shapes.Block2.Shortcut.Channels);

        var net = new TinyResidualNet();
        Assert.Equal(new TensorShape(32, 32, 32), net.Block1.OutputShape);
        Assert.Equal(new TensorShape(32, 16, 16), net.Pool1.OutputShape);
        Assert.Equal(new TensorShape(64, 16, 16), net.Block2.OutputShape);
        Assert.Equal(new TensorShape(64, 16, 16), net.Attention.OutputShape);
        Assert.Equal(new TensorShape(10, 1, 1), net.Output.OutputShape);
    }

    [Fact]
    public void Each_use_of_a_module_has_its_own_parameters()
    {
        var net = new TinyResidualNet();
        var block1 = net.Block1.Parameters.Select(p => p.Name).ToList();
        var block2 = net.Block2.Parameters.Select(p => p.Name).ToList();

        Assert.Contains("Block1.Conv1.Weight", block1);
        Assert.Contains("Block2.Conv1.Weight", block2);
        Assert.Empty(block1.Intersect(block2));
        Assert.Equal(block1.Select(n => n.Substring("Block1".Length)), block2.Select(n => n.Substring("Block2".Length)));

        // Same module, different widths and inputs: [128, 32, 3, 3] in Block2, [64, 16, 3, 3] in Block1.
        Assert.Equal(new[] { 64, 16, 3, 3 }, net.Block1.Parameters[0].Shape);
        Assert.Equal(new[] { 128, 32, 3, 3 }, net.Block2.Parameters[0].Shape);
    }

    [Fact]
    public void Squeeze_excite_reduces_to_channels_over_the_reduction()
    {
        // 64 channels / Reduction 8 = 8.
        Assert.Equal(8, TinyResidualNet.Shapes.Attention.Reduce.Channels);
        Assert.Equal(1, TinyResidualNet.Shapes.Attention.Reduce.Height);
        Assert.Equal(64, TinyResidualNet.Shapes.Attention.Expand.Channels);
        Assert.Equal(
            new[] { "Attention.Reduce.Weight", "Attention.Reduce.Bias", "Attention.Expand.Weight", "Attention.Expand.Bias" },
            new TinyResidualNet().Attention.Parameters.Select(p => p.Name));
    }

    [Fact]
    public void Parameter_count_by_hand()
    {
        // Convolutions have no bias here; each batch norm adds a gamma and a beta per channel.
        const long stem = 16 * 3 * 9 + 2 * 16;                               //     464
        const long block1 = (64 * 16 * 9 + 2 * 64)                            // Conv1: 16 -> 64
                          + (32 * 64 * 9 + 2 * 32)                            // Conv2: 64 -> 32
                          + (32 * 16 + 2 * 32);                               // Shortcut: 16 -> 32; 28,416
        const long block2 = (128 * 32 * 9 + 2 * 128)                          // Conv1: 32 -> 128
                          + (64 * 128 * 9 + 2 * 64)                           // Conv2: 128 -> 64
                          + (64 * 32 + 2 * 64);                               // Shortcut: 32 -> 64; 113,152
        const long attention = (8 * 64 + 8) + (64 * 8 + 64);                  //   1,096
        const long output = 10 * 64 + 10;                                     //     650
        Assert.Equal(stem + block1 + block2 + attention + output, TinyResidualNet.TrainableParameterCount);
    }
}
