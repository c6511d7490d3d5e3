using System;
using System.Collections.Generic;
using System.Numerics;

namespace ConvForge.Training;

/// <summary>
/// Adam as <c>torch.optim.Adam</c> computes it (without amsgrad): g = grad + wd * p;
/// m = beta1 * m + (1 - beta1) * g; v = beta2 * v + (1 - beta2) * g^2;
/// p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
/// <see cref="AdamW"/> decouples the weight decay instead.
/// </summary>
public class Adam : Optimizer
{
    /// <summary>The name of the first-moment buffer in <see cref="Optimizer.ExportState"/>.</summary>
    public const string FirstMomentName = "exp_avg";
    /// <summary>The name of the second-moment buffer in <see cref="Optimizer.ExportState"/>.</summary>
    public const string SecondMomentName = "exp_avg_sq";

    private readonly bool decoupledWeightDecay;

    /// <summary>Adam over <paramref name="parameterCount"/> floats.</summary>
    /// <param name="parameterCount">Length of the parameter and gradient buffers.</param>
    /// <param name="groups">Non-overlapping ranges with their settings; null means one group over everything.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to the bias-corrected root of the second moment; positive.</param>
    /// <exception cref="ArgumentException">A setting out of range, or bad groups.</exception>
    public Adam(int parameterCount, IEnumerable<ParameterGroup>? groups = null, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
        : this(parameterCount, groups, beta1, beta2, epsilon, decoupledWeightDecay: false)
    {
    }

    private protected Adam(int parameterCount, IEnumerable<ParameterGroup>? groups, float beta1, float beta2, float epsilon, bool decoupledWeightDecay)
        : base(parameterCount, groups, FirstMomentName, SecondMomentName)
    {
        if (!(beta1 >= 0f && beta1 < 1f))
            throw new ArgumentException($"Beta1 must be in [0, 1); it is {beta1}.", nameof(beta1));
        if (!(beta2 >= 0f && beta2 < 1f))
            throw new ArgumentException($"Beta2 must be in [0, 1); it is {beta2}.", nameof(beta2));
        if (!(epsilon > 0f && float.IsFinite(epsilon)))
            throw new ArgumentException($"Epsilon must be positive and finite; it is {epsilon}.", nameof(epsilon));
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        this.decoupledWeightDecay = decoupledWeightDecay;
    }

    /// <summary>Decay of the first moment.</summary>
    public float Beta1 { get; }
    /// <summary>Decay of the second moment.</summary>
    public float Beta2 { get; }
    /// <summary>Added to the bias-corrected root of the second moment.</summary>
    public float Epsilon { get; }

    /// <inheritdoc />
    protected sealed override void UpdateRange(Span<float> parameters, ReadOnlySpan<float> gradients, int offset,
        double learningRate, float weightDecay, long step)
    {
        double biasCorrection1 = 1 - Math.Pow(Beta1, step);
        double biasCorrection2 = 1 - Math.Pow(Beta2, step);
        float stepSize = (float)(learningRate / biasCorrection1);
        float inverseRootCorrection2 = (float)(1 / Math.Sqrt(biasCorrection2));
        float epsilon = Epsilon;
        float beta1 = Beta1, oneMinusBeta1 = 1f - Beta1;
        float beta2 = Beta2, oneMinusBeta2 = 1f - Beta2;
        // AdamW shrinks the parameter first (p *= 1 - lr * wd); Adam adds wd * p to the gradient.
        float shrink = decoupledWeightDecay ? (float)(1 - learningRate * weightDecay) : 1f;
        float coupledDecay = decoupledWeightDecay ? 0f : weightDecay;
        Span<float> m = State(0, offset, parameters.Length);
        Span<float> v = State(1, offset, parameters.Length);
        int n = parameters.Length;
        int width = Vector<float>.Count;
        int i = 0;
        for (; i <= n - width; i += width)
        {
            var p = new Vector<float>(parameters.Slice(i, width));
            var g = new Vector<float>(gradients.Slice(i, width)) + coupledDecay * p;
            p *= shrink;
            var mi = beta1 * new Vector<float>(m.Slice(i, width)) + oneMinusBeta1 * g;
            var vi = beta2 * new Vector<float>(v.Slice(i, width)) + oneMinusBeta2 * (g * g);
            mi.CopyTo(m.Slice(i, width));
            vi.CopyTo(v.Slice(i, width));
            var denominator = Vector.SquareRoot(vi) * inverseRootCorrection2 + new Vector<float>(epsilon);
            (p - stepSize * (mi / denominator)).CopyTo(parameters.Slice(i, width));
        }
        for (; i < n; i++)
        {
            float p = parameters[i];
            float g = gradients[i] + coupledDecay * p;
            p *= shrink;
            float mi = beta1 * m[i] + oneMinusBeta1 * g;
            float vi = beta2 * v[i] + oneMinusBeta2 * (g * g);
            m[i] = mi;
            v[i] = vi;
            float denominator = MathF.Sqrt(vi) * inverseRootCorrection2 + epsilon;
            parameters[i] = p - stepSize * (mi / denominator);
        }
    }
}

/// <summary>
/// AdamW as <c>torch.optim.AdamW</c> computes it: p *= 1 - lr * wd, then the <see cref="Adam"/> update of the
/// plain gradient. Each group's <see cref="ParameterGroup.WeightDecay"/> is the decoupled decay (PyTorch's default is 0.01).
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>AdamW over <paramref name="parameterCount"/> floats.</summary>
    /// <param name="parameterCount">Length of the parameter and gradient buffers.</param>
    /// <param name="groups">Non-overlapping ranges with their settings; null means one group over everything.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to the bias-corrected root of the second moment; positive.</param>
    /// <exception cref="ArgumentException">A setting out of range, or bad groups.</exception>
    public AdamW(int parameterCount, IEnumerable<ParameterGroup>? groups = null, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
        : base(parameterCount, groups, beta1, beta2, epsilon, decoupledWeightDecay: true)
    {
    }
}
