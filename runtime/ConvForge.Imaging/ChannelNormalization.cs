using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace ConvForge.Imaging;

/// <summary>The order of the color channels in a network's input.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue: torchvision, Keras, most ONNX model zoo models.</summary>
    Rgb,

    /// <summary>Blue, green, red: Caffe and CNTK models, OpenCV.</summary>
    Bgr,
}

/// <summary>
/// Per-channel normalization, <c>(value - mean) / std</c>, as torchvision's <c>transforms.Normalize</c>:
/// one mean and one standard deviation per channel (3 for color, 1 for gray), applied after the pixels
/// are scaled (to [0, 1] unless the preprocessing keeps [0, 255]).
/// </summary>
/// <remarks>
/// The values carry their own channel order, so <see cref="ImageNet"/> (given in RGB order, as published)
/// stays right when a network takes BGR: each value follows its color to wherever that color lands.
/// </remarks>
public sealed class ChannelNormalization
{
    private readonly float[] mean;
    private readonly float[] std;

    /// <summary>
    /// Normalization with <paramref name="mean"/> and <paramref name="std"/>, one value per channel,
    /// listed in <paramref name="order"/> (ignored for a single channel).
    /// </summary>
    /// <exception cref="ArgumentException">The lists are not both 1 or both 3 long, a value is not finite, or a standard deviation is not positive.</exception>
    public ChannelNormalization(IReadOnlyList<float> mean, IReadOnlyList<float> std, ChannelOrder order = ChannelOrder.Rgb)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count is not (1 or 3))
            throw new ArgumentException($"Give one mean per channel (1 or 3 values); got {mean.Count}.", nameof(mean));
        if (std.Count != mean.Count)
            throw new ArgumentException($"Give as many standard deviations as means: {mean.Count} means, {std.Count} standard deviations.", nameof(std));
        if (mean.Any(m => !float.IsFinite(m)))
            throw new ArgumentException($"Means must be finite numbers; got {Format(mean)}.", nameof(mean));
        if (std.Any(s => !(s > 0) || !float.IsFinite(s)))
            throw new ArgumentException($"Standard deviations must be positive finite numbers; got {Format(std)}.", nameof(std));
        this.mean = mean.ToArray();
        this.std = std.ToArray();
        Order = order;
    }

    /// <summary>
    /// The ImageNet statistics torchvision's pretrained models expect on [0, 1] pixels:
    /// mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225], in RGB order.
    /// </summary>
    public static ChannelNormalization ImageNet { get; } =
        new(new[] { 0.485f, 0.456f, 0.406f }, new[] { 0.229f, 0.224f, 0.225f }, ChannelOrder.Rgb);

    /// <summary>The means, in <see cref="Order"/>.</summary>
    public IReadOnlyList<float> Mean => mean;

    /// <summary>The standard deviations, in <see cref="Order"/>.</summary>
    public IReadOnlyList<float> Std => std;

    /// <summary>The order in which <see cref="Mean"/> and <see cref="Std"/> list the colors.</summary>
    public ChannelOrder Order { get; }

    /// <summary>1 or 3.</summary>
    public int Channels => mean.Length;

    /// <summary>The mean for a color: 0 red, 1 green, 2 blue (or 0 for gray).</summary>
    internal float MeanOf(int color) => mean[IndexOf(color)];

    /// <summary>The standard deviation for a color: 0 red, 1 green, 2 blue (or 0 for gray).</summary>
    internal float StdOf(int color) => std[IndexOf(color)];

    /// <inheritdoc/>
    public override string ToString() => $"mean {Format(mean)}, std {Format(std)}{(Channels == 3 ? $" ({Order})" : "")}";

    private int IndexOf(int color) => Channels == 1 || Order == ChannelOrder.Rgb ? color : 2 - color;

    private static string Format(IEnumerable<float> values) =>
        "[" + string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]";
}
