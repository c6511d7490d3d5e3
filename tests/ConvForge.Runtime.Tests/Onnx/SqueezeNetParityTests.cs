using System.Linq;

namespace ConvForge.Runtime.Tests.Onnx;

/// <summary>
/// A whole published network built with <see cref="NetworkBuilder"/>: SqueezeNet 1.1 as torchvision
/// defines it (plus the DSL sample's Softmax), checked against its published parameter count and run
/// through ONNX Runtime at a small input size to keep the reference interpreter quick.
/// </summary>
public sealed class SqueezeNetParityTests
{
    private static NetworkDefinition SqueezeNet11(TensorShape input)
    {
        var b = new NetworkBuilder("SqueezeNet11", input);
        var x = b.Relu("Conv1", b.Conv("Conv1.Conv", b.Input, 64, KernelWindow.Square(3, stride: 2)));
        x = b.MaxPool("Pool1", x, KernelWindow.Square(3, stride: 2, ceilMode: true));
        x = Fire(b, "Fire2", x, 16, 64);
        x = Fire(b, "Fire3", x, 16, 64);
        x = b.MaxPool("Pool3", x, KernelWindow.Square(3, stride: 2, ceilMode: true));
        x = Fire(b, "Fire4", x, 32, 128);
        x = Fire(b, "Fire5", x, 32, 128);
        x = b.MaxPool("Pool5", x, KernelWindow.Square(3, stride: 2, ceilMode: true));
        x = Fire(b, "Fire6", x, 48, 192);
        x = Fire(b, "Fire7", x, 48, 192);
        x = Fire(b, "Fire8", x, 64, 256);
        x = Fire(b, "Fire9", x, 64, 256);
        x = b.Dropout("Drop", x, 0.5);
        x = b.Relu("Conv10", b.Conv("Conv10.Conv", x, 1000, KernelWindow.Square(1)));
        x = b.GlobalAvgPool("Output.GlobalAvgPool", x);
        b.Softmax("Output", b.Flatten("Output.Flatten", x));
        return b.Build();
    }

    private static int Fire(NetworkBuilder b, string name, int input, int squeeze, int expand)
    {
        var s = b.Relu(name + ".SqueezeRelu", b.Conv(name + ".Squeeze", input, squeeze, KernelWindow.Square(1)));
        var e1 = b.Relu(name + ".Expand1x1Relu", b.Conv(name + ".Expand1x1", s, expand, KernelWindow.Square(1)));
        var e3 = b.Relu(name + ".Expand3x3Relu", b.Conv(name + ".Expand3x3", s, expand, KernelWindow.Square(3, padding: 1)));
        return b.Concat(name, e1, e3);
    }

    [Fact]
    public void SqueezeNet11_has_the_published_parameter_count_and_shapes()
    {
        var network = SqueezeNet11(new TensorShape(3, 224, 224));
        Assert.Equal(1_235_496, network.ParameterLength);
        Assert.Equal(1_235_496, network.Parameters.Where(p => p.Trainable).Sum(p => p.Length));
        Assert.Equal(new TensorShape(64, 111, 111), network.Nodes[network.IndexOf("Conv1")].Output);
        Assert.Equal(new TensorShape(64, 55, 55), network.Nodes[network.IndexOf("Pool1")].Output);
        Assert.Equal(new TensorShape(512, 13, 13), network.Nodes[network.IndexOf("Fire9")].Output);
        Assert.Equal(new TensorShape(1000, 1, 1), network.OutputShape);
    }

    [Fact]
    public void SqueezeNet11_export_matches_the_reference_interpreter()
    {
        var network = SqueezeNet11(new TensorShape(3, 39, 39));   // 39 -> 19 -> 9 -> 4 -> 2 (floor mode would give 1 there)
        var store = new ParameterStore(network);
        store.Initialize(seed: 11);
        OnnxRuntimeHarness.AssertMatchesReference(network, store.Values.ToArray(), batch: 1, inputSeed: 12);
    }
}
