using System;

namespace ConvForge.Imaging;

/// <summary>
/// An image could not be decoded: the data is empty, truncated, corrupt, too large, or not a PNG or JPEG.
/// The message starts with <see cref="ImageName"/> (the file's path, or "stream" or "bytes" when the
/// caller gave no name) and says what is wrong.
/// </summary>
public sealed class ImageDecodeException : Exception
{
    /// <summary>Creates the exception for the image named <paramref name="imageName"/>.</summary>
    public ImageDecodeException(string imageName, string problem, Exception? innerException = null)
        : base($"{imageName}: {problem}", innerException)
    {
        ImageName = imageName;
        Problem = problem;
    }

    /// <summary>The file's path, or the name the caller gave a stream or byte buffer.</summary>
    public string ImageName { get; }

    /// <summary>What is wrong, without the name (the message is "name: problem").</summary>
    public string Problem { get; }
}
