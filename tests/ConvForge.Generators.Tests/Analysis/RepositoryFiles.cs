using System;
using System.IO;
using System.Runtime.CompilerServices;

namespace ConvForge.Generators.Tests.Analysis;

/// <summary>Files of the repository the tests check against (the release notes, the diagnostic docs).</summary>
internal static class RepositoryFiles
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string PathOf(params string[] parts) => Path.Combine(Root, Path.Combine(parts));

    // Above the test binaries normally; above this source file when the binaries were built elsewhere.
    private static string FindRoot() => FindAbove(AppContext.BaseDirectory) ?? FindAbove(ThisFile()) ?? throw new InvalidOperationException(
        "Generator.sln not found above " + AppContext.BaseDirectory + " or " + ThisFile());

    private static string? FindAbove(string path)
    {
        for (var directory = new DirectoryInfo(path); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Generator.sln")))
                return directory.FullName;
        }
        return null;
    }

    private static string ThisFile([CallerFilePath] string path = "") => Path.GetDirectoryName(path) ?? "";
}
