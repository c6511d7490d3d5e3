using System.Collections.Generic;
using System.Threading;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace ConvForge.Generators.Analysis;

/// <summary>
/// Turns the core's <see cref="Site"/> (layer, attribute, argument name) into a source location: the
/// argument when it was written, else the attribute, else the property, else the [Network] attribute.
/// Every answer is a location in source, whatever the indices say.
/// </summary>
internal static class SiteLocator
{
    public static Location Locate(ParsedNetwork parsed, Site site, CancellationToken cancellationToken)
    {
        var properties = parsed.LayerProperties;
        if (site.LayerIndex < 0 || properties.IsDefault || site.LayerIndex >= properties.Length)
        {
            var argument = site.LayerIndex < 0 ? site.Argument : null;
            return AttributeLocation(parsed.NetworkAttribute, argument, cancellationToken) ?? ClassLocation(parsed);
        }

        var property = properties[site.LayerIndex];
        var attributes = !parsed.LayerAttributes.IsDefault && site.LayerIndex < parsed.LayerAttributes.Length
            ? parsed.LayerAttributes[site.LayerIndex]
            : default;
        if (site.OpIndex >= 0 && !attributes.IsDefault && site.OpIndex < attributes.Length
            && AttributeLocation(attributes[site.OpIndex], site.Argument, cancellationToken) is { } attributeLocation)
        {
            return attributeLocation;
        }
        return PropertyLocation(property, cancellationToken)
            ?? AttributeLocation(parsed.NetworkAttribute, null, cancellationToken)
            ?? ClassLocation(parsed);
    }

    private static Location? AttributeLocation(AttributeData? attribute, string? argument, CancellationToken cancellationToken)
    {
        if (attribute?.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax syntax)
            return null;
        if (argument is null)
            return syntax.GetLocation();
        return ArgumentLocation(syntax, attribute.AttributeConstructor, argument) ?? syntax.GetLocation();
    }

    /// <summary>
    /// The argument named <paramref name="argument"/> as the core names arguments: a named argument by its
    /// property name, a positional one by its constructor parameter's name with a capital first letter.
    /// "Inputs[1]" picks one element of an array argument (for a params array, one of the arguments); plain
    /// "Inputs" covers all of them.
    /// </summary>
    private static Location? ArgumentLocation(AttributeSyntax syntax, IMethodSymbol? constructor, string argument)
    {
        if (syntax.ArgumentList is not { } list)
            return null;
        var (name, index) = SplitIndex(argument);
        var parameters = constructor?.Parameters ?? default;
        var matches = new List<AttributeArgumentSyntax>();
        var position = 0;
        foreach (var arg in list.Arguments)
        {
            if (arg.NameEquals is { } nameEquals)
            {
                if (nameEquals.Name.Identifier.ValueText == name)
                    return Element(arg, index) ?? arg.GetLocation();
                continue;
            }

            string? parameterName;
            if (arg.NameColon is { } nameColon)
            {
                parameterName = nameColon.Name.Identifier.ValueText;
            }
            else
            {
                parameterName = ParameterName(parameters, position);
                position++;
            }
            if (parameterName is not null && Capitalize(parameterName) == name)
                matches.Add(arg);
        }

        if (matches.Count == 0)
            return null;
        if (index >= 0)
        {
            if (matches.Count > 1 && index < matches.Count)
                return matches[index].GetLocation();
            if (matches.Count == 1 && Element(matches[0], index) is { } element)
                return element;
        }
        if (matches.Count == 1)
            return matches[0].GetLocation();
        return Location.Create(syntax.SyntaxTree, TextSpan.FromBounds(matches[0].SpanStart, matches[matches.Count - 1].Span.End));
    }

    /// <summary>Element <paramref name="index"/> of an array written as one argument; the argument itself for index 0 of a scalar.</summary>
    private static Location? Element(AttributeArgumentSyntax argument, int index)
    {
        if (index < 0)
            return null;
        var elements = new List<SyntaxNode>();
        switch (argument.Expression)
        {
            case ArrayCreationExpressionSyntax { Initializer: { } initializer }:
                elements.AddRange(initializer.Expressions);
                break;
            case ImplicitArrayCreationExpressionSyntax creation:
                elements.AddRange(creation.Initializer.Expressions);
                break;
            case CollectionExpressionSyntax collection:
                elements.AddRange(collection.Elements);
                break;
            default:
                return index == 0 ? argument.GetLocation() : null;
        }
        return index < elements.Count ? elements[index].GetLocation() : null;
    }

    private static string? ParameterName(System.Collections.Immutable.ImmutableArray<IParameterSymbol> parameters, int position)
    {
        if (parameters.IsDefaultOrEmpty)
            return null;
        if (position < parameters.Length)
            return parameters[position].Name;
        // Extra positional arguments all belong to a trailing params array.
        var last = parameters[parameters.Length - 1];
        return last.IsParams ? last.Name : null;
    }

    private static (string Name, int Index) SplitIndex(string argument)
    {
        var open = argument.IndexOf('[');
        if (open > 0 && argument.EndsWith("]", System.StringComparison.Ordinal)
            && int.TryParse(argument.Substring(open + 1, argument.Length - open - 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
        {
            return (argument.Substring(0, open), index);
        }
        return (argument, -1);
    }

    private static string Capitalize(string name)
        => name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name.Substring(1);

    private static Location? PropertyLocation(IPropertySymbol property, CancellationToken cancellationToken)
    {
        foreach (var reference in property.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is PropertyDeclarationSyntax declaration)
                return declaration.Identifier.GetLocation();
        }
        foreach (var location in property.Locations)
        {
            if (location.IsInSource)
                return location;
        }
        return null;
    }

    private static Location ClassLocation(ParsedNetwork parsed)
    {
        foreach (var location in parsed.Type.Locations)
        {
            if (location.IsInSource)
                return location;
        }
        return Location.None;
    }
}
