using System.Threading.Tasks;
using ConvForge.Generators.Analysis;
using ConvForge.Generators.Tests.Analysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace ConvForge.Generators.Tests.CodeFixes;

/// <summary>
/// A code fix under the analyzer, set up as <see cref="AnalyzerTestSetup"/> says. The framework applies the fix
/// one diagnostic at a time and with Fix All (document, project, solution), and runs the analyzer and the
/// compiler again on the result: fixed code must come out with no diagnostic beyond those listed.
/// </summary>
internal sealed class ConvForgeCodeFixTest<TCodeFix> : CSharpCodeFixTest<NetworkAnalyzer, TCodeFix, DefaultVerifier>
    where TCodeFix : CodeFixProvider, new()
{
    public ConvForgeCodeFixTest()
    {
        ReferenceAssemblies = AnalyzerTestSetup.ReferenceAssemblies;
        AnalyzerTestSetup.Configure(TestState);
    }

    /// <summary>Fixes every diagnostic in <paramref name="source"/> (markup) and expects <paramref name="fixedSource"/>.</summary>
    public static Task VerifyAsync(string source, string fixedSource, params DiagnosticResult[] expected)
    {
        var test = new ConvForgeCodeFixTest<TCodeFix> { TestCode = source, FixedCode = fixedSource };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    protected override ParseOptions CreateParseOptions() => AnalyzerTestSetup.WithLanguageVersion(base.CreateParseOptions());

    protected override bool IsCompilerDiagnosticIncluded(Diagnostic diagnostic, CompilerDiagnostics compilerDiagnostics)
        => !AnalyzerTestSetup.MissingGeneratedPart.Contains(diagnostic.Id) && base.IsCompilerDiagnosticIncluded(diagnostic, compilerDiagnostics);
}
