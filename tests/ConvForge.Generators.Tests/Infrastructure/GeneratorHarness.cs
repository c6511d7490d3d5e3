using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ConvForge.Generators.Tests.Infrastructure;

/// <summary>One run of the generator: the driver (to run again incrementally), its result and the compilation with the generated files.</summary>
public sealed record GeneratorRun(GeneratorDriver Driver, GeneratorDriverRunResult Result, Compilation OutputCompilation)
{
    /// <summary>The single generator's result.</summary>
    public GeneratorRunResult GeneratorResult => Result.Results.Single();

    /// <summary>Generated files by hint name.</summary>
    public IReadOnlyDictionary<string, string> Sources
        => GeneratorResult.GeneratedSources.ToDictionary(source => source.HintName, source => source.SourceText.ToString(), StringComparer.Ordinal);

    /// <summary>The text of the file <paramref name="hintName"/>; fails with the names there are when it is missing.</summary>
    public string Source(string hintName)
        => Sources.TryGetValue(hintName, out var text)
            ? text
            : throw new InvalidOperationException($"No generated file {hintName}; generated: {string.Join(", ", Sources.Keys)}");
}

/// <summary>Runs <see cref="NetworkGenerator"/> the way the compiler does, with step tracking on.</summary>
public static class GeneratorHarness
{
    /// <summary>A driver with incremental step tracking, ready to run on a compilation.</summary>
    public static GeneratorDriver CreateDriver(CSharpParseOptions? parseOptions = null)
        => CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() },
            additionalTexts: null,
            parseOptions: parseOptions ?? TestCompilation.ParseOptions,
            optionsProvider: null,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs a fresh driver on <paramref name="compilation"/>.</summary>
    public static GeneratorRun Run(Compilation compilation)
        => Run(CreateDriver((CSharpParseOptions?)compilation.SyntaxTrees.FirstOrDefault()?.Options), compilation);

    /// <summary>Runs <paramref name="driver"/> (holding the previous run's state) on <paramref name="compilation"/>.</summary>
    public static GeneratorRun Run(GeneratorDriver driver, Compilation compilation)
    {
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return new GeneratorRun(driver, driver.GetRunResult(), output);
    }

    /// <summary>Runs the generator on <paramref name="sources"/>.</summary>
    public static GeneratorRun Run(params string[] sources) => Run(TestCompilation.Create(sources));

    /// <summary>The reasons the outputs of step <paramref name="stepName"/> had in the last run (empty when the step did not run).</summary>
    public static ImmutableArray<IncrementalStepRunReason> StepReasons(GeneratorRun run, string stepName)
        => run.GeneratorResult.TrackedSteps.TryGetValue(stepName, out var steps)
            ? steps.SelectMany(step => step.Outputs).Select(output => output.Reason).ToImmutableArray()
            : ImmutableArray<IncrementalStepRunReason>.Empty;

    /// <summary>The reasons of every source output's entries ("SourceOutput" steps) in the last run.</summary>
    public static ImmutableArray<IncrementalStepRunReason> OutputReasons(GeneratorRun run)
        => run.GeneratorResult.TrackedOutputSteps
            .SelectMany(pair => pair.Value)
            .SelectMany(step => step.Outputs)
            .Select(output => output.Reason)
            .ToImmutableArray();
}
