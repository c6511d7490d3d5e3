using System;
using System.Collections.Generic;
using System.IO;

namespace ConvForge.Data;

/// <summary>
/// Images and their labels, read from an IDX image file and an IDX label file of the same length. As an
/// <see cref="IImageDataSet"/> each image is 1 x <see cref="IdxImages.Height"/> x <see cref="IdxImages.Width"/>
/// floats in [0, 1] (pixel / 255).
/// </summary>
public sealed class IdxDataSet : IImageDataSet
{
    private readonly int[] labels;

    private IdxDataSet(IdxImages images, int[] labels, int classCount)
    {
        Images = images;
        this.labels = labels;
        ClassCount = classCount;
    }

    /// <summary>The images.</summary>
    public IdxImages Images { get; }

    /// <summary>One label per image.</summary>
    public IReadOnlyList<int> Labels => labels;

    /// <summary>The number of samples.</summary>
    public int Count => labels.Length;

    /// <summary>1 x <see cref="IdxImages.Height"/> x <see cref="IdxImages.Width"/>.</summary>
    public TensorShape ImageShape => new(1, Images.Height, Images.Width);

    /// <summary>The number of classes: as given to <see cref="Create"/>, or else the largest label plus one.</summary>
    public int ClassCount { get; }

    /// <inheritdoc/>
    public int GetLabel(int index) => labels[index];

    /// <summary>Writes image <paramref name="index"/> as floats in [0, 1] (pixel / 255).</summary>
    public void CopyImage(int index, Span<float> destination) => Images.CopyImage(index, destination);

    /// <summary>Pairs <paramref name="images"/> with <paramref name="labels"/>, which must be as many.</summary>
    /// <param name="images">The images.</param>
    /// <param name="labels">One label per image.</param>
    /// <param name="labelsName">What error messages call the labels (their file's path).</param>
    /// <param name="classCount">The number of classes (10 for Fashion-MNIST); by default the largest label plus one,
    /// which undercounts when the last classes happen to be absent (a small subset, say).</param>
    /// <exception cref="InvalidDataException">The counts differ, or a label is not below <paramref name="classCount"/>.</exception>
    public static IdxDataSet Create(IdxImages images, IReadOnlyList<int> labels, string labelsName = "labels", int? classCount = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (classCount is <= 0)
            throw new ArgumentOutOfRangeException(nameof(classCount), $"A data set needs at least one class; got {classCount}.");
        if (labels.Count != images.Count)
            throw new InvalidDataException(
                $"{images.Name} has {images.Count:N0} images but {labelsName} has {labels.Count:N0} labels; they must be the same set.");
        var copy = new int[labels.Count];
        var largest = -1;
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = labels[i];
            if (copy[i] < 0 || copy[i] >= classCount)
                throw new InvalidDataException(classCount is null
                    ? $"{labelsName}: label {i} is {copy[i]}; labels are class indices, never negative."
                    : $"{labelsName}: label {i} is {copy[i]}, outside the {classCount} classes [0, {classCount}).");
            largest = Math.Max(largest, copy[i]);
        }
        return new IdxDataSet(images, copy, classCount ?? Math.Max(largest + 1, 1));
    }
}
