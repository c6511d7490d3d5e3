using System;
using System.IO;
using System.Linq;
using System.Text;
using ConvForge.Compiler.WeightFiles;
using static ConvForge.Compiler.Tests.WeightFiles.TestWeightFiles;

namespace ConvForge.Compiler.Tests.WeightFiles;

public class WeightFileReaderTests
{
    private static WeightFileReadResult Read(byte[] file, WeightFileFormat format) => WeightFileReader.Read(new MemoryStream(file), format);

    [Fact]
    public void Safetensors_header_lists_names_types_and_shapes_in_order()
    {
        var file = SafeTensors(new Tensor("Conv1.Weight", new long[] { 8, 3, 3, 3 }), new Tensor("Conv1.Bias", new long[] { 8 }, "F16"));

        var table = Read(file, WeightFileFormat.SafeTensors).Table!;

        Assert.Equal(new[] { "Conv1.Weight F32 [8, 3, 3, 3]", "Conv1.Bias F16 [8]" }, table.Tensors.Select(t => t.ToString()));
        Assert.Empty(table.OnnxNodes);
    }

    [Fact]
    public void Safetensors_names_with_escapes_and_unknown_keys_are_read()
    {
        var header = "{\"a\\\"b\\u0041\":{\"dtype\":\"F32\",\"extra\":[1,{\"x\":null},true,-1.5e3],\"shape\":[2],\"data_offsets\":[0,8]}}";

        var table = Read(SafeTensorsWithHeader(header, dataBytes: 8), WeightFileFormat.SafeTensors).Table!;

        Assert.Equal("a\"bA", table.Tensors.Single().Name);
    }

    [Theory]
    [InlineData(new byte[0], "the file ends after 0 of the 8 bytes of the 8-byte header length")]
    [InlineData(new byte[] { 1, 2, 3 }, "the file ends after 3 of the 8 bytes")]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, "over the safetensors limit")]
    [InlineData(new byte[] { 100, 0, 0, 0, 0, 0, 0, 0, (byte)'{' }, "runs past the end of the 9-byte file")]
    public void Truncated_safetensors_prefixes_are_problems_not_exceptions(byte[] file, string expected)
    {
        var result = Read(file, WeightFileFormat.SafeTensors);

        Assert.Null(result.Table);
        Assert.Contains(expected, result.Problem);
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 8, "expected '}', but the header ends")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8", 8, "expected ']', but the header ends")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "outside the 4 bytes of data")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "needs 12 bytes but data_offsets give 8")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "lacks \"data_offsets\"")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "expected a non-negative integer")]
    [InlineData("[1, 2]", 0, "expected '{', found '['")]
    [InlineData("{\"__metadata__\":tru}", 0, "'tru' is not a JSON value")]
    [InlineData("{\"a\":tru}", 0, "expected '{', found 't'")]
    [InlineData("{\"a\\q\":1}", 0, "the escape \\q")]
    [InlineData("{} x", 0, "text after the header's object")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "listed twice")]
    public void Malformed_safetensors_headers_are_problems_naming_what_is_wrong(string header, int dataBytes, string expected)
    {
        var result = Read(SafeTensorsWithHeader(header, dataBytes), WeightFileFormat.SafeTensors);

        Assert.Null(result.Table);
        Assert.Contains(expected, result.Problem);
    }

    [Fact]
    public void Safetensors_header_nested_without_end_is_a_problem()
    {
        var header = "{\"__metadata__\":" + new string('[', 10_000);

        Assert.Contains("nested deeper than 64", Read(SafeTensorsWithHeader(header), WeightFileFormat.SafeTensors).Problem);
    }

    private static byte[] SmallOnnx() => Onnx(
        new[]
        {
            new OnnxNode("Conv", "conv1", new[] { "data", "w1", "b1" }, new[] { "c1" }),
            new OnnxNode("Relu", "relu1", new[] { "c1" }, new[] { "r1" }),
            new OnnxNode("Gemm", "", new[] { "r1", "fc_w" }, new[] { "fc_out" }, TransposeB: true),
        },
        new[] { new Tensor("w1", new long[] { 8, 3, 3, 3 }), new Tensor("b1", new long[] { 8 }), new Tensor("fc_w", new long[] { 10, 8 }) });

    [Fact]
    public void Onnx_header_lists_initializers_and_the_nodes_that_read_them()
    {
        var table = Read(SmallOnnx(), WeightFileFormat.Onnx).Table!;

        Assert.Equal(new[] { "w1 FLOAT [8, 3, 3, 3]", "b1 FLOAT [8]", "fc_w FLOAT [10, 8]" }, table.Tensors.Select(t => t.ToString()));
        Assert.Equal(new[] { "'conv1' (Conv)", "'fc_out' (Gemm)" }, table.OnnxNodes.Select(n => n.ToString()));
        Assert.Null(table.OnnxNodes[0].Input(0));
        Assert.Equal("w1", table.OnnxNodes[0].Input(1)!.Name);
        Assert.Equal("b1", table.OnnxNodes[0].Input(2)!.Name);
        Assert.True(table.OnnxNodes[1].TransposeB);
        Assert.False(table.OnnxNodes[0].TransposeB);
    }

    [Fact]
    public void Weights_from_Constant_nodes_and_through_Identity_nodes_count_as_constants()
    {
        var file = Onnx(
            new[]
            {
                new OnnxNode("Identity", "shared", new[] { "w1" }, new[] { "w1_shared" }),
                new OnnxNode("Conv", "conv1", new[] { "data", "w1_shared" }, new[] { "c1" }),
                new OnnxNode("Constant", "const", System.Array.Empty<string>(), new[] { "w2" }, Value: new Tensor("ignored", new long[] { 4, 8, 1, 1 })),
                new OnnxNode("Conv", "conv2", new[] { "c1", "w2" }, new[] { "c2" }),
            },
            new[] { new Tensor("w1", new long[] { 8, 3, 3, 3 }) });

        var convs = Read(file, WeightFileFormat.Onnx).Table!.OnnxNodes;

        Assert.Equal(new[] { "'conv1' (Conv)", "'conv2' (Conv)" }, convs.Select(c => c.ToString()));
        Assert.Equal("w1 FLOAT [8, 3, 3, 3]", convs[0].Input(1)!.ToString());
        Assert.Equal("w2 FLOAT [4, 8, 1, 1]", convs[1].Input(1)!.ToString());
    }

    [Fact]
    public void Every_truncation_of_an_onnx_model_is_a_problem_never_an_exception()
    {
        var file = SmallOnnx();
        for (var length = 0; length < file.Length; length++)
        {
            var result = Read(file.Take(length).ToArray(), WeightFileFormat.Onnx);
            // The graph is the model's last field: a cut either loses it or falls inside it.
            Assert.Null(result.Table);
            Assert.True(result.Problem!.Contains("at byte") || result.Problem == "it is not an ONNX model: it has no graph", $"{length}: {result.Problem}");
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x3A, 0x05, 0x0A }, "bytes remain")]
    [InlineData(new byte[] { 0x0F }, "wire type 7 for field 1")]
    [InlineData(new byte[] { 0x00 }, "a field number of 0")]
    [InlineData(new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, "a varint longer than 10 bytes")]
    [InlineData(new byte[] { 0x08, 0x01 }, "it has no graph")]
    public void Corrupt_onnx_bytes_are_problems(byte[] file, string expected)
    {
        var result = Read(file, WeightFileFormat.Onnx);

        Assert.Null(result.Table);
        Assert.Contains(expected, result.Problem);
    }

    [Fact]
    public void Onnx_tensor_data_is_skipped_not_read()
    {
        // A stream that fails when asked for bytes inside the raw_data of the large initializer.
        var file = Onnx(new[] { new OnnxNode("Conv", "c", new[] { "data", "w" }, new[] { "y" }) }, new[] { new Tensor("w", new long[] { 512, 512, 3, 3 }) });
        var dataStart = IndexOf(file, Encoding.UTF8.GetBytes("w")) + 64;
        using var stream = new GuardedStream(file, from: dataStart + 1024 * 1024, to: file.Length - 64);

        var table = WeightFileReader.Read(stream, WeightFileFormat.Onnx).Table!;

        Assert.Equal("w FLOAT [512, 512, 3, 3]", table.Tensors.Single().ToString());
        Assert.True(stream.BytesRead < 200 * 1024, $"read {stream.BytesRead} bytes of {file.Length}");
    }

    [Fact]
    public void Unknown_extensions_and_missing_files_are_problems()
    {
        Assert.Contains("the extension says neither", WeightFileReader.ReadFile("weights.bin").Problem);
        Assert.Equal("the file does not exist", WeightFileReader.ReadFile(Path.Combine(Path.GetTempPath(), "convforge-no-such-file.onnx")).Problem);
    }

    [Fact]
    public void A_file_is_read_again_when_it_changes()
    {
        var path = Path.Combine(Path.GetTempPath(), $"convforge-cache-{System.Guid.NewGuid():N}.safetensors");
        try
        {
            File.WriteAllBytes(path, SafeTensors(new Tensor("A", new long[] { 2 })));
            Assert.Equal("A", WeightFileReader.ReadFile(path).Table!.Tensors.Single().Name);
            Assert.Same(WeightFileReader.ReadFile(path), WeightFileReader.ReadFile(path));

            File.WriteAllBytes(path, SafeTensors(new Tensor("B", new long[] { 2 }), new Tensor("C", new long[] { 1 })));
            File.SetLastWriteTimeUtc(path, System.DateTime.UtcNow.AddMinutes(1));
            Assert.Equal(new[] { "B", "C" }, WeightFileReader.ReadFile(path).Table!.Tensors.Select(t => t.Name));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
                return i;
        }
        return -1;
    }

    /// <summary>A memory stream that throws on any read of the bytes in [from, to), and counts what it reads.</summary>
    private sealed class GuardedStream : MemoryStream
    {
        private readonly long _from;
        private readonly long _to;

        public GuardedStream(byte[] bytes, long from, long to)
            : base(bytes, writable: false)
        {
            _from = from;
            _to = to;
        }

        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var start = Position;
            var n = base.Read(buffer, offset, count);
            if (start < _to && start + n > _from)
                throw new IOException($"read [{start}, {start + n}) inside the tensor data");
            BytesRead += n;
            return n;
        }
    }
}
