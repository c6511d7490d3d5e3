using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;

namespace ConvForge.Imaging;

/// <summary>One image file of an <see cref="ImageFolder"/> and the index of its class.</summary>
public readonly record struct ImageFolderFile(string Path, int Label);

/// <summary>How far <see cref="ImageFolder.Load"/> has got: <paramref name="Completed"/> of <paramref name="Total"/> files, the last one <paramref name="CurrentFile"/>.</summary>
public readonly record struct ImageLoadProgress(int Completed, int Total, string CurrentFile);

/// <summary>A file <see cref="ImageFolder.Load"/> left out (only with <see cref="ImageFolderLoadOptions.SkipUndecodable"/>), and why.</summary>
public readonly record struct SkippedImage(string Path, string Reason);

/// <summary>Options for <see cref="ImageFolder.Load"/>.</summary>
public sealed class ImageFolderLoadOptions
{
    /// <summary>Told after each file; a console app can draw a bar from it.</summary>
    public IProgress<ImageLoadProgress>? Progress { get; init; }

    /// <summary>
    /// Leave out files that are not decodable PNG or JPEG images and list them in
    /// <see cref="LabeledImageSet.Skipped"/>, instead of throwing on the first one (the default).
    /// </summary>
    public bool SkipUndecodable { get; init; }

    /// <summary>Draws the random steps of the preprocessing, if it has any.</summary>
    public Random? Random { get; init; }

    /// <summary>Checked between files.</summary>
    public CancellationToken CancellationToken { get; init; }
}

/// <summary>
/// A folder of images with one subfolder per class, as torchvision's <c>ImageFolder</c> reads it:
/// <c>root/cat/001.png</c>, <c>root/dog/xyz.jpg</c>. Class names are the subfolder names in ordinal
/// order and labels their indices; each class's files (found in its subfolders too) are in ordinal order
/// of their paths. Files with the extensions .png, .jpg and .jpeg (any case) are images; everything else
/// is listed in <see cref="Ignored"/> rather than dropped silently, as are folders whose names start with a dot.
/// </summary>
public sealed class ImageFolder
{
    private static readonly string[] ImageExtensions = { ".png", ".jpg", ".jpeg" };

    private ImageFolder(string root, string[] classNames, ImageFolderFile[] files, string[] ignored)
    {
        Root = root;
        ClassNames = classNames;
        Files = files;
        Ignored = ignored;
    }

    /// <summary>The folder that was scanned, as a full path.</summary>
    public string Root { get; }

    /// <summary>The class names; a label is an index into this list.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Every image file with its label, class by class.</summary>
    public IReadOnlyList<ImageFolderFile> Files { get; }

    /// <summary>Files and folders under <see cref="Root"/> that are not taken as images or classes: other extensions, files directly in the root, hidden folders.</summary>
    public IReadOnlyList<string> Ignored { get; }

    /// <summary>Lists the classes and image files under <paramref name="root"/>; decodes nothing.</summary>
    /// <exception cref="DirectoryNotFoundException">There is no such folder.</exception>
    /// <exception cref="InvalidDataException">The folder has no class subfolders, or a class subfolder holds no image file.</exception>
    public static ImageFolder Scan(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var fullRoot = Path.GetFullPath(root);
        if (!Directory.Exists(fullRoot))
            throw new DirectoryNotFoundException($"No image folder at {fullRoot}.");

        var ignored = new List<string>(Directory.EnumerateFiles(fullRoot));
        var classDirectories = new List<string>();
        foreach (var directory in Directory.EnumerateDirectories(fullRoot))
        {
            if (Path.GetFileName(directory).StartsWith('.'))
                ignored.Add(directory);
            else
                classDirectories.Add(directory);
        }
        classDirectories.Sort(StringComparer.Ordinal);
        if (classDirectories.Count == 0)
            throw new InvalidDataException($"{fullRoot} has no class subfolders; put each class's images in a subfolder named after it.");

        var files = new List<ImageFolderFile>();
        for (var label = 0; label < classDirectories.Count; label++)
        {
            var images = new List<string>();
            foreach (var file in Directory.EnumerateFiles(classDirectories[label], "*", SearchOption.AllDirectories))
            {
                if (IsHidden(file, classDirectories[label]))
                    ignored.Add(file);
                else if (ImageExtensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
                    images.Add(file);
                else
                    ignored.Add(file);
            }
            if (images.Count == 0)
                throw new InvalidDataException($"The class folder {classDirectories[label]} holds no .png, .jpg or .jpeg file.");
            images.Sort(StringComparer.Ordinal);
            files.AddRange(images.Select(path => new ImageFolderFile(path, label)));
        }
        ignored.Sort(StringComparer.Ordinal);
        return new ImageFolder(fullRoot, classDirectories.Select(Path.GetFileName).ToArray()!, files.ToArray(), ignored.ToArray());
    }

    /// <summary>
    /// Decodes every file and writes it through <paramref name="preprocessing"/> into one float array,
    /// N x C x H x W, with its label. An undecodable file throws an <see cref="ImageDecodeException"/>
    /// naming it, unless <see cref="ImageFolderLoadOptions.SkipUndecodable"/> lists it instead.
    /// </summary>
    public LabeledImageSet Load(ImagePreprocessing preprocessing, ImageFolderLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        options ??= new ImageFolderLoadOptions();
        if (preprocessing.HasRandomSteps && options.Random is null)
            throw new ArgumentException("The preprocessing has random steps; set ImageFolderLoadOptions.Random (seeded) to draw them.", nameof(options));

        var length = preprocessing.OutputLength;
        if ((long)Files.Count * length > Array.MaxLength)
            throw new InvalidOperationException(
                $"{Files.Count} images of {length} floats do not fit one array; load the files in batches with ImagePreprocessing.WriteBatch.");
        var data = new float[Files.Count * length];
        var labels = new List<int>(Files.Count);
        var skipped = new List<SkippedImage>();
        for (var i = 0; i < Files.Count; i++)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            var file = Files[i];
            DecodedImage? image = null;
            try
            {
                image = DecodedImage.Load(file.Path);
            }
            catch (ImageDecodeException e) when (options.SkipUndecodable)
            {
                skipped.Add(new SkippedImage(file.Path, e.Problem));
            }
            if (image is not null)
            {
                preprocessing.Write(image, data.AsSpan(labels.Count * length, length), options.Random);
                labels.Add(file.Label);
            }
            options.Progress?.Report(new ImageLoadProgress(i + 1, Files.Count, file.Path));
        }
        if (labels.Count < Files.Count)
            Array.Resize(ref data, labels.Count * length);
        return new LabeledImageSet(data, labels.ToArray(), ClassNames, preprocessing.Channels, preprocessing.Height, preprocessing.Width, skipped.ToArray());
    }

    private static bool IsHidden(string file, string classDirectory) =>
        Path.GetRelativePath(classDirectory, file).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.'));
}

/// <summary>Images as one N x C x H x W float array with a label each: what <see cref="ImageFolder.Load"/> returns.</summary>
public sealed class LabeledImageSet
{
    private readonly float[] data;
    private readonly int[] labels;

    internal LabeledImageSet(float[] data, int[] labels, IReadOnlyList<string> classNames, int channels, int height, int width, SkippedImage[] skipped)
    {
        this.data = data;
        this.labels = labels;
        ClassNames = classNames;
        Channels = channels;
        Height = height;
        Width = width;
        Skipped = skipped;
    }

    /// <summary>The number of images.</summary>
    public int Count => labels.Length;

    /// <summary>Channels per image.</summary>
    public int Channels { get; }

    /// <summary>Height per image.</summary>
    public int Height { get; }

    /// <summary>Width per image.</summary>
    public int Width { get; }

    /// <summary>Floats per image: C x H x W.</summary>
    public int ImageLength => Channels * Height * Width;

    /// <summary>All images, one after another: a batch to pass to a network's <c>Forward(input, output, batchSize)</c>.</summary>
    public ReadOnlySpan<float> Data => data;

    /// <summary>The label of each image: an index into <see cref="ClassNames"/>.</summary>
    public IReadOnlyList<int> Labels => labels;

    /// <summary>The class names.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Files left out because they could not be decoded (empty unless skipping was asked for).</summary>
    public IReadOnlyList<SkippedImage> Skipped { get; }

    /// <summary>Image <paramref name="index"/>: <see cref="ImageLength"/> floats.</summary>
    public ReadOnlySpan<float> GetImage(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"Image {index} of a set of {Count}.");
        return data.AsSpan(index * ImageLength, ImageLength);
    }
}
