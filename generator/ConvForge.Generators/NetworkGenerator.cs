using System;
using System.Collections.Immutable;
using System.Threading;
using ConvForge.Compiler;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Planning;
using ConvForge.Compiler.Planning.Training;
using ConvForge.Generators.Emitting;
using ConvForge.Generators.Models;
using ConvForge.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConvForge.Generators;

/// <summary>
/// The incremental generator: [Network] classes become shape constants, a parameter layout, a model summary,
/// Layer property implementations and the forward pass (from the core's execution plans); [NetworkModule] classes get Layer properties that explain where their
/// layers live. The analyzer reports the diagnostics (from the same core); the generator reports only the
/// declaration errors that a build would otherwise never show (<see cref="Analysis.BuildDiagnostics"/>). It
/// never throws on bad declarations.
/// </summary>
/// <remarks>
/// The pipeline, each step cached on equality of plain models:
/// <code>
/// [Network] classes ──► NetworkModels ──────────────┐
///                                                   ├─► ResolvedNetworks ─► CompiledNetworks ─► ExecutionPlans ─► TrainingPlans ─► {Namespace}.{Class}.g.cs
/// [NetworkModule] classes ─► ModuleModels ─► ModuleSet ┘
///                                  └──────────────────────────────────────────────────────────────────────────────► module stubs
/// </code>
/// Combining with the module set is what makes an edit to a module's file regenerate the networks that use
/// it; a network that does not use the edited module resolves to an equal model and stays cached.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var networks = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                NetworkParser.NetworkAttributeName,
                static (node, _) => node is TypeDeclarationSyntax,
                static (syntaxContext, cancellationToken) => ModelReader.ReadNetwork(syntaxContext, cancellationToken))
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.NetworkModels);

        var modules = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                NetworkParser.NetworkModuleAttributeName,
                static (node, _) => node is TypeDeclarationSyntax,
                static (syntaxContext, cancellationToken) => ModelReader.ReadModule(syntaxContext, cancellationToken))
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.ModuleModels);

        var moduleSet = modules
            .Collect()
            .Select(static (all, _) => ToModuleSet(all))
            .WithTrackingName(TrackingNames.ModuleSet);

        var compiled = networks
            .Where(static network => network.IsPartial)
            .Combine(moduleSet)
            .Select(static (pair, cancellationToken) => ModuleResolver.Resolve(pair.Left, pair.Right, cancellationToken))
            .WithTrackingName(TrackingNames.ResolvedNetworks)
            .Select(static (network, cancellationToken) => Compile(network, cancellationToken))
            .WithTrackingName(TrackingNames.CompiledNetworks)
            .Select(static (network, cancellationToken) => Plan(network, cancellationToken))
            .WithTrackingName(TrackingNames.ExecutionPlans)
            .Select(static (network, cancellationToken) => PlanTraining(network, cancellationToken))
            .WithTrackingName(TrackingNames.TrainingPlans);

        var emittedModules = modules.Where(static module => module.IsPartial && !module.IsAlsoNetwork);

        var hintNames = networks
            .Where(static network => network.IsPartial)
            .Select(static (network, _) => network.Hierarchy.FullNameOf(network.Type))
            .Collect()
            .Combine(emittedModules.Select(static (module, _) => module.Hierarchy.FullNameOf(module.Type)).Collect())
            .Select(static (names, _) => HintNames.Assign(names.Left.AddRange(names.Right)))
            .WithTrackingName(TrackingNames.HintNames);

        context.RegisterSourceOutput(compiled.Combine(hintNames), static (output, pair) =>
        {
            var (network, hints) = pair;
            var text = NetworkEmitter.Emit(network, output.CancellationToken);
            output.AddSource(hints.For(network.Network.Hierarchy.FullNameOf(network.Network.Type)), text);
        });

        context.RegisterSourceOutput(emittedModules.Combine(hintNames), static (output, pair) =>
        {
            var (module, hints) = pair;
            var text = ModuleEmitter.Emit(module, output.CancellationToken);
            output.AddSource(hints.For(module.Hierarchy.FullNameOf(module.Type)), text);
        });

        Analysis.BuildDiagnostics.Register(context);
    }

    /// <summary>
    /// Runs the core's planner on a graph without errors. It does not throw on a checked graph; should it all the same
    /// (a bug), the network gets everything but the forward pass, with the exception named, rather than failing the
    /// whole generator.
    /// </summary>
    internal static CompiledNetwork Plan(CompiledNetwork network, CancellationToken cancellationToken)
    {
        if (network.InternalError is not null || network.Result.Graph is not { } graph || network.Result.HasErrors)
            return network;
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var plan = Planner.TryPlan(graph, out var problem);
            return network with { Plan = plan, PlanProblem = problem };
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return network with
            {
                PlanProblem = "ConvForge could not plan the forward pass because of an internal error; please report it: "
                    + exception.GetType().FullName + ": " + exception.Message,
            };
        }
    }

    /// <summary>
    /// Plans the training program of a network with a forward plan. A network that cannot be trained gets the reason
    /// (its TrainingProgram throws with it); should the planner throw all the same (a bug), the reason names the exception.
    /// </summary>
    internal static CompiledNetwork PlanTraining(CompiledNetwork network, CancellationToken cancellationToken)
    {
        if (network.Plan is not { } forward || network.Result.Graph is not { } graph)
            return network;
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var training = TrainingPlanner.TryPlan(graph, forward, out var problem);
            return network with { Training = training, TrainingProblem = problem };
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return network with
            {
                TrainingProblem = "ConvForge could not plan the training program because of an internal error; please report it: "
                    + exception.GetType().FullName + ": " + exception.Message,
            };
        }
    }

    /// <summary>The modules in a stable order (by metadata name), so the set compares equal across runs.</summary>
    private static EquatableArray<ModuleModel> ToModuleSet(ImmutableArray<ModuleModel> modules)
    {
        var sorted = modules.Sort(static (a, b) => string.CompareOrdinal(a.Spec.TypeName, b.Spec.TypeName));
        return new EquatableArray<ModuleModel>(sorted);
    }

    /// <summary>
    /// Runs the core. It reports every problem as a diagnostic; should it throw all the same (a bug), the
    /// network is emitted as if it had errors rather than failing the whole generator, which would drop the
    /// output of every other network of the project (CS8785).
    /// </summary>
    internal static CompiledNetwork Compile(NetworkModel network, CancellationToken cancellationToken)
    {
        try
        {
            return new CompiledNetwork(network, NetworkCompiler.Compile(network.Spec, cancellationToken), null);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            var empty = new CompileResult(null, EquatableArray<DiagnosticInfo>.Empty);
            return new CompiledNetwork(network, empty, exception.GetType().FullName + ": " + exception.Message);
        }
    }
}
