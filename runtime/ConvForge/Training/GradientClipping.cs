using System;
using System.Collections.Generic;
using System.Numerics;

namespace ConvForge.Training;

/// <summary>Gradient clipping over the non-frozen ranges of a flat gradient buffer.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales the gradients of the non-frozen groups so that their joint L2 norm is at most
    /// <paramref name="maxNorm"/>, as PyTorch's <c>clip_grad_norm_</c> does: by maxNorm / (norm + 1e-6) when that is below 1.
    /// </summary>
    /// <param name="gradients">The flat gradient buffer, indexed like the parameters.</param>
    /// <param name="groups">The parameter groups; frozen ones neither count nor change.</param>
    /// <param name="maxNorm">The largest allowed norm; positive.</param>
    /// <returns>The norm before clipping.</returns>
    /// <exception cref="ArgumentException">A group lies outside the buffer or <paramref name="maxNorm"/> is not positive.</exception>
    public static float ClipByGlobalNorm(Span<float> gradients, IReadOnlyList<ParameterGroup> groups, float maxNorm)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (!(maxNorm > 0f))
            throw new ArgumentException($"The largest norm must be positive; it is {maxNorm}.", nameof(maxNorm));
        double sumOfSquares = 0;
        for (int g = 0; g < groups.Count; g++)
        {
            if (!groups[g].Frozen)
                sumOfSquares += SumOfSquares(Range(gradients, groups[g]));
        }
        double norm = Math.Sqrt(sumOfSquares);
        double coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1.0)
        {
            float scale = (float)coefficient;
            for (int g = 0; g < groups.Count; g++)
            {
                if (!groups[g].Frozen)
                    Scale(Range(gradients, groups[g]), scale);
            }
        }
        return (float)norm;
    }

    /// <summary>Clamps every gradient of the non-frozen groups to [-<paramref name="clipValue"/>, <paramref name="clipValue"/>].</summary>
    /// <param name="gradients">The flat gradient buffer, indexed like the parameters.</param>
    /// <param name="groups">The parameter groups; frozen ones do not change.</param>
    /// <param name="clipValue">The largest allowed magnitude; positive.</param>
    /// <exception cref="ArgumentException">A group lies outside the buffer or <paramref name="clipValue"/> is not positive.</exception>
    public static void ClipByValue(Span<float> gradients, IReadOnlyList<ParameterGroup> groups, float clipValue)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (!(clipValue > 0f))
            throw new ArgumentException($"The clip value must be positive; it is {clipValue}.", nameof(clipValue));
        var high = new Vector<float>(clipValue);
        var low = new Vector<float>(-clipValue);
        for (int g = 0; g < groups.Count; g++)
        {
            if (groups[g].Frozen)
                continue;
            Span<float> range = Range(gradients, groups[g]);
            int i = 0;
            for (; i <= range.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Span<float> slice = range.Slice(i, Vector<float>.Count);
                Vector.Min(Vector.Max(new Vector<float>(slice), low), high).CopyTo(slice);
            }
            for (; i < range.Length; i++)
                range[i] = Math.Min(Math.Max(range[i], -clipValue), clipValue);
        }
    }

    private static Span<float> Range(Span<float> gradients, ParameterGroup group)
    {
        if ((long)group.Offset + group.Length > gradients.Length)
            throw new ArgumentException($"The group [{group.Offset}, {group.Offset + (long)group.Length}) lies outside the {gradients.Length} gradients.", nameof(gradients));
        return gradients.Slice(group.Offset, group.Length);
    }

    private static double SumOfSquares(ReadOnlySpan<float> values)
    {
        // Float lanes over short blocks, summed into a double, so long buffers do not lose small terms.
        const int Block = 4096;
        double total = 0;
        for (int start = 0; start < values.Length; start += Block)
        {
            ReadOnlySpan<float> block = values.Slice(start, Math.Min(Block, values.Length - start));
            var lanes = Vector<float>.Zero;
            int i = 0;
            for (; i <= block.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(block.Slice(i, Vector<float>.Count));
                lanes += v * v;
            }
            double blockTotal = 0;
            for (int lane = 0; lane < Vector<float>.Count; lane++)
                blockTotal += lanes[lane];
            for (; i < block.Length; i++)
                blockTotal += (double)block[i] * block[i];
            total += blockTotal;
        }
        return total;
    }

    private static void Scale(Span<float> values, float scale)
    {
        int i = 0;
        for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            Span<float> slice = values.Slice(i, Vector<float>.Count);
            (new Vector<float>(slice) * scale).CopyTo(slice);
        }
        for (; i < values.Length; i++)
            values[i] *= scale;
    }
}
