using System;
using System.Collections.Generic;

namespace ConvForge.Data;

/// <summary>
/// A view on some images of another data set, in a given order: image i is the source's image
/// <c>Indices[i]</c>. Nothing is copied; an index may appear more than once.
/// </summary>
public sealed class SubsetDataSet : IImageDataSet
{
    private readonly int[] indices;

    /// <summary>The images of <paramref name="source"/> at <paramref name="indices"/> (copied).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the source.</exception>
    public SubsetDataSet(IImageDataSet source, IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(indices);
        this.indices = new int[indices.Count];
        for (var i = 0; i < this.indices.Length; i++)
        {
            var index = indices[i];
            if ((uint)index >= (uint)source.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Index {i} of the subset is {index}; the source has {source.Count} images.");
            this.indices[i] = index;
        }
        Source = source;
    }

    /// <summary>The data set this is a view on.</summary>
    public IImageDataSet Source { get; }

    /// <summary>For each image of the subset, its index in <see cref="Source"/>.</summary>
    public IReadOnlyList<int> Indices => indices;

    /// <inheritdoc/>
    public int Count => indices.Length;

    /// <inheritdoc/>
    public TensorShape ImageShape => Source.ImageShape;

    /// <summary>The source's class count (a subset may lack some classes; labels keep their meaning).</summary>
    public int ClassCount => Source.ClassCount;

    /// <inheritdoc/>
    public int GetLabel(int index) => Source.GetLabel(indices[index]);

    /// <inheritdoc/>
    public void CopyImage(int index, Span<float> destination) => Source.CopyImage(indices[index], destination);
}
