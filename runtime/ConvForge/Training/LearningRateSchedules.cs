using System;

namespace ConvForge.Training;

/// <summary>
/// A learning rate as a pure function of the step number (counting from 0, like PyTorch's <c>last_epoch</c>
/// after construction), so a run resumed at any step computes the same rates.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate for step <paramref name="step"/>.</summary>
    /// <param name="step">The step, from 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is negative (or past the end of a schedule that has one).</exception>
    public double At(long step)
    {
        if (step < 0)
            throw new ArgumentOutOfRangeException(nameof(step), step, "The step must not be negative.");
        return Compute(step);
    }

    /// <summary>The learning rate for a step already checked not to be negative.</summary>
    /// <param name="step">The step, from 0.</param>
    protected abstract double Compute(long step);

    private protected static void CheckPositive(double value, string name)
    {
        if (!(value > 0 && double.IsFinite(value)))
            throw new ArgumentException($"{name} must be positive and finite; it is {value}.", name);
    }
}

/// <summary>One learning rate throughout.</summary>
public sealed class ConstantSchedule : LearningRateSchedule
{
    /// <summary>The rate <paramref name="learningRate"/> at every step.</summary>
    /// <param name="learningRate">The rate; positive.</param>
    public ConstantSchedule(double learningRate)
    {
        CheckPositive(learningRate, nameof(learningRate));
        LearningRate = learningRate;
    }

    /// <summary>The rate.</summary>
    public double LearningRate { get; }

    /// <inheritdoc />
    protected override double Compute(long step) => LearningRate;
}

/// <summary>Step decay (PyTorch's StepLR): base * gamma^floor(step / stepSize).</summary>
public sealed class StepDecaySchedule : LearningRateSchedule
{
    /// <summary>A rate multiplied by <paramref name="gamma"/> every <paramref name="stepSize"/> steps.</summary>
    /// <param name="baseLearningRate">The rate at step 0; positive.</param>
    /// <param name="stepSize">Steps between decays; positive.</param>
    /// <param name="gamma">The factor per decay, in (0, 1].</param>
    /// <exception cref="ArgumentException">A setting out of range.</exception>
    public StepDecaySchedule(double baseLearningRate, long stepSize, double gamma = 0.1)
    {
        CheckPositive(baseLearningRate, nameof(baseLearningRate));
        if (stepSize < 1)
            throw new ArgumentException($"The step size must be positive; it is {stepSize}.", nameof(stepSize));
        if (!(gamma > 0 && gamma <= 1))
            throw new ArgumentException($"Gamma must be in (0, 1]; it is {gamma}.", nameof(gamma));
        BaseLearningRate = baseLearningRate;
        StepSize = stepSize;
        Gamma = gamma;
    }

    /// <summary>The rate at step 0.</summary>
    public double BaseLearningRate { get; }
    /// <summary>Steps between decays.</summary>
    public long StepSize { get; }
    /// <summary>The factor per decay.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    protected override double Compute(long step) => BaseLearningRate * Math.Pow(Gamma, step / StepSize);
}

/// <summary>
/// Cosine annealing (PyTorch's CosineAnnealingLR closed form):
/// etaMin + (base - etaMin) * (1 + cos(pi * step / totalSteps)) / 2, held at etaMin after totalSteps
/// (PyTorch's closed form would rise again; a finished schedule staying at its floor is what training wants).
/// </summary>
public sealed class CosineAnnealingSchedule : LearningRateSchedule
{
    /// <summary>A rate falling from <paramref name="baseLearningRate"/> to <paramref name="minimumLearningRate"/> over <paramref name="totalSteps"/>.</summary>
    /// <param name="baseLearningRate">The rate at step 0; positive.</param>
    /// <param name="totalSteps">Steps to reach the minimum (PyTorch's T_max); positive.</param>
    /// <param name="minimumLearningRate">The final rate (eta_min), in [0, base].</param>
    /// <exception cref="ArgumentException">A setting out of range.</exception>
    public CosineAnnealingSchedule(double baseLearningRate, long totalSteps, double minimumLearningRate = 0)
    {
        CheckPositive(baseLearningRate, nameof(baseLearningRate));
        if (totalSteps < 1)
            throw new ArgumentException($"The total steps must be positive; it is {totalSteps}.", nameof(totalSteps));
        if (!(minimumLearningRate >= 0 && minimumLearningRate <= baseLearningRate))
            throw new ArgumentException($"The minimum rate must be in [0, {baseLearningRate}]; it is {minimumLearningRate}.", nameof(minimumLearningRate));
        BaseLearningRate = baseLearningRate;
        TotalSteps = totalSteps;
        MinimumLearningRate = minimumLearningRate;
    }

    /// <summary>The rate at step 0.</summary>
    public double BaseLearningRate { get; }
    /// <summary>Steps to reach the minimum.</summary>
    public long TotalSteps { get; }
    /// <summary>The final rate.</summary>
    public double MinimumLearningRate { get; }

    /// <inheritdoc />
    protected override double Compute(long step)
    {
        double progress = Math.Min(step, TotalSteps) / (double)TotalSteps;
        return MinimumLearningRate + (BaseLearningRate - MinimumLearningRate) * (1 + Math.Cos(Math.PI * progress)) / 2;
    }
}

/// <summary>
/// The one-cycle policy as PyTorch's OneCycleLR computes it with cosine annealing and two phases: from
/// max / divFactor up to max at step pctStart * totalSteps - 1, then down to max / divFactor / finalDivFactor
/// at step totalSteps - 1. (PyTorch also cycles momentum; that is left to the caller.)
/// </summary>
public sealed class OneCycleSchedule : LearningRateSchedule
{
    private readonly double peakStep;

    /// <summary>A one-cycle schedule of <paramref name="totalSteps"/> steps peaking at <paramref name="maxLearningRate"/>.</summary>
    /// <param name="maxLearningRate">The peak rate; positive.</param>
    /// <param name="totalSteps">Steps in the cycle; at least 2.</param>
    /// <param name="pctStart">The fraction of the cycle spent rising, in (0, 1).</param>
    /// <param name="divFactor">Initial rate = max / divFactor; positive.</param>
    /// <param name="finalDivFactor">Final rate = initial / finalDivFactor; positive.</param>
    /// <exception cref="ArgumentException">A setting out of range, or phases PyTorch would reject (a phase of zero length).</exception>
    public OneCycleSchedule(double maxLearningRate, long totalSteps, double pctStart = 0.3, double divFactor = 25, double finalDivFactor = 1e4)
    {
        CheckPositive(maxLearningRate, nameof(maxLearningRate));
        CheckPositive(divFactor, nameof(divFactor));
        CheckPositive(finalDivFactor, nameof(finalDivFactor));
        if (totalSteps < 2)
            throw new ArgumentException($"The total steps must be at least 2; it is {totalSteps}.", nameof(totalSteps));
        if (!(pctStart > 0 && pctStart < 1))
            throw new ArgumentException($"pctStart must be in (0, 1); it is {pctStart}.", nameof(pctStart));
        // PyTorch: end of phase one = float(pct_start * total_steps) - 1, end of phase two = total_steps - 1.
        peakStep = pctStart * totalSteps - 1;
        if (!(peakStep > 0 && peakStep < totalSteps - 1))
            throw new ArgumentException($"pctStart {pctStart} of {totalSteps} steps leaves a phase of zero length (peak at step {peakStep}).", nameof(pctStart));
        MaxLearningRate = maxLearningRate;
        TotalSteps = totalSteps;
        InitialLearningRate = maxLearningRate / divFactor;
        FinalLearningRate = InitialLearningRate / finalDivFactor;
    }

    /// <summary>The peak rate.</summary>
    public double MaxLearningRate { get; }
    /// <summary>Steps in the cycle (0 to TotalSteps - 1); later steps keep <see cref="FinalLearningRate"/>.</summary>
    public long TotalSteps { get; }
    /// <summary>The rate at step 0.</summary>
    public double InitialLearningRate { get; }
    /// <summary>The rate at the last step.</summary>
    public double FinalLearningRate { get; }

    /// <inheritdoc />
    protected override double Compute(long step)
    {
        // Past the cycle the final rate holds, so a trainer can still report the rate after its last step.
        if (step >= TotalSteps - 1)
            return FinalLearningRate;
        return step <= peakStep
            ? CosineAnneal(InitialLearningRate, MaxLearningRate, step / peakStep)
            : CosineAnneal(MaxLearningRate, FinalLearningRate, (step - peakStep) / (TotalSteps - 1 - peakStep));
    }

    private static double CosineAnneal(double start, double end, double fraction) =>
        end + (start - end) / 2 * (Math.Cos(Math.PI * fraction) + 1);
}

/// <summary>
/// A linear warm-up over another schedule (PyTorch's LinearLR chained with it): the inner rate times a factor
/// rising linearly from <see cref="StartFactor"/> at step 0 to 1 at <see cref="WarmupSteps"/>, and 1 after.
/// The inner schedule sees the same step number.
/// </summary>
public sealed class LinearWarmupSchedule : LearningRateSchedule
{
    /// <summary>Warms <paramref name="inner"/> up over <paramref name="warmupSteps"/> steps.</summary>
    /// <param name="inner">The schedule to scale.</param>
    /// <param name="warmupSteps">Steps of warm-up; positive.</param>
    /// <param name="startFactor">The factor at step 0, in (0, 1]; PyTorch's LinearLR default is 1/3.</param>
    /// <exception cref="ArgumentException">A setting out of range.</exception>
    public LinearWarmupSchedule(LearningRateSchedule inner, long warmupSteps, double startFactor = 1.0 / 3)
    {
        Inner = inner ?? throw new ArgumentNullException(nameof(inner));
        if (warmupSteps < 1)
            throw new ArgumentException($"The warm-up steps must be positive; it is {warmupSteps}.", nameof(warmupSteps));
        if (!(startFactor > 0 && startFactor <= 1))
            throw new ArgumentException($"The start factor must be in (0, 1]; it is {startFactor}.", nameof(startFactor));
        WarmupSteps = warmupSteps;
        StartFactor = startFactor;
    }

    /// <summary>The schedule being scaled.</summary>
    public LearningRateSchedule Inner { get; }
    /// <summary>Steps of warm-up.</summary>
    public long WarmupSteps { get; }
    /// <summary>The factor at step 0.</summary>
    public double StartFactor { get; }

    /// <inheritdoc />
    protected override double Compute(long step)
    {
        double factor = step >= WarmupSteps ? 1 : StartFactor + (1 - StartFactor) * step / WarmupSteps;
        return factor * Inner.At(step);
    }
}
