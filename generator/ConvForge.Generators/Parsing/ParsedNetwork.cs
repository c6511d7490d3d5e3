using System.Collections.Immutable;
using ConvForge.Compiler.Spec;
using Microsoft.CodeAnalysis;

namespace ConvForge.Generators.Parsing;

/// <summary>
/// A [Network] or [NetworkModule] class as read by <see cref="NetworkParser"/>: the plain spec plus the
/// Roslyn objects the analyzer needs to place diagnostics. Only the analyzer holds this type; the
/// generator's pipeline keeps just <see cref="Spec"/> (models there hold no symbols).
/// </summary>
internal sealed class ParsedNetwork
{
    public ParsedNetwork(
        NetworkSpec spec,
        INamedTypeSymbol type,
        AttributeData? networkAttribute,
        ImmutableArray<IPropertySymbol> layerProperties,
        ImmutableArray<ImmutableArray<AttributeData>> layerAttributes)
    {
        Spec = spec;
        Type = type;
        NetworkAttribute = networkAttribute;
        LayerProperties = layerProperties;
        LayerAttributes = layerAttributes;
    }

    /// <summary>The declaration as plain data (for a module: Channels, Height and Width are 0).</summary>
    public NetworkSpec Spec { get; }

    /// <summary>The class.</summary>
    public INamedTypeSymbol Type { get; }

    /// <summary>The [Network] (or [NetworkModule]) attribute.</summary>
    public AttributeData? NetworkAttribute { get; }

    /// <summary>Parallel to <c>Spec.Layers</c>: the property each LayerSpec came from.</summary>
    public ImmutableArray<IPropertySymbol> LayerProperties { get; }

    /// <summary>Parallel to each <c>LayerSpec.Ops</c>: the attribute each OpSpec came from.</summary>
    public ImmutableArray<ImmutableArray<AttributeData>> LayerAttributes { get; }
}
