using System.Collections.Generic;
using System.Threading;
using ConvForge.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ConvForge.Generators.Analysis;

/// <summary>
/// The checks only Roslyn can make, because they are about how the C# is written rather than what the
/// layers compute: CF0001 (partial classes), CF0002 (layer attributes outside a network) and CF0003
/// (layer properties that the generator cannot implement).
/// </summary>
internal static class DeclarationChecks
{
    /// <summary>How many property names a CF0002 message lists before it stops.</summary>
    private const int NamesListed = 3;

    /// <summary>
    /// CF0001 on a [Network] or [NetworkModule] class declared without 'partial'. Every declaration is
    /// checked, not just "is any partial": once the generator has added its own (partial) part, the user's
    /// declaration is the one the compiler complains about (CS0260), and the one to fix.
    /// </summary>
    public static void ReportNotPartial(SymbolAnalysisContext context, INamedTypeSymbol type, AttributeData marker, bool isModule)
    {
        // Prefer the declaration that carries the attribute: the one the user is looking at.
        var marked = marker.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).FirstAncestorOrSelf<TypeDeclarationSyntax>();
        var declaration = marked is not null && !IsPartial(marked) ? marked : FirstNotPartial(type, context.CancellationToken);
        if (declaration is null)
            return;
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NetworkNotPartial, declaration.Identifier.GetLocation(), NotPartialMessage(type, isModule)));
    }

    /// <summary>
    /// CF0001 on a class that contains a network or module (at any depth) without being partial: the
    /// generator has to declare the containing classes again around its part of the nested one.
    /// </summary>
    public static void ReportContainerNotPartial(SymbolAnalysisContext context, INamedTypeSymbol type, KnownSymbols symbols)
    {
        var nested = FindNestedNetwork(type, candidate => KnownSymbols.FindAttribute(candidate, symbols.NetworkAttribute) is not null
            || KnownSymbols.FindAttribute(candidate, symbols.NetworkModuleAttribute) is not null);
        if (nested is null)
            return;
        var declaration = FirstNotPartial(type, context.CancellationToken);
        if (declaration is null)
            return;
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NetworkNotPartial, declaration.Identifier.GetLocation(), ContainerNotPartialMessage(type, nested)));
    }

    /// <summary>The CF0001 message for a [Network] or [NetworkModule] class that is not partial.</summary>
    public static string NotPartialMessage(INamedTypeSymbol type, bool isModule)
        => $"{(isModule ? "Module" : "Network")} class '{type.Name}' must be partial: the generator implements its layers in another part of the class";

    /// <summary>The CF0001 message for a class around a network or module (<paramref name="nested"/>) that is not partial.</summary>
    public static string ContainerNotPartialMessage(INamedTypeSymbol container, INamedTypeSymbol nested)
        => $"Class '{container.Name}' must be partial: it contains '{nested.Name}', and the generator declares the classes around a network again";

    /// <summary>CF0003 on each layer-attributed property that is not <c>partial Layer Name { get; }</c>.</summary>
    public static void ReportInvalidLayerProperties(SymbolAnalysisContext context, INamedTypeSymbol type, KnownSymbols symbols)
    {
        foreach (var member in type.GetMembers())
        {
            if (member is not IPropertySymbol property || !HasLayerAttribute(property))
                continue;
            var reference = property.DeclaringSyntaxReferences.Length > 0 ? property.DeclaringSyntaxReferences[0] : null;
            if (reference?.GetSyntax(context.CancellationToken) is not BasePropertyDeclarationSyntax syntax)
                continue;
            var problems = DescribeProblems(property, syntax, symbols.Layer);
            if (problems.Count == 0)
                continue;
            var location = syntax switch
            {
                PropertyDeclarationSyntax p => p.Identifier.GetLocation(),
                IndexerDeclarationSyntax i => i.ThisKeyword.GetLocation(),
                _ => syntax.GetLocation(),
            };
            var message = $"Layer property '{property.Name}' must be declared 'partial Layer {property.Name} {{ get; }}': {string.Join("; ", problems)}";
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidLayerProperty, location, message));
        }
    }

    /// <summary>
    /// CF0002, once per class, on the first layer attribute of a class that has neither [Network] nor
    /// [NetworkModule]. One diagnostic rather than one per attribute: the fix is one attribute on the
    /// class, and a forgotten [Network] on a fifty-layer network should not bury the error list.
    /// </summary>
    public static void ReportLayersOutsideNetwork(SymbolAnalysisContext context, INamedTypeSymbol type)
    {
        if (DescribeLayersOutsideNetwork(type, context.CancellationToken) is { } found)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LayerOutsideNetwork, found.Location, found.Message));
    }

    /// <summary>
    /// Where CF0002 goes (the first layer attribute of <paramref name="type"/>) and its message; null when the
    /// class has no layer property. The caller has checked that the class has neither attribute.
    /// </summary>
    public static (Location Location, string Message)? DescribeLayersOutsideNetwork(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        AttributeData? first = null;
        var names = new List<string>();
        foreach (var member in type.GetMembers())
        {
            if (member is not IPropertySymbol property)
                continue;
            foreach (var attribute in property.GetAttributes())
            {
                if (!NetworkParser.IsLayerAttribute(attribute.AttributeClass))
                    continue;
                first ??= attribute;
                names.Add(property.Name);
                break;
            }
        }
        if (first is null)
            return null;

        var location = first.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();
        if (location is null)
            return null;
        var listed = names.Count <= NamesListed
            ? string.Join(", ", names)
            : string.Join(", ", names.GetRange(0, NamesListed)) + ", ...";
        var layers = names.Count == 1 ? "a layer property" : $"{names.Count} layer properties";
        var message = $"'{type.Name}' has {layers} ({listed}) but neither [Network] nor [NetworkModule], so no layer is ever built: mark the class [Network(Channels = ..., Height = ..., Width = ...)] or [NetworkModule]";
        return (location, message);
    }

    private static List<string> DescribeProblems(IPropertySymbol property, BasePropertyDeclarationSyntax syntax, INamedTypeSymbol? layer)
    {
        var problems = new List<string>();
        if (syntax is IndexerDeclarationSyntax)
            problems.Add("it is an indexer");
        if (property.IsStatic)
            problems.Add("it is static");
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            problems.Add("it is not partial");
        if (property.RefKind != RefKind.None)
            problems.Add("it returns by reference");
        if (layer is not null && !SymbolEqualityComparer.Default.Equals(property.Type, layer))
            problems.Add($"its type is '{property.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}', not 'Layer'");
        if (syntax is PropertyDeclarationSyntax { ExpressionBody: not null })
            problems.Add("it has a body (the generator writes it)");
        if (syntax is PropertyDeclarationSyntax { Initializer: not null })
            problems.Add("it has an initializer");

        if (syntax.AccessorList is { } accessors)
        {
            var hasGetter = false;
            foreach (var accessor in accessors.Accessors)
            {
                switch (accessor.Kind())
                {
                    case SyntaxKind.GetAccessorDeclaration:
                        hasGetter = true;
                        if (accessor.Body is not null || accessor.ExpressionBody is not null)
                            problems.Add("its get accessor has a body (the generator writes it)");
                        break;
                    case SyntaxKind.SetAccessorDeclaration:
                        problems.Add("it has a set accessor");
                        break;
                    case SyntaxKind.InitAccessorDeclaration:
                        problems.Add("it has an init accessor");
                        break;
                }
            }
            if (!hasGetter)
                problems.Add("it has no get accessor");
        }
        return problems;
    }

    private static bool HasLayerAttribute(IPropertySymbol property)
    {
        foreach (var attribute in property.GetAttributes())
        {
            if (NetworkParser.IsLayerAttribute(attribute.AttributeClass))
                return true;
        }
        return false;
    }

    /// <summary>The first type nested in <paramref name="type"/> (depth first, in member order) that <paramref name="isNetwork"/> accepts.</summary>
    public static INamedTypeSymbol? FindNestedNetwork(INamedTypeSymbol type, System.Func<INamedTypeSymbol, bool> isNetwork)
    {
        foreach (var nested in type.GetTypeMembers())
        {
            if (isNetwork(nested))
                return nested;
            if (FindNestedNetwork(nested, isNetwork) is { } deeper)
                return deeper;
        }
        return null;
    }

    /// <summary>The first declaration of <paramref name="type"/> without 'partial'; null when all have it.</summary>
    public static TypeDeclarationSyntax? FirstNotPartial(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration && !IsPartial(declaration))
                return declaration;
        }
        return null;
    }

    public static bool IsPartial(TypeDeclarationSyntax declaration) => declaration.Modifiers.Any(SyntaxKind.PartialKeyword);
}
