using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;

namespace ConvForge.Data;

/// <summary>
/// One mean and one standard deviation per channel, and the normalization they define,
/// <c>(x - mean) / std</c> (torchvision's <c>Normalize</c>). Compute them from the training set with
/// <see cref="Compute"/> and give them to the <see cref="DataLoader"/> of every split, so validation and
/// test images are normalized with the training set's numbers.
/// </summary>
public sealed class ChannelStatistics
{
    private readonly float[] mean;
    private readonly float[] std;

    /// <summary>Statistics given directly (published values, say), one per channel.</summary>
    /// <exception cref="ArgumentException">The lists differ in length or are empty, a value is not finite, or a standard deviation is not positive.</exception>
    public ChannelStatistics(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0 || std.Count != mean.Count)
            throw new ArgumentException($"Give one mean and one standard deviation per channel; got {mean.Count} means and {std.Count} standard deviations.", nameof(std));
        if (mean.Any(m => !float.IsFinite(m)))
            throw new ArgumentException($"Means must be finite; got {Format(mean)}.", nameof(mean));
        if (std.Any(s => !(s > 0) || !float.IsFinite(s)))
            throw new ArgumentException($"Standard deviations must be positive and finite; got {Format(std)} (a constant channel has none; leave it unnormalized).", nameof(std));
        this.mean = mean.ToArray();
        this.std = std.ToArray();
    }

    /// <summary>The mean of each channel.</summary>
    public IReadOnlyList<float> Mean => mean;

    /// <summary>The standard deviation of each channel.</summary>
    public IReadOnlyList<float> Std => std;

    /// <summary>Channels.</summary>
    public int Channels => mean.Length;

    /// <summary>
    /// The mean and the population standard deviation of each channel over every pixel of every image of
    /// <paramref name="dataSet"/> (as the usual recipes compute them: Fashion-MNIST's training set gives
    /// 0.2860 and 0.3530). Sums are kept in double, per image and then over the set, so 47 million pixels
    /// lose nothing to rounding.
    /// </summary>
    /// <exception cref="ArgumentException">The set is empty, or a channel is constant (its standard deviation is 0).</exception>
    public static ChannelStatistics Compute(IImageDataSet dataSet)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        if (dataSet.Count == 0)
            throw new ArgumentException("The data set is empty; statistics need at least one image.", nameof(dataSet));
        var shape = dataSet.ImageShape;
        var plane = shape.Height * shape.Width;
        var sum = new double[shape.Channels];
        var sumOfSquares = new double[shape.Channels];
        var image = new float[shape.Length];
        for (var i = 0; i < dataSet.Count; i++)
        {
            dataSet.CopyImage(i, image);
            for (var c = 0; c < shape.Channels; c++)
            {
                double s = 0, q = 0;
                foreach (var value in image.AsSpan(c * plane, plane))
                {
                    s += value;
                    q += (double)value * value;
                }
                sum[c] += s;
                sumOfSquares[c] += q;
            }
        }
        var n = (double)dataSet.Count * plane;
        var mean = new float[shape.Channels];
        var std = new float[shape.Channels];
        for (var c = 0; c < shape.Channels; c++)
        {
            var m = sum[c] / n;
            mean[c] = (float)m;
            std[c] = (float)Math.Sqrt(Math.Max(sumOfSquares[c] / n - m * m, 0));
            if (!(std[c] > 0))
                throw new ArgumentException($"Channel {c} has the same value ({m}) in every pixel; it has no standard deviation to divide by.", nameof(dataSet));
        }
        return new ChannelStatistics(mean, std);
    }

    /// <summary>Normalizes one image in place: <c>(x - Mean[c]) / Std[c]</c> on each channel's plane.</summary>
    /// <exception cref="ArgumentException">The image's length is not a whole number of <see cref="Channels"/> planes.</exception>
    public void Normalize(Span<float> image)
    {
        if (image.Length % mean.Length != 0)
            throw new ArgumentException($"{image.Length} floats are not {mean.Length} channel planes of equal size.", nameof(image));
        var plane = image.Length / mean.Length;
        for (var c = 0; c < mean.Length; c++)
        {
            // Multiplying by 1/std would be faster but differ from torchvision's division in the last bit.
            var values = image.Slice(c * plane, plane);
            var i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
                var m = new Vector<float>(mean[c]);
                var s = new Vector<float>(std[c]);
                foreach (ref var vector in vectors)
                    vector = (vector - m) / s;
                i = vectors.Length * Vector<float>.Count;
            }
            for (; i < values.Length; i++)
                values[i] = (values[i] - mean[c]) / std[c];
        }
    }

    /// <summary>"mean [0.286], std [0.353]".</summary>
    public override string ToString() => $"mean {Format(mean)}, std {Format(std)}";

    private static string Format(IEnumerable<float> values) =>
        "[" + string.Join(", ", values.Select(v => v.ToString("0.####", CultureInfo.InvariantCulture))) + "]";
}
