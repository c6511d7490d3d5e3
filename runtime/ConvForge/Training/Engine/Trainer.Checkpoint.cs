using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace ConvForge.Training;

public sealed partial class Trainer<TNetwork>
{
    /// <summary>The metadata key naming a trainer checkpoint's format.</summary>
    public const string CheckpointFormat = "convforge-checkpoint/1";

    /// <summary>Prefix of the optimizer state tensors: "optimizer/{state buffer}/{parameter}".</summary>
    public const string OptimizerTensorPrefix = "optimizer/";

    /// <summary>
    /// Writes one safetensors file: every parameter under its name (as <see cref="ParameterStore.Save(string)"/> does), the
    /// optimizer's state per trainable tensor as "optimizer/{buffer}/{parameter}", and in the metadata the format, network,
    /// step, epoch, seed, optimizer kind and optimizer step count. The file is replaced only once fully written.
    /// </summary>
    public void SaveCheckpoint(string path)
    {
        if (string.IsNullOrEmpty(path))
            throw new ArgumentException("A path is required.", nameof(path));
        var temporary = path + ".partial";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
                SaveCheckpoint(stream);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
                File.Delete(temporary);
        }
    }

    /// <summary>Writes the checkpoint of <see cref="SaveCheckpoint(string)"/> to <paramref name="destination"/>.</summary>
    public void SaveCheckpoint(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var definition = TNetwork.Definition;
        var values = network.Parameters.Values.ToArray();
        var state = Optimizer.ExportState();
        int origin = Schedule.ParameterGradientOrigin;
        var tensors = new List<(string Name, IReadOnlyList<int> Shape, float[] Source, int Offset, int Length)>();
        foreach (var parameter in definition.Parameters)
            tensors.Add((parameter.Name, parameter.Shape, values, parameter.Offset, parameter.Length));
        foreach (var buffer in Optimizer.StateNames)
        {
            foreach (var parameter in Schedule.TrainableParameters)
                tensors.Add((OptimizerTensorPrefix + buffer + "/" + parameter.Name, parameter.Shape, state.Buffers[buffer], parameter.Offset - origin, parameter.Length));
        }
        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = CheckpointFormat,
            [SafeTensors.NetworkMetadataKey] = definition.Name,
            ["producer"] = "ConvForge",
            ["step"] = Step.ToString(CultureInfo.InvariantCulture),
            ["epoch"] = Epoch.ToString(CultureInfo.InvariantCulture),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            ["optimizer"] = Optimizer.GetType().Name,
            ["optimizer_step_count"] = state.StepCount.ToString(CultureInfo.InvariantCulture),
        };

        var header = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            foreach (var (key, value) in metadata)
                json.WriteString(key, value);
            json.WriteEndObject();
            long offset = 0;
            foreach (var tensor in tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int dim in tensor.Shape)
                    json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += (long)tensor.Length * sizeof(float);
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        // Spaces pad the header so the data starts at a multiple of 8 bytes, as the safetensors writers do.
        int padded = (header.WrittenCount + 7) / 8 * 8;
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
        destination.Write(prefix);
        destination.Write(header.WrittenSpan);
        for (int i = header.WrittenCount; i < padded; i++)
            destination.WriteByte((byte)' ');
        foreach (var tensor in tensors)
            WriteFloats(destination, tensor.Source.AsSpan(tensor.Offset, tensor.Length));
    }

    /// <summary>
    /// Restores parameters, optimizer state, step and epoch from a file <see cref="SaveCheckpoint(string)"/> wrote, so training
    /// continues bit-identically. Checks everything before changing anything.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint of this network, optimizer, frozen set and seed; the message says what differs.</exception>
    public void LoadCheckpoint(string path)
    {
        if (string.IsNullOrEmpty(path))
            throw new ArgumentException("A path is required.", nameof(path));
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            LoadCheckpoint(stream);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException(Path.GetFullPath(path) + ": " + e.Message, e);
        }
    }

    /// <summary>Restores the checkpoint of <see cref="LoadCheckpoint(string)"/> from <paramref name="source"/>.</summary>
    public void LoadCheckpoint(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        ObjectDisposedException.ThrowIf(disposed, this);
        var definition = TNetwork.Definition;
        var header = SafeTensors.ReadHeader(source);
        var metadata = header.Metadata;
        if (!metadata.TryGetValue("format", out var format) || format != CheckpointFormat)
            throw new InvalidDataException($"The file is not a ConvForge trainer checkpoint (its metadata has no format {CheckpointFormat}); to load weights alone use ParameterStore.Load.");
        string savedNetwork = Required(metadata, SafeTensors.NetworkMetadataKey);
        if (savedNetwork != definition.Name)
            throw new InvalidDataException($"The checkpoint was saved from network {savedNetwork}; this trainer trains {definition.Name}.");
        string savedOptimizer = Required(metadata, "optimizer");
        if (savedOptimizer != Optimizer.GetType().Name)
            throw new InvalidDataException($"The checkpoint holds the state of optimizer {savedOptimizer}; this trainer uses {Optimizer.GetType().Name}.");
        ulong seed = ParseUInt64(metadata, "seed");
        if (seed != options.Seed)
            throw new InvalidDataException($"The checkpoint was trained with seed {seed}; this trainer has seed {options.Seed}. Create the trainer with Seed = {seed} to continue bit-identically.");
        long step = ParseInt64(metadata, "step");
        long optimizerSteps = ParseInt64(metadata, "optimizer_step_count");
        int epoch = checked((int)ParseInt64(metadata, "epoch"));

        var entries = header.Tensors.ToDictionary(e => e.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        var wanted = new List<(SafeTensorsEntry Entry, float[] Target, int Offset)>();
        var requested = new HashSet<string>(StringComparer.Ordinal);
        var staging = network.Parameters.Values.ToArray();
        foreach (var parameter in definition.Parameters)
            Want(parameter.Name, parameter, staging, parameter.Offset);
        var buffers = new Dictionary<string, float[]>(StringComparer.Ordinal);
        int origin = Schedule.ParameterGradientOrigin;
        foreach (var buffer in Optimizer.StateNames)
        {
            var target = new float[Schedule.GradientLength];
            buffers.Add(buffer, target);
            foreach (var parameter in Schedule.TrainableParameters)
                Want(OptimizerTensorPrefix + buffer + "/" + parameter.Name, parameter, target, parameter.Offset - origin);
        }
        var extra = entries.Keys.Where(name => !requested.Contains(name)).ToList();
        if (extra.Count > 0)
        {
            problems.Add($"the file has {extra.Count} tensor(s) this trainer does not, e.g. {string.Join(", ", extra.Take(3))}"
                + (extra.Any(n => n.StartsWith(OptimizerTensorPrefix, StringComparison.Ordinal)) ? " (optimizer state of tensors frozen here: the checkpoint was trained with a different frozen set)" : ""));
        }
        if (problems.Count > 0)
            throw new InvalidDataException($"The checkpoint does not match this trainer of {definition.Name}: {string.Join("; ", problems.Take(10))}{(problems.Count > 10 ? $"; and {problems.Count - 10} more" : "")}.");

        wanted.Sort((a, b) => a.Entry.Begin.CompareTo(b.Entry.Begin));
        long position = 0;
        foreach (var (entry, target, offset) in wanted)
        {
            Skip(source, entry.Begin - position, entry);
            var destination = MemoryMarshal.AsBytes(target.AsSpan(offset, (int)((entry.End - entry.Begin) / sizeof(float))));
            if (ReadAtMost(source, destination) < destination.Length)
                throw new InvalidDataException($"The checkpoint is truncated: {entry.Name} needs bytes [{entry.Begin}, {entry.End}) of the data section.");
            if (!BitConverter.IsLittleEndian)
            {
                var words = MemoryMarshal.Cast<byte, int>(destination);
                for (int i = 0; i < words.Length; i++)
                    words[i] = BinaryPrimitives.ReverseEndianness(words[i]);
            }
            position = entry.End;
        }

        Optimizer.ImportState(new OptimizerState(optimizerSteps, buffers));
        staging.CopyTo(network.Parameters.GetWritableValues());
        Step = step;
        Epoch = epoch;
        packedVersion = -1;

        void Want(string name, ParameterInfo parameter, float[] target, int offset)
        {
            requested.Add(name);
            if (!entries.TryGetValue(name, out var entry))
            {
                problems.Add(name.StartsWith(OptimizerTensorPrefix, StringComparison.Ordinal)
                    ? $"{name} is missing (the checkpoint has no optimizer state for {parameter.Name}, trainable here: was it frozen when saved?)"
                    : $"{name} is missing");
                return;
            }
            if (entry.DType != "F32")
                problems.Add($"{name} is {entry.DType}; a checkpoint holds F32");
            else if (!entry.Shape.Select(d => (int)d).SequenceEqual(parameter.Shape))
                problems.Add($"{name} has shape [{string.Join(", ", entry.Shape)}] in the file but [{string.Join(", ", parameter.Shape)}] here");
            else
                wanted.Add((entry, target, offset));
        }
    }

    private static string Required(IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var value)
            ? value
            : throw new InvalidDataException($"The checkpoint's metadata has no \"{key}\".");

    private static long ParseInt64(IReadOnlyDictionary<string, string> metadata, string key) =>
        long.TryParse(Required(metadata, key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw new InvalidDataException($"The checkpoint's metadata \"{key}\" is {metadata[key]}, not a count.");

    private static ulong ParseUInt64(IReadOnlyDictionary<string, string> metadata, string key) =>
        ulong.TryParse(Required(metadata, key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidDataException($"The checkpoint's metadata \"{key}\" is {metadata[key]}, not an unsigned integer.");

    private static void WriteFloats(Stream destination, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            destination.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        Span<byte> word = stackalloc byte[4];
        foreach (float value in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(word, value);
            destination.Write(word);
        }
    }

    private static void Skip(Stream source, long count, SafeTensorsEntry next)
    {
        if (count <= 0)
            return;
        if (source.CanSeek)
        {
            source.Seek(count, SeekOrigin.Current);
            return;
        }
        var scratch = new byte[(int)Math.Min(count, 1 << 16)];
        while (count > 0)
        {
            int chunk = (int)Math.Min(count, scratch.Length);
            if (ReadAtMost(source, scratch.AsSpan(0, chunk)) < chunk)
                throw new InvalidDataException($"The checkpoint is truncated before {next.Name}.");
            count -= chunk;
        }
    }

    private static int ReadAtMost(Stream source, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = source.Read(buffer.Slice(total));
            if (read == 0)
                break;
            total += read;
        }
        return total;
    }
}
