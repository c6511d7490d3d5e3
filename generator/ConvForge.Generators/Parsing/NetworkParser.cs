using System;
using System.Threading;
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
        => throw new NotImplementedException("being written");

    /// <summary>True when the attribute class derives from ConvForge.LayerAttribute.</summary>
    public static bool IsLayerAttribute(INamedTypeSymbol? attributeClass)
        => throw new NotImplementedException("being written");
}
