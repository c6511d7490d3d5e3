using System;
using System.Threading;

namespace ConvForge.Data;

/// <summary>
/// Another data set's images resized to a fixed height and width, a gray image replicated to 3 channels if
/// asked, then optionally scaled and normalized per channel: how 28 x 28 gray Fashion-MNIST images become
/// the 3 x 224 x 224 input of an ImageNet network. Computed on each <see cref="CopyImage"/> (nothing cached:
/// 60,000 images of 3 x 224 x 224 floats would take 36 GB).
/// </summary>
/// <remarks>
/// <para>Resampling: bilinear interpolation on the source's floats, with pixel centers aligned as in
/// PyTorch's <c>F.interpolate(mode="bilinear", align_corners=False, antialias=False)</c>: output pixel y
/// samples the source at <c>(y + 0.5) * sourceHeight / height - 0.5</c>, clamped below at 0, between rows
/// <c>floor</c> of that and the next one (the last row repeated at the edge); the same along x. Without
/// antialiasing, shrinking by more than 2x skips source pixels; enlarging, the intended use, loses nothing.
/// The results are floats, not rounded to 8 bits as resizing a PIL image would.</para>
/// <para>Each output value is <c>(resampled * PixelScale - Mean[c]) / Std[c]</c>; without
/// <see cref="Normalization"/> just <c>resampled * PixelScale</c>. For a torchvision ImageNet network on
/// [0, 1] images: pixel scale 1 and the ImageNet mean and std; for a Caffe or CNTK network: pixel scale 255.</para>
/// <para>Safe to read from several threads at once.</para>
/// </remarks>
public sealed class ResizedDataSet : IImageDataSet
{
    // One source image per thread and per instance (a static buffer would be shared with a ResizedDataSet nested in this one).
    private readonly ThreadLocal<float[]> sourceScratch;
    private readonly int[] rowBelow, rowAbove, columnLeft, columnRight;
    private readonly float[] rowWeight, columnWeight;

    /// <summary>Resizes the images of <paramref name="source"/> to <paramref name="channels"/> x <paramref name="height"/> x <paramref name="width"/>.</summary>
    /// <param name="source">The data set to resize.</param>
    /// <param name="height">The output height.</param>
    /// <param name="width">The output width.</param>
    /// <param name="channels">The source's channel count, or 3 for a 1-channel source (the gray plane is replicated).</param>
    /// <param name="pixelScale">Multiplies every resampled value (255 turns [0, 1] pixels into [0, 255]).</param>
    /// <param name="normalization">Subtracted and divided per output channel after the scaling; null for none.</param>
    public ResizedDataSet(IImageDataSet source, int height, int width, int channels = 3, float pixelScale = 1, ChannelStatistics? normalization = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var from = source.ImageShape;
        if (height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(height), $"The output size must be positive; got {height} x {width}.");
        if (channels != from.Channels && !(from.Channels == 1 && channels == 3))
            throw new ArgumentOutOfRangeException(nameof(channels),
                $"The source has {from.Channels} channel(s); the output can keep them or, from 1 gray channel, replicate it to 3. {channels} is neither.");
        if (!float.IsFinite(pixelScale) || pixelScale == 0)
            throw new ArgumentOutOfRangeException(nameof(pixelScale), $"The pixel scale must be a finite nonzero number; got {pixelScale}.");
        if (normalization is not null && normalization.Channels != channels)
            throw new ArgumentException($"The normalization has {normalization.Channels} channel(s); the output has {channels}.", nameof(normalization));
        Source = source;
        ImageShape = new TensorShape(channels, height, width);
        PixelScale = pixelScale;
        Normalization = normalization;
        sourceScratch = new ThreadLocal<float[]>(() => new float[from.Length]);
        (rowBelow, rowAbove, rowWeight) = Taps(from.Height, height);
        (columnLeft, columnRight, columnWeight) = Taps(from.Width, width);
    }

    /// <summary>The data set whose images are resized.</summary>
    public IImageDataSet Source { get; }

    /// <summary>What every resampled value is multiplied by.</summary>
    public float PixelScale { get; }

    /// <summary>The per-channel normalization after the scaling, if any.</summary>
    public ChannelStatistics? Normalization { get; }

    /// <inheritdoc/>
    public int Count => Source.Count;

    /// <inheritdoc/>
    public TensorShape ImageShape { get; }

    /// <inheritdoc/>
    public int ClassCount => Source.ClassCount;

    /// <inheritdoc/>
    public int GetLabel(int index) => Source.GetLabel(index);

    /// <inheritdoc/>
    public void CopyImage(int index, Span<float> destination)
    {
        var shape = ImageShape;
        if (destination.Length != shape.Length)
            throw new ArgumentException($"The destination must hold exactly {shape} = {shape.Length} floats; it has {destination.Length}.", nameof(destination));
        var from = Source.ImageShape;
        var source = sourceScratch.Value.AsSpan();
        Source.CopyImage(index, source);

        var plane = shape.Height * shape.Width;
        var sourcePlane = from.Height * from.Width;
        for (var c = 0; c < shape.Channels; c++)
        {
            var output = destination.Slice(c * plane, plane);
            if (from.Channels == 1 && c > 0)
                destination[..plane].CopyTo(output); // replicated gray: resample once
            else
                Resample(source.Slice(c * sourcePlane, sourcePlane), from.Width, output, shape.Width);
        }
        if (PixelScale == 1 && Normalization is null)
            return;
        for (var c = 0; c < shape.Channels; c++)
        {
            var scale = PixelScale;
            var mean = Normalization?.Mean[c] ?? 0f;
            var std = Normalization?.Std[c] ?? 1f;
            foreach (ref var value in destination.Slice(c * plane, plane))
                value = (value * scale - mean) / std;
        }
    }

    private void Resample(ReadOnlySpan<float> source, int sourceWidth, Span<float> output, int width)
    {
        for (var y = 0; y < rowWeight.Length; y++)
        {
            var below = source.Slice(rowBelow[y] * sourceWidth, sourceWidth);
            var above = source.Slice(rowAbove[y] * sourceWidth, sourceWidth);
            var wy = rowWeight[y];
            var row = output.Slice(y * width, width);
            for (var x = 0; x < row.Length; x++)
            {
                int left = columnLeft[x], right = columnRight[x];
                var wx = columnWeight[x];
                var top = below[left] + wx * (below[right] - below[left]);
                var bottom = above[left] + wx * (above[right] - above[left]);
                row[x] = top + wy * (bottom - top);
            }
        }
    }

    // For each output coordinate: the two source coordinates it lies between and the weight of the second.
    private static (int[] Low, int[] High, float[] Weight) Taps(int sourceSize, int size)
    {
        var low = new int[size];
        var high = new int[size];
        var weight = new float[size];
        var ratio = (double)sourceSize / size;
        for (var i = 0; i < size; i++)
        {
            var position = Math.Max((i + 0.5) * ratio - 0.5, 0);
            var index = Math.Min((int)position, sourceSize - 1);
            low[i] = index;
            high[i] = Math.Min(index + 1, sourceSize - 1);
            weight[i] = (float)(position - index);
        }
        return (low, high, weight);
    }
}
