using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace ConvForge.Parity.Tests.Infrastructure;

/// <summary>
/// The random networks of this run: <see cref="Count"/> declarations from consecutive seeds starting at
/// <see cref="FirstSeed"/>, compiled once per process into one assembly. A network whose declaration or
/// generated code does not compile fails its own tests, not the others': when the whole set does not build,
/// each network is compiled alone to find which ones break.
/// </summary>
public static class RandomNetworkSuite
{
    /// <summary>Set this environment variable to another number to run other random networks.</summary>
    public const string SeedVariable = "CONVFORGE_PARITY_SEED";

    /// <summary>Networks per run: more than <see cref="RandomNetworkWriter.AllFeatures"/>, so every feature has its own network.</summary>
    public const int Count = 48;

    /// <summary>The first seed: <see cref="SeedVariable"/>, or 1.</summary>
    public static ulong FirstSeed { get; } =
        ulong.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var seed) ? seed : 1;

    /// <summary>The seeds of this run.</summary>
    public static IEnumerable<ulong> Seeds => Enumerable.Range(0, Count).Select(i => FirstSeed + (ulong)i);

    private static readonly Lazy<IReadOnlyDictionary<ulong, Compiled>> s_compiled = new(CompileAll);

    /// <summary>A random network and its compiled class, or why it has none.</summary>
    public sealed record Compiled(RandomNetwork Network, Type? Type, string Errors);

    /// <summary>The network of <paramref name="seed"/>, compiled.</summary>
    public static Compiled Get(ulong seed) => s_compiled.Value[seed];

    private static IReadOnlyDictionary<ulong, Compiled> CompileAll()
    {
        var networks = Seeds.Select(RandomNetworkWriter.Write).ToList();
        var (assembly, _) = TestTimeCompiler.Compile(
            networks.Select(n => (n.ClassName + ".cs", n.Source)).ToList(), "ConvForge.Parity.Random");
        var compiled = new Dictionary<ulong, Compiled>();
        foreach (var network in networks)
        {
            if (assembly is not null)
            {
                compiled[network.Seed] = new Compiled(network, assembly.GetType(network.MetadataName, throwOnError: true), "");
                continue;
            }
            var (alone, ownErrors) = TestTimeCompiler.Compile(new[] { (network.ClassName + ".cs", network.Source) }, network.ClassName);
            compiled[network.Seed] = alone is null
                ? new Compiled(network, null, ownErrors)
                : new Compiled(network, alone.GetType(network.MetadataName, throwOnError: true), "");
        }
        return compiled;
    }
}
