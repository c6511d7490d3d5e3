using ConvForge.Compiler;
using ConvForge.Compiler.Planning;
using ConvForge.Compiler.Planning.Training;

namespace ConvForge.Generators.Models;

/// <summary>A network with its modules resolved and compiled: everything the emitter needs.</summary>
/// <param name="Network">The model, whose <c>Spec.Modules</c> now holds every module it uses, transitively.</param>
/// <param name="Result">The compiler core's graph and diagnostics.</param>
/// <param name="InternalError">
/// Set only when the compiler core threw (a bug: it must report problems as diagnostics). The generator then
/// emits what it emits for a declaration with errors, so the user's build is no worse off, and names the
/// exception in a comment; the analyzer, which runs the same core, surfaces the crash as AD0001.
/// </param>
/// <param name="Plan">The execution plan of the graph, set by the plan step; null without a graph, or when it could not be planned.</param>
/// <param name="PlanProblem">Why a graph without errors has no plan (the generated class then lacks the forward pass and says why).</param>
/// <param name="Training">The training plan, set by the training-plan step; null without a forward plan, or when the network cannot be trained.</param>
/// <param name="TrainingProblem">Why a network with a forward plan cannot be trained (the generated TrainingProgram throws with it).</param>
internal sealed record CompiledNetwork(NetworkModel Network, CompileResult Result, string? InternalError, ExecutionPlan? Plan = null, string? PlanProblem = null,
    TrainingPlan? Training = null, string? TrainingProblem = null);
