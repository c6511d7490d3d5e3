using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace ConvForge.Runtime.Tests.Weights;

public sealed class SafeTensorsTests
{
    /// <summary>Conv1 [64, 3, 3, 3] + [64], BatchNorm, Dense: the shapes the messages below quote.</summary>
    private static NetworkDefinition Network()
    {
        var b = new NetworkBuilder("Tiny", new TensorShape(3, 4, 4));
        var conv = b.Conv("Conv1", b.Input, 64, KernelWindow.Square(3, padding: 1));
        var bn = b.BatchNorm("Conv1.Bn", conv);
        b.Dense("Output", b.GlobalAvgPool("Pool", bn), 2);
        return b.Build();
    }

    private static ParameterStore Initialized(ulong seed = 1)
    {
        var store = new ParameterStore(Network());
        store.Initialize(seed);
        // Random BatchNorm statistics and biases, so zeros and ones cannot hide a mix-up.
        var random = new DeterministicRandom(seed + 100);
        var values = store.GetWritableValues();
        foreach (var name in new[] { "Conv1.Bias", "Conv1.Bn.Beta", "Conv1.Bn.RunningMean", "Output.Bias" })
        {
            var parameter = store.GetParameter(name);
            for (var i = 0; i < parameter.Length; i++)
                values[parameter.Offset + i] = (float)random.NextDouble(-1, 1);
        }
        return store;
    }

    private static byte[] Saved(ParameterStore store, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var stream = new MemoryStream();
        store.Save(stream);
        if (metadata is not null)
        {
            stream.SetLength(0);
            SafeTensors.Save(store, stream, metadata);
        }
        return stream.ToArray();
    }

    /// <summary>A file written by hand: 8-byte length, the JSON as given, then the data.</summary>
    private static byte[] File(string json, byte[] data, ulong? headerLength = null)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    /// <summary>The file <see cref="Saved"/> writes, with its JSON header rewritten by <paramref name="edit"/>.</summary>
    private static byte[] WithHeader(ParameterStore store, Func<Dictionary<string, JsonElement>, object> edit)
    {
        var bytes = Saved(store);
        var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(bytes.AsSpan(8, length))!;
        var json = JsonSerializer.Serialize(edit(header));
        return File(json, bytes.AsSpan(8 + length).ToArray());
    }

    private static object Entry(string dtype, long[] shape, long begin, long end) =>
        new Dictionary<string, object> { ["dtype"] = dtype, ["shape"] = shape, ["data_offsets"] = new[] { begin, end } };

    private static InvalidDataException LoadFails(byte[] file, SafeTensorsLoadOptions? options = null, ParameterStore? store = null)
    {
        store ??= Initialized(7);
        var before = store.Values.ToArray();
        var version = store.Version;
        var error = Assert.Throws<InvalidDataException>(() => store.Load(new MemoryStream(file), options));
        // A failed load changes nothing.
        Assert.True(before.AsSpan().SequenceEqual(store.Values));
        Assert.Equal(version, store.Version);
        return error;
    }

    [Fact]
    public void Save_then_load_round_trips_every_value()
    {
        var source = Initialized(1);
        var target = new ParameterStore(Network());
        var version = target.Version;
        target.Load(new MemoryStream(Saved(source)));
        Assert.True(source.Values.SequenceEqual(target.Values));
        Assert.True(target.Version > version);
    }

    [Fact]
    public void Save_and_load_by_path_replace_the_file_and_leave_no_partial_file()
    {
        var directory = Path.Combine(Path.GetTempPath(), "convforge-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var path = Path.Combine(directory, "tiny.safetensors");
            System.IO.File.WriteAllText(path, "old contents");
            var source = Initialized(2);
            source.Save(path);
            Assert.Equal(new[] { path }, Directory.GetFiles(directory));
            var target = new ParameterStore(Network());
            target.Load(path);
            Assert.True(source.Values.SequenceEqual(target.Values));
            Assert.Equal(source.Parameters.Count, SafeTensors.ReadHeader(path).Tensors.Count);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_file_follows_the_format_byte_for_byte()
    {
        var store = Initialized(3);
        var bytes = Saved(store, new Dictionary<string, string> { ["epoch"] = "12" });
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + headerLength) % 8);   // data aligned to 8 bytes, header padded with spaces

        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        var metadata = header.RootElement.GetProperty("__metadata__");
        Assert.Equal("Tiny", metadata.GetProperty("network").GetString());
        Assert.Equal("12", metadata.GetProperty("epoch").GetString());

        var dataStart = 8 + headerLength;
        long expectedBegin = 0;
        foreach (var parameter in store.Parameters)
        {
            var entry = header.RootElement.GetProperty(parameter.Name);
            Assert.Equal("F32", entry.GetProperty("dtype").GetString());
            Assert.Equal(parameter.Shape, entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
            var offsets = entry.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            Assert.Equal(new[] { expectedBegin, expectedBegin + parameter.Length * 4L }, offsets);
            var tensor = store.GetTensor(parameter);
            for (var i = 0; i < parameter.Length; i++)
                Assert.Equal(tensor[i], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(dataStart + offsets[0] + 4 * i))));
            expectedBegin = offsets[1];
        }
        Assert.Equal(dataStart + expectedBegin, bytes.Length);
    }

    [Fact]
    public void ReadHeader_lists_the_tensors_and_metadata()
    {
        var store = Initialized(3);
        var header = SafeTensors.ReadHeader(new MemoryStream(Saved(store)));
        Assert.Equal(store.Parameters.Select(p => p.Name), header.Tensors.Select(t => t.Name));
        var conv = header.Tensors[0];
        Assert.Equal("F32", conv.DType);
        Assert.Equal(new long[] { 64, 3, 3, 3 }, conv.Shape);
        Assert.Equal((0L, 64 * 27 * 4L), (conv.Begin, conv.End));
        Assert.Equal("ConvForge", header.Metadata["producer"]);
        Assert.Equal(header.DataLength, header.Tensors[^1].End);
    }

    [Fact]
    public void Loads_from_a_stream_that_cannot_seek_with_tensors_in_any_order_and_gaps()
    {
        var source = Initialized(4);
        // Written by hand: tensors in reverse order, 12 unused bytes before each, no header padding.
        var data = new List<byte>();
        var entries = new Dictionary<string, object> { ["__metadata__"] = new Dictionary<string, string> { ["format"] = "pt" } };
        foreach (var parameter in source.Parameters.Reverse())
        {
            data.AddRange(new byte[12]);
            var begin = data.Count;
            foreach (var v in source.GetTensor(parameter).ToArray())
                data.AddRange(BitConverter.GetBytes(v));
            entries[parameter.Name] = Entry("F32", parameter.Shape.Select(d => (long)d).ToArray(), begin, data.Count);
        }
        var file = File(JsonSerializer.Serialize(entries), data.ToArray());
        var target = new ParameterStore(Network());
        target.Load(new NonSeekableStream(file));
        Assert.True(source.Values.SequenceEqual(target.Values));
    }

    [Fact]
    public void F16_BF16_and_F64_tensors_are_converted_to_F32()
    {
        var b = new NetworkBuilder("Half", new TensorShape(1, 1, 1));
        b.Dense("A", b.Input, 3);
        var store = new ParameterStore(b.Build());
        var weight = new[] { 1.5f, -2f, 0.333251953125f };      // exact in F16
        var bias = new[] { 3.140625f, -0.0078125f, 65280f };     // exact in BF16
        var data = new List<byte>();
        foreach (var v in weight)
            data.AddRange(BitConverter.GetBytes(BitConverter.HalfToUInt16Bits((Half)v)));
        foreach (var v in bias)
            data.AddRange(BitConverter.GetBytes((ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)));
        var json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["A.Weight"] = Entry("F16", new long[] { 3, 1 }, 0, 6),
            ["A.Bias"] = Entry("BF16", new long[] { 3 }, 6, 12),
        });
        store.Load(new MemoryStream(File(json, data.ToArray())));
        Assert.Equal(weight, store.GetTensor("A.Weight").ToArray());
        Assert.Equal(bias, store.GetTensor("A.Bias").ToArray());

        var doubles = new[] { 0.1, -1e-3, 12.5 };
        var json64 = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["A.Weight"] = Entry("F64", new long[] { 3, 1 }, 0, 24),
            ["A.Bias"] = Entry("F64", new long[] { 3 }, 24, 48),
        });
        var data64 = doubles.Concat(doubles).SelectMany(BitConverter.GetBytes).ToArray();
        store.Load(new MemoryStream(File(json64, data64)));
        Assert.Equal(doubles.Select(d => (float)d), store.GetTensor("A.Bias").ToArray());
    }

    [Fact]
    public void Missing_tensor_is_named()
    {
        var file = WithHeader(Initialized(), h => h.Where(p => p.Key != "Conv1.Weight").ToDictionary(p => p.Key, p => (object)p.Value));
        var error = LoadFails(file);
        Assert.Contains("The safetensors file does not match network Tiny: Conv1.Weight is missing from the file.", error.Message);
    }

    [Fact]
    public void Missing_tensors_can_be_allowed_and_keep_their_values()
    {
        var target = Initialized(8);
        var kept = target.GetTensor("Output.Weight").ToArray();
        var file = WithHeader(Initialized(9), h => h.Where(p => p.Key != "Output.Weight").ToDictionary(p => p.Key, p => (object)p.Value));
        target.Load(new MemoryStream(file), new SafeTensorsLoadOptions { AllowMissingTensors = true });
        Assert.Equal(kept, target.GetTensor("Output.Weight").ToArray());
        Assert.True(Initialized(9).GetTensor("Conv1.Weight").SequenceEqual(target.GetTensor("Conv1.Weight")));
    }

    [Fact]
    public void Extra_tensors_are_an_error_unless_allowed()
    {
        var source = Initialized(5);
        var file = WithHeader(source, h =>
        {
            var edited = h.ToDictionary(p => p.Key, p => (object)p.Value);
            var end = h.Values.Where(v => v.ValueKind == JsonValueKind.Object && v.TryGetProperty("data_offsets", out _))
                .Max(v => v.GetProperty("data_offsets")[1].GetInt64());
            edited["Classifier.Weight"] = Entry("F32", new long[] { 0 }, end, end);
            return edited;
        });
        var error = LoadFails(file);
        Assert.Contains("the file has a tensor the network does not: Classifier.Weight (set AllowExtraTensors to ignore it)", error.Message);

        var target = new ParameterStore(Network());
        target.Load(new MemoryStream(file), new SafeTensorsLoadOptions { AllowExtraTensors = true });
        Assert.True(source.Values.SequenceEqual(target.Values));
    }

    [Fact]
    public void Wrong_shape_gives_both_shapes()
    {
        var file = WithHeader(Initialized(), h =>
        {
            var edited = h.ToDictionary(p => p.Key, p => (object)p.Value);
            edited["Conv1.Weight"] = Entry("F32", new long[] { 32, 3, 3, 3 }, 0, 32 * 27 * 4);
            return edited;
        });
        var error = LoadFails(file);
        Assert.Contains("Conv1.Weight has shape [64, 3, 3, 3] in the network but [32, 3, 3, 3] in the file", error.Message);
    }

    [Fact]
    public void Several_mismatches_are_reported_together()
    {
        var file = WithHeader(Initialized(), h =>
        {
            var edited = h.Where(p => p.Key != "Output.Bias").ToDictionary(p => p.Key, p => (object)p.Value);
            edited["Conv1.Bias"] = Entry("F32", new long[] { 16, 4 }, 64 * 27 * 4, 64 * 27 * 4 + 256);
            return edited;
        });
        var error = LoadFails(file);
        Assert.Contains("Conv1.Bias has shape [64] in the network but [16, 4] in the file", error.Message);
        Assert.Contains("Output.Bias is missing from the file", error.Message);
    }

    [Fact]
    public void Wrong_dtype_is_named()
    {
        var file = WithHeader(Initialized(), h =>
        {
            var edited = h.ToDictionary(p => p.Key, p => (object)p.Value);
            var offsets = h["Conv1.Bias"].GetProperty("data_offsets");
            edited["Conv1.Bias"] = Entry("I32", new long[] { 64 }, offsets[0].GetInt64(), offsets[1].GetInt64());
            return edited;
        });
        Assert.Contains("Conv1.Bias has dtype I32 in the file; only F32, F16, BF16 and F64 can be loaded", LoadFails(file).Message);
    }

    [Fact]
    public void Unknown_dtype_is_malformed()
    {
        var file = File("{\"Conv1.Bias\":{\"dtype\":\"Q4\",\"shape\":[64],\"data_offsets\":[0,32]}}", new byte[32]);
        Assert.Contains("Conv1.Bias has an unknown dtype \"Q4\"", LoadFails(file).Message);
    }

    [Fact]
    public void File_shorter_than_the_length_prefix_is_truncated()
    {
        var error = LoadFails(new byte[5]);
        Assert.Contains("truncated: it has 5 bytes, fewer than the 8-byte header length", error.Message);
    }

    [Fact]
    public void Header_length_beyond_the_file_is_named()
    {
        var file = File("{}", Array.Empty<byte>(), headerLength: 1000);
        Assert.Contains("header length (1000 bytes) goes beyond the end of the file (2 bytes follow the 8-byte length)", LoadFails(file).Message);
    }

    [Fact]
    public void Header_length_beyond_the_data_of_a_stream_that_cannot_seek_is_truncation()
    {
        var file = File("{}", Array.Empty<byte>(), headerLength: 1000);
        var store = new ParameterStore(Network());
        var error = Assert.Throws<InvalidDataException>(() => store.Load(new NonSeekableStream(file)));
        Assert.Contains("the header should have 1000 bytes but the data ends after 2", error.Message);
        var huge = File("{}", Array.Empty<byte>(), headerLength: ulong.MaxValue);
        Assert.Contains("is larger than 100000000 bytes", Assert.Throws<InvalidDataException>(() => store.Load(new NonSeekableStream(huge))).Message);
    }

    [Theory]
    [InlineData("{\"Conv1.Weight\": {\"dtype\": \"F32\",", "not valid JSON")]
    [InlineData("[1, 2, 3]", "must be a JSON object, not an array")]
    [InlineData("{\"Conv1.Weight\": 3}", "entry for Conv1.Weight must be an object, not a number")]
    [InlineData("{\"Conv1.Weight\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", "Conv1.Weight has no \"dtype\" string")]
    [InlineData("{\"Conv1.Weight\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", "shape entry -1 that is not a non-negative integer")]
    [InlineData("{\"Conv1.Weight\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", "no \"data_offsets\" array of two integers")]
    [InlineData("{\"Conv1.Weight\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]}}", "the end comes before the beginning")]
    [InlineData("{\"Conv1.Weight\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}", "Conv1.Weight has shape [2] of F32, which takes 8 bytes, but its data_offsets [0, 4] span 4")]
    [InlineData("{\"__metadata__\": {\"epoch\": 3}}", "metadata value \"epoch\" must be a string")]
    [InlineData("{\"A\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [0, 4]}, \"A\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [4, 8]}}", "lists \"A\" twice")]
    public void Malformed_headers_say_what_is_wrong(string json, string expected)
    {
        var file = File(json, new byte[64]);
        Assert.Contains(expected, LoadFails(file).Message);
    }

    [Fact]
    public void Data_offsets_beyond_the_data_section_are_named()
    {
        var bytes = Saved(Initialized());
        var truncated = bytes.AsSpan(0, bytes.Length - 4).ToArray();   // the last tensor loses a float
        var error = LoadFails(truncated);
        Assert.Contains("Output.Bias has data_offsets", error.Message);
        Assert.Contains("beyond the end of the data section", error.Message);
    }

    [Fact]
    public void Truncated_data_in_a_stream_that_cannot_seek_names_the_tensor()
    {
        var store = Initialized(7);
        var before = store.Values.ToArray();
        var bytes = Saved(Initialized());
        var truncated = bytes.AsSpan(0, bytes.Length - 4).ToArray();
        var error = Assert.Throws<InvalidDataException>(() => store.Load(new NonSeekableStream(truncated)));
        Assert.Contains("truncated: Output.Bias needs bytes", error.Message);
        Assert.True(before.AsSpan().SequenceEqual(store.Values));
    }

    [Fact]
    public void Overlapping_tensors_are_named()
    {
        var file = WithHeader(Initialized(), h =>
        {
            var edited = h.ToDictionary(p => p.Key, p => (object)p.Value);
            // Conv1.Bias moved onto the end of Conv1.Weight.
            edited["Conv1.Bias"] = Entry("F32", new long[] { 64 }, 64 * 27 * 4 - 8, 64 * 27 * 4 - 8 + 256);
            return edited;
        });
        var error = LoadFails(file);
        Assert.Contains("Conv1.Bias (bytes [6904, 7160)) overlaps Conv1.Weight (bytes [0, 6912))", error.Message);
    }

    [Fact]
    public void Errors_from_a_path_name_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"convforge-{Guid.NewGuid():N}.safetensors");
        try
        {
            System.IO.File.WriteAllBytes(path, new byte[3]);
            var store = new ParameterStore(Network());
            var error = Assert.Throws<InvalidDataException>(() => store.Load(path));
            Assert.StartsWith(path + ": ", error.Message);
            Assert.Throws<FileNotFoundException>(() => store.Load(path + ".missing"));
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    /// <summary>A read-only stream that hides its length and cannot seek, like a network or pipe stream.</summary>
    private sealed class NonSeekableStream : Stream
    {
        private readonly MemoryStream inner;

        public NonSeekableStream(byte[] data) => inner = new MemoryStream(data);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        // Hand out at most 1000 bytes per call, as real streams may.
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 1000));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
