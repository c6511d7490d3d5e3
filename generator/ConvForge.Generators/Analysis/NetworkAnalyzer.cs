using System.Collections.Immutable;
using System.Threading;
using ConvForge.Compiler;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Spec;
using ConvForge.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ConvForge.Generators.Analysis;

/// <summary>
/// Reports ConvForge's diagnostics in the editor and at build time. The declaration checks that need
/// Roslyn (partial classes, property shapes, layer attributes outside a network) live in
/// <see cref="DeclarationChecks"/>; everything about layers and shapes comes from the same parser and
/// compiler core as the generator, so the analyzer and the generated code never disagree. A network is
/// compiled whole (with the modules it uses); a module on its own gets the checks that do not depend on
/// the shapes a use gives it. A network that compiles is also checked against the weight file it names
/// (<see cref="WeightFileChecks"/>). <see cref="SiteLocator"/> puts each finding on the text at fault.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NetworkAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => DiagnosticDescriptors.All;

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var symbols = KnownSymbols.Find(start.Compilation);
            // Without the ConvForge runtime there is nothing to check.
            if (symbols is null)
                return;
            var weightFiles = WeightFileChecks.Create(start.Options);
            start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, symbols, weightFiles), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, KnownSymbols symbols, WeightFileChecks weightFiles)
    {
        if (context.Symbol is not INamedTypeSymbol type || type.TypeKind == TypeKind.Error)
            return;

        var networkAttribute = KnownSymbols.FindAttribute(type, symbols.NetworkAttribute);
        var moduleAttribute = KnownSymbols.FindAttribute(type, symbols.NetworkModuleAttribute);
        var cancellationToken = context.CancellationToken;

        DeclarationChecks.ReportContainerNotPartial(context, type, symbols);
        if (networkAttribute is null && moduleAttribute is null)
        {
            DeclarationChecks.ReportLayersOutsideNetwork(context, type);
            return;
        }

        DeclarationChecks.ReportNotPartial(context, type, networkAttribute ?? moduleAttribute!, isModule: networkAttribute is null);
        DeclarationChecks.ReportInvalidLayerProperties(context, type, symbols);

        if (networkAttribute is not null)
            ReportNetworkDiagnostics(context, type, networkAttribute, weightFiles, cancellationToken);
        else
            ReportModuleDiagnostics(context, type, moduleAttribute!, cancellationToken);
    }

    /// <summary>The declaration's problems; when it has none, those of the weight files it names (CF0021-CF0024).</summary>
    private static void ReportNetworkDiagnostics(SymbolAnalysisContext context, INamedTypeSymbol type, AttributeData networkAttribute, WeightFileChecks weightFiles, CancellationToken cancellationToken)
    {
        var parsed = NetworkParser.Parse(type, networkAttribute, includeModules: true, cancellationToken);
        var compiled = NetworkCompiler.Compile(parsed.Spec, cancellationToken);
        Report(context, parsed, compiled.Diagnostics, cancellationToken);
        if (compiled.Graph is { } graph)
            Report(context, parsed, weightFiles.Check(type, networkAttribute, graph), cancellationToken);
    }

    /// <summary>
    /// What can be said of a module on its own (arguments, names, references), placed on its own layers.
    /// Shapes depend on the input each use gives it, so those problems are reported where a network uses it.
    /// </summary>
    private static void ReportModuleDiagnostics(SymbolAnalysisContext context, INamedTypeSymbol type, AttributeData moduleAttribute, CancellationToken cancellationToken)
    {
        var read = NetworkParser.Parse(type, null, includeModules: false, cancellationToken);
        // Sites of the module as a whole (-1) go to its [NetworkModule] attribute.
        var parsed = new ParsedNetwork(read.Spec, type, moduleAttribute, read.LayerProperties, read.LayerAttributes);
        var module = new ModuleSpec(NetworkParser.GetMetadataName(type), type.Name, read.Spec.Layers);
        Report(context, parsed, NetworkCompiler.CheckModule(module, cancellationToken), cancellationToken);
    }

    private static void Report(SymbolAnalysisContext context, ParsedNetwork parsed, EquatableArray<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        foreach (var info in diagnostics)
        {
            // Roslyn rejects ids an analyzer does not declare; a core id missing from the catalogue is a core bug,
            // which DiagnosticDescriptorsTests catches, not a reason to crash in the user's editor.
            var descriptor = DiagnosticDescriptors.Find(info.Id);
            if (descriptor is null)
                continue;
            var location = SiteLocator.Locate(parsed, info.Site, cancellationToken);
            context.ReportDiagnostic(Diagnostic.Create(descriptor, location, ToProperties(info.Properties), info.Message));
        }
    }

    private static ImmutableDictionary<string, string?> ToProperties(EquatableArray<DiagnosticProperty> properties)
    {
        if (properties.Count == 0)
            return ImmutableDictionary<string, string?>.Empty;
        var builder = ImmutableDictionary.CreateBuilder<string, string?>();
        foreach (var property in properties)
            builder[property.Key] = property.Value;
        return builder.ToImmutable();
    }
}
