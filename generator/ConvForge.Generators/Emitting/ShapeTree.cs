using System;
using System.Collections.Generic;
using ConvForge.Compiler.Graph;

namespace ConvForge.Generators.Emitting;

/// <summary>
/// The nested classes of the generated <c>Shapes</c> class: one per node, nested by the dots of its name
/// (Fire2.Squeeze is <c>Shapes.Fire2.Squeeze</c>), plus plain containers for prefixes that are not nodes
/// themselves (Res3a.Downsample). Names that cannot be class names there are changed deterministically.
/// </summary>
internal sealed class ShapeTree
{
    /// <summary>The constants every node class declares; a nested class may not share their names.</summary>
    public static readonly IReadOnlyList<string> ConstantNames = new[] { "Channels", "Height", "Width", "Length" };

    private readonly Dictionary<string, ShapeTree> _childrenBySegment = new(StringComparer.Ordinal);
    private readonly HashSet<string> _usedIdentifiers = new(StringComparer.Ordinal);

    private ShapeTree(string identifier) => Identifier = identifier;

    /// <summary>The class name as written in C# ("Squeeze", "@class", "Channels_").</summary>
    public string Identifier { get; }

    /// <summary>The node whose shape this class holds; null for a container.</summary>
    public Node? Node { get; private set; }

    /// <summary>The path of names from the root, for doc comments ("Res3a.Downsample").</summary>
    public string Path { get; private set; } = "";

    /// <summary>Nested classes, in the order their first node appears in the graph.</summary>
    public List<ShapeTree> Children { get; } = new();

    /// <summary>The tree of <paramref name="nodes"/> under a root class named <paramref name="rootIdentifier"/>.</summary>
    public static ShapeTree Build(IEnumerable<Node> nodes, string rootIdentifier)
    {
        var root = new ShapeTree(rootIdentifier);
        foreach (var node in nodes)
        {
            var current = root;
            foreach (var segment in node.Name.Split('.'))
                current = current.GetOrAddChild(segment);
            // A second node of the same name (only in declarations the core rejects) keeps the first's class.
            current.Node ??= node;
        }
        return root;
    }

    private ShapeTree GetOrAddChild(string segment)
    {
        if (_childrenBySegment.TryGetValue(segment, out var existing))
            return existing;

        var child = new ShapeTree(AllocateIdentifier(segment))
        {
            Path = Path.Length == 0 ? segment : Path + "." + segment,
        };
        _childrenBySegment.Add(segment, child);
        Children.Add(child);
        return child;
    }

    /// <summary>
    /// A class name for <paramref name="segment"/> that differs from this class's own name (CS0542), from the
    /// constants, and from the siblings named so far: the sanitized segment, with '_' appended until it does.
    /// </summary>
    private string AllocateIdentifier(string segment)
    {
        var identifier = CSharpNames.ToIdentifier(segment);
        while (!IsAvailable(identifier))
            identifier += "_";
        _usedIdentifiers.Add(Unescaped(identifier));
        return identifier;
    }

    private bool IsAvailable(string identifier)
    {
        var name = Unescaped(identifier);
        if (name == Unescaped(Identifier) || _usedIdentifiers.Contains(name))
            return false;
        foreach (var constant in ConstantNames)
        {
            if (name == constant)
                return false;
        }
        return true;
    }

    private static string Unescaped(string identifier) => identifier.StartsWith("@", StringComparison.Ordinal) ? identifier.Substring(1) : identifier;
}
