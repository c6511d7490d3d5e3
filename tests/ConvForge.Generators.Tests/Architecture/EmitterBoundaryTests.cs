using System.IO;
using System.Linq;
using ConvForge.Generators.Tests.Analysis;
using Xunit;

namespace ConvForge.Generators.Tests.Architecture;

/// <summary>
/// The emitters only print: parsing, models and analysis never reach into Emitting/. Only the pipeline's root
/// (NetworkGenerator.cs), which hands each compiled network to its emitter, may import it.
/// </summary>
public class EmitterBoundaryTests
{
    [Fact]
    public void No_folder_but_Emitting_imports_the_emitters()
    {
        var root = RepositoryFiles.PathOf("generator", "ConvForge.Generators");
        var offenders = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(path))
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Where(relative => !relative.StartsWith("Emitting/") && relative != "NetworkGenerator.cs")
            .Where(relative => File.ReadLines(Path.Combine(root, relative)).Any(line => line.Contains("ConvForge.Generators.Emitting")))
            .ToList();

        Assert.True(offenders.Count == 0, "These files import the emitters: " + string.Join(", ", offenders));
    }

    private static bool IsBuildOutput(string path) =>
        path.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar)
        || path.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar);
}
