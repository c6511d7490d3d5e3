using System;
using System.Linq;

namespace ConvForge.Runtime.Tests.Weights;

/// <summary>Seeded initialization: the scheme chosen per tensor, its statistics, and determinism.</summary>
public sealed class InitializationTests
{
    private static (double Mean, double Std, float Min, float Max) Statistics(ReadOnlySpan<float> values)
    {
        double sum = 0, squares = 0;
        float min = float.MaxValue, max = float.MinValue;
        foreach (var v in values)
        {
            sum += v;
            squares += (double)v * v;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        var mean = sum / values.Length;
        return (mean, Math.Sqrt(squares / values.Length - mean * mean), min, max);
    }

    /// <summary>Conv (feeding BatchNorm then ReLU) 3x3 256 -> 256 on 8x8, then a Dense head and Softmax.</summary>
    private static NetworkDefinition LargeNetwork()
    {
        var b = new NetworkBuilder("Large", new TensorShape(256, 8, 8));
        var conv = b.Conv("Conv", b.Input, 256, KernelWindow.Square(3, padding: 1), bias: false);
        var relu = b.Relu("Relu", b.BatchNorm("Bn", conv));
        var gap = b.GlobalAvgPool("Pool", relu);
        b.Softmax("Output", b.Dense("Head", gap, 1000));
        return b.Build();
    }

    [Fact]
    public void He_normal_std_is_within_2_percent_of_sqrt_2_over_fan_in()
    {
        var store = new ParameterStore(LargeNetwork());
        store.Initialize(seed: 1);
        var weight = store.GetTensor("Conv.Weight");
        Assert.Equal(589_824, weight.Length);
        var (mean, std, _, _) = Statistics(weight);
        var expected = Math.Sqrt(2.0 / (256 * 3 * 3));
        Assert.InRange(std, expected * 0.98, expected * 1.02);
        Assert.InRange(mean, -0.01 * expected, 0.01 * expected);
        Assert.Equal(ParameterInitialization.HeNormal, store.GetInitializationPlan("Conv.Weight").Scheme);
        Assert.Equal(expected, store.GetInitializationPlan("Conv.Weight").StandardDeviation, 12);
    }

    [Fact]
    public void Xavier_uniform_fills_minus_a_to_a_with_a_from_both_fans()
    {
        var store = new ParameterStore(LargeNetwork());
        store.Initialize(seed: 1);
        var head = store.GetTensor("Head.Weight");   // [1000, 256], feeds Softmax: Xavier
        var limit = Math.Sqrt(6.0 / (256 + 1000));
        var (mean, std, min, max) = Statistics(head);
        Assert.Equal(ParameterInitialization.XavierUniform, store.GetInitializationPlan("Head.Weight").Scheme);
        Assert.True(min >= -limit && max <= limit, $"Values in [{min}, {max}] escape ±{limit}.");
        Assert.True(min < -0.99 * limit && max > 0.99 * limit, "The values do not fill the range.");
        Assert.InRange(std, limit / Math.Sqrt(3) * 0.98, limit / Math.Sqrt(3) * 1.02);
        Assert.InRange(mean, -0.01 * limit, 0.01 * limit);
    }

    [Fact]
    public void Biases_are_zero_and_batch_norm_starts_as_the_identity()
    {
        var store = new ParameterStore(LargeNetwork());
        store.GetWritableValues().Fill(float.NaN);
        store.Initialize(seed: 3);
        Assert.All(store.GetTensor("Head.Bias").ToArray(), v => Assert.Equal(0f, v));
        Assert.All(store.GetTensor("Bn.Gamma").ToArray(), v => Assert.Equal(1f, v));
        Assert.All(store.GetTensor("Bn.Beta").ToArray(), v => Assert.Equal(0f, v));
        Assert.All(store.GetTensor("Bn.RunningMean").ToArray(), v => Assert.Equal(0f, v));
        Assert.All(store.GetTensor("Bn.RunningVar").ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void The_scheme_follows_the_activation_the_output_reaches()
    {
        var b = new NetworkBuilder("Schemes", new TensorShape(4, 8, 8));
        var direct = b.Relu("Direct.Relu", b.Conv("Direct", b.Input, 4, KernelWindow.Square(3, padding: 1)));
        var pooled = b.Relu6("Pooled.Relu6", b.MaxPool("Pooled.Pool", b.Conv("Pooled", direct, 4, KernelWindow.Square(1)), KernelWindow.Square(3, padding: 1)));
        var residual = b.Conv("Residual", b.Input, 4, KernelWindow.Square(1), bias: false);
        var shortcut = b.Conv("Shortcut", b.Input, 4, KernelWindow.Square(1), bias: false);
        var leaky = b.LeakyRelu("Sum.Act", b.Add("Sum", b.BatchNorm("Residual.Bn", residual), shortcut), slope: 0.2);
        var gate = b.Sigmoid("Gate", b.Conv("GateConv", b.GlobalAvgPool("Gap", leaky), 4, KernelWindow.Square(1)));
        var scaled = b.ChannelScale("Scaled", leaky, gate);
        b.Dense("Output", b.Concat("Joined", scaled, pooled), 3);
        var store = new ParameterStore(b.Build());

        Assert.Equal(Math.Sqrt(2), store.GetInitializationPlan("Direct.Weight").Gain, 12);
        Assert.Equal(ParameterInitialization.HeNormal, store.GetInitializationPlan("Pooled.Weight").Scheme);   // through MaxPool to ReLU6
        Assert.Equal(Math.Sqrt(2 / 1.04), store.GetInitializationPlan("Residual.Weight").Gain, 12);        // through BatchNorm and Add to LeakyReLU(0.2)
        Assert.Equal(ParameterInitialization.HeNormal, store.GetInitializationPlan("Shortcut.Weight").Scheme);
        Assert.Equal(ParameterInitialization.XavierUniform, store.GetInitializationPlan("GateConv.Weight").Scheme);   // feeds Sigmoid
        Assert.Equal(ParameterInitialization.XavierUniform, store.GetInitializationPlan("Output.Weight").Scheme);     // the network's output
        Assert.Equal(new ParameterInitializationPlan(ParameterInitialization.XavierUniform, 4 * 8 * 8 * 2, 3, 1), store.GetInitializationPlan("Output.Weight"));
        Assert.Equal(new ParameterInitializationPlan(ParameterInitialization.HeNormal, 4 * 9, 4 * 9, Math.Sqrt(2)), store.GetInitializationPlan("Direct.Weight"));
    }

    [Fact]
    public void Grouped_convolutions_count_fan_in_per_group()
    {
        var b = new NetworkBuilder("Grouped", new TensorShape(8, 5, 5));
        b.Relu("Relu", b.Conv("Conv", b.Input, 16, KernelWindow.Square(3), groups: 4));
        var store = new ParameterStore(b.Build());
        Assert.Equal(2 * 3 * 3, store.GetInitializationPlan("Conv.Weight").FanIn);
    }

    [Fact]
    public void The_same_seed_gives_the_same_values_and_another_seed_other_values()
    {
        var network = LargeNetwork();
        var first = new ParameterStore(network);
        var second = new ParameterStore(network);
        var other = new ParameterStore(network);
        first.Initialize(17);
        second.Initialize(17);
        other.Initialize(18);
        Assert.True(first.Values.SequenceEqual(second.Values));
        Assert.False(first.GetTensor("Conv.Weight").SequenceEqual(other.GetTensor("Conv.Weight")));
        Assert.False(first.GetTensor("Head.Weight").SequenceEqual(other.GetTensor("Head.Weight")));
    }

    [Fact]
    public void A_tensor_keeps_its_values_when_other_layers_change()
    {
        // Values depend on the seed, the tensor's name and its shape only: adding a layer in front
        // (which moves every offset) leaves the others' values as they were.
        var small = new NetworkBuilder("A", new TensorShape(3, 8, 8));
        small.Relu("Conv.Relu", small.Conv("Conv", small.Input, 8, KernelWindow.Square(3)));
        var grown = new NetworkBuilder("B", new TensorShape(3, 8, 8));
        var stem = grown.Conv("Stem", grown.Input, 3, KernelWindow.Square(1));
        grown.Relu("Conv.Relu", grown.Conv("Conv", stem, 8, KernelWindow.Square(3)));
        var a = new ParameterStore(small.Build());
        var b = new ParameterStore(grown.Build());
        a.Initialize(5);
        b.Initialize(5);
        Assert.NotEqual(a.GetParameter("Conv.Weight").Offset, b.GetParameter("Conv.Weight").Offset);
        Assert.True(a.GetTensor("Conv.Weight").SequenceEqual(b.GetTensor("Conv.Weight")));
    }

    [Fact]
    public void Initialize_counts_as_a_change()
    {
        var store = new ParameterStore(LargeNetwork());
        var before = store.Version;
        store.Initialize(1);
        Assert.True(store.Version > before);
    }
}
