using System;

namespace ConvForge.Training;

/// <summary>
/// A range [<see cref="Offset"/>, <see cref="Offset"/> + <see cref="Length"/>) of a flat parameter buffer
/// (for example one tensor of <see cref="ParameterStore"/>) with its own optimizer settings.
/// </summary>
public sealed class ParameterGroup
{
    /// <summary>A group over [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>).</summary>
    /// <param name="offset">First float of the range.</param>
    /// <param name="length">Floats in the range.</param>
    /// <param name="learningRateScale">Multiplies the step's learning rate for this range.</param>
    /// <param name="weightDecay">The range's weight decay (L2 for SGD and Adam, decoupled for AdamW).</param>
    /// <param name="frozen">Frozen ranges are never written by an optimizer or by clipping.</param>
    /// <exception cref="ArgumentException">A negative offset or length, or a scale or decay that is negative or not finite.</exception>
    public ParameterGroup(int offset, int length, float learningRateScale = 1f, float weightDecay = 0f, bool frozen = false)
    {
        if (offset < 0)
            throw new ArgumentException($"A parameter group's offset must not be negative; it is {offset}.", nameof(offset));
        if (length < 0)
            throw new ArgumentException($"A parameter group's length must not be negative; it is {length}.", nameof(length));
        if (!(learningRateScale >= 0f && float.IsFinite(learningRateScale)))
            throw new ArgumentException($"A learning-rate scale must be finite and not negative; it is {learningRateScale}.", nameof(learningRateScale));
        if (!(weightDecay >= 0f && float.IsFinite(weightDecay)))
            throw new ArgumentException($"Weight decay must be finite and not negative; it is {weightDecay}.", nameof(weightDecay));
        Offset = offset;
        Length = length;
        LearningRateScale = learningRateScale;
        WeightDecay = weightDecay;
        Frozen = frozen;
    }

    /// <summary>First float of the range.</summary>
    public int Offset { get; }
    /// <summary>Floats in the range.</summary>
    public int Length { get; }
    /// <summary>Multiplies the step's learning rate for this range.</summary>
    public float LearningRateScale { get; }
    /// <summary>The range's weight decay.</summary>
    public float WeightDecay { get; }
    /// <summary>Whether the range is left untouched.</summary>
    public bool Frozen { get; }
}
