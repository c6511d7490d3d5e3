using System;

namespace ConvForge.Training;

/// <summary>
/// Classification losses over a batch of logits laid out row-major as batch x classes. Each returns the
/// mean loss over the batch and writes its gradient with respect to the logits (already divided by the
/// batch size) into a caller span of the same length as the logits.
/// </summary>
public static class Losses
{
    /// <summary>
    /// Softmax cross-entropy with optional label smoothing, as PyTorch's <c>cross_entropy</c> defines it:
    /// the target of a row with label y is (1 - <paramref name="labelSmoothing"/>) at y plus
    /// <paramref name="labelSmoothing"/> / classes everywhere. Computed through log-sum-exp, so large logits
    /// neither overflow nor lose the loss.
    /// </summary>
    /// <param name="logits">batch x <paramref name="classes"/> scores, row-major.</param>
    /// <param name="labels">One class index per row, in [0, classes).</param>
    /// <param name="classes">Classes per row.</param>
    /// <param name="gradient">Receives d(mean loss)/d(logits); same length as <paramref name="logits"/>.</param>
    /// <param name="labelSmoothing">The smoothing eps in [0, 1].</param>
    /// <returns>The mean loss over the batch.</returns>
    /// <exception cref="ArgumentException">Lengths disagree, a label is out of range, or eps is outside [0, 1].</exception>
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes,
        Span<float> gradient, float labelSmoothing = 0f)
    {
        int batch = CheckArguments(logits, labels, classes, gradient);
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
            throw new ArgumentException($"Label smoothing must be in [0, 1]; it is {labelSmoothing}.", nameof(labelSmoothing));

        double offTarget = labelSmoothing / (double)classes;
        double onTarget = 1.0 - labelSmoothing + offTarget;
        double total = 0;
        for (int row = 0; row < batch; row++)
        {
            ReadOnlySpan<float> scores = logits.Slice(row * classes, classes);
            Span<float> rowGradient = gradient.Slice(row * classes, classes);
            float max = scores[0];
            for (int j = 1; j < classes; j++)
                max = Math.Max(max, scores[j]);
            double sumExp = 0;
            for (int j = 0; j < classes; j++)
                sumExp += Math.Exp(scores[j] - (double)max);
            double logSumExp = max + Math.Log(sumExp);
            int label = labels[row];
            for (int j = 0; j < classes; j++)
            {
                double target = j == label ? onTarget : offTarget;
                double logProbability = scores[j] - logSumExp;
                total -= target * logProbability;
                rowGradient[j] = (float)((Math.Exp(logProbability) - target) / batch);
            }
        }
        return (float)(total / batch);
    }

    /// <summary>
    /// The multiclass SVM hinge loss (Weston-Watkins, as in cs231n): for a row with label y,
    /// the sum over j != y of max(0, s_j - s_y + <paramref name="margin"/>). The gradient takes a violated
    /// margin (strictly positive term) as active.
    /// </summary>
    /// <param name="logits">batch x <paramref name="classes"/> scores, row-major.</param>
    /// <param name="labels">One class index per row, in [0, classes).</param>
    /// <param name="classes">Classes per row.</param>
    /// <param name="gradient">Receives d(mean loss)/d(logits); same length as <paramref name="logits"/>.</param>
    /// <param name="margin">The margin delta; 1 by default.</param>
    /// <returns>The mean loss over the batch.</returns>
    /// <exception cref="ArgumentException">Lengths disagree or a label is out of range.</exception>
    public static float MulticlassHinge(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes,
        Span<float> gradient, float margin = 1f)
    {
        int batch = CheckArguments(logits, labels, classes, gradient);
        float share = 1f / batch;
        double total = 0;
        for (int row = 0; row < batch; row++)
        {
            ReadOnlySpan<float> scores = logits.Slice(row * classes, classes);
            Span<float> rowGradient = gradient.Slice(row * classes, classes);
            int label = labels[row];
            double labelScore = scores[label];
            int violated = 0;
            for (int j = 0; j < classes; j++)
            {
                double term = j == label ? 0 : scores[j] - labelScore + margin;
                if (term > 0)
                {
                    total += term;
                    violated++;
                    rowGradient[j] = share;
                }
                else
                {
                    rowGradient[j] = 0f;
                }
            }
            rowGradient[label] = -violated * share;
        }
        return (float)(total / batch);
    }

    /// <summary>The fraction of rows whose largest logit (the first on ties) is at the row's label.</summary>
    /// <param name="logits">batch x <paramref name="classes"/> scores, row-major.</param>
    /// <param name="labels">One class index per row, in [0, classes).</param>
    /// <param name="classes">Classes per row.</param>
    /// <exception cref="ArgumentException">Lengths disagree or a label is out of range.</exception>
    public static float Accuracy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes)
    {
        int batch = CheckArguments(logits, labels, classes, default, checkGradient: false);
        int correct = 0;
        for (int row = 0; row < batch; row++)
        {
            if (ArgMax(logits.Slice(row * classes, classes)) == labels[row])
                correct++;
        }
        return correct / (float)batch;
    }

    /// <summary>The index of the largest value (the first on ties; NaN never wins).</summary>
    /// <param name="values">At least one value.</param>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty.</exception>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
            throw new ArgumentException("ArgMax needs at least one value.", nameof(values));
        int best = 0;
        for (int j = 1; j < values.Length; j++)
        {
            if (values[j] > values[best])
                best = j;
        }
        return best;
    }

    private static int CheckArguments(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes,
        Span<float> gradient, bool checkGradient = true)
    {
        if (classes < 1)
            throw new ArgumentException($"Classes must be at least 1; it is {classes}.", nameof(classes));
        if (logits.Length == 0 || logits.Length % classes != 0)
            throw new ArgumentException($"Logits hold {logits.Length} floats, not a positive multiple of {classes} classes.", nameof(logits));
        int batch = logits.Length / classes;
        if (labels.Length != batch)
            throw new ArgumentException($"Labels hold {labels.Length} entries but the logits hold {batch} rows of {classes}.", nameof(labels));
        if (checkGradient && gradient.Length != logits.Length)
            throw new ArgumentException($"The gradient holds {gradient.Length} floats but the logits hold {logits.Length}.", nameof(gradient));
        for (int row = 0; row < batch; row++)
        {
            if ((uint)labels[row] >= (uint)classes)
                throw new ArgumentException($"Label at index {row} is {labels[row]}, outside [0, {classes}).", nameof(labels));
        }
        return batch;
    }
}
