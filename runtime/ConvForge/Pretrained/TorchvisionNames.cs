using System;
using System.Collections.Generic;
using System.Globalization;

namespace ConvForge;

/// <summary>
/// Name maps from ConvForge's parameter names to torchvision's <c>state_dict</c> keys, for networks declared
/// like the samples: pass one to <see cref="PyTorchWeights.Load(ParameterStore, string, IReadOnlyDictionary{string, string}, PyTorchLoadOptions?)"/>.
/// The tensors' layouts already agree (convolution weights [out, in, kh, kw], dense weights [out, in]), so
/// only the names differ.
/// </summary>
/// <example>
/// <code>
/// var net = new ResNet50();
/// net.Parameters.LoadPyTorch("resnet50.safetensors", TorchvisionNames.ResNet(ResNet50.Definition));
/// </code>
/// </example>
public static class TorchvisionNames
{
    /// <summary>
    /// torchvision's ResNet (resnet18, 34, 50, 101, 152) for a network named like the ResNet samples:
    /// <c>Conv1</c> with its <c>BatchNorm</c>, blocks <c>Res{stage}{letter}</c> (Res2a is <c>layer1.0</c>,
    /// Res3b <c>layer2.1</c>) of <c>Conv1</c>..<c>Conv3</c>, <c>Bn1</c>..<c>Bn3</c> and a <c>Downsample</c> of
    /// <c>Conv</c> and <c>Bn</c>, then <c>Fc</c>: "Res3a.Downsample.Bn.Gamma" is "layer2.0.downsample.1.weight".
    /// </summary>
    /// <exception cref="ArgumentException">A parameter name does not follow that scheme; the message names it.</exception>
    public static IReadOnlyDictionary<string, string> ResNet(NetworkDefinition network) => Map(network, ResNetName);

    /// <summary>
    /// torchvision's <c>squeezenet1_1</c> for a network named like the SqueezeNet 1.1 sample: <c>Conv1</c> is
    /// <c>features.0</c>, <c>Fire2</c> to <c>Fire9</c> are <c>features.3, 4, 6, 7, 9, 10, 11, 12</c> (with
    /// <c>squeeze</c>, <c>expand1x1</c>, <c>expand3x3</c>), <c>Conv10</c> is <c>classifier.1</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A parameter name does not follow that scheme; the message names it.</exception>
    public static IReadOnlyDictionary<string, string> SqueezeNet11(NetworkDefinition network) => Map(network, SqueezeNet11Name);

    /// <summary>The PyTorch name of a tensor's role: Weight and Gamma are "weight", Bias and Beta "bias", RunningMean "running_mean" ...</summary>
    public static string Role(string role) => role switch
    {
        "Weight" or "Gamma" => "weight",
        "Bias" or "Beta" => "bias",
        "RunningMean" => "running_mean",
        "RunningVar" => "running_var",
        _ => throw new ArgumentException($"{role} is not a parameter role ConvForge names (Weight, Bias, Gamma, Beta, RunningMean, RunningVar).", nameof(role)),
    };

    private static IReadOnlyDictionary<string, string> Map(NetworkDefinition network, Func<string, string?> rename)
    {
        if (network is null)
            throw new ArgumentNullException(nameof(network));
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var parameter in network.Parameters)
        {
            var name = rename(parameter.Name)
                ?? throw new ArgumentException($"Network {network.Name}: parameter {parameter.Name} does not follow the naming this torchvision map knows.", nameof(network));
            map.Add(parameter.Name, name);
        }
        return map;
    }

    private static string? ResNetName(string name)
    {
        var (module, role) = Split(name);
        if (role is null)
            return null;
        var torch = module switch
        {
            "Conv1" => "conv1",
            "Conv1.BatchNorm" => "bn1",
            "Fc" => "fc",
            _ => BlockName(module),
        };
        return torch is null ? null : torch + "." + role;
    }

    private static string? BlockName(string module)
    {
        // Res{stage}{letter}.{part}: stage 2 is layer1; letter a is block 0.
        if (module.Length < 6 || !module.StartsWith("Res", StringComparison.Ordinal) || module[3] is < '2' or > '9' || module[4] is < 'a' or > 'z' || module[5] != '.')
            return null;
        var prefix = string.Create(CultureInfo.InvariantCulture, $"layer{module[3] - '1'}.{module[4] - 'a'}.");
        var part = module.Substring(6) switch
        {
            "Downsample.Conv" => "downsample.0",
            "Downsample.Bn" => "downsample.1",
            var inner when inner.Length == 5 && inner.StartsWith("Conv", StringComparison.Ordinal) && char.IsDigit(inner[4]) => "conv" + inner[4],
            var inner when inner.Length == 3 && inner.StartsWith("Bn", StringComparison.Ordinal) && char.IsDigit(inner[2]) => "bn" + inner[2],
            _ => null,
        };
        return part is null ? null : prefix + part;
    }

    private static readonly Dictionary<string, int> s_fireIndexes = new(StringComparer.Ordinal)
    {
        ["Fire2"] = 3, ["Fire3"] = 4, ["Fire4"] = 6, ["Fire5"] = 7, ["Fire6"] = 9, ["Fire7"] = 10, ["Fire8"] = 11, ["Fire9"] = 12,
    };

    private static string? SqueezeNet11Name(string name)
    {
        var (module, role) = Split(name);
        if (role is null)
            return null;
        if (module == "Conv1")
            return "features.0." + role;
        if (module == "Conv10")
            return "classifier.1." + role;
        var dot = module.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0 || !s_fireIndexes.TryGetValue(module.Substring(0, dot), out var index))
            return null;
        var part = module.Substring(dot + 1) switch
        {
            "Squeeze" => "squeeze",
            "Expand1x1" => "expand1x1",
            "Expand3x3" => "expand3x3",
            _ => null,
        };
        return part is null ? null : string.Create(CultureInfo.InvariantCulture, $"features.{index}.{part}.{role}");
    }

    private static (string Module, string? Role) Split(string name)
    {
        var dot = name.LastIndexOf('.');
        if (dot <= 0)
            return (name, null);
        var role = name.Substring(dot + 1) switch
        {
            "Weight" or "Gamma" => "weight",
            "Bias" or "Beta" => "bias",
            "RunningMean" => "running_mean",
            "RunningVar" => "running_var",
            _ => null,
        };
        return (name.Substring(0, dot), role);
    }
}
