using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ConvForge.Generators.Tests.Infrastructure;

/// <summary>
/// Compilations of test sources the way a user's project compiles them: C# 13 (partial properties), nullable
/// enabled, the .NET runtime the tests run on plus the ConvForge runtime assembly as references.
/// </summary>
public static class TestCompilation
{
    /// <summary>C# 13: the first version with partial properties, and so the oldest a ConvForge user can be on.</summary>
    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.CSharp13);

    /// <summary>The same, but with documentation comments checked (CS1591 and malformed XML are reported).</summary>
    public static CSharpParseOptions DocumentedParseOptions { get; } = ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    /// <summary>The framework assemblies of the test process, and ConvForge.dll.</summary>
    public static ImmutableArray<MetadataReference> References => s_references.Value;

    public static CSharpCompilationOptions Options { get; } = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
        .WithNullableContextOptions(NullableContextOptions.Enable)
        // As the .NET SDK does (NoWarn 1701;1702): ConvForge.dll targets net8.0, the tests' framework is newer.
        .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
        {
            ["CS1701"] = ReportDiagnostic.Suppress,
            ["CS1702"] = ReportDiagnostic.Suppress,
        });

    /// <summary>A compilation of <paramref name="sources"/>, named Source0.cs, Source1.cs ...</summary>
    public static CSharpCompilation Create(params string[] sources)
        => Create(sources.Select((text, i) => ($"Source{i}.cs", text)));

    /// <summary>A compilation of the given files (path, text).</summary>
    public static CSharpCompilation Create(params (string Path, string Text)[] files)
        => Create((IEnumerable<(string Path, string Text)>)files);

    /// <summary>A compilation of the given files.</summary>
    public static CSharpCompilation Create(IEnumerable<(string Path, string Text)> sources, CSharpParseOptions? parseOptions = null, string assemblyName = "TestAssembly")
    {
        var options = parseOptions ?? ParseOptions;
        var trees = sources.Select(source => CSharpSyntaxTree.ParseText(source.Text, options, source.Path));
        return CSharpCompilation.Create(assemblyName, trees, References, Options);
    }

    /// <summary>A tree to add to or replace in a compilation, parsed like the others.</summary>
    public static SyntaxTree Parse(string text, string path, CSharpParseOptions? parseOptions = null)
        => CSharpSyntaxTree.ParseText(text, parseOptions ?? ParseOptions, path);

    /// <summary>The class named <paramref name="metadataName"/>; fails the test when it is missing.</summary>
    public static INamedTypeSymbol GetType(Compilation compilation, string metadataName)
        => compilation.GetTypeByMetadataName(metadataName) ?? throw new InvalidOperationException($"No type {metadataName} in the test compilation.");

    /// <summary>Errors and warnings (not hidden or info diagnostics), for "compiles cleanly" assertions.</summary>
    public static ImmutableArray<Diagnostic> ErrorsAndWarnings(Compilation compilation)
        => compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();

    /// <summary>Diagnostics as one readable block, for assertion messages.</summary>
    public static string Describe(IEnumerable<Diagnostic> diagnostics)
        => string.Join(Environment.NewLine, diagnostics.Select(d => d.ToString()));

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        // The framework's own directory holds every assembly of the shared framework; the rest of the trusted
        // platform assemblies are the test's dependencies (xunit, Roslyn), which test sources must not see.
        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var trusted = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator);
        var references = trusted
            .Where(path => path.Length > 0 && string.Equals(Path.GetDirectoryName(path), frameworkDirectory, StringComparison.Ordinal))
            .OrderBy(path => path, StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToList();
        references.Add(MetadataReference.CreateFromFile(typeof(ConvForge.NetworkAttribute).Assembly.Location));
        return references.ToImmutableArray();
    }
}
