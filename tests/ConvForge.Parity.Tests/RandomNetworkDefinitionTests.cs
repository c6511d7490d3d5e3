using System.Collections.Generic;
using System.Linq;
using System.Threading;
using ConvForge.Compiler;
using ConvForge.Generators.Parsing;
using ConvForge.Parity.Tests.Infrastructure;
using ConvForge.Testing;
using Microsoft.CodeAnalysis.CSharp;

namespace ConvForge.Parity.Tests;

/// <summary>
/// The generated <c>Definition</c> of each random network is the compiler core's graph of the same declaration,
/// node by node: names, kinds, inputs, shapes, windows, settings, parameters and MACs (<see cref="GraphAgreement"/>).
/// The random networks reach corners the samples do not (asymmetric and SAME padding, dilation, ceil mode, groups).
/// </summary>
public sealed class RandomNetworkDefinitionTests
{
    public static IEnumerable<object[]> Seeds => RandomNetworkSuite.Seeds.Select(seed => new object[] { seed });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void The_definition_is_the_core_graph(ulong seed)
    {
        var compiled = RandomNetworkSuite.Get(seed);
        Assert.True(compiled.Type is not null, compiled.Network + "\n" + compiled.Errors);

        // The core's graph, read from the declaration the way the generator and the analyzer read it.
        var tree = CSharpSyntaxTree.ParseText(compiled.Network.Source, TestTimeCompiler.ParseOptions);
        var compilation = CSharpCompilation.Create("Declaration", new[] { tree }, TestTimeCompiler.References);
        var type = compilation.GetTypeByMetadataName(compiled.Network.MetadataName)!;
        var attribute = type.GetAttributes().Single(a => a.AttributeClass?.Name == "NetworkAttribute");
        var result = NetworkCompiler.Compile(NetworkParser.Parse(type, attribute, includeModules: true, CancellationToken.None).Spec);
        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));

        GraphAgreement.AssertSame(result.Graph!, GeneratedNetwork.DefinitionOf(compiled.Type!));
    }
}
