using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using ConvForge.Compiler;
using ConvForge.Compiler.Spec;
using Microsoft.CodeAnalysis;

namespace ConvForge.Generators.Parsing;

/// <summary>
/// Reads attributes into the plain spec. Never throws on malformed code: arguments that did not bind
/// (TypedConstantKind.Error) are left out, and the compiler core reports what is missing.
/// </summary>
internal static class NetworkParser
{
    public const string Namespace = "ConvForge";
    public const string NetworkAttributeName = "ConvForge.NetworkAttribute";
    public const string NetworkModuleAttributeName = "ConvForge.NetworkModuleAttribute";
    public const string LayerAttributeBaseName = "ConvForge.LayerAttribute";
    public const string LayerTypeName = "ConvForge.Layer";

    /// <summary>
    /// Reads a [Network] class (or a [NetworkModule] class, with networkAttribute null): every property
    /// with ConvForge layer attributes, in declaration order, and their attributes in the order written.
    /// When <paramref name="includeModules"/> is true, also reads every [NetworkModule] class its layers
    /// use through [Module(typeof(...))], transitively, into <c>Spec.Modules</c>.
    /// </summary>
    public static ParsedNetwork Parse(INamedTypeSymbol type, AttributeData? networkAttribute, bool includeModules, CancellationToken cancellationToken)
    {
        var (channels, height, width) = ReadInputShape(networkAttribute);
        var properties = GetLayerProperties(type, cancellationToken);

        var layers = ImmutableArray.CreateBuilder<LayerSpec>(properties.Length);
        var layerAttributes = ImmutableArray.CreateBuilder<ImmutableArray<AttributeData>>(properties.Length);
        foreach (var property in properties)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var attributes = GetLayerAttributes(property);
            layers.Add(ReadLayer(property.Name, attributes));
            layerAttributes.Add(attributes);
        }

        var modules = includeModules
            ? ReadUsedModules(new[] { type }, cancellationToken).ToEquatableArray()
            : EquatableArray<ModuleSpec>.Empty;

        var spec = new NetworkSpec(type.Name, channels, height, width, layers.MoveToImmutable().ToEquatableArray(), modules);
        return new ParsedNetwork(spec, type, networkAttribute, properties, layerAttributes.MoveToImmutable());
    }

    /// <summary>True when the attribute class derives from ConvForge.LayerAttribute.</summary>
    public static bool IsLayerAttribute(INamedTypeSymbol? attributeClass)
    {
        for (var type = attributeClass?.BaseType; type is not null; type = type.BaseType)
        {
            if (type.Name == "LayerAttribute" && type.ContainingType is null && IsConvForgeNamespace(type.ContainingNamespace))
                return true;
        }
        return false;
    }

    /// <summary>
    /// Reads a [NetworkModule] class into a <see cref="ModuleSpec"/>: its layers as <see cref="Parse"/> reads a
    /// network's, under the metadata name that [Module(typeof(...))] arguments resolve to.
    /// </summary>
    public static ModuleSpec ReadModule(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var properties = GetLayerProperties(type, cancellationToken);
        var layers = ImmutableArray.CreateBuilder<LayerSpec>(properties.Length);
        foreach (var property in properties)
        {
            cancellationToken.ThrowIfCancellationRequested();
            layers.Add(ReadLayer(property.Name, GetLayerAttributes(property)));
        }
        return new ModuleSpec(GetMetadataName(type), type.Name, layers.MoveToImmutable().ToEquatableArray());
    }

    /// <summary>
    /// The [NetworkModule] classes that the layers of <paramref name="types"/> name in typeof(...) arguments,
    /// and those that their layers name, and so on, each once, in the order first met.
    /// </summary>
    public static ImmutableArray<ModuleSpec> ReadUsedModules(IEnumerable<INamedTypeSymbol> types, CancellationToken cancellationToken)
    {
        var used = new List<INamedTypeSymbol>();
        foreach (var type in types)
            used.AddRange(GetUsedModuleTypes(type, cancellationToken));
        return ReadModulesTransitively(used, cancellationToken);
    }

    /// <summary>
    /// <paramref name="modules"/> and every module their layers use, transitively, each once (by metadata
    /// name), in the order first met. Cycles end where they close; the core reports them.
    /// </summary>
    public static ImmutableArray<ModuleSpec> ReadModulesTransitively(IEnumerable<INamedTypeSymbol> modules, CancellationToken cancellationToken)
    {
        var specs = ImmutableArray.CreateBuilder<ModuleSpec>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<INamedTypeSymbol>(modules);
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var module = pending.Dequeue();
            if (!seen.Add(GetMetadataName(module)))
                continue;
            specs.Add(ReadModule(module, cancellationToken));
            foreach (var used in GetUsedModuleTypes(module, cancellationToken))
                pending.Enqueue(used);
        }
        return specs.ToImmutable();
    }

    /// <summary>
    /// The classes marked [NetworkModule] that typeof(...) arguments of <paramref name="type"/>'s layer attributes
    /// name, in the order written (duplicates kept; callers dedupe).
    /// </summary>
    public static ImmutableArray<INamedTypeSymbol> GetUsedModuleTypes(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var used = ImmutableArray.CreateBuilder<INamedTypeSymbol>();
        foreach (var property in GetLayerProperties(type, cancellationToken))
        {
            foreach (var attribute in GetLayerAttributes(property))
            {
                foreach (var argument in attribute.ConstructorArguments)
                    AddModuleType(argument, used);
                foreach (var argument in attribute.NamedArguments)
                    AddModuleType(argument.Value, used);
            }
        }
        return used.ToImmutable();

        static void AddModuleType(TypedConstant argument, ImmutableArray<INamedTypeSymbol>.Builder used)
        {
            if (argument.Kind == TypedConstantKind.Type
                && argument.Value is INamedTypeSymbol { TypeKind: not TypeKind.Error } module
                && HasAttribute(module.OriginalDefinition, NetworkModuleAttributeName))
            {
                used.Add(module.OriginalDefinition);
            }
        }
    }

    /// <summary>
    /// The properties of <paramref name="type"/> that carry at least one layer attribute, in declaration order:
    /// by file path, then position, so that a class split over several files reads the same whatever the order
    /// of the files in the compilation. Properties from metadata keep the order the metadata lists them in.
    /// </summary>
    public static ImmutableArray<IPropertySymbol> GetLayerProperties(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var found = new List<(IPropertySymbol Property, string Path, int Position, int Index)>();
        var members = type.GetMembers();
        for (var i = 0; i < members.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (members[i] is not IPropertySymbol property || GetLayerAttributes(property).IsEmpty)
                continue;
            var references = property.DeclaringSyntaxReferences;
            if (references.IsEmpty)
                found.Add((property, "", 0, i));
            else
                found.Add((property, references[0].SyntaxTree.FilePath ?? "", references[0].Span.Start, i));
        }

        found.Sort(static (a, b) =>
        {
            var byPath = string.CompareOrdinal(a.Path, b.Path);
            if (byPath != 0)
                return byPath;
            var byPosition = a.Position.CompareTo(b.Position);
            return byPosition != 0 ? byPosition : a.Index.CompareTo(b.Index);
        });

        var properties = ImmutableArray.CreateBuilder<IPropertySymbol>(found.Count);
        foreach (var entry in found)
            properties.Add(entry.Property);
        return properties.MoveToImmutable();
    }

    /// <summary>The layer attributes on <paramref name="property"/>, in the order written.</summary>
    public static ImmutableArray<AttributeData> GetLayerAttributes(IPropertySymbol property)
    {
        ImmutableArray<AttributeData>.Builder? layerAttributes = null;
        foreach (var attribute in property.GetAttributes())
        {
            if (!IsLayerAttribute(attribute.AttributeClass))
                continue;
            layerAttributes ??= ImmutableArray.CreateBuilder<AttributeData>();
            layerAttributes.Add(attribute);
        }
        return layerAttributes?.ToImmutable() ?? ImmutableArray<AttributeData>.Empty;
    }

    /// <summary>
    /// The name the CLR gives the type: namespace, then the containing types joined by '+', with generic arity
    /// ("MyApp.Blocks+ResidualPair"). This is what a typeof(...) argument of [Module] resolves to.
    /// </summary>
    public static string GetMetadataName(ITypeSymbol type)
    {
        if (type.ContainingType is { } containing)
            return GetMetadataName(containing) + "+" + type.MetadataName;
        var ns = GetNamespaceName(type.ContainingNamespace);
        return ns.Length == 0 ? type.MetadataName : ns + "." + type.MetadataName;
    }

    /// <summary>"A.B" for namespace A.B; "" for the global namespace.</summary>
    public static string GetNamespaceName(INamespaceSymbol? ns)
    {
        if (ns is null || ns.IsGlobalNamespace)
            return "";
        var parent = GetNamespaceName(ns.ContainingNamespace);
        return parent.Length == 0 ? ns.MetadataName : parent + "." + ns.MetadataName;
    }

    /// <summary>True when <paramref name="type"/> carries the attribute with this metadata name.</summary>
    public static bool HasAttribute(INamedTypeSymbol type, string attributeMetadataName)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is { } attributeClass && GetMetadataName(attributeClass) == attributeMetadataName)
                return true;
        }
        return false;
    }

    private static LayerSpec ReadLayer(string name, ImmutableArray<AttributeData> attributes)
    {
        var ops = ImmutableArray.CreateBuilder<OpSpec>(attributes.Length);
        foreach (var attribute in attributes)
            ops.Add(AttributeReader.ReadOp(attribute));
        return new LayerSpec(name, ops.MoveToImmutable().ToEquatableArray());
    }

    /// <summary>The stated input shape; null for an argument not written, so that 0 written reads as out of range.</summary>
    private static (int? Channels, int? Height, int? Width) ReadInputShape(AttributeData? networkAttribute)
    {
        int? channels = null, height = null, width = null;
        if (networkAttribute is null)
            return (null, null, null);
        foreach (var argument in networkAttribute.NamedArguments)
        {
            if (argument.Value.Kind != TypedConstantKind.Primitive || argument.Value.Value is not int value)
                continue;
            switch (argument.Key)
            {
                case "Channels": channels = value; break;
                case "Height": height = value; break;
                case "Width": width = value; break;
            }
        }
        return (channels, height, width);
    }

    private static bool IsConvForgeNamespace(INamespaceSymbol? ns)
        => ns is { Name: Namespace, ContainingNamespace.IsGlobalNamespace: true };
}
