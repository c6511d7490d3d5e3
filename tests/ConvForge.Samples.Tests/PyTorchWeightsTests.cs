using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using ConvForge.Samples;

namespace ConvForge.Samples.Tests;

/// <summary>
/// torchvision state_dicts, written here as safetensors files in PyTorch's naming, order and layout (with the
/// int64 num_batches_tracked counters PyTorch saves), loaded into the samples with <see cref="TorchvisionNames"/>:
/// every parameter receives exactly the tensor torchvision keeps under that name.
/// </summary>
public sealed class PyTorchWeightsTests
{
    public static IEnumerable<object[]> Cases => new[]
    {
        new object[] { nameof(ResNet18), "F32" },
        new object[] { nameof(ResNet50), "F32" },
        new object[] { nameof(SqueezeNet11), "F32" },
        new object[] { nameof(ResNet18), "F16" },
        new object[] { nameof(SqueezeNet11), "BF16" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_torchvision_state_dict_loads_by_the_torchvision_names(string sample, string dtype)
    {
        var (store, map, tensors) = Setup(sample);
        var path = WriteStateDict(tensors, dtype, withBatchCounters: sample != nameof(SqueezeNet11));
        try
        {
            store.LoadPyTorch(path, map);
        }
        finally
        {
            File.Delete(path);
        }
        var byName = tensors.ToDictionary(t => t.Name, t => t.Values);
        foreach (var parameter in store.Parameters)
        {
            var expected = byName[map[parameter.Name]].Select(v => Round(v, dtype)).ToArray();
            Assert.True(expected.SequenceEqual(store.GetTensor(parameter).ToArray()), $"{sample}: {parameter.Name} ({map[parameter.Name]}) did not load as written.");
        }
    }

    [Fact]
    public void The_squeezenet_map_names_torchvisions_features_and_classifier()
    {
        var map = TorchvisionNames.SqueezeNet11(SqueezeNet11.Definition);
        Assert.Equal(SqueezeNetStateDict().Select(t => t.Name), SqueezeNet11.ParameterLayout.Select(p => map[p.Name]));
        Assert.Equal(SqueezeNetStateDict().Select(t => t.Shape), SqueezeNet11.ParameterLayout.Select(p => p.Shape.ToArray()));
    }

    [Fact]
    public void Unused_missing_and_misshapen_tensors_are_listed_and_nothing_is_loaded()
    {
        var (store, map, tensors) = Setup(nameof(ResNet18));
        var before = store.Values.ToArray();
        var edited = tensors
            .Where(t => t.Name != "layer3.1.bn2.running_var")
            .Select(t => t.Name == "fc.bias" ? (t.Name, new[] { 10 }, new float[10]) : t)
            .Append(("aux.weight", new[] { 2 }, new float[2]))
            .ToList();
        var path = WriteStateDict(edited, "F32", withBatchCounters: true);
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => store.LoadPyTorch(path, map));
            Assert.Contains("Res4b.Bn2.RunningVar maps to layer3.1.bn2.running_var, which the file does not have", error.Message, StringComparison.Ordinal);
            Assert.Contains("Fc.Bias has shape [1000] but fc.bias has [10]", error.Message, StringComparison.Ordinal);
            Assert.Contains("the file has 1 tensor no parameter takes: aux.weight", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("num_batches_tracked", error.Message, StringComparison.Ordinal);
            Assert.Equal(before, store.Values.ToArray());
        }
        finally
        {
            File.Delete(path);
        }

        // A trunk with a new head: the file's 10-class classifier is left unused, the declared one keeps its weights.
        var tenClasses = tensors.Select(t => t.Name.StartsWith("fc.", StringComparison.Ordinal) ? (t.Name, new[] { 10 }.Concat(t.Shape.Skip(1)).ToArray(), t.Values.Take(t.Values.Length / 100).ToArray()) : t).ToList();
        var trunkPath = WriteStateDict(tenClasses, "F32", withBatchCounters: true);
        try
        {
            var trunk = map.Where(pair => !pair.Key.StartsWith("Fc.", StringComparison.Ordinal)).ToDictionary(pair => pair.Key, pair => pair.Value);
            Assert.Throws<InvalidDataException>(() => store.LoadPyTorch(trunkPath, trunk));
            store.LoadPyTorch(trunkPath, trunk, new PyTorchLoadOptions { AllowMissingParameters = true, AllowUnusedTensors = true });
            Assert.Equal(before.AsSpan(store.GetParameter("Fc.Weight").Offset, 512000).ToArray(), store.GetTensor("Fc.Weight").ToArray());
            Assert.Equal(tensors[0].Values, store.GetTensor("Conv1.Weight").ToArray());
        }
        finally
        {
            File.Delete(trunkPath);
        }
    }

    [Fact]
    public void A_name_map_function_and_a_name_map_with_a_wrong_entry()
    {
        var (store, map, tensors) = Setup(nameof(SqueezeNet11));
        var path = WriteStateDict(tensors, "F32", withBatchCounters: false);
        try
        {
            store.LoadPyTorch(path, name => map[name]);
            Assert.Equal(tensors[0].Values, store.GetTensor("Conv1.Weight").ToArray());
            var swapped = new Dictionary<string, string>(map) { ["Fire2.Squeeze.Weight"] = "features.4.squeeze.weight", ["Fire3.Squeeze.Weight"] = "features.3.squeeze.weight" };
            var error = Assert.Throws<InvalidDataException>(() => store.LoadPyTorch(path, swapped));
            Assert.Contains("Fire3.Squeeze.Weight has shape [16, 128, 1, 1] but features.3.squeeze.weight has [16, 64, 1, 1]", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (ParameterStore Store, IReadOnlyDictionary<string, string> Map, List<(string Name, int[] Shape, float[] Values)> Tensors) Setup(string sample)
    {
        var (definition, stateDict, map) = sample switch
        {
            nameof(ResNet18) => (ResNet18.Definition, ResNetTests.TorchvisionResNet(new[] { 2, 2, 2, 2 }, bottleneck: false), TorchvisionNames.ResNet(ResNet18.Definition)),
            nameof(ResNet50) => (ResNet50.Definition, ResNetTests.TorchvisionResNet(new[] { 3, 4, 6, 3 }, bottleneck: true), TorchvisionNames.ResNet(ResNet50.Definition)),
            _ => (SqueezeNet11.Definition, SqueezeNetStateDict(), TorchvisionNames.SqueezeNet11(SqueezeNet11.Definition)),
        };
        var store = new ParameterStore(definition);
        store.Initialize(1);
        var random = new DeterministicRandom(7);
        var tensors = stateDict.Select(t => (t.Name, t.Shape, Enumerable.Range(0, t.Shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)random.NextDouble(-1, 1)).ToArray())).ToList();
        return (store, map, tensors);
    }

    /// <summary>torchvision's squeezenet1_1 state_dict: features.0, eight Fire modules, classifier.1.</summary>
    private static List<(string Name, int[] Shape)> SqueezeNetStateDict()
    {
        var tensors = new List<(string, int[])> { ("features.0.weight", new[] { 64, 3, 3, 3 }), ("features.0.bias", new[] { 64 }) };
        foreach (var (index, input, squeeze, expand) in new[] { (3, 64, 16, 64), (4, 128, 16, 64), (6, 128, 32, 128), (7, 256, 32, 128), (9, 256, 48, 192), (10, 384, 48, 192), (11, 384, 64, 256), (12, 512, 64, 256) })
        {
            tensors.Add(($"features.{index}.squeeze.weight", new[] { squeeze, input, 1, 1 }));
            tensors.Add(($"features.{index}.squeeze.bias", new[] { squeeze }));
            tensors.Add(($"features.{index}.expand1x1.weight", new[] { expand, squeeze, 1, 1 }));
            tensors.Add(($"features.{index}.expand1x1.bias", new[] { expand }));
            tensors.Add(($"features.{index}.expand3x3.weight", new[] { expand, squeeze, 3, 3 }));
            tensors.Add(($"features.{index}.expand3x3.bias", new[] { expand }));
        }
        tensors.Add(("classifier.1.weight", new[] { 1000, 512, 1, 1 }));
        tensors.Add(("classifier.1.bias", new[] { 1000 }));
        return tensors;
    }

    /// <summary>Writes tensors as safetensors_torch.save_file does, with a num_batches_tracked after each batch norm's running_var.</summary>
    private static string WriteStateDict(List<(string Name, int[] Shape, float[] Values)> tensors, string dtype, bool withBatchCounters)
    {
        var entries = new List<(string Name, string DType, int[] Shape, byte[] Data)>();
        foreach (var (name, shape, values) in tensors)
        {
            entries.Add((name, dtype, shape, Encode(values, dtype)));
            if (withBatchCounters && name.EndsWith(".running_var", StringComparison.Ordinal))
                entries.Add((name[..^".running_var".Length] + ".num_batches_tracked", "I64", Array.Empty<int>(), BitConverter.GetBytes(12345L)));
        }
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        foreach (var (name, type, shape, data) in entries)
        {
            header.Append($",\"{name}\":{{\"dtype\":\"{type}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + data.Length}]}}");
            offset += data.Length;
        }
        header.Append('}');
        var json = Encoding.UTF8.GetBytes(header.ToString());
        var path = Path.Combine(Path.GetTempPath(), $"convforge-statedict-{Guid.NewGuid():N}.safetensors");
        using var file = File.Create(path);
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)json.Length);
        file.Write(prefix);
        file.Write(json);
        foreach (var entry in entries)
            file.Write(entry.Data);
        return path;
    }

    private static byte[] Encode(float[] values, string dtype)
    {
        var size = dtype == "F32" ? 4 : 2;
        var bytes = new byte[values.Length * size];
        for (var i = 0; i < values.Length; i++)
        {
            switch (dtype)
            {
                case "F32":
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
                    break;
                case "F16":
                    BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * 2), (Half)values[i]);
                    break;
                default:
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)(BitConverter.SingleToInt32Bits(values[i]) >> 16));
                    break;
            }
        }
        return bytes;
    }

    /// <summary>What a value becomes when stored as <paramref name="dtype"/> and read back (BF16 truncated, as written here).</summary>
    private static float Round(float value, string dtype) => dtype switch
    {
        "F16" => (float)(Half)value,
        "BF16" => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(value) & unchecked((int)0xFFFF0000)),
        _ => value,
    };
}
