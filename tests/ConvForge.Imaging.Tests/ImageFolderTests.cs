using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace ConvForge.Imaging.Tests;

public sealed class ImageFolderTests : IDisposable
{
    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("convforge-folder-");

    public void Dispose() => root.Delete(recursive: true);

    // Each image is a flat color whose red value encodes its class and number, so the tests can tell them apart.
    private string AddImage(string relativePath, int red, bool jpeg = false)
    {
        var path = Path.Combine(root.FullName, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var pixels = TestImages.Pattern(6, 4, 3, (_, _, c) => c == 0 ? red : 50);
        File.WriteAllBytes(path, jpeg ? TestImages.Jpeg(pixels, 6, 4, 3, quality: 100) : TestImages.Png(pixels, 6, 4, 3));
        return path;
    }

    private static readonly ImagePreprocessing FourByFour =
        ImagePreprocessing.ForInput(3, 4, 4).CenterCrop().WithPixelRange(PixelRange.ZeroTo255);

    [Fact]
    public void Classes_are_the_subfolders_in_ordinal_order_and_labels_their_indices()
    {
        AddImage("dog/b.png", 21);
        AddImage("dog/a.PNG", 20);
        AddImage("cat/x.jpg", 10, jpeg: true);
        AddImage("cat/nested/y.jpeg", 11, jpeg: true);
        AddImage("Zebra/z.png", 30); // 'Z' sorts before 'c' in ordinal order, as in Python

        var folder = ImageFolder.Scan(root.FullName);

        Assert.Equal(new[] { "Zebra", "cat", "dog" }, folder.ClassNames);
        Assert.Equal(new[] { 0, 1, 1, 2, 2 }, folder.Files.Select(f => f.Label));
        Assert.Equal(new[] { "Zebra/z.png", "cat/nested/y.jpeg", "cat/x.jpg", "dog/a.PNG", "dog/b.png" },
            folder.Files.Select(f => Path.GetRelativePath(root.FullName, f.Path).Replace('\\', '/')));

        var set = folder.Load(FourByFour);

        Assert.Equal(5, set.Count);
        Assert.Equal(new[] { 0, 1, 1, 2, 2 }, set.Labels);
        Assert.Equal(5 * 48, set.Data.Length);
        var reds = Enumerable.Range(0, set.Count).Select(i => set.GetImage(i)[0]).ToArray();
        Assert.Equal(30, reds[0]);
        Assert.InRange(reds[1], 10, 12); // JPEG: close to 11
        Assert.InRange(reds[2], 9, 11);
        Assert.Equal(new[] { 20f, 21f }, reds[3..]);
        Assert.Empty(set.Skipped);
    }

    [Fact]
    public void Files_that_are_not_images_are_listed_not_dropped_silently()
    {
        AddImage("cat/a.png", 1);
        File.WriteAllText(Path.Combine(root.FullName, "cat", "notes.txt"), "hello");
        File.WriteAllText(Path.Combine(root.FullName, "README.md"), "top level");
        Directory.CreateDirectory(Path.Combine(root.FullName, ".cache"));

        var folder = ImageFolder.Scan(root.FullName);

        Assert.Equal(new[] { "cat" }, folder.ClassNames);
        Assert.Single(folder.Files);
        Assert.Equal(new[] { ".cache", "README.md", "cat/notes.txt" },
            folder.Ignored.Select(p => Path.GetRelativePath(root.FullName, p).Replace('\\', '/')));
    }

    [Fact]
    public void An_undecodable_file_is_an_error_naming_it()
    {
        AddImage("cat/a.png", 1);
        var broken = Path.Combine(root.FullName, "cat", "b.png");
        File.WriteAllBytes(broken, TestImages.Png(TestImages.Distinct(6, 4), 6, 4, 3)[..50]);

        var error = Assert.Throws<ImageDecodeException>(() => ImageFolder.Scan(root.FullName).Load(FourByFour));

        Assert.Equal(broken, error.ImageName);
        Assert.StartsWith(broken + ": truncated PNG", error.Message);
    }

    [Fact]
    public void With_skipping_asked_for_undecodable_files_are_left_out_and_listed()
    {
        AddImage("cat/a.png", 1);
        var empty = Path.Combine(root.FullName, "cat", "b.jpg");
        File.WriteAllBytes(empty, Array.Empty<byte>());
        AddImage("dog/c.png", 3);

        var set = ImageFolder.Scan(root.FullName).Load(FourByFour, new ImageFolderLoadOptions { SkipUndecodable = true });

        Assert.Equal(2, set.Count);
        Assert.Equal(new[] { 0, 1 }, set.Labels);
        Assert.Equal(new[] { 1f, 3f }, new[] { set.GetImage(0)[0], set.GetImage(1)[0] });
        var skipped = Assert.Single(set.Skipped);
        Assert.Equal(empty, skipped.Path);
        Assert.Equal("empty (0 bytes), not an image", skipped.Reason);
    }

    [Fact]
    public void Progress_is_reported_after_every_file()
    {
        AddImage("a/1.png", 1);
        AddImage("a/2.png", 2);
        AddImage("b/3.png", 3);
        var reports = new List<ImageLoadProgress>();

        ImageFolder.Scan(root.FullName).Load(FourByFour, new ImageFolderLoadOptions { Progress = new Recorder(reports) });

        Assert.Equal(new[] { 1, 2, 3 }, reports.Select(r => r.Completed));
        Assert.All(reports, r => Assert.Equal(3, r.Total));
        Assert.EndsWith("3.png", reports[^1].CurrentFile);
    }

    [Fact]
    public void An_empty_class_folder_or_a_missing_root_is_an_error()
    {
        AddImage("cat/a.png", 1);
        Directory.CreateDirectory(Path.Combine(root.FullName, "dog"));
        var error = Assert.Throws<InvalidDataException>(() => ImageFolder.Scan(root.FullName));
        Assert.Contains("dog holds no .png, .jpg or .jpeg file", error.Message);

        Assert.Throws<DirectoryNotFoundException>(() => ImageFolder.Scan(Path.Combine(root.FullName, "missing")));
    }

    [Fact]
    public void Random_steps_need_a_random_and_are_reproducible_with_one()
    {
        AddImage("a/1.png", 1);
        AddImage("a/2.png", 2);
        var training = ImagePreprocessing.ForInput(3, 4, 4).RandomCrop(padding: 2).RandomHorizontalFlip();
        var folder = ImageFolder.Scan(root.FullName);

        Assert.Throws<ArgumentException>(() => folder.Load(training));
        var first = folder.Load(training, new ImageFolderLoadOptions { Random = new Random(5) }).Data.ToArray();
        var second = folder.Load(training, new ImageFolderLoadOptions { Random = new Random(5) }).Data.ToArray();
        Assert.Equal(first, second);
    }

    // Progress<T> posts to the thread pool; this one records synchronously.
    private sealed class Recorder(List<ImageLoadProgress> reports) : IProgress<ImageLoadProgress>
    {
        public void Report(ImageLoadProgress value) => reports.Add(value);
    }
}
