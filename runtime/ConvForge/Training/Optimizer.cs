using System;
using System.Collections.Generic;
using System.Linq;

namespace ConvForge.Training;

/// <summary>
/// Updates a flat parameter buffer (such as <see cref="ParameterStore"/>'s values) from a gradient buffer of the
/// same length, group by group. Floats outside every group, and frozen groups, are never written.
/// </summary>
/// <remarks>
/// The learning rate is an argument of <see cref="Step"/>, so a <see cref="LearningRateSchedule"/> (a pure function
/// of the step) drives it and a resumed run computes the same rates. State buffers span the whole parameter
/// buffer, indexed like it; <see cref="ExportState"/> and <see cref="ImportState"/> copy them and the step count exactly.
/// A step does not allocate.
/// </remarks>
public abstract class Optimizer
{
    private readonly ParameterGroup[] groups;
    private readonly string[] stateNames;
    private readonly float[][] stateBuffers;

    /// <summary>An optimizer over <paramref name="parameterCount"/> floats with the given groups.</summary>
    /// <param name="parameterCount">Length of the parameter and gradient buffers.</param>
    /// <param name="groups">Non-overlapping ranges inside the buffer; null means one group over all of it with default settings.</param>
    /// <param name="stateNames">The names of the optimizer's per-parameter state buffers.</param>
    /// <exception cref="ArgumentException">A negative count, or groups that overlap or lie outside the buffer.</exception>
    protected Optimizer(int parameterCount, IEnumerable<ParameterGroup>? groups, params string[] stateNames)
    {
        if (parameterCount < 0)
            throw new ArgumentException($"The parameter count must not be negative; it is {parameterCount}.", nameof(parameterCount));
        ParameterCount = parameterCount;
        this.groups = groups?.ToArray() ?? new[] { new ParameterGroup(0, parameterCount) };
        var ordered = this.groups.Select((group, index) => (group, index)).OrderBy(pair => pair.group.Offset).ToArray();
        for (int k = 0; k < ordered.Length; k++)
        {
            var (group, index) = ordered[k];
            if (group is null)
                throw new ArgumentException($"Parameter group {index} is null.", nameof(groups));
            if ((long)group.Offset + group.Length > parameterCount)
                throw new ArgumentException($"Parameter group {index} [{group.Offset}, {group.Offset + (long)group.Length}) lies outside the {parameterCount} parameters.", nameof(groups));
            if (k > 0 && ordered[k - 1].group.Offset + ordered[k - 1].group.Length > group.Offset)
                throw new ArgumentException($"Parameter groups {ordered[k - 1].index} and {index} overlap at offset {group.Offset}.", nameof(groups));
        }
        this.stateNames = stateNames;
        stateBuffers = stateNames.Select(_ => new float[parameterCount]).ToArray();
    }

    /// <summary>Length of the parameter and gradient buffers.</summary>
    public int ParameterCount { get; }
    /// <summary>The parameter groups, in the order given.</summary>
    public IReadOnlyList<ParameterGroup> Groups => groups;
    /// <summary>Steps taken so far; the first step is step 1, as in PyTorch.</summary>
    public long StepCount { get; private set; }
    /// <summary>The names of the per-parameter state buffers, as in <see cref="ExportState"/>.</summary>
    public IReadOnlyList<string> StateNames => stateNames;

    /// <summary>Applies one update to the non-frozen groups of <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The parameter buffer, updated in place.</param>
    /// <param name="gradients">The gradients of the loss with respect to <paramref name="parameters"/>.</param>
    /// <param name="learningRate">This step's base learning rate; each group scales it by its <see cref="ParameterGroup.LearningRateScale"/>.</param>
    /// <exception cref="ArgumentException">A buffer's length is not <see cref="ParameterCount"/>, or the rate is negative or not finite.</exception>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients, double learningRate)
    {
        if (parameters.Length != ParameterCount)
            throw new ArgumentException($"The optimizer was made for {ParameterCount} parameters; the buffer holds {parameters.Length}.", nameof(parameters));
        if (gradients.Length != ParameterCount)
            throw new ArgumentException($"The optimizer was made for {ParameterCount} parameters; the gradients hold {gradients.Length}.", nameof(gradients));
        if (!(learningRate >= 0 && double.IsFinite(learningRate)))
            throw new ArgumentException($"The learning rate must be finite and not negative; it is {learningRate}.", nameof(learningRate));
        StepCount++;
        foreach (ParameterGroup group in groups)
        {
            if (group.Frozen || group.Length == 0)
                continue;
            UpdateRange(parameters.Slice(group.Offset, group.Length), gradients.Slice(group.Offset, group.Length),
                group.Offset, learningRate * group.LearningRateScale, group.WeightDecay, StepCount);
        }
    }

    /// <summary>Updates one group's range.</summary>
    /// <param name="parameters">The group's parameters.</param>
    /// <param name="gradients">The group's gradients.</param>
    /// <param name="offset">The range's offset in the whole buffer, which indexes the state buffers too.</param>
    /// <param name="learningRate">The group's learning rate for this step.</param>
    /// <param name="weightDecay">The group's weight decay.</param>
    /// <param name="step">This step's number, counting from 1.</param>
    protected abstract void UpdateRange(Span<float> parameters, ReadOnlySpan<float> gradients, int offset,
        double learningRate, float weightDecay, long step);

    /// <summary>A state buffer's slice over [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>).</summary>
    /// <param name="index">The buffer's position in <see cref="StateNames"/>.</param>
    /// <param name="offset">First float.</param>
    /// <param name="length">Floats.</param>
    protected Span<float> State(int index, int offset, int length) => stateBuffers[index].AsSpan(offset, length);

    /// <summary>A copy of the step count and every state buffer, by name.</summary>
    public OptimizerState ExportState()
    {
        var buffers = new Dictionary<string, float[]>(stateNames.Length, StringComparer.Ordinal);
        for (int k = 0; k < stateNames.Length; k++)
            buffers.Add(stateNames[k], (float[])stateBuffers[k].Clone());
        return new OptimizerState(StepCount, buffers);
    }

    /// <summary>Replaces the step count and state buffers with copies of <paramref name="state"/>'s.</summary>
    /// <param name="state">A state exported from an optimizer of the same kind and parameter count.</param>
    /// <exception cref="ArgumentException">Names or lengths do not match this optimizer's, or the step count is negative.</exception>
    public void ImportState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.StepCount < 0)
            throw new ArgumentException($"The step count must not be negative; it is {state.StepCount}.", nameof(state));
        if (state.Buffers.Count != stateNames.Length)
            throw new ArgumentException($"The state holds {state.Buffers.Count} buffers; this optimizer has {stateNames.Length}: {string.Join(", ", stateNames)}.", nameof(state));
        for (int k = 0; k < stateNames.Length; k++)
        {
            if (!state.Buffers.TryGetValue(stateNames[k], out float[]? buffer))
                throw new ArgumentException($"The state has no buffer named '{stateNames[k]}'.", nameof(state));
            if (buffer.Length != ParameterCount)
                throw new ArgumentException($"State buffer '{stateNames[k]}' holds {buffer.Length} floats; this optimizer has {ParameterCount} parameters.", nameof(state));
        }
        for (int k = 0; k < stateNames.Length; k++)
            state.Buffers[stateNames[k]].AsSpan().CopyTo(stateBuffers[k]);
        StepCount = state.StepCount;
    }
}

/// <summary>An optimizer's saved state: the step count and its per-parameter float buffers by name.</summary>
/// <remarks>The step count is a 64-bit integer beside the buffers because a float counts exactly only to 2^24.</remarks>
public sealed class OptimizerState
{
    /// <summary>A state with the given step count and buffers (not copied).</summary>
    /// <param name="stepCount">Steps taken.</param>
    /// <param name="buffers">Per-parameter buffers by name.</param>
    public OptimizerState(long stepCount, IReadOnlyDictionary<string, float[]> buffers)
    {
        StepCount = stepCount;
        Buffers = buffers ?? throw new ArgumentNullException(nameof(buffers));
    }

    /// <summary>Steps taken.</summary>
    public long StepCount { get; }
    /// <summary>Per-parameter buffers by name, each as long as the parameter buffer.</summary>
    public IReadOnlyDictionary<string, float[]> Buffers { get; }
}
