using System;
using System.Numerics;

namespace ConvForge.Data;

/// <summary>
/// The images of an idx3-ubyte file: <see cref="Count"/> images of <see cref="Height"/> x
/// <see cref="Width"/> 8-bit gray pixels, kept as the file's bytes (47 MB for Fashion-MNIST's training
/// set, where floats would take 188 MB) and handed out as floats in [0, 1] on request.
/// </summary>
public sealed class IdxImages
{
    private readonly byte[] pixels;

    internal IdxImages(byte[] pixels, int count, int height, int width, string name)
    {
        this.pixels = pixels;
        Count = count;
        Height = height;
        Width = width;
        Name = name;
    }

    /// <summary>The number of images.</summary>
    public int Count { get; }

    /// <summary>Rows per image.</summary>
    public int Height { get; }

    /// <summary>Columns per image.</summary>
    public int Width { get; }

    /// <summary>Pixels per image: <see cref="Height"/> x <see cref="Width"/>.</summary>
    public int ImageLength => Height * Width;

    /// <summary>The file's path or the stream's name.</summary>
    public string Name { get; }

    /// <summary>All pixels, image after image, each row-major; 0 is background, 255 full ink.</summary>
    public ReadOnlySpan<byte> Pixels => pixels;

    /// <summary>The <see cref="ImageLength"/> pixels of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> GetPixels(int index)
    {
        CheckIndex(index);
        return pixels.AsSpan(index * ImageLength, ImageLength);
    }

    /// <summary>Writes image <paramref name="index"/> into <paramref name="destination"/> as floats in [0, 1] (value / 255).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> does not hold exactly <see cref="ImageLength"/> floats.</exception>
    public void CopyImage(int index, Span<float> destination)
    {
        CheckIndex(index);
        if (destination.Length != ImageLength)
            throw new ArgumentException(
                $"The destination must hold exactly {Height} x {Width} = {ImageLength} floats; it has {destination.Length}.", nameof(destination));
        Scale(pixels.AsSpan(index * ImageLength, ImageLength), destination);
    }

    /// <summary>All images as floats in [0, 1]: <see cref="Count"/> x <see cref="Height"/> x <see cref="Width"/>, a new array.</summary>
    public float[] ToFloats()
    {
        var result = new float[pixels.Length];
        Scale(pixels, result);
        return result;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Count} images of {Height} x {Width}";

    // Divided, not multiplied by 1/255, in vectors and in scalars alike: the same floats as torchvision's ToTensor.
    private static void Scale(ReadOnlySpan<byte> source, Span<float> destination)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var divisor = new Vector<float>(255f);
            var lanes = Vector<float>.Count;
            for (; i <= source.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            {
                Vector.Widen(new Vector<byte>(source[i..]), out var low, out var high);
                Vector.Widen(low, out var first, out var second);
                Vector.Widen(high, out var third, out var fourth);
                (Vector.ConvertToSingle(first) / divisor).CopyTo(destination[i..]);
                (Vector.ConvertToSingle(second) / divisor).CopyTo(destination[(i + lanes)..]);
                (Vector.ConvertToSingle(third) / divisor).CopyTo(destination[(i + 2 * lanes)..]);
                (Vector.ConvertToSingle(fourth) / divisor).CopyTo(destination[(i + 3 * lanes)..]);
            }
        }
        for (; i < source.Length; i++)
            destination[i] = source[i] / 255f;
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"Image {index} of {Name}, which has {Count}.");
    }
}
