using System;
using System.Collections.Generic;
using System.Linq;
using ConvForge.Samples;

namespace ConvForge.Samples.Tests;

/// <summary>
/// ResNet-18 and ResNet-50 against torchvision's definitions: every parameter tensor, in state_dict order,
/// with its shape, and the projections where torchvision puts a downsample.
/// </summary>
public class ResNetTests
{
    /// <summary>The tensors of a torchvision BatchNorm2d, in state_dict order (num_batches_tracked aside).</summary>
    private static IEnumerable<(string, int[])> BatchNorm(string prefix, int channels)
    {
        foreach (var role in new[] { "weight", "bias", "running_mean", "running_var" })
            yield return ($"{prefix}.{role}", new[] { channels });
    }

    /// <summary>
    /// torchvision's ResNet state_dict: conv1, bn1, then layer1..layer4 of <paramref name="blocks"/> blocks each,
    /// then fc. Mirrors torchvision's _make_layer: a block gets a downsample when its stride is not 1 or its input
    /// channels differ from its output channels.
    /// </summary>
    internal static IEnumerable<(string Name, int[] Shape)> TorchvisionResNet(int[] blocks, bool bottleneck)
    {
        var tensors = new List<(string, int[])> { ("conv1.weight", new[] { 64, 3, 7, 7 }) };
        tensors.AddRange(BatchNorm("bn1", 64));
        var expansion = bottleneck ? 4 : 1;
        var inplanes = 64;
        for (var stage = 0; stage < 4; stage++)
        {
            var planes = 64 << stage;
            for (var block = 0; block < blocks[stage]; block++)
            {
                var stride = stage > 0 && block == 0 ? 2 : 1;
                var p = $"layer{stage + 1}.{block}";
                if (bottleneck)
                {
                    tensors.Add(($"{p}.conv1.weight", new[] { planes, inplanes, 1, 1 }));
                    tensors.AddRange(BatchNorm($"{p}.bn1", planes));
                    tensors.Add(($"{p}.conv2.weight", new[] { planes, planes, 3, 3 }));
                    tensors.AddRange(BatchNorm($"{p}.bn2", planes));
                    tensors.Add(($"{p}.conv3.weight", new[] { planes * 4, planes, 1, 1 }));
                    tensors.AddRange(BatchNorm($"{p}.bn3", planes * 4));
                }
                else
                {
                    tensors.Add(($"{p}.conv1.weight", new[] { planes, inplanes, 3, 3 }));
                    tensors.AddRange(BatchNorm($"{p}.bn1", planes));
                    tensors.Add(($"{p}.conv2.weight", new[] { planes, planes, 3, 3 }));
                    tensors.AddRange(BatchNorm($"{p}.bn2", planes));
                }
                if (stride != 1 || inplanes != planes * expansion)
                {
                    tensors.Add(($"{p}.downsample.0.weight", new[] { planes * expansion, inplanes, 1, 1 }));
                    tensors.AddRange(BatchNorm($"{p}.downsample.1", planes * expansion));
                }
                inplanes = planes * expansion;
            }
        }
        tensors.Add(("fc.weight", new[] { 1000, 512 * expansion }));
        tensors.Add(("fc.bias", new[] { 1000 }));
        return tensors;
    }

    private static IEnumerable<string> Describe(IEnumerable<(string Name, int[] Shape)> tensors)
        => tensors.Select(t => $"{t.Name} [{string.Join(", ", t.Shape)}]");

    [Fact]
    public void ResNet18_parameter_layout_matches_torchvisions_tensors_one_to_one()
    {
        Assert.Equal(
            Describe(TorchvisionResNet(new[] { 2, 2, 2, 2 }, bottleneck: false)),
            Describe(ResNet18.ParameterLayout.Select(p => (TorchvisionNames.ResNet(ResNet18.Definition)[p.Name], p.Shape.ToArray()))));
    }

    [Fact]
    public void ResNet50_parameter_layout_matches_torchvisions_tensors_one_to_one()
    {
        Assert.Equal(
            Describe(TorchvisionResNet(new[] { 3, 4, 6, 3 }, bottleneck: true)),
            Describe(ResNet50.ParameterLayout.Select(p => (TorchvisionNames.ResNet(ResNet50.Definition)[p.Name], p.Shape.ToArray()))));
    }

    [Fact]
    public void Batch_norm_statistics_are_state_not_trainable_parameters()
    {
        Assert.All(ResNet50.ParameterLayout, p =>
            Assert.Equal(!p.Name.EndsWith(".RunningMean", StringComparison.Ordinal) && !p.Name.EndsWith(".RunningVar", StringComparison.Ordinal), p.Trainable));
    }

    [Fact]
    public void Stages_halve_the_size_and_double_the_width()
    {
        var net = new ResNet18();
        Assert.Equal(new TensorShape(64, 112, 112), net.Conv1.OutputShape);
        Assert.Equal(new TensorShape(64, 56, 56), net.Pool1.OutputShape);
        Assert.Equal(new TensorShape(64, 56, 56), net.Res2b.OutputShape);
        Assert.Equal(new TensorShape(128, 28, 28), net.Res3a.OutputShape);
        Assert.Equal(new TensorShape(256, 14, 14), net.Res4a.OutputShape);
        Assert.Equal(new TensorShape(512, 7, 7), net.Res5b.OutputShape);
        Assert.Equal(new TensorShape(512, 1, 1), net.AvgPool.OutputShape);
        Assert.Equal(new TensorShape(1000, 1, 1), net.Fc.OutputShape);

        // A bottleneck block expands to four times its inner width.
        Assert.Equal(64, ResNet50.Shapes.Res2a.Conv2.Channels);
        Assert.Equal(256, ResNet50.Shapes.Res2a.Channels);
        Assert.Equal(2048, ResNet50.Shapes.Res5c.Channels);
        Assert.Equal(7, ResNet50.Shapes.Res5c.Height);
    }

    [Fact]
    public void ResNet50_strides_the_3x3_convolution_of_a_bottleneck()
    {
        // v1.5 (torchvision): the first 1x1 keeps 56x56, the 3x3 halves it.
        Assert.Equal(56, ResNet50.Shapes.Res3a.Conv1.Height);
        Assert.Equal(28, ResNet50.Shapes.Res3a.Conv2.Height);
        Assert.Equal(28, ResNet50.Shapes.Res3a.Downsample.Conv.Height);
    }

    [Fact]
    public void A_block_costs_its_convolutions()
    {
        var net = new ResNet18();
        // Res3a: 3x3/2 from 64 to 128 and 3x3 from 128 to 128 at 28x28, plus the 1x1/2 projection from 64.
        Assert.Equal(28L * 28 * 128 * (64 * 9 + 128 * 9 + 64), net.Res3a.Macs);
        // Trainable: the three convolutions and the gamma and beta of their three batch norms.
        Assert.Equal(128L * 64 * 9 + 128 * 128 * 9 + 128 * 64 + 3 * 2 * 128, net.Res3a.Parameters.Where(p => p.Trainable).Sum(p => (long)p.Length));
    }
}
