using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using ConvForge.Compiler.WeightFiles;
using ConvForge.Generators.Analysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit.Abstractions;

namespace ConvForge.Generators.Tests.Analysis;

/// <summary>CF0021-CF0024: the weight file a network names, checked by the analyzer, with the exact spans.</summary>
public sealed class WeightFileAnalyzerTests : IDisposable
{
    private const string Layers = """
        {
            [Conv(8, Kernel = 3, Padding = 1), Relu] public partial Layer Conv1 { get; }
            [GlobalAvgPool, Flatten, Dense(10)]       public partial Layer Output { get; }
        }
        """;

    private static readonly string[] Fitting = { "Conv1.Weight F32 [8, 3, 3, 3]", "Conv1.Bias F32 [8]", "Output.Weight F32 [10, 8]", "Output.Bias F32 [10]" };

    private readonly string _folder = WeightFiles.NewFolder();
    private readonly ITestOutputHelper _output;

    public WeightFileAnalyzerTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, params string[] tensors) => WeightFiles.WriteSafeTensors(Path.Combine(_folder, name), tensors);

    private static Task VerifyAsync(string source, string[] additionalFiles, string? globalConfig, params DiagnosticResult[] expected)
    {
        var test = new NetworkAnalyzerTest { TestCode = source };
        foreach (var file in additionalFiles)
            test.TestState.AdditionalFiles.Add((file, ""));
        if (globalConfig is not null)
            test.TestState.AnalyzerConfigFiles.Add(("/.globalconfig", globalConfig));
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    [Fact]
    public async Task A_file_that_fits_gives_no_diagnostic()
    {
        var path = Write("net.safetensors", Fitting);

        await VerifyAsync($$"""
            using ConvForge;

            [Network(Channels = 3, Height = 8, Width = 8, Weights = "net.safetensors")]
            public partial class Net
            {{Layers}}
            """, new[] { path }, null);
    }

    [Fact]
    public async Task Missing_extra_and_misshapen_tensors_are_reported_on_the_Weights_argument()
    {
        var path = Write("net.safetensors", "Conv1.Weight F32 [8, 3, 5, 5]", "Output.Weight F32 [10, 8]", "Output.Bias F32 [10]", "Head.Weight F32 [2, 2]");

        await VerifyAsync($$"""
            using ConvForge;

            [Network(Channels = 3, Height = 8, Width = 8, {|#0:Weights = "net.safetensors"|})]
            public partial class Net
            {{Layers}}
            """, new[] { path }, null,
            AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.WeightTensorMissing).WithMessage("The weight file 'net.safetensors' lacks 1 parameter of Net: Conv1.Bias"),
            AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.WeightTensorExtra).WithMessage("The weight file 'net.safetensors' has 1 tensor that Net does not declare: Head.Weight"),
            AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.WeightTensorMismatch).WithMessage("The weight file 'net.safetensors' does not fit Net: Conv1.Weight is [8, 3, 5, 5] in the file, [8, 3, 3, 3] declared"));
    }

    [Fact]
    public async Task A_file_missing_from_AdditionalFiles_is_CF0021_naming_it()
    {
        var other = Write("other.safetensors", Fitting);

        await VerifyAsync($$"""
            using ConvForge;

            [Network(Channels = 3, Height = 8, Width = 8, {|#0:Weights = "weights/net.safetensors"|})]
            public partial class Net
            {{Layers}}
            """, new[] { other }, null,
            AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.WeightFileUnreadable).WithMessage(
                "The weight file 'weights/net.safetensors' of Net cannot be checked: no file among the project's AdditionalFiles has that path: add the file to them (an AdditionalFiles item in the project file), or correct the path"));
    }

    [Fact]
    public async Task The_path_is_matched_at_a_folder_boundary()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "weights"));
        var path = WeightFiles.WriteSafeTensors(Path.Combine(_folder, "weights", "net.safetensors"), Fitting);
        // "t.safetensors" ends the path too, but not at a folder boundary.
        await VerifyAsync($$"""
            using ConvForge;

            [Network(Channels = 3, Height = 8, Width = 8, Weights = "weights/net.safetensors")]
            public partial class Net
            {{Layers}}

            [Network(Channels = 3, Height = 8, Width = 8, {|#0:Weights = "t.safetensors"|})]
            public partial class T
            {{Layers}}
            """, new[] { path }, null,
            AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.WeightFileUnreadable));
    }

    [Fact]
    public async Task A_corrupt_file_is_CF0021_with_the_reason()
    {
        var path = Path.Combine(_folder, "net.safetensors");
        File.WriteAllBytes(path, new byte[] { 200, 0, 0, 0, 0, 0, 0, 0, (byte)'{' });

        await VerifyAsync($$"""
            using ConvForge;

            [Network(Channels = 3, Height = 8, Width = 8, {|#0:Weights = "net.safetensors"|})]
            public partial class Net
            {{Layers}}
            """, new[] { path }, null,
            AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.WeightFileUnreadable).WithMessage(
                "The weight file 'net.safetensors' of Net cannot be checked: the header length 200 runs past the end of the 9-byte file (the file is truncated or corrupt)"));
    }

    [Fact]
    public async Task A_file_named_by_item_metadata_is_reported_on_the_Network_attribute()
    {
        var path = Write("net.safetensors", "Conv1.Weight F32 [8, 3, 3, 3]", "Conv1.Bias F32 [8]", "Output.Weight F32 [10, 8]");
        var config = $"is_global = true\n\n[{path.Replace('\\', '/')}]\nbuild_metadata.AdditionalFiles.ConvForgeNetwork = MyApp.Net\n";

        await VerifyAsync($$"""
            using ConvForge;

            namespace MyApp;

            [{|#0:Network(Channels = 3, Height = 8, Width = 8)|}]
            public partial class Net
            {{Layers}}

            [Network(Channels = 3, Height = 8, Width = 8)]
            public partial class Other
            {{Layers}}
            """, new[] { path }, config,
            AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.WeightTensorMissing).WithMessage($"The weight file '{path}' lacks 1 parameter of Net: Output.Bias"));
    }

    [Fact]
    public async Task A_declaration_with_errors_is_not_compared()
    {
        await VerifyAsync("""
            using ConvForge;

            [Network(Channels = 3, Height = 8, Width = 8, Weights = "net.safetensors")]
            public partial class Net
            {
                [Conv(8, Kernel = 3, Padding = 1, {|#0:From = "Nowhere"|})] public partial Layer Conv1 { get; }
            }
            """, Array.Empty<string>(), null,
            AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.UnknownReference));
    }

    // The pretrained ResNet-18 the samples restore: the sample fits it, a wrong declaration does not.

    private static string ResNet18Cntk(string sampleEdit = "")
    {
        var source = File.ReadAllText(RepositoryFiles.PathOf("samples", "ConvForge.Samples", "Networks", "ResNet18Cntk.cs"));
        return sampleEdit.Length == 0 ? source : source.Replace("[BasicBlock(512)]                                                                                                   public partial Layer Res5c", sampleEdit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_pretrained_ResNet18_fits_its_sample_and_a_mismatch_names_both_nodes()
    {
        var onnx = WeightFiles.ResNet18Cntk();
        Assert.True(onnx is not null, "ResNet18.onnx is not in the NuGet cache: restore samples/ConvForge.Samples first");
        var files = new[] { new WeightFileText(onnx!) };

        var fits = await AnalyzerRunner.RunAsync(new[] { ResNet18Cntk() }, files);
        Assert.Empty(fits.Exceptions);
        Assert.Empty(fits.ConvForgeDiagnostics);

        // Res5c declared as a bottleneck: its first convolution is 1x1 where the file's is 3x3.
        var wrong = await AnalyzerRunner.RunAsync(new[] { ResNet18Cntk("[Bottleneck(128, Expansion = 4)] public partial Layer Res5c") }, files);
        var problem = Assert.Single(wrong.ConvForgeDiagnostics);
        _output.WriteLine(problem.ToString());
        Assert.Equal("CF0024", problem.Id);
        Assert.StartsWith("The weight file 'ResNet18.onnx' does not fit ResNet18Cntk: Res5c.Conv1 (Conv 1x1, weight [128, 512, 1, 1]) matches no ONNX node in order; the next one of its kind is '", problem.GetMessage(), StringComparison.Ordinal);
        Assert.Equal("Weights = \"ResNet18.onnx\"", problem.Location.SourceTree!.GetText().ToString(problem.Location.SourceSpan));
    }

    /// <summary>What the check costs: read cold (the cache emptied) and cached, on the 45-60 MB ONNX model and a 100 MB safetensors file.</summary>
    [Fact]
    public void Reading_a_header_is_fast_cold_and_cached()
    {
        var onnx = WeightFiles.ResNet18Cntk();
        Assert.True(onnx is not null, "ResNet18.onnx is not in the NuGet cache: restore samples/ConvForge.Samples first");
        // 100 MB of F32 in 50 tensors of 2 MB, ResNet-like names.
        var big = Write("big.safetensors", Enumerable.Range(0, 50).Select(i => $"Layer{i}.Weight F32 [512, 256, 2, 2]").ToArray());
        Assert.True(new FileInfo(big).Length > 100_000_000);

        foreach (var path in new[] { onnx!, big })
        {
            WeightFileReader.ClearCache();
            var cold = Stopwatch.StartNew();
            var table = WeightFileReader.ReadFile(path).Table;
            cold.Stop();
            Assert.NotNull(table);
            var cached = Stopwatch.StartNew();
            for (var i = 0; i < 100; i++)
                Assert.Same(table, WeightFileReader.ReadFile(path).Table);
            cached.Stop();
            // How much of the file the reader touches: the header, not the data.
            using var counting = new CountingStream(File.OpenRead(path));
            WeightFileReader.Read(counting, WeightFileReader.FormatOf(path)!.Value);
            var line = $"{Path.GetFileName(path)} ({new FileInfo(path).Length / 1_000_000} MB, {table!.Tensors.Count} tensors): cold {cold.Elapsed.TotalMilliseconds:F1} ms, cached {cached.Elapsed.TotalMilliseconds / 100:F3} ms, {counting.BytesRead / 1024} KB read";
            _output.WriteLine(line);
            Console.WriteLine(line);
            // Generous bounds for a loaded shared machine; the point is that the data is never read.
            Assert.True(cold.ElapsedMilliseconds < 2000, line);
            Assert.True(counting.BytesRead < 2 * 1024 * 1024, line);
        }
    }

    private sealed class CountingStream : Stream
    {
        private readonly Stream _inner;

        public CountingStream(Stream inner) => _inner = inner;

        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = _inner.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => _inner.Length;
        public override long Position { get => _inner.Position; set => _inner.Position = value; }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
