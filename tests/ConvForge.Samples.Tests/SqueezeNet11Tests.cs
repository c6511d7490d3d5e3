using System.Collections.Generic;
using System.Linq;
using ConvForge.Samples;

namespace ConvForge.Samples.Tests;

/// <summary>SqueezeNet 1.1: the layer property API, shape constants and torchvision's parameter tensors.</summary>
public class SqueezeNet11Tests
{
    [Fact]
    public void Layer_properties_give_output_shapes()
    {
        var net = new SqueezeNet11();

        // 224 -> floor((224 - 3) / 2) + 1 = 111 -> ceil-mode pool: ceil((111 - 3) / 2) + 1 = 55.
        Assert.Equal(new TensorShape(64, 111, 111), net.Conv1.OutputShape);
        Assert.Equal(new TensorShape(64, 55, 55), net.Pool1.OutputShape);
        // A fire module outputs its two expand branches side by side: 64 + 64.
        Assert.Equal(new TensorShape(128, 55, 55), net.Fire2.OutputShape);
        Assert.Equal(new TensorShape(256, 27, 27), net.Fire5.OutputShape);
        Assert.Equal(new TensorShape(512, 13, 13), net.Fire9.OutputShape);
        Assert.Equal(new TensorShape(1000, 13, 13), net.Conv10.OutputShape);
        Assert.Equal(new TensorShape(1000, 1, 1), net.Output.OutputShape);
        Assert.Equal("Fire2", net.Fire2.Name);
    }

    [Fact]
    public void Shape_constants_reach_inside_modules()
    {
        Assert.Equal(16, SqueezeNet11.Shapes.Fire2.Squeeze.Channels);
        Assert.Equal(55, SqueezeNet11.Shapes.Fire2.Squeeze.Height);
        Assert.Equal(64, SqueezeNet11.Shapes.Fire2.Expand3x3.Channels);
        Assert.Equal(128, SqueezeNet11.Shapes.Fire2.Channels);
        Assert.Equal(128 * 55 * 55, SqueezeNet11.Shapes.Fire2.Length);
        Assert.Equal(SqueezeNet11.OutputLength, SqueezeNet11.Shapes.Output.Length);
    }

    [Fact]
    public void A_fire_module_names_its_parameters_after_its_inner_convolutions()
    {
        var fire2 = new SqueezeNet11().Fire2;

        Assert.Equal(
            new[]
            {
                "Fire2.Squeeze.Weight", "Fire2.Squeeze.Bias",
                "Fire2.Expand1x1.Weight", "Fire2.Expand1x1.Bias",
                "Fire2.Expand3x3.Weight", "Fire2.Expand3x3.Bias",
            },
            fire2.Parameters.Select(p => p.Name));
        Assert.Equal(new[] { 16, 64, 1, 1 }, fire2.Parameters[0].Shape);
        Assert.Equal(new[] { 64, 16, 3, 3 }, fire2.Parameters[4].Shape);
        Assert.All(fire2.Parameters, p => Assert.True(p.Trainable));
        // Squeeze, then the two expands: weights and biases.
        Assert.Equal(16 * 64 + 16 + 64 * 16 + 64 + 64 * 16 * 9 + 64, fire2.Parameters.Sum(p => p.Length));
    }

    [Fact]
    public void Layer_macs_are_those_of_its_convolutions()
    {
        var net = new SqueezeNet11();
        // Squeeze 1x1 from 64 channels, expand 1x1 and 3x3 from 16, all at 55x55.
        Assert.Equal((16L * 64 + 64 * 16 + 64 * 16 * 9) * 55 * 55, net.Fire2.Macs);
        Assert.Equal(0, net.Pool1.Macs);
        Assert.Equal(64L * 111 * 111 * 3 * 3 * 3, net.Conv1.Macs);
    }

    /// <summary>
    /// torchvision's squeezenet1_1 state_dict, in order: features.0 (conv), the fire modules at features
    /// indexes 3, 4, 6, 7, 9, 10, 11, 12 (pools sit between), and classifier.1 (the final 1x1 convolution).
    /// </summary>
    private static IEnumerable<(string Name, int[] Shape)> TorchvisionParameters()
    {
        yield return ("features.0.weight", new[] { 64, 3, 3, 3 });
        yield return ("features.0.bias", new[] { 64 });
        var fires = new (int Index, int In, int Squeeze, int Expand)[]
        {
            (3, 64, 16, 64), (4, 128, 16, 64), (6, 128, 32, 128), (7, 256, 32, 128),
            (9, 256, 48, 192), (10, 384, 48, 192), (11, 384, 64, 256), (12, 512, 64, 256),
        };
        foreach (var (index, input, squeeze, expand) in fires)
        {
            yield return ($"features.{index}.squeeze.weight", new[] { squeeze, input, 1, 1 });
            yield return ($"features.{index}.squeeze.bias", new[] { squeeze });
            yield return ($"features.{index}.expand1x1.weight", new[] { expand, squeeze, 1, 1 });
            yield return ($"features.{index}.expand1x1.bias", new[] { expand });
            yield return ($"features.{index}.expand3x3.weight", new[] { expand, squeeze, 3, 3 });
            yield return ($"features.{index}.expand3x3.bias", new[] { expand });
        }
        yield return ("classifier.1.weight", new[] { 1000, 512, 1, 1 });
        yield return ("classifier.1.bias", new[] { 1000 });
    }

    private static readonly Dictionary<string, string> s_torchvisionModule = new()
    {
        ["Conv1"] = "features.0", ["Conv10"] = "classifier.1",
        ["Fire2"] = "features.3", ["Fire3"] = "features.4", ["Fire4"] = "features.6", ["Fire5"] = "features.7",
        ["Fire6"] = "features.9", ["Fire7"] = "features.10", ["Fire8"] = "features.11", ["Fire9"] = "features.12",
    };

    /// <summary>"Fire2.Expand1x1.Weight" -> "features.3.expand1x1.weight".</summary>
    private static string ToTorchvision(string name)
    {
        var parts = name.Split('.');
        parts[0] = s_torchvisionModule[parts[0]];
        for (var i = 1; i < parts.Length; i++)
            parts[i] = char.ToLowerInvariant(parts[i][0]) + parts[i].Substring(1);
        return string.Join(".", parts);
    }

    [Fact]
    public void Parameter_layout_matches_torchvisions_tensors_one_to_one()
    {
        var expected = TorchvisionParameters().Select(p => $"{p.Name} [{string.Join(", ", p.Shape)}]");
        var actual = SqueezeNet11.ParameterLayout.Select(p => $"{ToTorchvision(p.Name)} [{string.Join(", ", p.Shape)}]");
        Assert.Equal(expected, actual);
    }
}
