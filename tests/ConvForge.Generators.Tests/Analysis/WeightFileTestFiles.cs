using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace ConvForge.Generators.Tests.Analysis;

/// <summary>
/// An additional file as the build passes it: a path, with item metadata. The analyzer reads weight files
/// from their path (their text would be a lossy decoding of binary data), so the text here is empty.
/// </summary>
internal sealed class WeightFileText : AdditionalText
{
    public WeightFileText(string path, string? network = null)
    {
        Path = path;
        Network = network;
    }

    public override string Path { get; }

    /// <summary>The ConvForgeNetwork item metadata, if any.</summary>
    public string? Network { get; }

    public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From("");
}

/// <summary>Gives each <see cref="WeightFileText"/> its ConvForgeNetwork metadata, as CompilerVisibleItemMetadata does.</summary>
internal sealed class WeightFileOptionsProvider : AnalyzerConfigOptionsProvider
{
    public override AnalyzerConfigOptions GlobalOptions => Options.Empty;

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile)
        => textFile is WeightFileText { Network: { } network }
            ? new Options(ImmutableDictionary<string, string>.Empty.Add("build_metadata.AdditionalFiles.ConvForgeNetwork", network))
            : Options.Empty;

    public static AnalyzerOptions For(IEnumerable<AdditionalText> files)
        => new(files.ToImmutableArray(), new WeightFileOptionsProvider());

    private sealed class Options : AnalyzerConfigOptions
    {
        public static readonly Options Empty = new(ImmutableDictionary<string, string>.Empty);

        private readonly ImmutableDictionary<string, string> _values;

        public Options(ImmutableDictionary<string, string> values) => _values = values;

        public override bool TryGetValue(string key, out string value) => _values.TryGetValue(key, out value!);
    }
}

/// <summary>Weight files the analyzer tests write, and the pretrained model the samples restore.</summary>
internal static class WeightFiles
{
    /// <summary>A fresh folder under the temp directory for one test's files.</summary>
    public static string NewFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "convforge-weights-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>
    /// Writes a safetensors file listing <paramref name="tensors"/>, lines of "Name DTYPE [d0, d1, ...]" (the
    /// form the diagnostics pages show a file in), with zeros for the data.
    /// </summary>
    public static string WriteSafeTensors(string path, IEnumerable<string> tensors)
    {
        var json = new StringBuilder("{");
        long offset = 0;
        foreach (var line in tensors)
        {
            var match = Regex.Match(line.Trim(), @"^(\S+) (\S+) \[([0-9, ]*)\]$");
            if (!match.Success)
                throw new ArgumentException($"not a tensor line: '{line}'");
            var shape = match.Groups[3].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
            var bytes = shape.Aggregate(1L, (a, b) => a * b) * (match.Groups[2].Value switch { "F64" or "I64" => 8, "F16" or "BF16" => 2, _ => 4 });
            if (json.Length > 1)
                json.Append(',');
            json.Append($"\"{match.Groups[1].Value}\":{{\"dtype\":\"{match.Groups[2].Value}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + bytes}]}}");
            offset += bytes;
        }
        json.Append('}');
        var header = Encoding.UTF8.GetBytes(json.ToString());
        using var stream = File.Create(path);
        stream.Write(BitConverter.GetBytes((ulong)header.Length));
        stream.Write(header);
        stream.SetLength(8 + header.Length + offset);
        return path;
    }

    /// <summary>The tensor lines of <paramref name="graphParameters"/>: "Conv1.Weight F32 [16, 3, 3, 3]".</summary>
    public static IEnumerable<string> Lines(IEnumerable<(string Name, IReadOnlyList<int> Shape)> graphParameters)
        => graphParameters.Select(p => $"{p.Name} F32 [{string.Join(", ", p.Shape)}]");

    /// <summary>
    /// ResNet18.onnx of the ML.NET package the samples project restores with PackageDownload, in the NuGet
    /// cache; null when it has not been restored.
    /// </summary>
    public static string? ResNet18Cntk()
    {
        var props = File.ReadAllText(RepositoryFiles.PathOf("Directory.Packages.props"));
        var version = Regex.Match(props, "<ResNet18CntkModelVersion>([^<]+)</ResNet18CntkModelVersion>").Groups[1].Value;
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(root, "microsoft.ml.dnnimagefeaturizer.resnet18", version, "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");
        return File.Exists(path) ? path : null;
    }
}
