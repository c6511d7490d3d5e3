using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace ConvForge;

/// <summary>What <see cref="SafeTensors.Load(ParameterStore, Stream, SafeTensorsLoadOptions?)"/> tolerates.</summary>
public sealed class SafeTensorsLoadOptions
{
    /// <summary>Ignore tensors in the file that the network does not have (default: an error).</summary>
    public bool AllowExtraTensors { get; init; }

    /// <summary>
    /// Keep the current values of the network's tensors that the file lacks (default: an error).
    /// For transfer learning: load a trunk, keep a freshly initialized head.
    /// </summary>
    public bool AllowMissingTensors { get; init; }
}

/// <summary>One tensor listed in a safetensors header.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="DType">The element type as written: "F32", "F16", "BF16", "F64", "I64" ...</param>
/// <param name="Shape">The dimensions.</param>
/// <param name="Begin">First byte, relative to the start of the data section.</param>
/// <param name="End">One past the last byte, relative to the start of the data section.</param>
public sealed record SafeTensorsEntry(string Name, string DType, IReadOnlyList<long> Shape, long Begin, long End)
{
    /// <summary>"Conv1.Weight F32 [64, 3, 3, 3] @[0, 6912)".</summary>
    public override string ToString() =>
        FormattableString.Invariant($"{Name} {DType} [{string.Join(", ", Shape)}] @[{Begin}, {End})");
}

/// <summary>The header of a safetensors file: its tensors and its string metadata.</summary>
public sealed class SafeTensorsHeader
{
    internal SafeTensorsHeader(IReadOnlyList<SafeTensorsEntry> tensors, IReadOnlyDictionary<string, string> metadata, long headerLength, long? dataLength)
    {
        Tensors = tensors;
        Metadata = metadata;
        HeaderLength = headerLength;
        DataLength = dataLength;
    }

    /// <summary>The tensors, in the order the header lists them.</summary>
    public IReadOnlyList<SafeTensorsEntry> Tensors { get; }
    /// <summary>The "__metadata__" entries (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>Bytes of JSON after the 8-byte length prefix.</summary>
    public long HeaderLength { get; }
    /// <summary>Bytes in the data section, when the stream's length is known.</summary>
    public long? DataLength { get; }
}

/// <summary>
/// Reads and writes network parameters in the safetensors format (Hugging Face): an 8-byte
/// little-endian header length, a JSON header mapping each tensor name to its dtype, shape and byte
/// range, then the raw little-endian data. Tensor names are parameter names ("Conv1.Weight").
/// </summary>
/// <remarks>
/// Loading checks the whole file against the network before it changes anything, and throws
/// <see cref="InvalidDataException"/> naming what is wrong: a truncated file, a header length past
/// the end, bad JSON, a missing or unexpected tensor, a wrong dtype or shape (both shapes given),
/// byte ranges out of bounds or overlapping. F32 loads as is; F16, BF16 and F64 are converted.
/// Uses only System.Text.Json's reader and writer: no reflection, safe for trimming and NativeAOT.
/// </remarks>
public static class SafeTensors
{
    /// <summary>The largest header accepted (the reference implementation's limit).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const int MaxProblemsListed = 20;

    /// <summary>How many names a message lists as examples (tensor names, files in a directory).</summary>
    private const int NamesListed = 3;

    /// <summary>The metadata key under which <see cref="Save(ParameterStore, Stream, IReadOnlyDictionary{string, string}?)"/> writes the network's name.</summary>
    public const string NetworkMetadataKey = "network";

    /// <summary>Writes <paramref name="store"/>'s tensors to <paramref name="path"/> (replacing it only once fully written).</summary>
    public static void Save(ParameterStore store, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (store is null)
            throw new ArgumentNullException(nameof(store));
        if (string.IsNullOrEmpty(path))
            throw new ArgumentException("A path is required.", nameof(path));
        var temporary = path + ".partial";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
                Save(store, stream, metadata);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
                File.Delete(temporary);
        }
    }

    /// <summary>
    /// Writes <paramref name="store"/>'s tensors as F32 in parameter order, with the network's name in the
    /// metadata ("network") plus <paramref name="metadata"/>. The header is padded with spaces so the data
    /// starts at a multiple of 8 bytes.
    /// </summary>
    public static void Save(ParameterStore store, Stream destination, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (store is null)
            throw new ArgumentNullException(nameof(store));
        if (destination is null)
            throw new ArgumentNullException(nameof(destination));

        var header = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            var allMetadata = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                [NetworkMetadataKey] = store.Network.Name,
                ["producer"] = "ConvForge",
            };
            if (metadata is not null)
            {
                foreach (var pair in metadata)
                    allMetadata[pair.Key] = pair.Value ?? throw new ArgumentException($"Metadata value for {pair.Key} is null.", nameof(metadata));
            }
            foreach (var pair in allMetadata)
                json.WriteString(pair.Key, pair.Value);
            json.WriteEndObject();

            long offset = 0;
            foreach (var parameter in store.Parameters)
            {
                json.WriteStartObject(parameter.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (var dim in parameter.Shape)
                    json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += (long)parameter.Length * sizeof(float);
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }

        var headerLength = (header.WrittenCount + 7) / 8 * 8;
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)headerLength);
        destination.Write(prefix);
        destination.Write(header.WrittenSpan);
        for (var i = header.WrittenCount; i < headerLength; i++)
            destination.WriteByte((byte)' ');

        foreach (var parameter in store.Parameters)
            WriteFloats(destination, store.GetTensor(parameter));
        destination.Flush();
    }

    /// <summary>Reads <paramref name="store"/>'s tensors from the file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is malformed or does not match the network; the message names the file and the problem.</exception>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>; the message gives the full path.</exception>
    /// <exception cref="IOException"><paramref name="path"/> is a directory; the message names the safetensors files in it.</exception>
    public static void Load(ParameterStore store, string path, SafeTensorsLoadOptions? options = null)
    {
        using var stream = OpenRead(path);
        try
        {
            Load(store, stream, options);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException(stream.Name + ": " + e.Message, e);
        }
    }

    /// <summary>
    /// Reads <paramref name="store"/>'s tensors from <paramref name="source"/> (read from its current
    /// position; it need not be seekable). Everything is checked before the store changes; on success
    /// the store's version increases once.
    /// </summary>
    /// <exception cref="InvalidDataException">The data is malformed or does not match the network.</exception>
    public static void Load(ParameterStore store, Stream source, SafeTensorsLoadOptions? options = null)
    {
        if (store is null)
            throw new ArgumentNullException(nameof(store));
        if (source is null)
            throw new ArgumentNullException(nameof(source));
        options ??= new SafeTensorsLoadOptions();

        var header = ReadHeader(source);
        var toLoad = Match(store, header, options);

        // Read into a copy so that a file truncated halfway leaves the store as it was.
        var staging = store.Values.ToArray();
        toLoad.Sort((a, b) => a.Entry.Begin.CompareTo(b.Entry.Begin));
        long position = 0;
        byte[]? scratch = null;
        try
        {
            foreach (var (entry, parameter) in toLoad)
            {
                Skip(source, entry.Begin - position, ref scratch, entry);
                ReadTensor(source, entry, staging.AsSpan(parameter.Offset, parameter.Length), ref scratch);
                position = entry.End;
            }
        }
        finally
        {
            if (scratch is not null)
                ArrayPool<byte>.Shared.Return(scratch);
        }
        store.ReplaceAll(staging);
    }

    /// <summary>Reads and checks the header of the file at <paramref name="path"/>.</summary>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        using var stream = OpenRead(path);
        try
        {
            return ReadHeader(stream);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException(stream.Name + ": " + e.Message, e);
        }
    }

    /// <summary>
    /// Reads and checks the header at <paramref name="source"/>'s position, leaving the stream at the
    /// start of the data section: the JSON's form, the dtypes, and that each byte range matches its
    /// shape, lies inside the data section (when the stream's length is known) and overlaps no other.
    /// </summary>
    /// <exception cref="InvalidDataException">The header is malformed; the message says how.</exception>
    public static SafeTensorsHeader ReadHeader(Stream source)
    {
        if (source is null)
            throw new ArgumentNullException(nameof(source));
        long? available = source.CanSeek ? source.Length - source.Position : null;

        Span<byte> prefix = stackalloc byte[8];
        var got = ReadAtMost(source, prefix);
        if (got < 8)
            throw new InvalidDataException(Format($"The safetensors data is truncated: it has {got} bytes, fewer than the 8-byte header length that starts the format."));
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (available is long total && headerLength > (ulong)(total - 8))
            throw new InvalidDataException(Format($"The safetensors header length ({headerLength} bytes) goes beyond the end of the file ({total - 8} bytes follow the 8-byte length)."));
        if (headerLength > MaxHeaderLength)
            throw new InvalidDataException(Format($"The safetensors header length ({headerLength} bytes) is larger than {MaxHeaderLength} bytes: the data is not a safetensors file, or it is corrupt."));
        if (headerLength < 2)
            throw new InvalidDataException(Format($"The safetensors header length ({headerLength} bytes) is too small to hold a JSON object."));

        var json = new byte[(int)headerLength];
        got = ReadAtMost(source, json);
        if (got < json.Length)
            throw new InvalidDataException(Format($"The safetensors data is truncated: the header should have {json.Length} bytes but the data ends after {got}."));

        long? dataLength = available is long all ? all - 8 - (long)headerLength : null;
        var (entries, metadata) = ParseHeader(json);
        CheckRanges(entries, dataLength);
        return new SafeTensorsHeader(entries, metadata, (long)headerLength, dataLength);
    }

    /// <summary>Bytes per element of each dtype the format defines; the ones we convert are F32, F16, BF16 and F64.</summary>
    private static int ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" => 1,
        _ => 0,
    };

    private static bool CanConvert(string dtype) => dtype is "F32" or "F16" or "BF16" or "F64";

    private static (List<SafeTensorsEntry> Entries, Dictionary<string, string> Metadata) ParseHeader(byte[] json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException("The safetensors header is not valid JSON: " + e.Message, e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"The safetensors header must be a JSON object, not {Describe(root.ValueKind)}.");

            var entries = new List<SafeTensorsEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!names.Add(property.Name))
                    throw new InvalidDataException($"The safetensors header lists \"{property.Name}\" twice.");
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                        throw new InvalidDataException($"The safetensors \"__metadata__\" must be an object of strings, not {Describe(property.Value.ValueKind)}.");
                    foreach (var item in property.Value.EnumerateObject())
                    {
                        if (item.Value.ValueKind != JsonValueKind.String)
                            throw new InvalidDataException($"The safetensors metadata value \"{item.Name}\" must be a string, not {Describe(item.Value.ValueKind)}.");
                        metadata[item.Name] = item.Value.GetString()!;
                    }
                    continue;
                }
                entries.Add(ParseEntry(property.Name, property.Value));
            }
            return (entries, metadata);
        }
    }

    private static SafeTensorsEntry ParseEntry(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"The safetensors entry for {name} must be an object, not {Describe(value.ValueKind)}.");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"The safetensors entry for {name} has no \"dtype\" string.");
        var dtype = dtypeElement.GetString()!;
        if (ElementSize(dtype) == 0)
            throw new InvalidDataException($"The safetensors entry for {name} has an unknown dtype \"{dtype}\".");
        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"The safetensors entry for {name} has no \"shape\" array.");
        var shape = new List<long>();
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out var size) || size < 0)
                throw new InvalidDataException($"The safetensors entry for {name} has a shape entry {dim.GetRawText()} that is not a non-negative integer.");
            shape.Add(size);
        }
        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw new InvalidDataException($"The safetensors entry for {name} has no \"data_offsets\" array of two integers.");
        var begin = offsets[0];
        var end = offsets[1];
        if (begin.ValueKind != JsonValueKind.Number || !begin.TryGetInt64(out var beginValue) || beginValue < 0
            || end.ValueKind != JsonValueKind.Number || !end.TryGetInt64(out var endValue) || endValue < 0)
            throw new InvalidDataException($"The safetensors entry for {name} has data_offsets {offsets.GetRawText()}; they must be two non-negative integers.");
        return new SafeTensorsEntry(name, dtype, shape, beginValue, endValue);
    }

    private static void CheckRanges(List<SafeTensorsEntry> entries, long? dataLength)
    {
        foreach (var entry in entries)
        {
            if (entry.End < entry.Begin)
                throw new InvalidDataException(Format($"{entry.Name} has data_offsets [{entry.Begin}, {entry.End}]: the end comes before the beginning."));
            long elements = 1;
            try
            {
                foreach (var dim in entry.Shape)
                    elements = checked(elements * dim);
                var bytes = checked(elements * ElementSize(entry.DType));
                if (bytes != entry.End - entry.Begin)
                    throw new InvalidDataException(Format($"{entry.Name} has shape [{string.Join(", ", entry.Shape)}] of {entry.DType}, which takes {bytes} bytes, but its data_offsets [{entry.Begin}, {entry.End}] span {entry.End - entry.Begin}."));
            }
            catch (OverflowException)
            {
                throw new InvalidDataException(Format($"{entry.Name} has shape [{string.Join(", ", entry.Shape)}], too large to exist."));
            }
            if (dataLength is long length && entry.End > length)
                throw new InvalidDataException(Format($"{entry.Name} has data_offsets [{entry.Begin}, {entry.End}] beyond the end of the data section ({length} bytes): the file is truncated or its header is wrong."));
        }

        var byBegin = entries.ToArray();
        Array.Sort(byBegin, (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        SafeTensorsEntry? furthest = null;   // the entry reaching furthest so far
        foreach (var current in byBegin)
        {
            if (furthest is not null && current.Begin < furthest.End && current.End > current.Begin)
                throw new InvalidDataException(Format($"{current.Name} (bytes [{current.Begin}, {current.End})) overlaps {furthest.Name} (bytes [{furthest.Begin}, {furthest.End}))."));
            if (furthest is null || current.End > furthest.End)
                furthest = current;
        }
    }

    private static List<(SafeTensorsEntry Entry, ParameterInfo Parameter)> Match(ParameterStore store, SafeTensorsHeader header, SafeTensorsLoadOptions options)
    {
        var problems = new List<string>();
        var found = 0;
        var toLoad = new List<(SafeTensorsEntry, ParameterInfo)>();
        var inFile = new Dictionary<string, SafeTensorsEntry>(StringComparer.Ordinal);
        foreach (var entry in header.Tensors)
            inFile[entry.Name] = entry;

        foreach (var parameter in store.Parameters)
        {
            if (!inFile.TryGetValue(parameter.Name, out var entry))
            {
                if (!options.AllowMissingTensors)
                    problems.Add($"{parameter.Name} is missing from the file");
                continue;
            }
            found++;
            var shapeMatches = entry.Shape.Count == parameter.Shape.Count;
            for (var i = 0; shapeMatches && i < entry.Shape.Count; i++)
                shapeMatches = entry.Shape[i] == parameter.Shape[i];
            if (!shapeMatches)
                problems.Add($"{parameter.Name} has shape [{string.Join(", ", parameter.Shape)}] in the network but [{string.Join(", ", entry.Shape)}] in the file");
            else if (!CanConvert(entry.DType))
                problems.Add($"{parameter.Name} has dtype {entry.DType} in the file; only F32, F16, BF16 and F64 can be loaded");
            else
                toLoad.Add((entry, parameter));
        }

        if (!options.AllowExtraTensors)
        {
            var extra = new List<string>();
            foreach (var entry in header.Tensors)
            {
                if (!store.Contains(entry.Name))
                    extra.Add(entry.Name);
            }
            if (extra.Count > 0)
                problems.Add($"the file has {(extra.Count == 1 ? "a tensor" : "tensors")} the network does not: {string.Join(", ", extra)} (set AllowExtraTensors to ignore {(extra.Count == 1 ? "it" : "them")})");
        }

        if (problems.Count > 0)
            throw new InvalidDataException(DescribeMismatch(store, header, found, problems));
        return toLoad;
    }

    /// <summary>
    /// The message for a file that does not fit: first the overall picture when it is a file of another
    /// network (none or few of the names match, or its metadata names another network), then the problems.
    /// When no name matches, the problems would only list every tensor twice, so examples of both namings
    /// take their place.
    /// </summary>
    private static string DescribeMismatch(ParameterStore store, SafeTensorsHeader header, int found, List<string> problems)
    {
        var network = store.Network.Name;
        var parameters = store.Parameters.Count;
        var tensors = header.Tensors.Count;
        var savedFrom = header.Metadata.TryGetValue(NetworkMetadataKey, out var other) && other != network
            ? $" (the file was saved from network {other})"
            : "";
        var start = $"The safetensors file does not match network {network}{savedFrom}: ";

        if (found == 0 && parameters > 0 && tensors > 0)
        {
            return start + Format($"none of its {tensors} {Plural(tensors, "tensor")} is one of the network's {parameters} {Plural(parameters, "parameter")}. ")
                + $"The file has {Examples(header.Tensors, static entry => entry.Name)}; the network has {Examples(store.Parameters, static parameter => parameter.Name)}.";
        }

        var listed = problems.Count <= MaxProblemsListed ? problems : problems.GetRange(0, MaxProblemsListed);
        var more = problems.Count - listed.Count;
        var few = found * 2 < parameters
            ? Format($"only {found} of the network's {parameters} parameters are in the file, which has {tensors} {Plural(tensors, "tensor")}. ")
            : "";
        return start + few + string.Join("; ", listed) + (more > 0 ? Format($"; and {more} more problems.") : ".");
    }

    private static string Examples<T>(IReadOnlyList<T> items, Func<T, string> name)
    {
        var names = new List<string>();
        for (var i = 0; i < items.Count && i < NamesListed; i++)
            names.Add(name(items[i]));
        return string.Join(", ", names) + (items.Count > NamesListed ? ", ..." : "");
    }

    private static string Plural(int count, string noun) => count == 1 ? noun : noun + "s";

    private static void Skip(Stream source, long count, ref byte[]? scratch, SafeTensorsEntry next)
    {
        if (count <= 0)
            return;
        if (source.CanSeek)
        {
            source.Seek(count, SeekOrigin.Current);
            return;
        }
        scratch ??= ArrayPool<byte>.Shared.Rent(1 << 16);
        while (count > 0)
        {
            var chunk = (int)Math.Min(count, scratch.Length);
            if (ReadAtMost(source, scratch.AsSpan(0, chunk)) < chunk)
                throw Truncated(next);
            count -= chunk;
        }
    }

    private static void ReadTensor(Stream source, SafeTensorsEntry entry, Span<float> destination, ref byte[]? scratch)
    {
        if (entry.DType == "F32" && BitConverter.IsLittleEndian)
        {
            if (ReadAtMost(source, MemoryMarshal.AsBytes(destination)) < destination.Length * sizeof(float))
                throw Truncated(entry);
            return;
        }

        var elementSize = ElementSize(entry.DType);
        scratch ??= ArrayPool<byte>.Shared.Rent(1 << 16);
        var perChunk = scratch.Length / elementSize;
        for (var done = 0; done < destination.Length; done += perChunk)
        {
            var count = Math.Min(perChunk, destination.Length - done);
            var bytes = scratch.AsSpan(0, count * elementSize);
            if (ReadAtMost(source, bytes) < bytes.Length)
                throw Truncated(entry);
            var target = destination.Slice(done, count);
            for (var i = 0; i < count; i++)
            {
                var item = bytes.Slice(i * elementSize, elementSize);
                target[i] = entry.DType switch
                {
                    "F32" => BinaryPrimitives.ReadSingleLittleEndian(item),
                    "F16" => (float)BinaryPrimitives.ReadHalfLittleEndian(item),
                    "BF16" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(item) << 16),
                    _ => (float)BinaryPrimitives.ReadDoubleLittleEndian(item),
                };
            }
        }
    }

    private static void WriteFloats(Stream destination, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            destination.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        Span<byte> buffer = stackalloc byte[4];
        foreach (var value in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(buffer, value);
            destination.Write(buffer);
        }
    }

    private static InvalidDataException Truncated(SafeTensorsEntry entry) =>
        new(Format($"The safetensors data is truncated: {entry.Name} needs bytes [{entry.Begin}, {entry.End}) of the data section, but the data ends before that."));

    private static int ReadAtMost(Stream source, Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = source.Read(buffer.Slice(total));
            if (read == 0)
                break;
            total += read;
        }
        return total;
    }

    /// <summary>
    /// Opens the file, first saying plainly what the operating system would not: that the path is a
    /// directory (it reports "Access to the path is denied") or that the file does not exist, with the full path.
    /// </summary>
    private static FileStream OpenRead(string path)
    {
        if (string.IsNullOrEmpty(path))
            throw new ArgumentException("A path is required.", nameof(path));
        var fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath))
            throw new IOException(DescribeDirectory(fullPath));
        if (!File.Exists(fullPath))
        {
            var directory = Path.GetDirectoryName(fullPath);
            var detail = directory is not null && !Directory.Exists(directory) ? $" (nor does its directory {directory})" : "";
            throw new FileNotFoundException($"The safetensors file {fullPath} does not exist{detail}.", fullPath);
        }
        return new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    private static string DescribeDirectory(string fullPath)
    {
        var message = $"{fullPath} is a directory, not a safetensors file";
        string[] files;
        try
        {
            files = Directory.GetFiles(fullPath, "*.safetensors");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return message + ".";
        }
        if (files.Length == 0)
            return message + "; it holds no .safetensors file.";
        if (files.Length == 1)
            return message + $"; the safetensors file in it is {files[0]}.";
        Array.Sort(files, StringComparer.Ordinal);
        var names = new List<string>();
        for (var i = 0; i < files.Length && i < NamesListed; i++)
            names.Add(Path.GetFileName(files[i]));
        var more = files.Length > NamesListed ? Format($" and {files.Length - NamesListed} more") : "";
        return message + Format($"; it holds {files.Length} safetensors files: ") + string.Join(", ", names) + more + ".";
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
