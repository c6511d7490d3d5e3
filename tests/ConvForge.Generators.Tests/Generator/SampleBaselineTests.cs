using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ConvForge.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConvForge.Generators.Tests.Generator;

/// <summary>
/// Golden files for the samples: every file of samples/ConvForge.Samples/Networks (copied to SampleSources/
/// by the csproj) is compiled together with the others, since a network may use a module declared in
/// another file, and each generated file is compared with Baselines/{SampleFile}/{HintName}.txt.
/// </summary>
public class SampleBaselineTests
{
    private static readonly string SampleDirectory = Path.Combine(AppContext.BaseDirectory, "SampleSources");

    private static readonly Lazy<GeneratorRun> s_run = new(() =>
    {
        var files = Directory.GetFiles(SampleDirectory, "*.cs").OrderBy(f => f, StringComparer.Ordinal)
            .Select(path => (Path.GetFileName(path), File.ReadAllText(path)));
        return GeneratorHarness.Run(TestCompilation.Create(files, assemblyName: "ConvForge.Samples"));
    });

    /// <summary>The samples compiled with the generator's output (shared with <see cref="DefinitionAgreementTests"/>).</summary>
    internal static GeneratorRun Run => s_run.Value;

    public static TheoryData<string> SampleFiles()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(SampleDirectory, "*.cs").OrderBy(f => f, StringComparer.Ordinal))
            data.Add(Path.GetFileName(path));
        return data;
    }

    [Fact]
    public void The_samples_are_there_to_test()
    {
        Assert.True(Directory.Exists(SampleDirectory) && Directory.GetFiles(SampleDirectory, "*.cs").Length > 0,
            $"No sample sources in {SampleDirectory}: the csproj copies samples/ConvForge.Samples/Networks/*.cs there.");
    }

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public void Each_sample_generates_its_baselines(string sampleFile)
    {
        var run = s_run.Value;
        Assert.Null(run.GeneratorResult.Exception);

        var generated = GeneratedFilesBySample(run).Where(file => file.SampleFile == sampleFile).ToList();
        var group = Path.GetFileNameWithoutExtension(sampleFile);
        foreach (var (_, hintName, text) in generated)
            Baselines.Verify(group, hintName, text);
        Baselines.VerifyNoOthers(group, generated.Select(file => file.HintName));
    }

    [Fact]
    public void Every_generated_file_belongs_to_a_sample()
    {
        var run = s_run.Value;
        var files = GeneratedFilesBySample(run).ToList();

        Assert.Equal(run.GeneratorResult.GeneratedSources.Length, files.Count);
        Assert.All(files, file => Assert.EndsWith(".cs", file.SampleFile));
    }

    [Fact]
    public void The_samples_compile_with_the_generated_code_without_errors_or_warnings()
    {
        var run = s_run.Value;

        Assert.NotEmpty(run.GeneratorResult.GeneratedSources);
        var problems = TestCompilation.ErrorsAndWarnings(run.OutputCompilation);
        Assert.True(problems.IsEmpty, TestCompilation.Describe(problems));
    }

    [Fact]
    public void The_generated_code_is_fully_documented()
    {
        // Documentation mode as with <GenerateDocumentationFile>: missing or malformed doc comments in the
        // generated files would be warnings, and so errors in projects that treat warnings as errors.
        var files = Directory.GetFiles(SampleDirectory, "*.cs").OrderBy(f => f, StringComparer.Ordinal)
            .Select(path => (Path.GetFileName(path), File.ReadAllText(path)));
        var compilation = TestCompilation.Create(files, TestCompilation.DocumentedParseOptions, "ConvForge.Samples");
        var run = GeneratorHarness.Run(compilation);

        var generatedTrees = run.GeneratorResult.GeneratedSources.Select(s => s.SyntaxTree).ToHashSet();
        var inGenerated = TestCompilation.ErrorsAndWarnings(run.OutputCompilation)
            .Where(d => d.Location.SourceTree is { } tree && generatedTrees.Contains(tree))
            .ToList();
        Assert.True(inGenerated.Count == 0, TestCompilation.Describe(inGenerated));
    }

    /// <summary>Each generated file with the sample file that declares its class.</summary>
    private static IEnumerable<(string SampleFile, string HintName, string Text)> GeneratedFilesBySample(GeneratorRun run)
    {
        foreach (var source in run.GeneratorResult.GeneratedSources)
        {
            var tree = source.SyntaxTree;
            var model = run.OutputCompilation.GetSemanticModel(tree);
            // The generated class is the deepest declaration that the user declares too (Shapes and its
            // nested classes exist only in the generated file).
            var userFile = tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>()
                .Select(declaration => (Depth: declaration.Ancestors().Count(), Symbol: model.GetDeclaredSymbol(declaration)!))
                .Select(entry => (entry.Depth, File: entry.Symbol.DeclaringSyntaxReferences.Select(r => r.SyntaxTree).FirstOrDefault(t => t != tree)?.FilePath))
                .Where(entry => entry.File is not null)
                .OrderByDescending(entry => entry.Depth)
                .First().File!;
            yield return (Path.GetFileName(userFile), source.HintName, source.SourceText.ToString());
        }
    }
}
