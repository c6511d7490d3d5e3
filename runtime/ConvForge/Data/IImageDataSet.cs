using System;

namespace ConvForge.Data;

/// <summary>
/// A labelled image data set the training data pipeline reads: images as plain NCHW floats (on the scale the
/// data set documents, e.g. 0..1 for IDX pixels), one class label each.
/// </summary>
public interface IImageDataSet
{
    /// <summary>Images in the set.</summary>
    int Count { get; }

    /// <summary>The shape of one image.</summary>
    TensorShape ImageShape { get; }

    /// <summary>Classes; labels are in [0, ClassCount).</summary>
    int ClassCount { get; }

    /// <summary>The label of image <paramref name="index"/>.</summary>
    int GetLabel(int index);

    /// <summary>Writes image <paramref name="index"/> (ImageShape.Length floats, plain NCHW) to <paramref name="destination"/>.</summary>
    void CopyImage(int index, Span<float> destination);
}
