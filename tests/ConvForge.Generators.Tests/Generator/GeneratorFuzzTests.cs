using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using ConvForge.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ConvForge.Generators.Tests.Generator;

/// <summary>
/// Hundreds of random declarations, many of them broken (zero, negative and huge sizes, missing arguments,
/// unbalanced parentheses, From cycles, odd names, non-partial classes, attributes on fields, unknown
/// modules), written as source text and run through the driver as the compiler would. The generator must
/// never throw, must only write files that parse, and, where the user's code is otherwise fine, must make
/// it compile cleanly.
/// </summary>
public class GeneratorFuzzTests
{
    private const int Batches = 12;
    private const int CasesPerBatch = 25;

    /// <summary>
    /// The errors a declaration has before the generator runs because of what the generator supplies: partial
    /// properties without an implementation (CS9248).
    /// </summary>
    private static readonly HashSet<string> ErrorsTheGeneratorFixes = new(StringComparer.Ordinal) { "CS9248" };

    public static TheoryData<int> BatchSeeds()
    {
        var data = new TheoryData<int>();
        for (var batch = 0; batch < Batches; batch++)
            data.Add(batch);
        return data;
    }

    [Theory]
    [MemberData(nameof(BatchSeeds))]
    public void The_generator_never_throws_and_writes_only_code_that_parses(int batch)
    {
        var failures = new List<string>();
        var cleanCases = 0;
        for (var i = 0; i < CasesPerBatch; i++)
        {
            var seed = batch * 1000 + i;
            var source = new DeclarationFuzzer(new Random(seed)).Source();
            try
            {
                if (CheckCase(source, failures, seed))
                    cleanCases++;
            }
            catch (Exception exception)
            {
                failures.Add($"seed {seed}: the harness threw {exception}\n{source}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures.Take(3)));
        // The strong check must have had something to check.
        Assert.True(cleanCases > 0, "No case in this batch was free of C# errors; the fuzzer writes too much garbage.");
    }

    /// <summary>Returns whether the case was clean enough for the "compiles cleanly" check.</summary>
    private static bool CheckCase(string source, List<string> failures, int seed)
    {
        var compilation = TestCompilation.Create(("Fuzz.cs", source));
        var run = GeneratorHarness.Run(compilation);
        var result = run.GeneratorResult;

        if (result.Exception is not null)
            failures.Add($"seed {seed}: the generator threw {result.Exception}\n{source}");
        // The generator reports only declaration errors that C# errors would hide from the analyzer in a build
        // (Analysis.BuildDiagnostics), so a build never shows one twice.
        var unexpected = result.Diagnostics.Where(d => d.Id is not ("CF0001" or "CF0002")).ToList();
        if (unexpected.Count > 0)
            failures.Add($"seed {seed}: the generator reported diagnostics the analyzer reports: {TestCompilation.Describe(unexpected)}");
        if (!result.Diagnostics.IsEmpty && !run.OutputCompilation.GetDeclarationDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error))
            failures.Add($"seed {seed}: the generator reported {TestCompilation.Describe(result.Diagnostics)} although a build would run the analyzer\n{source}");

        foreach (var generated in result.GeneratedSources)
        {
            var text = generated.SourceText.ToString();
            var syntaxErrors = CSharpSyntaxTree.ParseText(text, TestCompilation.ParseOptions).GetDiagnostics()
                .Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (syntaxErrors.Count > 0)
                failures.Add($"seed {seed}: {generated.HintName} does not parse: {TestCompilation.Describe(syntaxErrors)}\n{text}");
            if (text.Contains("internal error", StringComparison.Ordinal))
                failures.Add($"seed {seed}: the compiler core threw on this declaration:\n{text}\n--- input ---\n{source}");
        }

        // The strong check, for declarations whose only C# errors are the implementations the generator is
        // there to write: afterwards every property the fuzzer marked implementable has one, and nothing is
        // wrong in (or because of) the generated files.
        var before = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (before.Any(d => !ErrorsTheGeneratorFixes.Contains(d.Id)))
            return false;

        var after = TestCompilation.ErrorsAndWarnings(run.OutputCompilation)
            .Where(d => !(d.Id == "CS9248" && !IsMarkedImplementable(d)))
            .Where(d => d.Severity == DiagnosticSeverity.Error || d.Location.SourceTree?.FilePath != "Fuzz.cs")
            .ToList();
        if (after.Count > 0)
            failures.Add($"seed {seed}: with the generated code, the declaration does not compile cleanly: {TestCompilation.Describe(after)}\n{source}\n"
                + string.Join("\n", result.GeneratedSources.Select(s => s.SourceText.ToString())));
        return true;
    }

    /// <summary>Whether the line of a CS9248 is a property the fuzzer expects the generator to implement.</summary>
    private static bool IsMarkedImplementable(Diagnostic diagnostic)
    {
        var tree = diagnostic.Location.SourceTree!;
        var line = tree.GetText().Lines.GetLineFromPosition(diagnostic.Location.SourceSpan.Start).ToString();
        return line.Contains(DeclarationFuzzer.ImplementableMark, StringComparison.Ordinal);
    }

    [Fact]
    public void The_fuzzer_is_deterministic_and_varied()
    {
        var a = new DeclarationFuzzer(new Random(7)).Source();
        var b = new DeclarationFuzzer(new Random(7)).Source();
        var sources = Enumerable.Range(0, 50).Select(seed => new DeclarationFuzzer(new Random(seed)).Source()).ToList();

        Assert.Equal(a, b);
        Assert.True(sources.Distinct().Count() > 45);
        Assert.Contains(sources, s => s.Contains("[Network(", StringComparison.Ordinal));
        Assert.Contains(sources, s => s.Contains("[NetworkModule]", StringComparison.Ordinal));
        Assert.Contains(sources, s => s.Contains("typeof(", StringComparison.Ordinal));
    }

    /// <summary>Writes one random compilation unit of ConvForge declarations.</summary>
    private sealed class DeclarationFuzzer
    {
        private static readonly string[] Names = { "A", "B", "C", "Conv1", "Pool", "Output", "Input", "Shapes", "Summary", "Length", "Channels", "@class", "Über", "x_1", "Net" };
        private static readonly string[] ClassNames = { "Net", "Small", "Block", "Pair", "Deep", "NET" };
        private static readonly string[] Sizes = { "0", "-1", "1", "2", "3", "7", "64", "1000", "1 << 20", "int.MaxValue", "int.MinValue", "99999999" };

        /// <summary>
        /// Ends the line of a property that the generator must implement: a valid declaration in a partial
        /// class marked [Network] or [NetworkModule] (and partial enclosing classes). Mangling voids it, but
        /// mangled sources never reach the strong check, since they have other errors.
        /// </summary>
        public const string ImplementableMark = "// implementable";

        private readonly Random _random;
        private readonly StringBuilder _text = new();
        private bool _classIsGeneratable;

        public DeclarationFuzzer(Random random) => _random = random;

        public string Source()
        {
            _text.AppendLine("using ConvForge;");
            if (Chance(0.8))
                _text.AppendLine("namespace Fuzz" + (Chance(0.2) ? ".Inner.@namespace" : "") + ";");
            var classes = _random.Next(1, 4);
            for (var i = 0; i < classes; i++)
                Class(ClassNames[_random.Next(ClassNames.Length)] + (Chance(0.5) ? "" : i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            var text = _text.ToString();
            return Chance(0.1) ? Mangle(text) : text;
        }

        private void Class(string name)
        {
            var nested = Chance(0.15);
            var outerIsPartial = true;
            if (nested)
            {
                outerIsPartial = Chance(0.8);
                _text.AppendLine((outerIsPartial ? "public static partial class " : "public class ") + "Outer" + name + " {");
            }

            var marker = _random.Next(10) switch
            {
                < 5 => $"[Network({NetworkArguments()})]",
                < 8 => "[NetworkModule]",
                8 => "[Network(Channels = 3, Height = 8, Width = 8), NetworkModule]",
                _ => "",
            };
            _text.AppendLine(marker);
            var partial = Chance(0.85) ? "partial " : "";
            var kind = _random.Next(12) switch { 0 => "record", 1 => "struct", _ => "class" };
            var generic = Chance(0.08) ? "<T>" : "";
            _classIsGeneratable = marker.Length > 0 && partial.Length > 0 && kind != "struct" && outerIsPartial;
            _text.AppendLine($"public {partial}{kind} {name}{generic}");
            _text.AppendLine("{");
            var members = _random.Next(0, 7);
            for (var i = 0; i < members; i++)
                Member(i);
            _text.AppendLine("}");

            if (nested)
                _text.AppendLine("}");
        }

        private string NetworkArguments()
        {
            var arguments = new List<string>();
            foreach (var name in new[] { "Channels", "Height", "Width" })
            {
                if (Chance(0.9))
                    arguments.Add($"{name} = {(Chance(0.8) ? Pick("1", "3", "8", "16", "32") : Pick(Sizes))}");
            }
            return string.Join(", ", arguments);
        }

        private void Member(int index)
        {
            var name = Chance(0.7) ? "L" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) : Pick(Names);
            var attributes = "[" + string.Join(", ", Enumerable.Range(0, _random.Next(1, 4)).Select(_ => Attribute())) + "]";
            var form = _random.Next(20);
            var declaration = form switch
            {
                0 => $"public Layer {name} {{ get; }}",
                1 => $"public static partial Layer {name} {{ get; }}",
                2 => $"public partial Layer {name} {{ get; set; }}",
                3 => $"public Layer {name};",
                4 => $"public partial int {name} {{ get; }}",
                5 => $"private partial Layer {name} {{ get; }}",
                6 => $"protected internal partial Layer {name} {{ get; }}",
                _ => $"public partial Layer {name} {{ get; }}",
            };
            var implementable = _classIsGeneratable && form is not (0 or 1 or 2 or 3 or 4);
            _text.AppendLine($"    {attributes} {declaration}{(implementable ? " " + ImplementableMark : "")}");
        }

        private string Attribute() => _random.Next(16) switch
        {
            0 => $"Conv({Size()}{Named("Kernel", "Stride", "Padding", "Groups", "Dilation", "In", "PadTop", "KernelWidth")})",
            1 => $"Conv1x1({Size()}{Named("Stride", "Groups")})",
            2 => $"Dense({Size()}{Named("InFeatures")})",
            3 => $"MaxPool({Size()}{Named("Stride", "Padding")}{(Chance(0.3) ? ", CeilMode = true" : "")})",
            4 => $"AvgPool({Size()}{Named("Stride", "Padding")})",
            5 => Pick("Relu", "BatchNorm", "Sigmoid", "Softmax", "Flatten", "GlobalAvgPool", "GlobalMaxPool", "Relu6", "LeakyRelu(Slope = 0.1)", "Lrn", "Dropout(0.3)"),
            6 => $"Concat({References()})",
            7 => $"Add({References()})",
            8 => $"Fire({Size()}, {Size()})",
            9 => $"Inception({string.Join(", ", Enumerable.Range(0, 6).Select(_ => Size()))})",
            10 => $"MlpConv({Size()}, {Size()}, {Size()}{Named("Kernel", "Padding")})",
            11 => $"BasicBlock({Size()}{Named("Stride")})",
            12 => $"Bottleneck({Size()}{Named("Stride", "Expansion")})",
            13 => $"Module(typeof({Pick("Block", "Pair", "Pair1", "Net", "int", "Missing", "Deep2", "OuterBlock.Block")}){Named("Width", "In")})",
            14 => $"Conv(WidthFactor = {Size()}, Kernel = {Size()}{(Chance(0.5) ? ", From = " + Reference() : "")})",
            _ => $"SqueezeExcite({Named("Reduction", "Squeeze").TrimStart(',', ' ')})",
        };

        private string Size() => Chance(0.75) ? Pick("1", "2", "3", "4", "8", "16") : Pick(Sizes);

        private string Named(params string[] names)
        {
            var text = new StringBuilder();
            foreach (var name in names)
            {
                if (Chance(0.3))
                    text.Append($", {name} = {Size()}");
            }
            if (Chance(0.15))
                text.Append($", From = {Reference()}");
            return text.ToString();
        }

        private string References() => string.Join(", ", Enumerable.Range(0, _random.Next(0, 4)).Select(_ => Reference()));

        private string Reference() => _random.Next(6) switch
        {
            0 => "Layers.Input",
            1 => "null",
            2 => "\"\"",
            _ => $"\"{(Chance(0.7) ? "L" + _random.Next(0, 7).ToString(System.Globalization.CultureInfo.InvariantCulture) : Pick(Names))}\"",
        };

        /// <summary>Breaks the text: drops a character, doubles a parenthesis or cuts the end.</summary>
        private string Mangle(string text)
        {
            var at = _random.Next(text.Length);
            return _random.Next(3) switch
            {
                0 => text.Remove(at, 1),
                1 => text.Insert(at, Pick("(", ")", "[", "]", "{", "}", ",", "=")),
                _ => text.Substring(0, at),
            };
        }

        private bool Chance(double probability) => _random.NextDouble() < probability;

        private string Pick(params string[] options) => options[_random.Next(options.Length)];
    }
}
