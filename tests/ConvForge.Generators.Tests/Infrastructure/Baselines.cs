using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;

namespace ConvForge.Generators.Tests.Infrastructure;

/// <summary>
/// Golden files for generated code: Baselines/{Group}/{HintName}.txt in the test project's folder. A test
/// compares; with <c>dotnet test tests/ConvForge.Generators.Tests -p:UpdateBaselines=true</c> it rewrites them
/// instead (review the diff before committing).
/// </summary>
public static class Baselines
{
    public const string UpdateSwitch = "ConvForge.Tests.UpdateBaselines";
    public const string UpdateCommand = "dotnet test tests/ConvForge.Generators.Tests -p:UpdateBaselines=true";

    /// <summary>True when the run was asked to rewrite the baselines.</summary>
    public static bool UpdateRequested => AppContext.TryGetSwitch(UpdateSwitch, out var update) && update;

    /// <summary>The Baselines folder of the test project's sources (not of the build output).</summary>
    public static string Directory { get; } = typeof(Baselines).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "BaselinesDirectory")
        .Value!;

    /// <summary>Compares <paramref name="actual"/> with Baselines/{group}/{hintName}.txt, or rewrites it.</summary>
    public static void Verify(string group, string hintName, string actual)
    {
        var path = PathOf(group, hintName);
        actual = Normalize(actual);
        if (UpdateRequested)
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }

        if (!File.Exists(path))
            Assert.Fail($"No baseline for {hintName} ({RelativePath(path)}). Create it with `{UpdateCommand}` and review it.");

        var expected = Normalize(File.ReadAllText(path));
        if (expected != actual)
            Assert.Fail($"{hintName} differs from {RelativePath(path)}: {FirstDifference(expected, actual)}\n"
                + $"If the change is intended, rewrite the baselines with `{UpdateCommand}` and review the diff.");
    }

    /// <summary>
    /// Fails when Baselines/{group} holds files no longer generated (or, when updating, deletes them), so a
    /// renamed output cannot leave a stale baseline behind.
    /// </summary>
    public static void VerifyNoOthers(string group, IEnumerable<string> hintNames)
    {
        var folder = Path.Combine(Directory, group);
        if (!System.IO.Directory.Exists(folder))
            return;
        var expected = new HashSet<string>(hintNames.Select(hint => hint + ".txt"), StringComparer.Ordinal);
        var stale = System.IO.Directory.GetFiles(folder).Where(file => !expected.Contains(Path.GetFileName(file))).ToList();
        if (UpdateRequested)
        {
            stale.ForEach(File.Delete);
            return;
        }
        Assert.True(stale.Count == 0, $"Baselines no longer generated: {string.Join(", ", stale.Select(RelativePath))}. Remove them with `{UpdateCommand}`.");
    }

    private static string PathOf(string group, string hintName) => Path.Combine(Directory, group, hintName + ".txt");

    private static string RelativePath(string path) => "Baselines/" + Path.GetRelativePath(Directory, path).Replace('\\', '/');

    /// <summary>Line ends as the generator writes them, whatever git did to the file.</summary>
    private static string Normalize(string text) => text.Replace("\r\n", "\n");

    private static string FirstDifference(string expected, string actual)
    {
        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        for (var i = 0; i < Math.Max(expectedLines.Length, actualLines.Length); i++)
        {
            var e = i < expectedLines.Length ? expectedLines[i] : "<end of file>";
            var a = i < actualLines.Length ? actualLines[i] : "<end of file>";
            if (e != a)
                return $"first difference at line {i + 1}:\n  expected: {e}\n  actual:   {a}";
        }
        return "the texts differ";
    }
}
