using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using ConvForge.Samples;

namespace ConvForge.Samples.Tests;

/// <summary>
/// The generated members of every sample describe the same network: constants, summary rows, parameter
/// layout and Layer properties must agree with each other.
/// </summary>
public class GeneratedApiConsistencyTests
{
    /// <summary>What the generator emits for one network, gathered so each check runs on every sample.</summary>
    public sealed record Generated(
        Type Type, long TrainableParameterCount, int ParameterLength, long Macs, int InputLength, int OutputLength,
        TensorShape Output, NetworkSummary Summary, IReadOnlyList<ParameterInfo> ParameterLayout)
    {
        /// <summary>The instance's Layer properties.</summary>
        public IReadOnlyList<Layer> Layers()
        {
            var instance = Activator.CreateInstance(Type)!;
            return Type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.PropertyType == typeof(Layer))
                .Select(p => (Layer)p.GetValue(instance)!)
                .ToList();
        }
    }

    private static readonly Dictionary<string, Generated> s_samples = new()
    {
        [nameof(Nin)] = new(typeof(Nin), Nin.TrainableParameterCount, Nin.ParameterLength, Nin.Macs, Nin.InputLength, Nin.OutputLength,
            new(Nin.OutputChannels, Nin.OutputHeight, Nin.OutputWidth), Nin.Summary, Nin.ParameterLayout),
        [nameof(SqueezeNet11)] = new(typeof(SqueezeNet11), SqueezeNet11.TrainableParameterCount, SqueezeNet11.ParameterLength, SqueezeNet11.Macs,
            SqueezeNet11.InputLength, SqueezeNet11.OutputLength,
            new(SqueezeNet11.OutputChannels, SqueezeNet11.OutputHeight, SqueezeNet11.OutputWidth), SqueezeNet11.Summary, SqueezeNet11.ParameterLayout),
        [nameof(GoogLeNet)] = new(typeof(GoogLeNet), GoogLeNet.TrainableParameterCount, GoogLeNet.ParameterLength, GoogLeNet.Macs,
            GoogLeNet.InputLength, GoogLeNet.OutputLength,
            new(GoogLeNet.OutputChannels, GoogLeNet.OutputHeight, GoogLeNet.OutputWidth), GoogLeNet.Summary, GoogLeNet.ParameterLayout),
        [nameof(ResNet18)] = new(typeof(ResNet18), ResNet18.TrainableParameterCount, ResNet18.ParameterLength, ResNet18.Macs,
            ResNet18.InputLength, ResNet18.OutputLength,
            new(ResNet18.OutputChannels, ResNet18.OutputHeight, ResNet18.OutputWidth), ResNet18.Summary, ResNet18.ParameterLayout),
        [nameof(ResNet50)] = new(typeof(ResNet50), ResNet50.TrainableParameterCount, ResNet50.ParameterLength, ResNet50.Macs,
            ResNet50.InputLength, ResNet50.OutputLength,
            new(ResNet50.OutputChannels, ResNet50.OutputHeight, ResNet50.OutputWidth), ResNet50.Summary, ResNet50.ParameterLayout),
        [nameof(TinyResidualNet)] = new(typeof(TinyResidualNet), TinyResidualNet.TrainableParameterCount, TinyResidualNet.ParameterLength,
            TinyResidualNet.Macs, TinyResidualNet.InputLength, TinyResidualNet.OutputLength,
            new(TinyResidualNet.OutputChannels, TinyResidualNet.OutputHeight, TinyResidualNet.OutputWidth), TinyResidualNet.Summary, TinyResidualNet.ParameterLayout),
        [nameof(FashionNin)] = new(typeof(FashionNin), FashionNin.TrainableParameterCount, FashionNin.ParameterLength, FashionNin.Macs,
            FashionNin.InputLength, FashionNin.OutputLength,
            new(FashionNin.OutputChannels, FashionNin.OutputHeight, FashionNin.OutputWidth), FashionNin.Summary, FashionNin.ParameterLayout),
        [nameof(NinFashion)] = new(typeof(NinFashion), NinFashion.TrainableParameterCount, NinFashion.ParameterLength, NinFashion.Macs,
            NinFashion.InputLength, NinFashion.OutputLength,
            new(NinFashion.OutputChannels, NinFashion.OutputHeight, NinFashion.OutputWidth), NinFashion.Summary, NinFashion.ParameterLayout),
        [nameof(ResNet18Fashion)] = new(typeof(ResNet18Fashion), ResNet18Fashion.TrainableParameterCount, ResNet18Fashion.ParameterLength, ResNet18Fashion.Macs,
            ResNet18Fashion.InputLength, ResNet18Fashion.OutputLength,
            new(ResNet18Fashion.OutputChannels, ResNet18Fashion.OutputHeight, ResNet18Fashion.OutputWidth), ResNet18Fashion.Summary, ResNet18Fashion.ParameterLayout),
    };

    public static IEnumerable<object[]> Samples => s_samples.Keys.Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(Samples))]
    public void Summary_totals_equal_the_constants(string sample)
    {
        var net = s_samples[sample];
        Assert.Equal(sample, net.Summary.NetworkName);
        Assert.Equal(net.TrainableParameterCount, net.Summary.TotalParameters);
        Assert.Equal(net.Macs, net.Summary.TotalMacs);
        Assert.Equal(net.InputLength, net.Summary.InputShape.Length);
        Assert.Equal(net.Output, net.Summary.Rows[^1].OutputShape);
        Assert.Equal(net.OutputLength, net.Output.Length);
        Assert.Equal(net.Summary.Rows.Sum(r => 4L * r.OutputShape.Length), net.Summary.TotalActivationBytes);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Summary_text_lists_every_row(string sample)
    {
        var summary = s_samples[sample].Summary;
        var lines = summary.Text.Split('\n');
        foreach (var row in summary.Rows)
            Assert.Contains(lines, line => line.StartsWith(row.Name + " ", StringComparison.Ordinal));
        Assert.Equal(summary.Text, summary.ToString());
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Parameter_layout_is_contiguous_and_counts_match(string sample)
    {
        var net = s_samples[sample];
        var offset = 0;
        foreach (var parameter in net.ParameterLayout)
        {
            Assert.Equal(offset, parameter.Offset);
            Assert.Equal(parameter.Shape.Aggregate(1, (a, b) => a * b), parameter.Length);
            offset += parameter.Length;
        }
        Assert.Equal(net.ParameterLength, offset);
        Assert.Equal(net.TrainableParameterCount, net.ParameterLayout.Where(p => p.Trainable).Sum(p => (long)p.Length));
        Assert.Equal(net.ParameterLayout.Count, net.ParameterLayout.Select(p => p.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Layer_properties_partition_the_parameters_and_the_cost(string sample)
    {
        var net = s_samples[sample];
        var layers = net.Layers();

        // Every tensor belongs to exactly one layer property.
        var fromLayers = layers.SelectMany(l => l.Parameters).Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(net.ParameterLayout.Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal), fromLayers);
        Assert.Equal(net.Macs, layers.Sum(l => l.Macs));

        // Each layer's parameters are named after it, and its shape is that of the summary row with its name.
        foreach (var layer in layers)
        {
            Assert.All(layer.Parameters, p => Assert.StartsWith(layer.Name + ".", p.Name, StringComparison.Ordinal));
            Assert.Equal(net.Summary.Rows.Single(r => r.Name == layer.Name).OutputShape, layer.OutputShape);
        }
    }
}
