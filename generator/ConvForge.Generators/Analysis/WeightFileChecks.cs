using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using ConvForge.Compiler;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.WeightFiles;
using ConvForge.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ConvForge.Generators.Analysis;

/// <summary>
/// CF0021-CF0024: the weight file a network names, checked against its declaration at build time. A network
/// names its file with <c>[Network(..., Weights = "resnet18.onnx")]</c>, which is looked up among the
/// project's AdditionalFiles by the end of its path, or from the project, with item metadata
/// <c>&lt;AdditionalFiles Include="..." ConvForgeNetwork="MyApp.ResNet18" /&gt;</c> (made visible to the
/// analyzer by ConvForge.props). Reading and comparing are the core's (<see cref="WeightFileReader"/>,
/// <see cref="WeightFileCheck"/>); this class only finds the files and the sites.
/// </summary>
internal sealed class WeightFileChecks
{
    /// <summary>The [Network] property that names a weight file.</summary>
    public const string WeightsArgument = "Weights";

    /// <summary>The AdditionalFiles item metadata that names the network a file holds the weights of.</summary>
    public const string NetworkMetadata = "build_metadata.AdditionalFiles.ConvForgeNetwork";

    private readonly ImmutableArray<(string Path, string? Network)> _files;

    private WeightFileChecks(ImmutableArray<(string Path, string? Network)> files) => _files = files;

    /// <summary>The compilation's additional files with their ConvForgeNetwork metadata, read once per compilation.</summary>
    public static WeightFileChecks Create(AnalyzerOptions options)
    {
        var files = ImmutableArray.CreateBuilder<(string, string?)>();
        foreach (var file in options.AdditionalFiles)
        {
            string? network = null;
            if (options.AnalyzerConfigOptionsProvider.GetOptions(file).TryGetValue(NetworkMetadata, out var value) && !string.IsNullOrWhiteSpace(value))
                network = value.Trim();
            files.Add((file.Path, network));
        }
        return new WeightFileChecks(files.ToImmutable());
    }

    /// <summary>Every problem of the weight files <paramref name="type"/> names, with sites in its [Network] attribute.</summary>
    public EquatableArray<DiagnosticInfo> Check(INamedTypeSymbol type, AttributeData networkAttribute, NetworkGraph graph)
    {
        var problems = new List<DiagnosticInfo>();
        if (WrittenWeights(networkAttribute) is { } named)
        {
            var site = Site.NetworkArgument(WeightsArgument);
            if (named.Trim().Length == 0)
                problems.Add(WeightFileCheck.Unreadable(graph.Name, named, "Weights names no file", site));
            else if (Resolve(named) is { } path)
                CheckFile(graph, path, named, site, problems);
            else
                problems.Add(WeightFileCheck.Unreadable(graph.Name, named,
                    "no file among the project's AdditionalFiles has that path: add the file to them (an AdditionalFiles item in the project file), or correct the path", site));
        }

        var metadataName = NetworkParser.GetMetadataName(type);
        var displayName = type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);
        foreach (var (path, network) in _files)
        {
            if (network == metadataName || network == displayName)
                CheckFile(graph, path, path, Site.Network, problems);
        }
        return problems.ToEquatableArray();
    }

    private static void CheckFile(NetworkGraph graph, string path, string label, Site site, List<DiagnosticInfo> problems)
    {
        var read = WeightFileReader.ReadFile(path);
        if (read.Table is { } table)
            problems.AddRange(WeightFileCheck.Check(graph, table, label, site));
        else
            problems.Add(WeightFileCheck.Unreadable(graph.Name, label, read.Problem ?? "unknown", site));
    }

    private static string? WrittenWeights(AttributeData networkAttribute)
    {
        foreach (var argument in networkAttribute.NamedArguments)
        {
            if (argument.Key == WeightsArgument && argument.Value.Value is string value)
                return value;
        }
        return null;
    }

    /// <summary>
    /// The additional file <paramref name="named"/> stands for: the same path, or one that ends with it at a
    /// folder boundary ("resnet18.onnx" finds "/src/app/weights/resnet18.onnx"). The first in project order wins.
    /// </summary>
    private string? Resolve(string named)
    {
        var wanted = Normalize(named);
        var relative = wanted;
        while (relative.StartsWith("./", StringComparison.Ordinal))
            relative = relative.Substring(2);
        var rooted = wanted.StartsWith("/", StringComparison.Ordinal) || wanted.Length > 1 && wanted[1] == ':';
        foreach (var (path, _) in _files)
        {
            var candidate = Normalize(path);
            if (string.Equals(candidate, wanted, StringComparison.Ordinal)
                || !rooted && candidate.EndsWith("/" + relative, StringComparison.Ordinal))
                return path;
        }
        return null;
    }

    private static string Normalize(string path) => path.Replace('\\', '/');
}
