using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace ConvForge.Compiler.Tests;

/// <summary>
/// The core's stages depend one way: Interpretation -> Building -> Shapes -> Checks -> (Graph freeze) -> Planning.
/// A stage's folder may use the neutral folders and the stages before it (whose output it reads), never a stage
/// after it; the neutral folders use no stage. NetworkCompiler (outside the folders) wires them. Read from the
/// sources' using directives and qualified names.
/// </summary>
public class LayeringTests
{
    private static readonly string[] Stages = { "Interpretation", "Building", "Shapes", "Checks", "Planning" };

    // Shared by several stages: the graph model (with the draft nodes and the shared rules), the spec, diagnostics, helpers, the summary.
    private static readonly string[] Neutral = { "Graph", "Spec", "Diagnostics", "Helpers", "Summary" };

    [Fact]
    public void No_stage_reaches_back_and_the_neutral_folders_use_no_stage()
    {
        var root = CoreDirectory();
        var problems = new List<string>();
        foreach (var file in Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal) || !relative.Contains('/'))
                continue;
            var folder = relative.Substring(0, relative.IndexOf('/'));
            var text = File.ReadAllText(file);
            foreach (Match used in Regex.Matches(text, @"ConvForge\.Compiler\.(\w+)"))
            {
                var target = used.Groups[1].Value;
                if (target == folder || Array.IndexOf(Stages, target) < 0)
                    continue;
                var allowed = Array.IndexOf(Stages, folder) is var from and >= 0 && Array.IndexOf(Stages, target) < from;
                if (!allowed)
                    problems.Add($"{relative} uses {target}");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct()));
        Assert.All(Neutral.Concat(Stages), folder => Assert.True(Directory.Exists(Path.Combine(root, folder)), folder));
    }

    private static string CoreDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "generator", "ConvForge.Compiler");
            if (Directory.Exists(candidate))
                return candidate;
        }
        throw new DirectoryNotFoundException("generator/ConvForge.Compiler above " + AppContext.BaseDirectory);
    }
}
