using System;
using System.Collections.Generic;
using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ConvForge.Imaging;

/// <summary>The range pixels are scaled to before normalization.</summary>
public enum PixelRange
{
    /// <summary>[0, 1]: each 8-bit value divided by 255, as torchvision's <c>ToTensor</c>.</summary>
    ZeroToOne,

    /// <summary>[0, 255]: the 8-bit values as they are, as Caffe and CNTK models take them.</summary>
    ZeroTo255,
}

/// <summary>
/// How an image becomes a network's input: an immutable description, built from
/// <see cref="ForInput"/> with methods that each return a new description, and applied by
/// <see cref="Write(DecodedImage, Span{float}, Random?)"/> and its batch and file variants.
/// </summary>
/// <remarks>
/// <para>The steps always run in this order, whatever the order of the calls that chose them (calling the
/// same kind of step twice keeps the last):</para>
/// <list type="number">
/// <item>resize: <see cref="ResizeShorterSide"/> or <see cref="Resize"/>, bilinear with antialiasing;</item>
/// <item>crop to the input size: <see cref="CenterCrop"/> or, for training, <see cref="RandomCrop"/>;</item>
/// <item>for training, <see cref="RandomHorizontalFlip"/>;</item>
/// <item>channels: gray is replicated to 3 channels, color is reduced to luma for a 1-channel input,
/// and colors are put in <see cref="WithChannelOrder"/>'s order;</item>
/// <item>scale to [0, 1] (or keep [0, 255], <see cref="WithPixelRange"/>);</item>
/// <item><see cref="Normalize(ChannelNormalization)"/> per channel, or <see cref="SubtractMeanImage"/>.</item>
/// </list>
/// <para>Resampling: ImageSharp's <c>KnownResamplers.Triangle</c>, the bilinear (tent) filter. When
/// shrinking, ImageSharp widens the filter by the scale factor, which is what PIL's
/// <c>Image.resize(..., BILINEAR)</c> does and so what torchvision's <c>Resize</c> does on PIL images
/// (and on tensors with <c>antialias=True</c>): every source pixel contributes, no aliasing. When enlarging
/// it is plain bilinear interpolation between pixel centers (<c>align_corners=False</c>). ImageSharp keeps
/// the intermediate pass in floating point where PIL rounds it to 8 bits, so results can differ from PIL's
/// by one level in 255; the output is rounded to 8 bits, as PIL's is, before the crop.</para>
/// <para>Random steps draw from the <see cref="Random"/> the caller passes: a seeded
/// <c>new Random(seed)</c> gives the same crops and flips on every run and .NET version. Each image draws
/// the crop's top, then its left, then the flip.</para>
/// <para>Immutable and thread-safe; the <see cref="Random"/> passed in is not.</para>
/// </remarks>
/// <example>
/// torchvision's <c>Resize(256), CenterCrop(224), ToTensor(), Normalize(imagenet)</c>:
/// <code>
/// var preprocess = ImagePreprocessing.ForInput(3, 224, 224)
///     .ResizeShorterSide(256)
///     .CenterCrop()
///     .Normalize(ChannelNormalization.ImageNet);
/// </code>
/// </example>
public sealed class ImagePreprocessing
{
    private enum ResizeKind { None, ShorterSide, Exact }

    private enum CropKind { None, Center, Random }

    // Luma weights of ITU-R BT.601, the ones PIL's convert("L") and torchvision's Grayscale use.
    private const float RedLuma = 0.299f, GreenLuma = 0.587f, BlueLuma = 0.114f;

    private static readonly Configuration ImageSharpConfiguration = new();

    private ResizeKind resize;
    private int resizeShorterSide, resizeHeight, resizeWidth;
    private CropKind crop;
    private int cropPadding;
    private bool flip;
    private ChannelOrder channelOrder;
    private PixelRange pixelRange;
    private ChannelNormalization? normalization;
    private float[]? meanImage;

    private ImagePreprocessing(int channels, int height, int width)
    {
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>Channels of the network input: 1 or 3.</summary>
    public int Channels { get; }

    /// <summary>Height of the network input.</summary>
    public int Height { get; }

    /// <summary>Width of the network input.</summary>
    public int Width { get; }

    /// <summary>Floats per image: <see cref="Channels"/> x <see cref="Height"/> x <see cref="Width"/>.</summary>
    public int OutputLength => Channels * Height * Width;

    /// <summary>Whether a step draws random numbers (random crop, horizontal flip).</summary>
    public bool HasRandomSteps => crop == CropKind.Random || flip;

    /// <summary>The per-channel normalization, if any.</summary>
    public ChannelNormalization? Normalization => normalization;

    /// <summary>The channel order of a 3-channel input.</summary>
    public ChannelOrder ChannelOrder => channelOrder;

    /// <summary>The range pixels are scaled to before normalization.</summary>
    public PixelRange PixelRange => pixelRange;

    /// <summary>
    /// A description that writes <paramref name="channels"/> x <paramref name="height"/> x
    /// <paramref name="width"/> floats and, until steps are added, accepts only images of exactly that
    /// size, scaled to [0, 1], RGB. Pass a generated network's constants:
    /// <c>ForInput(SqueezeNet11.InputChannels, SqueezeNet11.InputHeight, SqueezeNet11.InputWidth)</c>.
    /// </summary>
    public static ImagePreprocessing ForInput(int channels, int height, int width)
    {
        if (channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(channels), $"Images become 1 (gray) or 3 (color) channels; got {channels}.");
        if (height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(height), $"The input size must be positive; got {height} x {width}.");
        if ((long)channels * height * width > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(height), $"{channels} x {height} x {width} floats is more than one span can hold.");
        return new ImagePreprocessing(channels, height, width);
    }

    /// <summary>
    /// Resizes so that the shorter side becomes <paramref name="size"/> pixels, keeping the aspect ratio:
    /// the longer side becomes <c>floor(size * longer / shorter)</c>, as torchvision's <c>Resize(size)</c>.
    /// </summary>
    public ImagePreprocessing ResizeShorterSide(int size)
    {
        if (size <= 0)
            throw new ArgumentOutOfRangeException(nameof(size), $"The shorter side must become a positive size; got {size}.");
        return With(p => { p.resize = ResizeKind.ShorterSide; p.resizeShorterSide = size; });
    }

    /// <summary>Resizes to exactly <paramref name="height"/> x <paramref name="width"/>, ignoring the aspect ratio (torchvision's <c>Resize((h, w))</c>).</summary>
    public ImagePreprocessing Resize(int height, int width)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(height), $"The size must be positive; got {height} x {width}.");
        return With(p => { p.resize = ResizeKind.Exact; p.resizeHeight = height; p.resizeWidth = width; });
    }

    /// <summary>Resizes to the input size itself, <see cref="Height"/> x <see cref="Width"/> (a 28 x 28 digit to 224 x 224, say).</summary>
    public ImagePreprocessing ResizeToInput() => Resize(Height, Width);

    /// <summary>
    /// Takes the central <see cref="Height"/> x <see cref="Width"/> window, as torchvision's
    /// <c>CenterCrop</c>: the top offset is <c>round((h - Height) / 2)</c> with ties to even, the left
    /// likewise; a side shorter than the input is padded with zeros on both sides (the extra column or row
    /// going to the right or bottom).
    /// </summary>
    public ImagePreprocessing CenterCrop() => With(p => { p.crop = CropKind.Center; p.cropPadding = 0; });

    /// <summary>
    /// For training: pads the image with <paramref name="padding"/> zero pixels on every side, then takes a
    /// <see cref="Height"/> x <see cref="Width"/> window at a uniformly random position, as torchvision's
    /// <c>RandomCrop(size, padding)</c>. The padded image must be at least the input size.
    /// </summary>
    public ImagePreprocessing RandomCrop(int padding = 0)
    {
        if (padding < 0)
            throw new ArgumentOutOfRangeException(nameof(padding), $"Padding cannot be negative; got {padding}.");
        return With(p => { p.crop = CropKind.Random; p.cropPadding = padding; });
    }

    /// <summary>For training: mirrors the image left to right with probability 1/2 (torchvision's <c>RandomHorizontalFlip()</c>).</summary>
    public ImagePreprocessing RandomHorizontalFlip() => With(p => p.flip = true);

    /// <summary>The order of the color channels in a 3-channel input (RGB unless told).</summary>
    public ImagePreprocessing WithChannelOrder(ChannelOrder order)
    {
        if (order is not (ChannelOrder.Rgb or ChannelOrder.Bgr))
            throw new ArgumentOutOfRangeException(nameof(order), $"Unknown channel order {order}.");
        return With(p => p.channelOrder = order);
    }

    /// <summary>Scales pixels to [0, 1] (the default) or keeps them in [0, 255].</summary>
    public ImagePreprocessing WithPixelRange(PixelRange range)
    {
        if (range is not (PixelRange.ZeroToOne or PixelRange.ZeroTo255))
            throw new ArgumentOutOfRangeException(nameof(range), $"Unknown pixel range {range}.");
        return With(p => p.pixelRange = range);
    }

    /// <summary>
    /// Normalizes each channel as <c>(value - mean) / std</c> after scaling; replaces a mean image.
    /// </summary>
    /// <exception cref="ArgumentException">The normalization has a different number of channels than the input.</exception>
    public ImagePreprocessing Normalize(ChannelNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        if (normalization.Channels != Channels)
            throw new ArgumentException($"The normalization has {normalization.Channels} channel(s) but the input has {Channels}.", nameof(normalization));
        return With(p => { p.normalization = normalization; p.meanImage = null; });
    }

    /// <summary>Normalizes each channel as <c>(value - mean) / std</c>; the values are in RGB order for color.</summary>
    public ImagePreprocessing Normalize(IReadOnlyList<float> mean, IReadOnlyList<float> std) => Normalize(new ChannelNormalization(mean, std));

    /// <summary>
    /// Subtracts a mean image from the scaled pixels, as CNTK and Caffe models do (the ResNet-18 of
    /// Microsoft.ML.DnnImageFeaturizer.ResNet18 takes BGR pixels in [0, 255] minus a 3 x 224 x 224 mean);
    /// replaces a per-channel normalization.
    /// </summary>
    /// <param name="meanImage"><see cref="Channels"/> x <see cref="Height"/> x <see cref="Width"/> floats, in the
    /// network's channel order; copied.</param>
    /// <exception cref="ArgumentException">The mean image has the wrong length or a value that is not finite.</exception>
    public ImagePreprocessing SubtractMeanImage(ReadOnlySpan<float> meanImage)
    {
        if (meanImage.Length != OutputLength)
            throw new ArgumentException(
                $"The mean image must have {Channels} x {Height} x {Width} = {OutputLength} floats; got {meanImage.Length}.", nameof(meanImage));
        foreach (var value in meanImage)
            if (!float.IsFinite(value))
                throw new ArgumentException("The mean image holds a value that is not finite.", nameof(meanImage));
        var copy = meanImage.ToArray();
        return With(p => { p.meanImage = copy; p.normalization = null; });
    }

    /// <summary>
    /// Writes <paramref name="image"/> into <paramref name="destination"/> as <see cref="OutputLength"/> floats,
    /// channel by channel, each a row-major <see cref="Height"/> x <see cref="Width"/> plane (NCHW).
    /// </summary>
    /// <param name="image">The decoded image.</param>
    /// <param name="destination">Exactly <see cref="OutputLength"/> floats.</param>
    /// <param name="random">Required when <see cref="HasRandomSteps"/>; seed it for reproducible augmentation.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> has the wrong length, or the image does not fit the steps
    /// (no crop and a size other than the input's, or smaller than a random crop); nothing is written.</exception>
    public void Write(DecodedImage image, Span<float> destination, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckLength(destination.Length, OutputLength, nameof(destination), "");
        CheckRandom(random);
        WritePixels(Prepare(image, random), destination);
    }

    /// <summary>Decodes the PNG or JPEG at <paramref name="path"/> and writes it as <see cref="Write(DecodedImage, Span{float}, Random?)"/> does.</summary>
    /// <exception cref="ImageDecodeException">The file is not a decodable PNG or JPEG; nothing is written.</exception>
    public void Write(string path, Span<float> destination, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckLength(destination.Length, OutputLength, nameof(destination), "");
        CheckRandom(random);
        WritePixels(Prepare(DecodedImage.Load(path), random), destination);
    }

    /// <summary>Returns <paramref name="image"/> as a new array of <see cref="OutputLength"/> floats (NCHW).</summary>
    public float[] Apply(DecodedImage image, Random? random = null)
    {
        var result = new float[OutputLength];
        Write(image, result, random);
        return result;
    }

    /// <summary>
    /// Writes <paramref name="images"/> one after another into <paramref name="destination"/>
    /// (N x C x H x W floats). Every image is checked before anything is written.
    /// </summary>
    public void WriteBatch(IReadOnlyList<DecodedImage> images, Span<float> destination, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        CheckLength(destination.Length, (long)images.Count * OutputLength, nameof(destination), $"{images.Count} images x ");
        CheckRandom(random);
        var prepared = new Prepared[images.Count];
        for (var i = 0; i < prepared.Length; i++)
            prepared[i] = Prepare(images[i] ?? throw new ArgumentException($"Image {i} is null.", nameof(images)), random);
        for (var i = 0; i < prepared.Length; i++)
            WritePixels(prepared[i], destination.Slice(i * OutputLength, OutputLength));
    }

    /// <summary>
    /// Decodes the PNG or JPEG files at <paramref name="paths"/> and writes them one after another into
    /// <paramref name="destination"/> (N x C x H x W floats). All files are decoded before anything is
    /// written, so a bad file leaves the destination untouched; only the cropped pixels are kept meanwhile.
    /// </summary>
    /// <exception cref="ImageDecodeException">A file is not a decodable PNG or JPEG; the message names it.</exception>
    public void WriteBatch(IReadOnlyList<string> paths, Span<float> destination, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        CheckLength(destination.Length, (long)paths.Count * OutputLength, nameof(destination), $"{paths.Count} images x ");
        CheckRandom(random);
        var prepared = new Prepared[paths.Count];
        for (var i = 0; i < prepared.Length; i++)
            prepared[i] = Prepare(DecodedImage.Load(paths[i] ?? throw new ArgumentException($"Path {i} is null.", nameof(paths))), random);
        for (var i = 0; i < prepared.Length; i++)
            WritePixels(prepared[i], destination.Slice(i * OutputLength, OutputLength));
    }

    /// <summary>The steps in the order they run, e.g. "Resize(shorter side 256, bilinear) -> CenterCrop(224 x 224) -> RGB -> [0, 1] -> Normalize(...)".</summary>
    public override string ToString()
    {
        var steps = new List<string>();
        if (resize == ResizeKind.ShorterSide)
            steps.Add($"Resize(shorter side {resizeShorterSide}, bilinear antialiased)");
        else if (resize == ResizeKind.Exact)
            steps.Add($"Resize({resizeHeight} x {resizeWidth}, bilinear antialiased)");
        if (crop == CropKind.Center)
            steps.Add($"CenterCrop({Height} x {Width})");
        else if (crop == CropKind.Random)
            steps.Add($"RandomCrop({Height} x {Width}, padding {cropPadding})");
        if (flip)
            steps.Add("RandomHorizontalFlip(0.5)");
        steps.Add(Channels == 1 ? "Gray" : channelOrder == ChannelOrder.Rgb ? "RGB" : "BGR");
        steps.Add(pixelRange == PixelRange.ZeroToOne ? "[0, 1]" : "[0, 255]");
        if (normalization is not null)
            steps.Add($"Normalize({normalization})");
        if (meanImage is not null)
            steps.Add(string.Create(CultureInfo.InvariantCulture, $"SubtractMeanImage({Channels} x {Height} x {Width})"));
        return $"{string.Join(" -> ", steps)} => {Channels} x {Height} x {Width}";
    }

    // The image after resize, crop and flip: Height x Width x (1 or 3) bytes, before any float is written.
    private readonly record struct Prepared(byte[] Pixels, int Channels);

    private Prepared Prepare(DecodedImage image, Random? random)
    {
        var (pixels, width, height) = Resized(image);
        var channels = image.Channels;

        // Window of the (virtually zero-padded) resized image that becomes the input: its top-left corner.
        int top, left;
        switch (crop)
        {
            case CropKind.Center:
                top = CenterOffset(height, Height);
                left = CenterOffset(width, Width);
                break;
            case CropKind.Random:
                var paddedHeight = height + 2 * cropPadding;
                var paddedWidth = width + 2 * cropPadding;
                if (paddedHeight < Height || paddedWidth < Width)
                    throw new ArgumentException(
                        $"{image.Name}: {Describe(width, height)} padded by {cropPadding} is {paddedWidth} x {paddedHeight}, " +
                        $"smaller than the random crop of {Width} x {Height}; resize it first or pad more.", nameof(image));
                top = random!.Next(paddedHeight - Height + 1) - cropPadding;
                left = random.Next(paddedWidth - Width + 1) - cropPadding;
                break;
            default:
                if (height != Height || width != Width)
                    throw new ArgumentException(
                        $"{image.Name}: {Describe(width, height)}, but the input is {Width} x {Height} (width x height); " +
                        "add CenterCrop(), RandomCrop() or ResizeToInput() to the preprocessing.", nameof(image));
                top = left = 0;
                break;
        }
        var mirror = flip && random!.NextDouble() < 0.5;

        var window = new byte[Height * Width * channels];
        for (var y = 0; y < Height; y++)
        {
            var sourceY = top + y;
            if ((uint)sourceY >= (uint)height)
                continue; // a padding row stays zero
            for (var x = 0; x < Width; x++)
            {
                var sourceX = left + (mirror ? Width - 1 - x : x);
                if ((uint)sourceX >= (uint)width)
                    continue;
                pixels.AsSpan((sourceY * width + sourceX) * channels, channels)
                    .CopyTo(window.AsSpan((y * Width + x) * channels, channels));
            }
        }
        return new Prepared(window, channels);

        string Describe(int w, int h) => resize == ResizeKind.None
            ? $"the image is {w} x {h}"
            : $"the image is {image.Width} x {image.Height}, {w} x {h} after resizing";
    }

    // torchvision's center_crop: round((size - crop) / 2) with Python's ties-to-even when the image is larger;
    // when it is smaller it pads (crop - size) // 2 on the top or left and the rest on the other side.
    private static int CenterOffset(int size, int cropSize) => size >= cropSize
        ? (int)Math.Round((size - cropSize) / 2.0, MidpointRounding.ToEven)
        : -((cropSize - size) / 2);

    // The pixels after the resize step; the image's own array (read only) when there is nothing to resize.
    private (byte[] Pixels, int Width, int Height) Resized(DecodedImage image)
    {
        int width, height;
        switch (resize)
        {
            case ResizeKind.ShorterSide:
                // torchvision: the shorter side becomes the size, the longer int(size * long / short).
                if (image.Width <= image.Height)
                    (width, height) = (resizeShorterSide, (int)((double)resizeShorterSide * image.Height / image.Width));
                else
                    (width, height) = ((int)((double)resizeShorterSide * image.Width / image.Height), resizeShorterSide);
                break;
            case ResizeKind.Exact:
                (width, height) = (resizeWidth, resizeHeight);
                break;
            default:
                return (image.PixelArray, image.Width, image.Height);
        }
        if (width == image.Width && height == image.Height)
            return (image.PixelArray, width, height);
        if ((long)width * height * image.Channels > int.MaxValue)
            throw new ArgumentException($"{image.Name}: resizing to {width} x {height} gives too many pixels.", nameof(image));
        var resized = image.Channels == 1
            ? ResizeWith<L8>(image, width, height)
            : ResizeWith<Rgb24>(image, width, height);
        return (resized, width, height);
    }

    private static byte[] ResizeWith<TPixel>(DecodedImage image, int width, int height)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using var source = Image.LoadPixelData<TPixel>(ImageSharpConfiguration, image.Pixels, image.Width, image.Height);
        source.Mutate(context => context.Resize(new ResizeOptions
        {
            Size = new Size(width, height),
            Mode = ResizeMode.Stretch,
            Sampler = KnownResamplers.Triangle,
            Compand = false, // torchvision resizes the stored (gamma-encoded) values, not linear light
        }));
        var result = new byte[width * height * image.Channels];
        source.CopyPixelDataTo(result);
        return result;
    }

    private void WritePixels(Prepared prepared, Span<float> destination)
    {
        var plane = Height * Width;
        // Divided, not multiplied by 1/255: the same float torchvision's ToTensor computes.
        var divisor = pixelRange == PixelRange.ZeroToOne ? 255f : 1f;
        var pixels = prepared.Pixels;
        for (var channel = 0; channel < Channels; channel++)
        {
            // The color this channel holds: 0 red, 1 green, 2 blue; or 0 for a gray input.
            var color = Channels == 1 || channelOrder == ChannelOrder.Rgb ? channel : 2 - channel;
            var mean = normalization?.MeanOf(color) ?? 0f;
            var std = normalization?.StdOf(color) ?? 1f;
            var output = destination.Slice(channel * plane, plane);
            for (var i = 0; i < plane; i++)
            {
                float value = prepared.Channels == Channels ? pixels[i * Channels + color]
                    : prepared.Channels == 1 ? pixels[i]
                    : RedLuma * pixels[3 * i] + GreenLuma * pixels[3 * i + 1] + BlueLuma * pixels[3 * i + 2];
                value /= divisor;
                output[i] = meanImage is null ? (value - mean) / std : value - meanImage[channel * plane + i];
            }
        }
    }

    private void CheckRandom(Random? random)
    {
        if (random is null && HasRandomSteps)
            throw new ArgumentNullException(nameof(random),
                "This preprocessing has random steps (random crop or horizontal flip); pass a Random, e.g. new Random(seed), to draw them reproducibly.");
    }

    private void CheckLength(int actual, long expected, string parameter, string countPrefix)
    {
        if (actual != expected)
            throw new ArgumentException(
                $"The destination must hold exactly {countPrefix}{Channels} x {Height} x {Width} = {expected} floats; it has {actual}.", parameter);
    }

    private ImagePreprocessing With(Action<ImagePreprocessing> change)
    {
        var copy = (ImagePreprocessing)MemberwiseClone();
        change(copy);
        return copy;
    }
}
