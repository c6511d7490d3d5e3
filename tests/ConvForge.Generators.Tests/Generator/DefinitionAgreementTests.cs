using System;
using System.Linq;
using System.Reflection;
using System.Threading;
using ConvForge.Compiler;
using ConvForge.Compiler.Graph;
using ConvForge.Generators.Parsing;
using ConvForge.Generators.Tests.Infrastructure;
using ConvForge.Testing;
using Microsoft.CodeAnalysis;

namespace ConvForge.Generators.Tests.Generator;

/// <summary>
/// The generated <c>Definition</c> of every sample network is the compiler core's graph of the same declaration:
/// node by node (through the shape rules the runtime shares with the core), and so are the parameter layout,
/// the summary text and the Layer properties the runtime derives from it.
/// </summary>
public class DefinitionAgreementTests
{
    private static readonly Lazy<Assembly> s_samples = new(() => RuntimeAssembly.Load(SampleBaselineTests.Run.OutputCompilation));

    public static TheoryData<string> Networks()
    {
        var data = new TheoryData<string>();
        foreach (var name in NetworkTypes(SampleBaselineTests.Run.OutputCompilation))
            data.Add(name);
        return data;
    }

    [Fact]
    public void Every_sample_network_is_checked()
    {
        var names = NetworkTypes(SampleBaselineTests.Run.OutputCompilation);
        Assert.True(names.Length >= 6, "expected the six sample networks, found " + string.Join(", ", names));
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void The_definition_is_the_core_graph(string metadataName)
    {
        var compilation = SampleBaselineTests.Run.OutputCompilation;
        var graph = CoreGraph(compilation, metadataName);
        var type = s_samples.Value.GetType(metadataName, throwOnError: true)!;
        var definition = (NetworkDefinition)RuntimeAssembly.Static(type, "Definition")!;

        GraphAgreement.AssertSame(graph, definition);

        // What the generated class derives from it.
        Assert.Same(definition.Parameters, RuntimeAssembly.Static(type, "ParameterLayout"));
        Assert.Equal(Compiler.Summary.SummaryFormatter.Format(graph), RuntimeAssembly.Static(type, "Summary")!.ToString());
        var network = Activator.CreateInstance(type)!;
        foreach (var output in graph.LayerOutputs)
        {
            var layer = (Layer)RuntimeAssembly.Instance(network, output.Name)!;
            var nodes = graph.Nodes.Skip(output.FirstNode).Take(output.OutputNode - output.FirstNode + 1).ToList();
            Assert.Equal(nodes.SelectMany(n => n.Parameters).Select(p => p.Name), layer.Parameters.Select(p => p.Name));
            Assert.Equal(nodes.Sum(n => n.Macs), layer.Macs);
        }
    }

    private static string[] NetworkTypes(Compilation compilation)
        => compilation.SyntaxTrees
            .SelectMany(tree => tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax>()
                .Select(declaration => compilation.GetSemanticModel(tree).GetDeclaredSymbol(declaration)))
            .Where(symbol => symbol is not null && symbol.GetAttributes().Any(a => a.AttributeClass?.Name == "NetworkAttribute"))
            .Select(symbol => symbol!.ContainingNamespace.ToDisplayString() + "." + symbol.MetadataName)
            .Distinct()
            .OrderBy(name => name, StringComparer.Ordinal)
            .ToArray();

    private static NetworkGraph CoreGraph(Compilation compilation, string metadataName)
    {
        var type = TestCompilation.GetType(compilation, metadataName);
        var attribute = type.GetAttributes().Single(a => a.AttributeClass?.Name == "NetworkAttribute");
        var parsed = NetworkParser.Parse(type, attribute, includeModules: true, CancellationToken.None);
        var result = NetworkCompiler.Compile(parsed.Spec);
        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));
        return result.Graph!;
    }
}
