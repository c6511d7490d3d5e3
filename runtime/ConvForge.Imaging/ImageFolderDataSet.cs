using System;
using System.Collections.Generic;
using System.Threading;
using ConvForge.Data;

namespace ConvForge.Imaging;

/// <summary>
/// An <see cref="ImageFolder"/> as an <see cref="IImageDataSet"/> for the training data pipeline: each image
/// decoded and written through a fixed <see cref="ImagePreprocessing"/> (resize, crop, channels, scale,
/// normalization) when the loader asks for it.
/// </summary>
/// <remarks>
/// <para>The preprocessing must be deterministic (no random crop or flip): augmentation is the
/// <see cref="DataLoader"/>'s job, drawn per epoch and image, while this set returns the same floats for an
/// image every time.</para>
/// <para>Caching: with <c>cache: true</c> each image's floats are kept after its first decode (they cost
/// Count x C x H x W x 4 bytes, e.g. 600 MB for 1,000 images of 3 x 224 x 224), so later epochs decode
/// nothing; without it every <see cref="CopyImage"/> reads and decodes the file again (and allocates, as
/// decoding does). Safe to read from several threads at once.</para>
/// </remarks>
public sealed class ImageFolderDataSet : IImageDataSet
{
    private readonly float[]?[]? cached;

    /// <summary>The images of <paramref name="folder"/>, written by <paramref name="preprocessing"/>.</summary>
    /// <param name="folder">The scanned folder (its files and labels).</param>
    /// <param name="preprocessing">How a file becomes the network's input; without random steps.</param>
    /// <param name="cache">Keep each image's floats after its first decode.</param>
    /// <exception cref="ArgumentException">The preprocessing has random steps.</exception>
    public ImageFolderDataSet(ImageFolder folder, ImagePreprocessing preprocessing, bool cache = false)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(preprocessing);
        if (preprocessing.HasRandomSteps)
            throw new ArgumentException(
                "The preprocessing has random steps (random crop or flip); give the data set a deterministic one and let the DataLoader augment (DataLoaderOptions).",
                nameof(preprocessing));
        Folder = folder;
        Preprocessing = preprocessing;
        ImageShape = new TensorShape(preprocessing.Channels, preprocessing.Height, preprocessing.Width);
        if (cache)
            cached = new float[folder.Files.Count][];
    }

    /// <summary>The folder read.</summary>
    public ImageFolder Folder { get; }

    /// <summary>How each file becomes floats.</summary>
    public ImagePreprocessing Preprocessing { get; }

    /// <summary>The class names; a label is an index into this list.</summary>
    public IReadOnlyList<string> ClassNames => Folder.ClassNames;

    /// <summary>Whether decoded images are kept.</summary>
    public bool Caches => cached is not null;

    /// <inheritdoc/>
    public int Count => Folder.Files.Count;

    /// <summary>The preprocessing's output: Channels x Height x Width.</summary>
    public TensorShape ImageShape { get; }

    /// <summary>The number of class subfolders.</summary>
    public int ClassCount => Folder.ClassNames.Count;

    /// <inheritdoc/>
    public int GetLabel(int index) => Folder.Files[index].Label;

    /// <summary>Writes image <paramref name="index"/> as the preprocessing makes it (from the cache if it is there).</summary>
    /// <exception cref="ImageDecodeException">The file is not a decodable PNG or JPEG; the message names it.</exception>
    public void CopyImage(int index, Span<float> destination)
    {
        var file = Folder.Files[index];
        if (cached is null)
        {
            Preprocessing.Write(file.Path, destination);
            return;
        }
        var image = Volatile.Read(ref cached[index]);
        if (image is null)
        {
            image = new float[ImageShape.Length];
            Preprocessing.Write(file.Path, image);
            // Two threads may decode the same image at once; both write the same floats, either copy will do.
            Volatile.Write(ref cached[index], image);
        }
        image.AsSpan().CopyTo(destination);
    }
}
