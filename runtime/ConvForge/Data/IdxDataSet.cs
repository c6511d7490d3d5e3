using System;
using System.Collections.Generic;
using System.IO;

namespace ConvForge.Data;

/// <summary>Images and their labels, read from an IDX image file and an IDX label file of the same length.</summary>
public sealed class IdxDataSet
{
    private readonly int[] labels;

    private IdxDataSet(IdxImages images, int[] labels)
    {
        Images = images;
        this.labels = labels;
    }

    /// <summary>The images.</summary>
    public IdxImages Images { get; }

    /// <summary>One label per image.</summary>
    public IReadOnlyList<int> Labels => labels;

    /// <summary>The number of samples.</summary>
    public int Count => labels.Length;

    /// <summary>Pairs <paramref name="images"/> with <paramref name="labels"/>, which must be as many.</summary>
    /// <exception cref="InvalidDataException">The counts differ.</exception>
    public static IdxDataSet Create(IdxImages images, IReadOnlyList<int> labels, string labelsName = "labels")
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != images.Count)
            throw new InvalidDataException(
                $"{images.Name} has {images.Count:N0} images but {labelsName} has {labels.Count:N0} labels; they must be the same set.");
        var copy = new int[labels.Count];
        for (var i = 0; i < copy.Length; i++)
            copy[i] = labels[i];
        return new IdxDataSet(images, copy);
    }
}
