namespace ConvForge.Generators;

/// <summary>
/// The names of the generator's pipeline steps (<c>WithTrackingName</c>), so tests can check which steps an
/// edit re-ran: GeneratorRunResult.TrackedSteps[name].
/// </summary>
internal static class TrackingNames
{
    /// <summary>One <c>NetworkModel</c> per [Network] class.</summary>
    public const string NetworkModels = nameof(NetworkModels);

    /// <summary>One <c>ModuleModel</c> per [NetworkModule] class declared in source.</summary>
    public const string ModuleModels = nameof(ModuleModels);

    /// <summary>Every module model, collected and sorted: the lookup the networks resolve their modules in.</summary>
    public const string ModuleSet = nameof(ModuleSet);

    /// <summary>Each partial network with <c>Spec.Modules</c> filled with the modules it uses, transitively.</summary>
    public const string ResolvedNetworks = nameof(ResolvedNetworks);

    /// <summary>The hint name of every generated file, assigned over all of them so that none collide.</summary>
    public const string HintNames = nameof(HintNames);

    /// <summary>Each resolved network compiled by the core.</summary>
    public const string CompiledNetworks = nameof(CompiledNetworks);

    /// <summary>Each compiled network with its execution plan: what the forward pass prints.</summary>
    public const string ExecutionPlans = nameof(ExecutionPlans);

    /// <summary>Each planned network with its training plan: what the training program prints.</summary>
    public const string TrainingPlans = nameof(TrainingPlans);
}
