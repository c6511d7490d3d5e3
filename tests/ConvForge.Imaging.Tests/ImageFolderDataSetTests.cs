using System;
using System.IO;
using System.Linq;
using ConvForge.Data;

namespace ConvForge.Imaging.Tests;

public sealed class ImageFolderDataSetTests : IDisposable
{
    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("convforge-folder-set-");

    public void Dispose() => root.Delete(recursive: true);

    private void AddImage(string relativePath, int red)
    {
        var path = Path.Combine(root.FullName, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, TestImages.Png(TestImages.Pattern(8, 6, 3, (x, _, c) => c == 0 ? red : 10 * x), 8, 6, 3));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Images_are_the_preprocessings_output_with_the_folders_labels(bool cache)
    {
        AddImage("cat/a.png", 10);
        AddImage("dog/b.png", 20);
        AddImage("dog/c.png", 30);
        var folder = ImageFolder.Scan(root.FullName);
        var preprocessing = ImagePreprocessing.ForInput(3, 4, 4).Resize(4, 6).CenterCrop().WithPixelRange(PixelRange.ZeroTo255);
        var set = new ImageFolderDataSet(folder, preprocessing, cache);

        Assert.Equal(3, set.Count);
        Assert.Equal(2, set.ClassCount);
        Assert.Equal(new TensorShape(3, 4, 4), set.ImageShape);
        Assert.Equal(new[] { 0, 1, 1 }, Enumerable.Range(0, 3).Select(set.GetLabel));
        var loaded = folder.Load(preprocessing);
        var image = new float[48];
        for (var round = 0; round < 2; round++)
            for (var i = 0; i < 3; i++)
            {
                set.CopyImage(i, image);
                Assert.Equal(loaded.Data.Slice(i * 48, 48).ToArray(), image);
            }

        // Through the loader, as training reads it.
        var batch = new DataLoader(set, 3).GetBatch(0, 0);
        Assert.Equal(loaded.Data.ToArray(), batch.Images.ToArray());
    }

    [Fact]
    public void The_cache_keeps_images_after_their_file_is_gone()
    {
        AddImage("cat/a.png", 10);
        var set = new ImageFolderDataSet(ImageFolder.Scan(root.FullName), ImagePreprocessing.ForInput(3, 6, 8), cache: true);
        var first = new float[set.ImageShape.Length];
        set.CopyImage(0, first);
        File.Delete(Path.Combine(root.FullName, "cat", "a.png"));
        var second = new float[first.Length];
        set.CopyImage(0, second);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Random_preprocessing_is_refused_in_favour_of_the_loaders_augmentation()
    {
        AddImage("cat/a.png", 10);
        var error = Assert.Throws<ArgumentException>(() =>
            new ImageFolderDataSet(ImageFolder.Scan(root.FullName), ImagePreprocessing.ForInput(3, 6, 8).RandomHorizontalFlip()));
        Assert.Contains("let the DataLoader augment", error.Message);
    }
}
