using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Threading;
using ConvForge.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConvForge.CodeFixes.Projection;

/// <summary>
/// Decides how to insert a projection for one CF0006 (Add inputs differ in shape). The diagnostic says
/// which input to project and to what ("Input", "Channels", "Stride"); this finds the Add it belongs to
/// and works out which inputs must be named explicitly so that the new property, placed just before the
/// Add's property, does not become anyone's implicit "previous layer":
/// <list type="bullet">
/// <item>a one-name Add <c>[Add(nameof(X))]</c> reads [previous, X]; after the fix it names both
/// (<c>[Add(nameof(Previous), nameof(XProjection))]</c>);</item>
/// <item>when the Add is not the property's first attribute, that first attribute read the previous layer;
/// it gets <c>From = nameof(Previous)</c> (or, for a one-name join, the previous layer as its first name).</item>
/// </list>
/// No fix is offered when the input to project cannot be named in C# (a node inside a property or module).
/// </summary>
internal static class ProjectionPlanner
{
    public const string InputKey = "Input";
    public const string ChannelsKey = "Channels";
    public const string StrideKey = "Stride";

    private const string AddAttributeName = "ConvForge.AddAttribute";
    private const string ConcatAttributeName = "ConvForge.ConcatAttribute";
    private const string NetworkInput = "Input";

    public static ProjectionPlan? TryPlan(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (!diagnostic.Properties.TryGetValue(InputKey, out var input) || input is null || input.Length == 0
            || !TryGetPositive(diagnostic.Properties, ChannelsKey, out var channels))
        {
            return null;
        }
        var stride = TryGetPositive(diagnostic.Properties, StrideKey, out var written) ? written : 1;
        if (diagnostic.Location.SourceTree != root.SyntaxTree || !root.FullSpan.Contains(diagnostic.Location.SourceSpan))
            return null;

        var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        if (node.FirstAncestorOrSelf<PropertyDeclarationSyntax>() is not { } property
            || !TryFindAdd(property, diagnostic.Location.SourceSpan, model, cancellationToken, out var listIndex, out var addIndex)
            || model.GetDeclaredSymbol(property, cancellationToken) is not IPropertySymbol { ContainingType: { } type } propertySymbol)
        {
            return null;
        }

        // The projection refers to its input with nameof, so the input must be a property of this class.
        if (input != NetworkInput && !HasProperty(type, input))
            return null;
        var add = property.AttributeLists[listIndex].Attributes[addIndex];
        var prefix = add.Name is QualifiedNameSyntax qualified ? qualified.Left + "." : "";
        var previous = PreviousLayer(type, propertySymbol, cancellationToken);
        string Refer(string layer) => layer == NetworkInput ? prefix + "Layers.Input" : $"nameof({layer})";

        var names = PositionalNames(add, model, cancellationToken);
        if (names is null || names.Count == 0)
            return null;
        var isFirst = listIndex == 0 && addIndex == 0;
        var inputs = ImmutableArray.CreateBuilder<InputSlot>();
        if (names.Count == 1 && isFirst)
        {
            // [Add(nameof(X))] reads [previous, X]: name both, since the projection will now come just before.
            if (HasFrom(add))
                return null;
            inputs.Add(new InputSlot(null, previous == input));
            inputs.Add(new InputSlot(0, names[0] == input));
        }
        else
        {
            for (var i = 0; i < names.Count; i++)
                inputs.Add(new InputSlot(i, names[i] == input));
        }
        var projects = false;
        foreach (var slot in inputs)
            projects |= slot.IsProjected;
        if (!projects)
            return null;

        var firstEdit = isFirst ? FirstAttributeEdit.None : EditFor(property.AttributeLists[0].Attributes[0], model, cancellationToken);
        return new ProjectionPlan(
            property, listIndex, addIndex, inputs.ToImmutable(), firstEdit, input, Refer(input), Refer(previous),
            channels, stride, prefix, ImmutableHashSet.CreateRange(System.StringComparer.Ordinal, type.MemberNames));
    }

    private static bool TryFindAdd(PropertyDeclarationSyntax property, Microsoft.CodeAnalysis.Text.TextSpan span, SemanticModel model, CancellationToken cancellationToken, out int listIndex, out int addIndex)
    {
        // The Add the diagnostic points into; failing that (reported on the property), the property's only Add.
        var found = new List<(int List, int Index, bool Contains)>();
        for (var l = 0; l < property.AttributeLists.Count; l++)
        {
            var attributes = property.AttributeLists[l].Attributes;
            for (var a = 0; a < attributes.Count; a++)
            {
                if (IsAttribute(attributes[a], AddAttributeName, model, cancellationToken))
                    found.Add((l, a, attributes[a].Span.Contains(span)));
            }
        }
        foreach (var candidate in found)
        {
            if (candidate.Contains || found.Count == 1)
            {
                listIndex = candidate.List;
                addIndex = candidate.Index;
                return true;
            }
        }
        listIndex = addIndex = -1;
        return false;
    }

    /// <summary>The first attribute of the Add's property read the previous layer implicitly; keep it reading that.</summary>
    private static FirstAttributeEdit EditFor(AttributeSyntax first, SemanticModel model, CancellationToken cancellationToken)
    {
        if (HasFrom(first))
            return FirstAttributeEdit.None;
        if (IsAttribute(first, AddAttributeName, model, cancellationToken) || IsAttribute(first, ConcatAttributeName, model, cancellationToken))
        {
            var count = PositionalCount(first);
            if (count >= 2)
                return FirstAttributeEdit.None;
            if (count == 1)
                return FirstAttributeEdit.NamePrevious;
        }
        return FirstAttributeEdit.AddFrom;
    }

    /// <summary>
    /// The layer declared just before the property (what it reads by default), or "Input", in the order the
    /// parser reads layers (so a class split over several files agrees with the generator).
    /// </summary>
    private static string PreviousLayer(INamedTypeSymbol type, IPropertySymbol property, CancellationToken cancellationToken)
    {
        var previous = NetworkInput;
        foreach (var candidate in NetworkParser.Parse(type, null, includeModules: false, cancellationToken).LayerProperties)
        {
            if (SymbolEqualityComparer.Default.Equals(candidate, property))
                return previous;
            previous = candidate.Name;
        }
        return previous;
    }

    private static bool HasProperty(INamedTypeSymbol type, string name)
    {
        foreach (var member in type.GetMembers(name))
        {
            if (member is IPropertySymbol)
                return true;
        }
        return false;
    }

    /// <summary>The layer names an attribute's positional arguments hold, or null if one is not a constant string.</summary>
    private static List<string>? PositionalNames(AttributeSyntax attribute, SemanticModel model, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        if (attribute.ArgumentList is null)
            return names;
        foreach (var argument in attribute.ArgumentList.Arguments)
        {
            if (argument.NameEquals is not null)
                continue;
            if (model.GetConstantValue(argument.Expression, cancellationToken) is not { HasValue: true, Value: string name })
                return null;
            names.Add(name);
        }
        return names;
    }

    private static int PositionalCount(AttributeSyntax attribute)
    {
        var count = 0;
        if (attribute.ArgumentList is not null)
        {
            foreach (var argument in attribute.ArgumentList.Arguments)
            {
                if (argument.NameEquals is null)
                    count++;
            }
        }
        return count;
    }

    private static bool HasFrom(AttributeSyntax attribute)
    {
        if (attribute.ArgumentList is not null)
        {
            foreach (var argument in attribute.ArgumentList.Arguments)
            {
                if (argument.NameEquals?.Name.Identifier.ValueText == "From")
                    return true;
            }
        }
        return false;
    }

    private static bool IsAttribute(AttributeSyntax attribute, string metadataName, SemanticModel model, CancellationToken cancellationToken)
    {
        var symbol = model.GetSymbolInfo(attribute, cancellationToken).Symbol;
        return symbol?.ContainingType?.ToDisplayString() == metadataName;
    }

    private static bool TryGetPositive(ImmutableDictionary<string, string?> properties, string key, out int value)
    {
        value = 0;
        return properties.TryGetValue(key, out var text)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value)
            && value > 0;
    }
}
