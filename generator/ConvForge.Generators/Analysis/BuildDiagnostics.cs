using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using ConvForge.Compiler;
using ConvForge.Generators.Models;
using ConvForge.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConvForge.Generators.Analysis;

/// <summary>
/// The analyzer's declaration diagnostics that a command-line build would never show, reported by the
/// generator instead. The compiler runs no analyzer once declarations have errors, and C# itself rejects
/// the <c>partial Layer</c> properties of a class the generator cannot complete: CS0751 when the class is not
/// partial, CS9248 when the generator adds no implementation (a class around it is not partial, or it has
/// neither [Network] nor [NetworkModule]). A build would list those errors and never their cause, CF0001 or
/// CF0002; generator diagnostics are reported whatever the errors. Only classes that such a C# error is
/// certain for are reported here, so a build shows each diagnostic once (the analyzer, which runs whenever
/// those errors are absent, reports the rest); an editor, which runs analyzers on erroneous code too, can
/// show these twice.
/// </summary>
internal static class BuildDiagnostics
{
    /// <summary>The tracking name of the step that collects the diagnostics of every class.</summary>
    public const string TrackingName = nameof(BuildDiagnostics);

    public static void Register(IncrementalGeneratorInitializationContext context)
    {
        var networks = context.SyntaxProvider.ForAttributeWithMetadataName(
            NetworkParser.NetworkAttributeName,
            static (node, _) => node is ClassDeclarationSyntax,
            static (syntaxContext, cancellationToken) => ReadNotPartial(syntaxContext, isModule: false, cancellationToken));
        var modules = context.SyntaxProvider.ForAttributeWithMetadataName(
            NetworkParser.NetworkModuleAttributeName,
            static (node, _) => node is ClassDeclarationSyntax,
            static (syntaxContext, cancellationToken) => ReadNotPartial(syntaxContext, isModule: true, cancellationToken));
        var outside = context.SyntaxProvider.CreateSyntaxProvider(
            static (node, _) => node is ClassDeclarationSyntax declaration && declaration.Members.Any(IsAttributedPartialProperty),
            static (syntaxContext, cancellationToken) => ReadLayersOutsideNetwork(syntaxContext, cancellationToken));

        var diagnostics = networks.Collect()
            .Combine(modules.Collect())
            .Combine(outside.Collect())
            .Select(static (all, _) => Merge(all.Left.Left.AddRange(all.Left.Right).AddRange(all.Right)))
            .WithTrackingName(TrackingName);

        context.RegisterSourceOutput(diagnostics, static (output, all) =>
        {
            foreach (var info in all)
            {
                if (info.ToDiagnostic() is { } diagnostic)
                    output.ReportDiagnostic(diagnostic);
            }
        });
    }

    /// <summary>
    /// CF0001 for the class the attribute is on: on the class itself and on each class around it that is not
    /// partial, with the analyzer's messages and locations. Empty when the compiler will run the analyzer.
    /// </summary>
    private static EquatableArray<GeneratorDiagnostic> ReadNotPartial(GeneratorAttributeSyntaxContext context, bool isModule, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol { TypeKind: TypeKind.Class } type
            || context.TargetNode is not TypeDeclarationSyntax marked
            // A class that is both is a network to the analyzer, which reports it once.
            || isModule && NetworkParser.HasAttribute(type, NetworkParser.NetworkAttributeName)
            || ModelReader.IsPartialThroughout(type, cancellationToken)
            || !HasPartialMemberOutsidePartialClass(type, cancellationToken) && !HasUnimplementedPartialProperty(type, cancellationToken))
            return EquatableArray<GeneratorDiagnostic>.Empty;

        var found = ImmutableArray.CreateBuilder<GeneratorDiagnostic>();
        var declaration = DeclarationChecks.IsPartial(marked) ? DeclarationChecks.FirstNotPartial(type, cancellationToken) : marked;
        if (declaration is not null)
            found.Add(GeneratorDiagnostic.At(declaration.Identifier.GetLocation(), DiagnosticDescriptors.NetworkNotPartial.Id, DeclarationChecks.NotPartialMessage(type, isModule)));

        for (var container = type.ContainingType; container is not null; container = container.ContainingType)
        {
            if (DeclarationChecks.FirstNotPartial(container, cancellationToken) is not { } containerDeclaration)
                continue;
            // The analyzer names the first network it finds in the container, which need not be this one.
            var nested = DeclarationChecks.FindNestedNetwork(container, IsNetworkOrModule) ?? type;
            found.Add(GeneratorDiagnostic.At(containerDeclaration.Identifier.GetLocation(), DiagnosticDescriptors.NetworkNotPartial.Id, DeclarationChecks.ContainerNotPartialMessage(container, nested)));
        }
        return new EquatableArray<GeneratorDiagnostic>(found.ToImmutable());
    }

    /// <summary>CF0002 for a class with neither attribute whose <c>partial Layer</c> properties C# rejects for want of an implementation.</summary>
    private static EquatableArray<GeneratorDiagnostic> ReadLayersOutsideNetwork(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.SemanticModel.GetDeclaredSymbol(context.Node, cancellationToken) is not INamedTypeSymbol type
            || IsNetworkOrModule(type)
            || !HasUnimplementedPartialProperty(type, cancellationToken)
            || DeclarationChecks.DescribeLayersOutsideNetwork(type, cancellationToken) is not { } found)
            return EquatableArray<GeneratorDiagnostic>.Empty;
        return new EquatableArray<GeneratorDiagnostic>(ImmutableArray.Create(
            GeneratorDiagnostic.At(found.Location, DiagnosticDescriptors.LayerOutsideNetwork.Id, found.Message)));
    }

    private static bool IsAttributedPartialProperty(MemberDeclarationSyntax member)
        => member is PropertyDeclarationSyntax { AttributeLists.Count: > 0 } property && property.Modifiers.Any(SyntaxKind.PartialKeyword);

    /// <summary>A partial member in a declaration of <paramref name="type"/> that is not partial: CS0751.</summary>
    private static bool HasPartialMemberOutsidePartialClass(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration || DeclarationChecks.IsPartial(declaration))
                continue;
            foreach (var member in declaration.Members)
            {
                if (member is not BaseTypeDeclarationSyntax and not DelegateDeclarationSyntax && member.Modifiers.Any(SyntaxKind.PartialKeyword))
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// A partial property declared once in <paramref name="type"/>, with a layer attribute: the definition
    /// without the implementation the generator would have written, so CS9248 when it writes none.
    /// </summary>
    private static bool HasUnimplementedPartialProperty(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var declared = new Dictionary<string, int>(System.StringComparer.Ordinal);
        var layers = new List<string>();
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration)
                continue;
            foreach (var member in declaration.Members)
            {
                if (member is not PropertyDeclarationSyntax property || !property.Modifiers.Any(SyntaxKind.PartialKeyword))
                    continue;
                var name = property.Identifier.ValueText;
                declared[name] = declared.TryGetValue(name, out var count) ? count + 1 : 1;
                if (property.AttributeLists.Count > 0)
                    layers.Add(name);
            }
        }
        foreach (var name in layers)
        {
            if (declared[name] == 1 && type.GetMembers(name).OfType<IPropertySymbol>().Any(HasLayerAttribute))
                return true;
        }
        return false;
    }

    private static bool HasLayerAttribute(IPropertySymbol property)
        => property.GetAttributes().Any(static attribute => NetworkParser.IsLayerAttribute(attribute.AttributeClass));

    private static bool IsNetworkOrModule(INamedTypeSymbol type)
        => NetworkParser.HasAttribute(type, NetworkParser.NetworkAttributeName)
        || NetworkParser.HasAttribute(type, NetworkParser.NetworkModuleAttributeName);

    /// <summary>
    /// One of each, in file order: a class around several networks is found from each of them, and a partial
    /// class is found once per declaration.
    /// </summary>
    private static EquatableArray<GeneratorDiagnostic> Merge(ImmutableArray<EquatableArray<GeneratorDiagnostic>> perClass)
    {
        var merged = perClass
            .SelectMany(static found => found)
            .Distinct()
            .OrderBy(static d => d.FilePath, System.StringComparer.Ordinal)
            .ThenBy(static d => d.Span.Start)
            .ThenBy(static d => d.Id, System.StringComparer.Ordinal)
            .ThenBy(static d => d.Message, System.StringComparer.Ordinal)
            .ToImmutableArray();
        return new EquatableArray<GeneratorDiagnostic>(merged);
    }
}
