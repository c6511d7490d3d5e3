using System.Collections.Generic;
using System.Linq;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Graph;
using Xunit.Sdk;

namespace ConvForge.Compiler.Tests.Helpers;

public static class Assertions
{
    /// <summary>Compiles and asserts there is no error (warnings and info allowed).</summary>
    public static NetworkGraph Graph(this NetworkBuilder builder)
    {
        var result = builder.Compile();
        if (result.HasErrors || result.Graph is null)
            throw new XunitException("expected no errors, got:\n" + string.Join("\n", result.Diagnostics));
        return result.Graph;
    }

    /// <summary>Compiles and asserts there is no diagnostic at all.</summary>
    public static NetworkGraph QuietGraph(this NetworkBuilder builder)
    {
        var result = builder.Compile();
        if (result.Diagnostics.Count > 0 || result.Graph is null)
            throw new XunitException("expected no diagnostics, got:\n" + string.Join("\n", result.Diagnostics));
        return result.Graph;
    }

    public static Node Node(this NetworkGraph graph, string name)
        => graph.FindNode(name) ?? throw new XunitException($"no node {name}; nodes: {string.Join(", ", graph.Nodes.Select(n => n.Name))}");

    public static Shape OutputOf(this NetworkGraph graph, string layer)
        => (graph.FindLayer(layer) ?? throw new XunitException("no layer " + layer)).Output;

    /// <summary>The only diagnostic of the result, asserted to have the id.</summary>
    public static DiagnosticInfo Only(this CompileResult result, string id)
    {
        if (result.Diagnostics.Count != 1 || result.Diagnostics[0].Id != id)
            throw new XunitException($"expected exactly one {id}, got:\n" + string.Join("\n", result.Diagnostics));
        return result.Diagnostics[0];
    }

    /// <summary>The only diagnostic with the id (others allowed).</summary>
    public static DiagnosticInfo Single(this CompileResult result, string id)
    {
        var matches = result.Diagnostics.Where(d => d.Id == id).ToList();
        if (matches.Count != 1)
            throw new XunitException($"expected one {id}, got:\n" + string.Join("\n", result.Diagnostics));
        return matches[0];
    }

    public static IReadOnlyList<int> Dims(this ParameterDef parameter) => parameter.Dimensions.ToArray();

    public static ParameterDef Parameter(this NetworkGraph graph, string name)
        => graph.Parameters.FirstOrDefault(p => p.Name == name)
           ?? throw new XunitException($"no parameter {name}; parameters: {string.Join(", ", graph.Parameters.Select(p => p.Name))}");
}
