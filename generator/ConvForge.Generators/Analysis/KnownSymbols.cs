using ConvForge.Generators.Parsing;
using Microsoft.CodeAnalysis;

namespace ConvForge.Generators.Analysis;

/// <summary>The ConvForge runtime types the analyzer looks for, resolved once per compilation.</summary>
internal sealed class KnownSymbols
{
    private KnownSymbols(INamedTypeSymbol networkAttribute, INamedTypeSymbol? networkModuleAttribute, INamedTypeSymbol? layer)
    {
        NetworkAttribute = networkAttribute;
        NetworkModuleAttribute = networkModuleAttribute;
        Layer = layer;
    }

    public INamedTypeSymbol NetworkAttribute { get; }
    public INamedTypeSymbol? NetworkModuleAttribute { get; }
    public INamedTypeSymbol? Layer { get; }

    /// <summary>Null when the compilation does not reference the ConvForge runtime.</summary>
    public static KnownSymbols? Find(Compilation compilation)
    {
        var network = compilation.GetTypeByMetadataName(NetworkParser.NetworkAttributeName);
        if (network is null)
            return null;
        return new KnownSymbols(
            network,
            compilation.GetTypeByMetadataName(NetworkParser.NetworkModuleAttributeName),
            compilation.GetTypeByMetadataName(NetworkParser.LayerTypeName));
    }

    /// <summary>The first application of <paramref name="attributeClass"/> on <paramref name="type"/>, if any.</summary>
    public static AttributeData? FindAttribute(INamedTypeSymbol type, INamedTypeSymbol? attributeClass)
    {
        if (attributeClass is null)
            return null;
        foreach (var attribute in type.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeClass))
                return attribute;
        }
        return null;
    }
}
