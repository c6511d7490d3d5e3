using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace ConvForge;

/// <summary>What <see cref="PyTorchWeights"/> tolerates.</summary>
public sealed class PyTorchLoadOptions
{
    /// <summary>
    /// Keep the current values of declared parameters the name map leaves out (default: an error).
    /// For transfer learning: load a trunk, keep a new head.
    /// </summary>
    public bool AllowMissingParameters { get; init; }

    /// <summary>Accept file tensors no declared parameter takes (default: an error listing them).</summary>
    public bool AllowUnusedTensors { get; init; }
}

/// <summary>
/// Loads a PyTorch <c>state_dict</c> saved as safetensors (<c>safetensors.torch.save_file(model.state_dict(), path)</c>)
/// into a declared network, through a name map from ConvForge's parameter names to the file's keys
/// (<see cref="TorchvisionNames"/> has the maps of torchvision's ResNets and SqueezeNet 1.1).
/// </summary>
/// <remarks>
/// Every declared parameter must find its tensor with the same shape, and every tensor of the file must be
/// taken exactly once, so a map that is off by one block fails instead of loading the wrong weights; the
/// message lists what is missing, what is left over and what has another shape. One rule is built in:
/// BatchNorm's <c>num_batches_tracked</c> counters (int64 scalars, training bookkeeping) are ignored.
/// F32 tensors load as they are; F16, BF16 and F64 are converted. Nothing changes unless everything matched.
/// </remarks>
public static class PyTorchWeights
{
    /// <summary>The suffix of BatchNorm's step counters, which inference does not use.</summary>
    public const string BatchCounterSuffix = ".num_batches_tracked";

    /// <summary>Loads the safetensors file at <paramref name="path"/> into <paramref name="store"/>, naming tensors by <paramref name="nameMap"/> (declared name to file key).</summary>
    /// <exception cref="InvalidDataException">The file is malformed or does not fit the network by the map; the message lists every problem.</exception>
    public static void LoadPyTorch(this ParameterStore store, string path, IReadOnlyDictionary<string, string> nameMap, PyTorchLoadOptions? options = null)
        => Load(store, path, nameMap, options);

    /// <summary>As <see cref="LoadPyTorch(ParameterStore, string, IReadOnlyDictionary{string, string}, PyTorchLoadOptions?)"/>, naming tensors by a function (declared name to file key).</summary>
    public static void LoadPyTorch(this ParameterStore store, string path, Func<string, string> nameMap, PyTorchLoadOptions? options = null)
    {
        if (store is null)
            throw new ArgumentNullException(nameof(store));
        if (nameMap is null)
            throw new ArgumentNullException(nameof(nameMap));
        Load(store, path, store.Parameters.ToDictionary(p => p.Name, p => nameMap(p.Name), StringComparer.Ordinal), options);
    }

    /// <summary>Loads the safetensors file at <paramref name="path"/>; see <see cref="PyTorchWeights"/>.</summary>
    public static void Load(ParameterStore store, string path, IReadOnlyDictionary<string, string> nameMap, PyTorchLoadOptions? options = null)
    {
        if (string.IsNullOrEmpty(path))
            throw new ArgumentException("A path is required.", nameof(path));
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            Load(store, stream, nameMap, options);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException(path + ": " + e.Message, e);
        }
    }

    /// <summary>Loads safetensors data from <paramref name="source"/> (read from its current position to its end).</summary>
    public static void Load(ParameterStore store, Stream source, IReadOnlyDictionary<string, string> nameMap, PyTorchLoadOptions? options = null)
    {
        if (store is null)
            throw new ArgumentNullException(nameof(store));
        if (source is null)
            throw new ArgumentNullException(nameof(source));
        if (nameMap is null)
            throw new ArgumentNullException(nameof(nameMap));
        options ??= new PyTorchLoadOptions();

        var header = SafeTensors.ReadHeader(source);
        // The data section, whole: state_dicts of the networks ConvForge runs are tens of megabytes.
        using var data = new MemoryStream();
        source.CopyTo(data);
        var bytes = data.GetBuffer().AsSpan(0, (int)data.Length);

        var network = store.Network;
        var entries = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        var takenBy = new Dictionary<string, string>(StringComparer.Ordinal);
        var staging = store.Values.ToArray();
        foreach (var key in nameMap.Keys)
        {
            if (network.FindParameter(key) is null)
                problems.Add($"the name map lists {key}, which network {network.Name} does not have");
        }
        foreach (var parameter in network.Parameters)
        {
            if (!nameMap.TryGetValue(parameter.Name, out var key))
            {
                if (!options.AllowMissingParameters)
                    problems.Add($"{parameter.Name} is not in the name map");
                continue;
            }
            if (!entries.TryGetValue(key, out var entry))
            {
                problems.Add($"{parameter.Name} maps to {key}, which the file does not have");
                continue;
            }
            if (takenBy.TryGetValue(key, out var other))
            {
                problems.Add($"{parameter.Name} and {other} both map to {key}");
                continue;
            }
            takenBy[key] = parameter.Name;
            if (!entry.Shape.SequenceEqual(parameter.Shape.Select(d => (long)d)))
            {
                problems.Add($"{parameter.Name} has shape [{string.Join(", ", parameter.Shape)}] but {key} has [{string.Join(", ", entry.Shape)}]");
                continue;
            }
            if (entry.DType is not ("F32" or "F16" or "BF16" or "F64"))
            {
                problems.Add($"{key} is {entry.DType}; {parameter.Name} needs floats (F32, F16, BF16 or F64)");
                continue;
            }
            if (entry.End > bytes.Length)
            {
                problems.Add($"{key} lies beyond the end of the data (the file is truncated)");
                continue;
            }
            Convert(bytes[(int)entry.Begin..(int)entry.End], entry.DType, staging.AsSpan(parameter.Offset, parameter.Length));
        }
        if (!options.AllowUnusedTensors)
        {
            var unused = header.Tensors.Where(t => !takenBy.ContainsKey(t.Name) && !IsBatchCounter(t)).Select(t => t.Name).ToList();
            if (unused.Count > 0)
                problems.Add($"the file has {unused.Count} tensor{(unused.Count == 1 ? "" : "s")} no parameter takes: {string.Join(", ", unused.Take(20))}{(unused.Count > 20 ? " ..." : "")}");
        }
        if (problems.Count > 0)
            throw new InvalidDataException($"The PyTorch weights do not fit network {network.Name} by the name map: {string.Join("; ", problems.Take(20))}{(problems.Count > 20 ? FormattableString.Invariant($"; and {problems.Count - 20} more problems") : "")}.");
        store.ReplaceAll(staging);
    }

    /// <summary>BatchNorm's num_batches_tracked: an int64 scalar counting training steps.</summary>
    private static bool IsBatchCounter(SafeTensorsEntry entry) =>
        entry.Name.EndsWith(BatchCounterSuffix, StringComparison.Ordinal) && entry.DType == "I64" && entry.Shape.All(d => d == 1);

    private static void Convert(ReadOnlySpan<byte> bytes, string dtype, Span<float> destination)
    {
        switch (dtype)
        {
            case "F32":
                for (var i = 0; i < destination.Length; i++)
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * 4));
                break;
            case "F16":
                for (var i = 0; i < destination.Length; i++)
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.Slice(i * 2));
                break;
            case "BF16":
                for (var i = 0; i < destination.Length; i++)
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(i * 2)) << 16);
                break;
            default:
                for (var i = 0; i < destination.Length; i++)
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(i * 8));
                break;
        }
    }
}
