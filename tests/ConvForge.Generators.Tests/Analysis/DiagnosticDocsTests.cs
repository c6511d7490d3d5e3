using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Generators.Analysis;
using Microsoft.CodeAnalysis;

namespace ConvForge.Generators.Tests.Analysis;

/// <summary>
/// docs/diagnostics has one page per rule, and its examples are real: the Wrong example produces the
/// diagnostic with the message the page quotes, the Fixed example compiles with no ConvForge diagnostic.
/// </summary>
public class DiagnosticDocsTests
{
    private static readonly string Folder = RepositoryFiles.PathOf("docs", "diagnostics");

    public static TheoryData<string> RuleIds() => DiagnosticDescriptorsTests.RuleIds();

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Page_states_the_title_severity_and_category_of_the_rule(string id)
    {
        var descriptor = DiagnosticDescriptors.Find(id)!;
        var page = Read(id);

        Assert.StartsWith($"# {id}: {descriptor.Title}\n", page, StringComparison.Ordinal);
        Assert.Contains($"| {descriptor.DefaultSeverity} | {descriptor.Category} |", page, StringComparison.Ordinal);
        foreach (var section in new[] { "## When it fires", "## Wrong", "## Fixed", "## Code fix", "## Suppressing" })
            Assert.Contains("\n" + section + "\n", page, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public async Task Wrong_example_produces_the_diagnostic_with_the_quoted_message(string id)
    {
        var page = Read(id);

        var run = await AnalyzerRunner.RunAsync(new[] { CodeAfter(page, "## Wrong") }, WeightFilesOf(page));

        Assert.Empty(run.Exceptions);
        var messages = run.ConvForgeDiagnostics.Where(d => d.Id == id).Select(d => d.GetMessage()).ToList();
        Assert.NotEmpty(messages);
        var quoted = Regex.Match(page, @"^> (.+)$", RegexOptions.Multiline);
        Assert.True(quoted.Success, "the page quotes no message");
        Assert.Contains(quoted.Groups[1].Value, messages);
    }

    /// <summary>
    /// Also in a build, not just in the editor: the compiler skips analyzers once declarations have errors, and
    /// a diagnostic that only the editor shows is one a user building from the command line never sees.
    /// </summary>
    [Theory]
    [MemberData(nameof(RuleIds))]
    public async Task Wrong_example_shows_the_diagnostic_in_a_command_line_build(string id)
    {
        var page = Read(id);
        var build = await CommandLineBuild.RunAsync(WeightFilesOf(page), CodeAfter(page, "## Wrong"));

        // CF0017's example uses a class that lacks [NetworkModule]; C# rejects its partial properties, so a
        // build shows the cause, CF0002 on that class, rather than CF0017 on its use.
        var shown = id == "CF0017" && !build.AnalyzersRan ? "CF0002" : id;
        Assert.True(build.WithId(shown).Any(), build.Describe());
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public async Task Fixed_example_compiles_without_diagnostics(string id)
    {
        var page = Read(id);
        var run = await AnalyzerRunner.RunAsync(new[] { CodeAfter(page, "## Fixed") }, WeightFilesOf(page));

        Assert.Empty(run.Exceptions);
        Assert.Empty(run.ConvForgeDiagnostics);
        Assert.Empty(run.CompilerErrors);
    }

    [Fact]
    public void Readme_links_every_page_and_there_is_no_page_for_an_unknown_id()
    {
        var readme = File.ReadAllText(Path.Combine(Folder, "README.md"));
        foreach (var rule in DiagnosticIds.All)
            Assert.Contains($"| [{rule.Id}]({rule.Id}.md) | {rule.Title} | {rule.Severity} | {rule.Category} |", readme, StringComparison.Ordinal);

        var pages = Directory.GetFiles(Folder, "CF*.md").Select(Path.GetFileNameWithoutExtension).OrderBy(name => name, StringComparer.Ordinal);
        Assert.Equal(DiagnosticIds.All.Select(rule => rule.Id).OrderBy(id => id, StringComparer.Ordinal), pages);
    }

    private static string Read(string id) => File.ReadAllText(Path.Combine(Folder, id + ".md")).Replace("\r\n", "\n");

    /// <summary>
    /// The weight files a page shows, as blocks <c>```weights net.safetensors</c> listing a tensor a line
    /// ("Conv1.Weight F32 [16, 3, 3, 3]"): written as safetensors files, one folder per page, and given to
    /// both examples as AdditionalFiles.
    /// </summary>
    private static AdditionalText[] WeightFilesOf(string page)
    {
        var blocks = Regex.Matches(page, @"```weights (\S+)\n(.*?)```", RegexOptions.Singleline);
        if (blocks.Count == 0)
            return Array.Empty<AdditionalText>();
        // One folder per page's files, reused by each run (rather than a new one left behind each time).
        var folder = Path.Combine(Path.GetTempPath(), "convforge-docs-weights", Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(page)))[..16]);
        Directory.CreateDirectory(folder);
        return blocks.Select(block => (AdditionalText)new WeightFileText(WeightFiles.WriteSafeTensors(
            Path.Combine(folder, block.Groups[1].Value),
            block.Groups[2].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries)))).ToArray();
    }

    /// <summary>The first ```csharp block after <paramref name="heading"/>.</summary>
    private static string CodeAfter(string page, string heading)
    {
        var start = page.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "no " + heading + " section");
        var match = new Regex(@"```csharp\n(.*?)```", RegexOptions.Singleline).Match(page, start);
        Assert.True(match.Success, "no code under " + heading);
        return match.Groups[1].Value;
    }
}
