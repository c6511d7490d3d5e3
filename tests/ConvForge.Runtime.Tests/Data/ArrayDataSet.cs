using System;
using ConvForge.Data;

namespace ConvForge.Runtime.Tests.Data;

/// <summary>A data set held in arrays, for tests: images of any shape with given pixels and labels.</summary>
internal sealed class ArrayDataSet : IImageDataSet
{
    private readonly float[] pixels;
    private readonly int[] labels;

    public ArrayDataSet(TensorShape shape, float[] pixels, int[] labels, int classCount)
    {
        if (pixels.Length != labels.Length * shape.Length)
            throw new ArgumentException("pixels and labels disagree");
        ImageShape = shape;
        this.pixels = pixels;
        this.labels = labels;
        ClassCount = classCount;
    }

    /// <summary>Images whose pixels are all different (so any crop, flip or mix-up shows), labels i % classes.</summary>
    public static ArrayDataSet Distinct(int count, TensorShape shape, int classCount = 3)
    {
        var pixels = new float[count * shape.Length];
        for (var i = 0; i < pixels.Length; i++)
            pixels[i] = 1 + i; // never 0, so padding zeros are recognizable
        var labels = new int[count];
        for (var i = 0; i < count; i++)
            labels[i] = i % classCount;
        return new ArrayDataSet(shape, pixels, labels, classCount);
    }

    /// <summary>Images of random values in [0, 1) from a seeded generator.</summary>
    public static ArrayDataSet Random(int count, TensorShape shape, int seed, int classCount = 3)
    {
        var random = new Random(seed);
        var pixels = new float[count * shape.Length];
        for (var i = 0; i < pixels.Length; i++)
            pixels[i] = (float)random.NextDouble();
        var labels = new int[count];
        for (var i = 0; i < count; i++)
            labels[i] = random.Next(classCount);
        return new ArrayDataSet(shape, pixels, labels, classCount);
    }

    public int Count => labels.Length;

    public TensorShape ImageShape { get; }

    public int ClassCount { get; }

    public int GetLabel(int index) => labels[index];

    public void CopyImage(int index, Span<float> destination) =>
        pixels.AsSpan(index * ImageShape.Length, ImageShape.Length).CopyTo(destination);

    public float[] Image(int index) => pixels.AsSpan(index * ImageShape.Length, ImageShape.Length).ToArray();
}
