using System;
using System.Collections.Generic;
using System.IO;

namespace ConvForge.Data;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): 28 x 28 gray images of clothing in 10 classes, 60,000
/// for training and 10,000 for testing, in the IDX format under the original file names
/// (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-..., each optionally ".gz").
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the files.</summary>
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Image height and width.</summary>
    public const int ImageSize = 28;

    /// <summary>The class names; a label is an index into this list.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = new[]
    {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    };

    /// <summary>The 60,000 training samples from <paramref name="directory"/>.</summary>
    public static IdxDataSet LoadTrain(string directory = DebianDirectory) => Load(directory, "train");

    /// <summary>The 10,000 test samples from <paramref name="directory"/>.</summary>
    public static IdxDataSet LoadTest(string directory = DebianDirectory) => Load(directory, "t10k");

    private static IdxDataSet Load(string directory, string prefix)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var images = Find(directory, $"{prefix}-images-idx3-ubyte");
        var labels = Find(directory, $"{prefix}-labels-idx1-ubyte");
        return Idx.ReadDataSet(images, labels, ClassNames.Count);
    }

    private static string Find(string directory, string fileName)
    {
        foreach (var candidate in new[] { fileName, fileName + ".gz" })
        {
            var path = Path.Combine(directory, candidate);
            if (File.Exists(path))
                return path;
        }
        throw new FileNotFoundException(
            $"Neither {fileName} nor {fileName}.gz is in {directory}. On Debian, 'apt-get install dataset-fashion-mnist' puts them in {DebianDirectory}.",
            Path.Combine(directory, fileName));
    }
}
