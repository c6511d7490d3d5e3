using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using ConvForge.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ConvForge.Parity.Tests.Infrastructure;

/// <summary>
/// Compiles network declarations the way a user's build does: the real <see cref="NetworkGenerator"/> adds
/// the generated code, <see cref="NetworkAnalyzer"/> reports ConvForge's diagnostics, and the result is
/// emitted optimized (as a Release build) and loaded into this process.
/// </summary>
public static class TestTimeCompiler
{
    /// <summary>C# 13, the oldest language version a ConvForge user can be on (partial properties).</summary>
    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.CSharp13);

    private static readonly CSharpCompilationOptions s_options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
        .WithNullableContextOptions(NullableContextOptions.Enable)
        .WithOptimizationLevel(OptimizationLevel.Release)
        .WithAllowUnsafe(true)
        .WithConcurrentBuild(false)
        // As the .NET SDK does (NoWarn 1701;1702): ConvForge.dll targets net8.0, the tests' framework is newer.
        .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
        {
            ["CS1701"] = ReportDiagnostic.Suppress,
            ["CS1702"] = ReportDiagnostic.Suppress,
        });

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    /// <summary>What a user's project references: the shared framework and ConvForge.dll.</summary>
    public static ImmutableArray<MetadataReference> References => s_references.Value;

    /// <summary>
    /// The assembly built from <paramref name="files"/> (path, text), or the errors that stop it: ConvForge's
    /// (from the analyzer; the generator writes no forward pass for a network with errors) and the C#
    /// compiler's on the generated code, each with its file and line.
    /// </summary>
    public static (Assembly? Assembly, string Errors) Compile(IReadOnlyList<(string Path, string Text)> files, string assemblyName)
    {
        var trees = files.Select(file => CSharpSyntaxTree.ParseText(file.Text, ParseOptions, file.Path)).ToArray();
        var compilation = CSharpCompilation.Create(assemblyName, trees, s_references.Value, s_options);

        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() }, parseOptions: ParseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var generated, out var generatorDiagnostics);

        var analyzerDiagnostics = compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new ConvForge.Generators.Analysis.NetworkAnalyzer()))
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        var errors = generatorDiagnostics.Concat(analyzerDiagnostics)
            // AD0001: the analyzer threw, so its checks did not run.
            .Where(d => d.Severity == DiagnosticSeverity.Error || d.Id == "AD0001")
            .ToList();
        if (errors.Count > 0)
            return (null, Describe(errors));

        using var stream = new MemoryStream();
        var result = generated.Emit(stream);
        if (!result.Success)
            return (null, Describe(result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return (Assembly.Load(stream.ToArray()), "");
    }

    private static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join(Environment.NewLine, diagnostics.Take(20).Select(d => d.ToString()));

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        // The shared framework's assemblies and ConvForge.dll: what a user's project references, and not the
        // test's own dependencies (xunit, Roslyn, ONNX Runtime).
        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var trusted = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator);
        var references = trusted
            .Where(path => path.Length > 0 && string.Equals(Path.GetDirectoryName(path), frameworkDirectory, StringComparison.Ordinal))
            .OrderBy(path => path, StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToList();
        references.Add(MetadataReference.CreateFromFile(typeof(NetworkAttribute).Assembly.Location));
        return references.ToImmutableArray();
    }
}
