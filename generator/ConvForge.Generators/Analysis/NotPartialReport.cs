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
/// CF0001 reported by the generator, for the one case where the analyzer's CF0001 never reaches a
/// command-line build: a network or module that is not partial (or sits in a class that is not) and declares
/// <c>partial Layer</c> properties. C# rejects those declarations (CS0751 in a class that is not partial;
/// CS9248 when the generator cannot add the implementations), and the compiler skips analyzers once
/// declarations have errors, so a build would show only the C# errors, never the cause and its fix.
/// Generator diagnostics are reported whatever the compilation's errors. In every other case the analyzer
/// alone reports CF0001, so a build shows it once; an editor, which runs analyzers on erroneous code too,
/// can show this one twice.
/// </summary>
internal static class NotPartialReport
{
    /// <summary>The tracking name of the step that collects the diagnostics of every class.</summary>
    public const string TrackingName = "NotPartialDiagnostics";

    public static void Register(IncrementalGeneratorInitializationContext context)
    {
        var networks = context.SyntaxProvider.ForAttributeWithMetadataName(
            NetworkParser.NetworkAttributeName,
            static (node, _) => node is ClassDeclarationSyntax,
            static (syntaxContext, cancellationToken) => Read(syntaxContext, isModule: false, cancellationToken));
        var modules = context.SyntaxProvider.ForAttributeWithMetadataName(
            NetworkParser.NetworkModuleAttributeName,
            static (node, _) => node is ClassDeclarationSyntax,
            static (syntaxContext, cancellationToken) => Read(syntaxContext, isModule: true, cancellationToken));

        var diagnostics = networks.Collect()
            .Combine(modules.Collect())
            .Select(static (pair, _) => Merge(pair.Left.AddRange(pair.Right)))
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
    /// The CF0001s for the class the attribute is on: on the class itself and on each class around it that is
    /// not partial, with the analyzer's messages and locations. Empty when the compiler will run the analyzer.
    /// </summary>
    private static EquatableArray<GeneratorDiagnostic> Read(GeneratorAttributeSyntaxContext context, bool isModule, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol { TypeKind: TypeKind.Class } type
            || context.TargetNode is not TypeDeclarationSyntax marked
            // A class that is both is a network to the analyzer, which reports it once.
            || isModule && NetworkParser.HasAttribute(type, NetworkParser.NetworkAttributeName)
            || ModelReader.IsPartialThroughout(type, cancellationToken)
            || !HidesAnalyzer(type, cancellationToken))
            return EquatableArray<GeneratorDiagnostic>.Empty;

        var found = ImmutableArray.CreateBuilder<GeneratorDiagnostic>();
        var declaration = DeclarationChecks.IsPartial(marked) ? DeclarationChecks.FirstNotPartial(type, cancellationToken) : marked;
        if (declaration is not null)
            found.Add(GeneratorDiagnostic.On(declaration.Identifier, DiagnosticDescriptors.NetworkNotPartial.Id, DeclarationChecks.NotPartialMessage(type, isModule)));

        for (var container = type.ContainingType; container is not null; container = container.ContainingType)
        {
            if (DeclarationChecks.FirstNotPartial(container, cancellationToken) is not { } containerDeclaration)
                continue;
            // The analyzer names the first network it finds in the container, which need not be this one.
            var nested = DeclarationChecks.FindNestedNetwork(container, IsNetworkOrModule) ?? type;
            found.Add(GeneratorDiagnostic.On(containerDeclaration.Identifier, DiagnosticDescriptors.NetworkNotPartial.Id, DeclarationChecks.ContainerNotPartialMessage(container, nested)));
        }
        return new EquatableArray<GeneratorDiagnostic>(found.ToImmutable());
    }

    /// <summary>
    /// Whether C# itself rejects the class's declarations, which stops the compiler before analyzers: a
    /// partial member in a declaration that is not partial (CS0751), or partial properties that the generator
    /// does not implement because a class around them is not partial (CS9248).
    /// </summary>
    private static bool HidesAnalyzer(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration)
                continue;
            var declarationIsPartial = DeclarationChecks.IsPartial(declaration);
            foreach (var member in declaration.Members)
            {
                if (member is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax || !member.Modifiers.Any(SyntaxKind.PartialKeyword))
                    continue;
                if (!declarationIsPartial || member is PropertyDeclarationSyntax)
                    return true;
            }
        }
        return false;
    }

    private static bool IsNetworkOrModule(INamedTypeSymbol type)
        => NetworkParser.HasAttribute(type, NetworkParser.NetworkAttributeName)
        || NetworkParser.HasAttribute(type, NetworkParser.NetworkModuleAttributeName);

    /// <summary>
    /// One of each, in file order: a class around several networks is found from each of them, and a partial
    /// class with the attribute on several declarations matches once per declaration.
    /// </summary>
    private static EquatableArray<GeneratorDiagnostic> Merge(ImmutableArray<EquatableArray<GeneratorDiagnostic>> perClass)
    {
        var merged = perClass
            .SelectMany(static found => found)
            .Distinct()
            .OrderBy(static d => d.FilePath, System.StringComparer.Ordinal)
            .ThenBy(static d => d.Span.Start)
            .ThenBy(static d => d.Message, System.StringComparer.Ordinal)
            .ToImmutableArray();
        return new EquatableArray<GeneratorDiagnostic>(merged);
    }
}
