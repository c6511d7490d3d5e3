using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using ConvForge.Generators.Analysis;
using ConvForge.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ConvForge.Generators.Tests.Analysis;

/// <summary>What a command-line build (csc under <c>dotnet build</c>) printed, and whether it got as far as the analyzers.</summary>
internal sealed record CommandLineBuildResult(ImmutableArray<Diagnostic> Diagnostics, bool AnalyzersRan)
{
    public IEnumerable<Diagnostic> WithId(string id) => Diagnostics.Where(d => d.Id == id);

    public string Describe() => (AnalyzersRan ? "analyzers ran" : "stopped before analyzers") + ":\n" + TestCompilation.Describe(Diagnostics);
}

/// <summary>
/// Compiles sources with the generator and the analyzer in the order the command-line compiler does
/// (Roslyn's CommonCompiler.CompileAndEmit): parse errors stop it; then the generators run and their
/// diagnostics are reported; then errors in the declarations (or from a generator) stop it before any
/// analyzer runs. The editor runs analyzers whatever the errors, which is why a test through
/// <see cref="AnalyzerRunner"/> can pass while a build shows nothing of ConvForge.
/// </summary>
internal static class CommandLineBuild
{
    public static Task<CommandLineBuildResult> RunAsync(params string[] sources) => RunAsync(Array.Empty<AdditionalText>(), sources);

    /// <summary>The same with additional files (weight files: <see cref="WeightFileText"/>).</summary>
    public static async Task<CommandLineBuildResult> RunAsync(IReadOnlyList<AdditionalText> additionalFiles, params string[] sources)
    {
        var compilation = TestCompilation.Create(sources);
        var reported = ImmutableArray.CreateBuilder<Diagnostic>();

        reported.AddRange(compilation.GetParseDiagnostics());
        if (HasErrors(reported))
            return new CommandLineBuildResult(reported.ToImmutable(), AnalyzersRan: false);

        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        reported.AddRange(generatorDiagnostics);
        var declarationDiagnostics = output.GetDeclarationDiagnostics();
        if (HasErrors(reported) || HasErrors(declarationDiagnostics))
        {
            reported.AddRange(declarationDiagnostics);
            return new CommandLineBuildResult(reported.ToImmutable(), AnalyzersRan: false);
        }

        // Past the declarations: every compiler diagnostic (parse ones again, so drop the ones already listed) and the analyzer's.
        var withAnalyzers = output.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new NetworkAnalyzer()), WeightFileOptionsProvider.For(additionalFiles));
        var all = await withAnalyzers.GetAllDiagnosticsAsync().ConfigureAwait(false);
        var parse = compilation.GetParseDiagnostics();
        reported.AddRange(all.Where(d => !parse.Contains(d)));
        return new CommandLineBuildResult(reported.ToImmutable(), AnalyzersRan: true);
    }

    private static bool HasErrors(IEnumerable<Diagnostic> diagnostics)
        => diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error && !d.IsSuppressed);
}
