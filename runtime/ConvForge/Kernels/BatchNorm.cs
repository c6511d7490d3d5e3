using System;

namespace ConvForge.Kernels;

/// <summary>
/// Inference-time BatchNorm, y = gamma * (x - mean) / sqrt(var + eps) + beta, as a per-channel
/// scale and shift, either folded into the preceding convolution or for the standalone kernel.
/// Computed in double so folding does not add rounding of its own.
/// </summary>
public static class BatchNorm
{
    /// <summary>scale = gamma / sqrt(var + eps); shift = beta - mean * scale.</summary>
    public static void ScaleShift(ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, double epsilon, Span<float> scale, Span<float> shift)
    {
        int channels = gamma.Length;
        if (beta.Length != channels || mean.Length != channels || variance.Length != channels || scale.Length != channels || shift.Length != channels)
            throw new ArgumentException($"Every BatchNorm vector must have {channels} elements (the length of gamma).");
        for (int c = 0; c < channels; c++)
        {
            double s = gamma[c] / Math.Sqrt(variance[c] + epsilon);
            scale[c] = (float)s;
            shift[c] = (float)(beta[c] - mean[c] * s);
        }
    }

    /// <summary>
    /// Folds a BatchNorm that follows a convolution (or dense layer) into its standard-layout
    /// weights [OC][...] and bias, in place: w' = w * scale[oc], b' = (b - mean) * scale + beta.
    /// <paramref name="bias"/> must have OC elements; pass zeros when the layer had no bias.
    /// </summary>
    public static void FoldInto(Span<float> weights, Span<float> bias, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, double epsilon)
    {
        int channels = gamma.Length;
        if (bias.Length != channels || beta.Length != channels || mean.Length != channels || variance.Length != channels)
            throw new ArgumentException($"Bias and every BatchNorm vector must have {channels} elements (the length of gamma).");
        if (channels == 0 || weights.Length % channels != 0)
            throw new ArgumentException($"Weights of {weights.Length} floats do not divide into {channels} output channels.", nameof(weights));
        int perChannel = weights.Length / channels;
        for (int c = 0; c < channels; c++)
        {
            double s = gamma[c] / Math.Sqrt(variance[c] + epsilon);
            var row = weights.Slice(c * perChannel, perChannel);
            for (int i = 0; i < row.Length; i++)
                row[i] = (float)(row[i] * s);
            bias[c] = (float)((bias[c] - mean[c]) * s + beta[c]);
        }
    }
}
