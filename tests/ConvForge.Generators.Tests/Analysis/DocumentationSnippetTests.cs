using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using ConvForge.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace ConvForge.Generators.Tests.Analysis;

/// <summary>
/// The C# of README.md and docs/runtime.md compiles as a user would write it: in a console project with the
/// SDK's implicit usings, the generator running, nothing but the usings the snippet itself shows. A snippet
/// that declares classes is compiled along with the page's other snippets; one of statements is the
/// program's top-level code. A block right after <c>&lt;!-- not compiled: why --&gt;</c> is skipped.
/// </summary>
public class DocumentationSnippetTests
{
    /// <summary>What <c>ImplicitUsings</c> adds to a console project (Microsoft.NET.Sdk).</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private static readonly Regex CodeBlock = new(@"(?<marker><!-- not compiled:[^\n]*-->\n)?```csharp\n(?<code>.*?)```", RegexOptions.Singleline);

    public static TheoryData<string, int> Snippets()
    {
        var data = new TheoryData<string, int>();
        foreach (var page in new[] { "README.md", "docs/runtime.md" })
        {
            for (var i = 0; i < Read(page).Count; i++)
                data.Add(page, i);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public void Snippet_compiles_as_a_user_writes_it(string page, int index)
    {
        var snippets = Read(page);
        var snippet = snippets[index];
        if (snippet is null)
            return;

        var files = new List<(string Path, string Text)> { ("GlobalUsings.g.cs", ImplicitUsings) };
        files.AddRange(snippets.Where(s => s is not null && s != snippet && IsDeclaration(s)).Select((s, i) => ($"Declarations{i}.cs", s!)));
        files.Add(("Program.cs", snippet));
        // A snippet that uses the sample networks gets them, as a project referencing ConvForge.Samples would.
        if (snippet.Contains("ConvForge.Samples", StringComparison.Ordinal))
            files.AddRange(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "SampleSources"), "*.cs").Select(path => (path, File.ReadAllText(path))));

        var compilation = TestCompilation.Create(files).WithOptions(TestCompilation.Options.WithOutputKind(
            IsDeclaration(snippet) ? OutputKind.DynamicallyLinkedLibrary : OutputKind.ConsoleApplication));
        var run = GeneratorHarness.Run(compilation);

        var problems = run.GeneratorResult.Diagnostics.Concat(TestCompilation.ErrorsAndWarnings(run.OutputCompilation)).ToList();
        Assert.True(problems.Count == 0, $"{page}, C# block {index + 1}:\n{snippet}\n{TestCompilation.Describe(problems)}");
    }

    [Fact]
    public void The_pages_have_snippets_to_compile()
    {
        Assert.True(Read("README.md").Count(s => s is not null) >= 3);
        Assert.True(Read("docs/runtime.md").Count(s => s is not null) >= 3);
    }

    /// <summary>The page's C# blocks in order; null for one marked as not compiled.</summary>
    private static List<string?> Read(string page)
    {
        var text = File.ReadAllText(RepositoryFiles.PathOf(page.Split('/'))).Replace("\r\n", "\n");
        return CodeBlock.Matches(text).Select(m => m.Groups["marker"].Success ? null : m.Groups["code"].Value).ToList();
    }

    private static bool IsDeclaration(string? snippet) => snippet is not null && Regex.IsMatch(snippet, @"^\s*(public |internal )?(sealed )?(partial )?class ", RegexOptions.Multiline);
}
