using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using ConvForge.Kernels;
using ConvForge.Parity.Tests.Infrastructure;

namespace ConvForge.Parity.Tests;

/// <summary>
/// Random networks (<see cref="RandomNetworkWriter"/>) written as C# declarations, compiled through the real
/// generator while the tests run, and run on every kernel family this process runs
/// (<see cref="OnnxParity.TestedFamilies"/>) against ONNX Runtime: max abs error &lt;= 1e-4 x max |ORT|
/// (<see cref="OnnxParity.RelativeTolerance"/>), one image and a batch of <see cref="OnnxParity.BatchSize"/>.
/// Set CONVFORGE_PARITY_SEED to run other networks; a failure prints the declaration.
/// </summary>
public sealed class RandomNetworkParityTests
{
    public static IEnumerable<object[]> Cases =>
        from seed in RandomNetworkSuite.Seeds
        from family in OnnxParity.TestedFamilies
        select new object[] { seed, family };

    public static IEnumerable<object[]> Seeds => RandomNetworkSuite.Seeds.Select(seed => new object[] { seed });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Random_network_matches_onnx_runtime(ulong seed, KernelFamily family)
    {
        var (network, type) = Compiled(seed);
        OnnxParity.AssertMatchesOnnxRuntime(type, family, seed, network + "\n" + network.Source);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Generated_shapes_are_the_ones_the_declaration_implies(ulong seed)
    {
        // The writer tracks shapes by the DSL's rules; the generator computes them on its own.
        var (network, type) = Compiled(seed);
        Assert.Equal(network.Input, new TensorShape(Constant(type, "InputChannels"), Constant(type, "InputHeight"), Constant(type, "InputWidth")));
        Assert.Equal(network.Output, new TensorShape(Constant(type, "OutputChannels"), Constant(type, "OutputHeight"), Constant(type, "OutputWidth")));
    }

    [Fact]
    public void The_random_networks_cover_every_feature()
    {
        var covered = RandomNetworkSuite.Seeds.SelectMany(seed => RandomNetworkSuite.Get(seed).Network.Features).ToHashSet();
        var missing = RandomNetworkWriter.AllFeatures.Where(feature => !covered.Contains(feature)).ToList();
        Assert.True(missing.Count == 0, "No random network uses: " + string.Join(", ", missing));
    }

    [Fact]
    public void The_random_networks_have_unaligned_channels_odd_sizes_and_every_op_kind()
    {
        var nodes = RandomNetworkSuite.Seeds
            .Select(seed => RandomNetworkSuite.Get(seed).Type)
            .Where(type => type is not null)
            .SelectMany(type => GeneratedNetwork.DefinitionOf(type!).Nodes)
            .ToList();
        Assert.Contains(nodes, n => n.Kind == OpKind.Conv && n.Channels % 8 != 0);
        Assert.Contains(nodes, n => n.Kind == OpKind.Conv && n.Channels % 16 == 8);
        Assert.Contains(nodes, n => n.Kind == OpKind.Concat && n.Channels % 8 != 0);
        Assert.Contains(nodes, n => n.Kind == OpKind.Conv && n.Output.Height % 2 == 1 && n.Output.Width != n.Output.Height);
        Assert.Contains(nodes, n => n.Kind == OpKind.Conv && n.Groups > 1 && n.Groups < n.Channels);
        var missing = Enum.GetValues<OpKind>().Where(kind => nodes.All(n => n.Kind != kind)).ToList();
        Assert.True(missing.Count == 0, "No random network has a node of kind: " + string.Join(", ", missing));
    }

    private static int Constant(Type type, string name) =>
        (int)(type.GetField(name, BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue()
            ?? throw new InvalidOperationException($"{type.FullName} has no constant {name}."));

    private static (RandomNetwork Network, Type Type) Compiled(ulong seed)
    {
        var compiled = RandomNetworkSuite.Get(seed);
        if (compiled.Type is null)
            Assert.Fail($"{compiled.Network} does not compile:\n{compiled.Errors}\n\n{compiled.Network.Source}");
        return (compiled.Network, compiled.Type!);
    }
}
