using System;
using System.Collections.Generic;
using System.Linq;

namespace ConvForge.Training;

/// <summary>What the trainer does with one step of the training program, decided once from what is frozen.</summary>
/// <param name="Step">The step's index in <see cref="TrainingProgram.Steps"/>.</param>
/// <param name="Node">The step's node.</param>
/// <param name="Frozen">True when the step's node is frozen (its parameters never change).</param>
/// <param name="Trainable">True when the step has parameters the optimizer updates.</param>
/// <param name="DependsOnTrainable">True when the step's output depends on a trainable parameter, so the loss's gradient flows through it.</param>
/// <param name="Forward">True when a training step runs it forward (every step; with cached features only the dependent ones).</param>
/// <param name="BackwardInput">True when backward computes its inputs' gradients: some input depends on a trainable parameter.</param>
/// <param name="BackwardParameters">True when backward computes its parameters' gradients: the step is trainable.</param>
/// <param name="Mode">How it runs while training: a frozen BatchNorm uses (and keeps) its running statistics.</param>
/// <param name="BatchLevel">True when it reads the whole batch at once (BatchNorm in training mode): run on one thread.</param>
public sealed record ScheduledStep(
    int Step,
    string Node,
    bool Frozen,
    bool Trainable,
    bool DependsOnTrainable,
    bool Forward,
    bool BackwardInput,
    bool BackwardParameters,
    StepMode Mode,
    bool BatchLevel)
{
    /// <summary>True when backward enters the step at all.</summary>
    public bool Backward => BackwardInput || BackwardParameters;
}

/// <summary>
/// The training schedule of a network with a given frozen set: per step, whether it runs forward, backward (inputs,
/// parameters) and in which mode, and where gradient memory starts. A step that needs neither backward part is never
/// entered by the backward pass; frozen parameters get no gradient memory when they precede every trainable one.
/// </summary>
public sealed class TrainingSchedule
{
    private readonly bool[] frozenNodes;
    private readonly bool[] trainableParameters;

    private TrainingSchedule(TrainingProgram program, NetworkDefinition network, bool[] frozenNodes)
    {
        Program = program;
        Network = network;
        this.frozenNodes = frozenNodes;
        var steps = program.Steps;
        var dependent = new bool[program.Values.Count];
        var scheduled = new ScheduledStep[steps.Count];
        trainableParameters = new bool[network.Parameters.Count];
        var parameterIndex = new Dictionary<ParameterInfo, int>(ReferenceEqualityComparer.Instance);
        for (int p = 0; p < network.Parameters.Count; p++)
            parameterIndex[network.Parameters[p]] = p;

        for (int s = 0; s < steps.Count; s++)
        {
            var step = steps[s];
            if (step.Index != s)
                throw new ArgumentException($"Training program of {network.Name}: step {s} ({step.Node}) says its index is {step.Index}.", nameof(program));
            if ((uint)step.NodeIndex >= (uint)network.Nodes.Count || network.Nodes[step.NodeIndex].Name != step.Node)
                throw new ArgumentException($"Training program of {network.Name}: step {s} names node {step.Node} at index {step.NodeIndex}, which the network does not have there.", nameof(program));
            bool frozen = frozenNodes[step.NodeIndex];
            bool trainable = false;
            if (!frozen)
            {
                foreach (int p in step.Parameters)
                {
                    if (network.Parameters[p].Trainable)
                    {
                        trainable = true;
                        trainableParameters[p] = true;
                    }
                }
            }
            bool inputDependent = step.Inputs.Any(v => dependent[v]);
            bool dependsOnTrainable = trainable || inputDependent;
            // A dropout mask is drawn, not computed from parameters: it never receives a gradient.
            dependent[step.Output] = dependsOnTrainable;
            var mode = frozen && step.Kind == TrainingStepKind.BatchNorm ? StepMode.Inference : StepMode.Training;
            scheduled[s] = new ScheduledStep(s, step.Node, frozen, trainable, dependsOnTrainable, Forward: true,
                BackwardInput: inputDependent, BackwardParameters: trainable, mode,
                BatchLevel: step.IsBatchLevel && mode == StepMode.Training);
        }
        Steps = scheduled;
        ValueDependsOnTrainable = dependent;

        int origin = network.ParameterLength;
        for (int p = 0; p < trainableParameters.Length; p++)
        {
            if (trainableParameters[p])
                origin = Math.Min(origin, network.Parameters[p].Offset);
        }
        ParameterGradientOrigin = origin;
        TrainableParameters = network.Parameters.Where((_, p) => trainableParameters[p]).ToArray();
        TrainableParameterCount = TrainableParameters.Sum(p => p.Length);

        // The frozen boundary: values no trainable parameter affects that a dependent step reads. Training from cached
        // boundary values runs only the dependent steps.
        var boundary = new SortedSet<int>();
        foreach (var step in steps)
        {
            if (!scheduled[step.Index].DependsOnTrainable)
                continue;
            foreach (int v in step.Inputs)
            {
                if (!dependent[v])
                    boundary.Add(v);
            }
        }
        FrozenBoundary = boundary.ToArray();
    }

    /// <summary>The program scheduled.</summary>
    public TrainingProgram Program { get; }

    /// <summary>The network the program belongs to.</summary>
    public NetworkDefinition Network { get; }

    /// <summary>Per step, in forward order.</summary>
    public IReadOnlyList<ScheduledStep> Steps { get; }

    /// <summary>Per value of the program: whether a trainable parameter affects it (only those receive gradients).</summary>
    public IReadOnlyList<bool> ValueDependsOnTrainable { get; }

    /// <summary>The first trainable parameter's offset: gradient memory and optimizer state cover [origin, ParameterLength).</summary>
    public int ParameterGradientOrigin { get; }

    /// <summary>Floats of gradient memory: ParameterLength - <see cref="ParameterGradientOrigin"/>.</summary>
    public int GradientLength => Network.ParameterLength - ParameterGradientOrigin;

    /// <summary>The tensors the optimizer updates (BatchNorm running statistics and frozen nodes' tensors are not among them).</summary>
    public IReadOnlyList<ParameterInfo> TrainableParameters { get; }

    /// <summary>Floats the optimizer updates.</summary>
    public int TrainableParameterCount { get; }

    /// <summary>Value ids of the frozen boundary: values no trainable parameter affects that a dependent step reads.</summary>
    public IReadOnlyList<int> FrozenBoundary { get; }

    /// <summary>Whether node <paramref name="nodeIndex"/> is frozen.</summary>
    public bool IsNodeFrozen(int nodeIndex) => frozenNodes[nodeIndex];

    /// <summary>Whether the tensor at <paramref name="parameterIndex"/> in <see cref="NetworkDefinition.Parameters"/> is updated by the optimizer.</summary>
    public bool IsParameterTrainable(int parameterIndex) => trainableParameters[parameterIndex];

    /// <summary>
    /// The schedule of <paramref name="program"/> with the nodes named by <paramref name="frozenPrefixes"/> and every node up to and
    /// including <paramref name="freezeThrough"/> frozen.
    /// </summary>
    /// <param name="program">The network's training program.</param>
    /// <param name="network">The network's graph.</param>
    /// <param name="frozenPrefixes">Node name prefixes: a node is frozen when its name is one of them or starts with one followed by a dot.</param>
    /// <param name="freezeThrough">A node name: it and every node before it (in the graph's order) are frozen; null for none.</param>
    /// <exception cref="ArgumentException">A prefix or node name matches no node, or nothing is left to train.</exception>
    public static TrainingSchedule Create(TrainingProgram program, NetworkDefinition network,
        IEnumerable<string>? frozenPrefixes = null, string? freezeThrough = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(network);
        var frozen = new bool[network.Nodes.Count];
        if (freezeThrough is not null)
        {
            int last = network.IndexOf(freezeThrough);
            if (last < 0)
                throw new ArgumentException($"FreezeThrough names node {freezeThrough}, which network {network.Name} does not have; its nodes are {Describe(network)}.", nameof(freezeThrough));
            for (int n = 0; n <= last; n++)
                frozen[n] = true;
        }
        foreach (var prefix in frozenPrefixes ?? Array.Empty<string>())
        {
            bool any = false;
            for (int n = 0; n < network.Nodes.Count; n++)
            {
                if (MatchesPrefix(network.Nodes[n].Name, prefix))
                    frozen[n] = any = true;
            }
            if (!any)
                throw new ArgumentException($"The frozen prefix {prefix} matches no node of network {network.Name}; its nodes are {Describe(network)}.", nameof(frozenPrefixes));
        }
        var schedule = new TrainingSchedule(program, network, frozen);
        if (schedule.TrainableParameters.Count == 0)
            throw new ArgumentException($"Everything in network {network.Name} is frozen: no step has a trainable parameter left.", nameof(frozenPrefixes));
        return schedule;
    }

    /// <summary>Whether <paramref name="name"/> (a node or parameter name) is <paramref name="prefix"/> or lies under it ("Layer1" covers "Layer1.Conv1").</summary>
    public static bool MatchesPrefix(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.Ordinal) && (name.Length == prefix.Length || name[prefix.Length] == '.' || prefix.EndsWith('.'));

    private static string Describe(NetworkDefinition network)
    {
        const int Listed = 12;
        var names = network.Nodes.Take(Listed).Select(n => n.Name);
        return string.Join(", ", names) + (network.Nodes.Count > Listed ? ", ..." : "");
    }
}
