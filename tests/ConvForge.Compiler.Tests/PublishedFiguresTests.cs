using System.Linq;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Tests.Helpers;

namespace ConvForge.Compiler.Tests;

/// <summary>
/// The published architectures, declared in the test as the samples declare them, hit the published
/// parameter counts and costs, and compile without a single diagnostic.
/// </summary>
public class PublishedFiguresTests
{
    [Fact]
    public void ResNet18_has_torchvision_s_parameter_count_and_1_81_GMACs()
    {
        var graph = ReferenceNetworks.ResNet18().QuietGraph();
        Assert.Equal(11_689_512, graph.TrainableParameterCount);
        // conv1 118,013,952 + layer1 4 x 115,605,504 + layers 2-4 each 57,802,752 + 3 x 115,605,504
        // + a 6,422,528 projection = 411,041,792, + fc 512,000.
        Assert.Equal(118_013_952L + 4 * 115_605_504L + 3 * 411_041_792L + 512_000L, graph.Macs);
        Assert.Equal(1_814_073_344, graph.Macs);
        // BatchNorm running mean and variance: 2 x (64 + 4x64 + 5x128 + 5x256 + 5x512) = 9,600.
        Assert.Equal(9_600, graph.NonTrainableParameterCount);
        Assert.Equal(new Shape(1000, 1, 1), graph.Output.Output);
        Assert.Equal(new Shape(512, 7, 7), graph.OutputOf("Layer4b"));
    }

    [Fact]
    public void ResNet50_has_torchvision_s_parameter_count_and_4_09_GMACs()
    {
        var graph = ReferenceNetworks.ResNet50().QuietGraph();
        Assert.Equal(25_557_032, graph.TrainableParameterCount);
        Assert.Equal(4_089_184_256, graph.Macs);
        Assert.Equal(new Shape(2048, 7, 7), graph.OutputOf("Layer4c"));
        // v1.5: the stride sits on the 3x3 convolution of each stage's first block.
        Assert.Equal("Conv 3x3/2 pad 1", graph.Node("Layer2a.Conv2").Describe());
        Assert.Equal("Conv 1x1", graph.Node("Layer2a.Conv1").Describe());
    }

    [Fact]
    public void SqueezeNet11_has_the_published_parameter_count_and_0_35_GMACs()
    {
        var graph = ReferenceNetworks.SqueezeNet11().QuietGraph();
        Assert.Equal(1_235_496, graph.TrainableParameterCount);
        Assert.Equal(349_151_936, graph.Macs);
        Assert.Equal(new Shape(64, 111, 111), graph.OutputOf("Conv1"));
        Assert.Equal(new Shape(64, 55, 55), graph.OutputOf("Pool1"));   // ceil mode: 111 -> 55
        Assert.Equal(new Shape(128, 27, 27), graph.OutputOf("Pool3"));
        Assert.Equal(new Shape(256, 13, 13), graph.OutputOf("Pool5"));
        Assert.Equal(new Shape(512, 13, 13), graph.OutputOf("Fire9"));
        Assert.Equal(new Shape(1000, 1, 1), graph.OutputOf("Output"));
    }

    [Fact]
    public void GoogLeNet_inception_3a_matches_table_1()
    {
        var graph = ReferenceNetworks.GoogLeNetTo3a().QuietGraph();
        Assert.Equal(new Shape(192, 28, 28), graph.OutputOf("Pool2"));
        Assert.Equal(new Shape(256, 28, 28), graph.OutputOf("Inception3a"));
        Assert.Equal(new Shape(480, 28, 28), graph.OutputOf("Inception3b"));
        var inception3a = graph.Nodes.Where(n => n.Layer == "Inception3a").ToList();
        // Weights only: 192x64 + 192x96 + 96x128x9 + 192x16 + 16x32x25 + 192x32 = 163,328
        // (the paper's 159K uses K = 1024 and its own rounding).
        var weights = inception3a.SelectMany(n => n.Parameters).Where(p => p.Name.EndsWith(".Weight", System.StringComparison.Ordinal)).Sum(p => p.Length);
        Assert.Equal(163_328, weights);
        // Table 1's 128M ops: every weight is used once per output pixel at 28x28.
        Assert.Equal(163_328L * 28 * 28, inception3a.Sum(n => n.Macs));
        Assert.Equal(128_049_152, inception3a.Sum(n => n.Macs));
    }

    [Fact]
    public void Network_in_network_compiles_quietly_to_a_thousand_classes()
    {
        var graph = ReferenceNetworks.Nin().QuietGraph();
        Assert.Equal(new Shape(96, 54, 54), graph.OutputOf("Nin1"));
        Assert.Equal(new Shape(96, 27, 27), graph.OutputOf("Pool1"));
        Assert.Equal(new Shape(1000, 6, 6), graph.OutputOf("Nin4"));
        Assert.Equal(new Shape(1000, 1, 1), graph.OutputOf("Output"));
    }
}
