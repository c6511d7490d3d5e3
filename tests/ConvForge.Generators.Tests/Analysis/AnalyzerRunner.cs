using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConvForge.Generators.Analysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ConvForge.Generators.Tests.Analysis;

/// <summary>What one run of the analyzer over a compilation produced.</summary>
internal sealed record AnalyzerRun(Compilation Compilation, ImmutableArray<Diagnostic> AnalyzerDiagnostics, IReadOnlyList<Exception> Exceptions)
{
    public IEnumerable<Diagnostic> ConvForgeDiagnostics => AnalyzerDiagnostics.Where(d => d.Id.StartsWith("CF", StringComparison.Ordinal));

    /// <summary>Compiler errors other than the generator's missing half of partial properties.</summary>
    public IEnumerable<Diagnostic> CompilerErrors => Compilation.GetDiagnostics()
        .Where(d => d.Severity == DiagnosticSeverity.Error && !AnalyzerTestSetup.MissingGeneratedPart.Contains(d.Id));
}

/// <summary>
/// Runs <see cref="NetworkAnalyzer"/> straight through <see cref="CompilationWithAnalyzers"/>, without the
/// testing framework's expectations: for the fuzz test and for checking the examples in the docs. Analyzer
/// exceptions are collected rather than turned into AD0001 only, so a test can show them.
/// </summary>
internal static class AnalyzerRunner
{
    private static readonly SemaphoreSlim ReferencesLock = new(1, 1);
    private static ImmutableArray<MetadataReference> references;

    public static Task<AnalyzerRun> RunAsync(IReadOnlyList<string> sources, CancellationToken cancellationToken = default)
        => RunAsync(sources, Array.Empty<AdditionalText>(), cancellationToken);

    /// <summary>The same with additional files (weight files: <see cref="WeightFileText"/>).</summary>
    public static async Task<AnalyzerRun> RunAsync(IReadOnlyList<string> sources, IReadOnlyList<AdditionalText> additionalFiles, CancellationToken cancellationToken = default)
    {
        var compilation = await CompileAsync(sources, cancellationToken).ConfigureAwait(false);
        var exceptions = new ConcurrentQueue<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            WeightFileOptionsProvider.For(additionalFiles),
            onAnalyzerException: (exception, _, _) => exceptions.Enqueue(exception),
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false);
        var withAnalyzers = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new NetworkAnalyzer()), options);
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(cancellationToken).ConfigureAwait(false);
        return new AnalyzerRun(compilation, diagnostics, exceptions.ToArray());
    }

    /// <summary>The sources as one library against .NET 8 and the ConvForge runtime; files are named Source0.cs, Source1.cs ...</summary>
    public static async Task<CSharpCompilation> CompileAsync(IReadOnlyList<string> sources, CancellationToken cancellationToken = default)
    {
        var parseOptions = new CSharpParseOptions(AnalyzerTestSetup.LanguageVersion);
        var trees = sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, parseOptions, path: $"Source{i}.cs", cancellationToken: cancellationToken));
        return CSharpCompilation.Create(
            "AnalyzerRun",
            trees,
            await GetReferencesAsync(cancellationToken).ConfigureAwait(false),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    private static async Task<ImmutableArray<MetadataReference>> GetReferencesAsync(CancellationToken cancellationToken)
    {
        await ReferencesLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (references.IsDefault)
            {
                var framework = await AnalyzerTestSetup.ReferenceAssemblies.ResolveAsync(LanguageNames.CSharp, cancellationToken).ConfigureAwait(false);
                references = framework.Add(AnalyzerTestSetup.Runtime);
            }
            return references;
        }
        finally
        {
            ReferencesLock.Release();
        }
    }
}
