using System.Collections.Immutable;
using System.Threading.Tasks;
using ConvForge.Generators.Analysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace ConvForge.Generators.Tests.Analysis;

/// <summary>
/// What every analyzer and code-fix test compiles against: .NET 8 reference assemblies, the ConvForge
/// runtime (the attribute DSL), and a language version with partial properties.
/// </summary>
internal static class AnalyzerTestSetup
{
    public static ReferenceAssemblies ReferenceAssemblies => ReferenceAssemblies.Net.Net80;

    public static MetadataReference Runtime { get; } = MetadataReference.CreateFromFile(typeof(NetworkAttribute).Assembly.Location);

    public static LanguageVersion LanguageVersion => LanguageVersion.Preview;

    /// <summary>
    /// Compiler errors that only say the generator's half of a partial property is missing: the generator
    /// does not run in these tests (CS9248), and a Roslyn older than 4.12 does not know partial properties
    /// at all (CS0267). Every other compiler error still fails a test, so fixed code must really compile.
    /// </summary>
    public static ImmutableHashSet<string> MissingGeneratedPart { get; } = ImmutableHashSet.Create("CS9248", "CS0267");

    public static void Configure(SolutionState state)
    {
        state.AdditionalReferences.Add(Runtime);
    }

    public static ParseOptions WithLanguageVersion(ParseOptions options) => ((CSharpParseOptions)options).WithLanguageVersion(LanguageVersion);

    /// <summary>
    /// A diagnostic of <paramref name="descriptor"/> at markup location <paramref name="markupKey"/> ({|#0:...|}),
    /// any message: the descriptor's format is just "{0}", so tests that care say WithMessage.
    /// </summary>
    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor, int markupKey = 0)
        => new DiagnosticResult(descriptor.Id, descriptor.DefaultSeverity).WithLocation(markupKey);
}

/// <summary>The analyzer on its own, configured as <see cref="AnalyzerTestSetup"/> says.</summary>
internal sealed class NetworkAnalyzerTest : CSharpAnalyzerTest<NetworkAnalyzer, DefaultVerifier>
{
    public NetworkAnalyzerTest()
    {
        ReferenceAssemblies = AnalyzerTestSetup.ReferenceAssemblies;
        AnalyzerTestSetup.Configure(TestState);
    }

    /// <summary>Runs the analyzer over <paramref name="source"/> (markup allowed) and expects exactly <paramref name="expected"/>.</summary>
    public static Task VerifyAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new NetworkAnalyzerTest { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    protected override ParseOptions CreateParseOptions() => AnalyzerTestSetup.WithLanguageVersion(base.CreateParseOptions());

    protected override bool IsCompilerDiagnosticIncluded(Diagnostic diagnostic, CompilerDiagnostics compilerDiagnostics)
        => !AnalyzerTestSetup.MissingGeneratedPart.Contains(diagnostic.Id) && base.IsCompilerDiagnosticIncluded(diagnostic, compilerDiagnostics);
}
