using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using ConvForge.Data;

namespace ConvForge.Runtime.Tests.Data;

public sealed class DataLoaderTests
{
    private static readonly TensorShape Shape = new(2, 5, 4);

    private static List<(float[] Images, int[] Labels, int[] Indices)> Collect(DataLoader loader, int epoch)
    {
        var batches = new List<(float[], int[], int[])>();
        foreach (var batch in loader.Epoch(epoch))
            batches.Add((batch.Images.ToArray(), batch.Labels.ToArray(), batch.Indices.ToArray()));
        return batches;
    }

    private static DataLoaderOptions Augmented(int seed) => new()
    {
        Shuffle = true, Seed = seed, RandomCropPadding = 2, RandomHorizontalFlip = true,
        Normalization = new ChannelStatistics(new[] { 10f, 20f }, new[] { 2f, 4f }),
    };

    [Fact]
    public void The_same_seed_and_epoch_give_the_same_batches_from_a_new_loader()
    {
        var data = ArrayDataSet.Distinct(37, Shape);
        var first = Collect(new DataLoader(data, 8, Augmented(5)), 3);
        var loader = new DataLoader(data, 8, Augmented(5));
        Collect(loader, 0); // another epoch in between must not matter
        var second = Collect(loader, 3);
        Assert.Equal(first.Count, second.Count);
        for (var b = 0; b < first.Count; b++)
        {
            Assert.Equal(first[b].Images, second[b].Images);
            Assert.Equal(first[b].Labels, second[b].Labels);
            Assert.Equal(first[b].Indices, second[b].Indices);
        }
    }

    [Fact]
    public void Different_epochs_and_seeds_give_different_orders_and_augmentations()
    {
        var data = ArrayDataSet.Distinct(37, Shape);
        var loader = new DataLoader(data, 37, Augmented(5));
        var epoch0 = Collect(loader, 0)[0];
        var epoch1 = Collect(loader, 1)[0];
        Assert.NotEqual(epoch0.Indices, epoch1.Indices);
        var otherSeed = Collect(new DataLoader(data, 37, Augmented(6)), 0)[0];
        Assert.NotEqual(epoch0.Indices, otherSeed.Indices);

        // Same image, different epochs: its crop and flip are drawn anew.
        var unshuffled = new DataLoaderOptions { Seed = 5, RandomCropPadding = 2, RandomHorizontalFlip = true };
        var a = Collect(new DataLoader(data, 37, unshuffled), 0)[0].Images;
        var b = Collect(new DataLoader(data, 37, unshuffled), 1)[0].Images;
        Assert.NotEqual(a, b);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_image_comes_exactly_once_per_epoch_with_its_label_and_pixels(bool shuffle)
    {
        var data = ArrayDataSet.Distinct(103, Shape);
        var loader = new DataLoader(data, 10, new DataLoaderOptions { Shuffle = shuffle, Seed = 1 });
        Assert.Equal(11, loader.BatchesPerEpoch);
        Assert.Equal(103, loader.ImagesPerEpoch);
        var batches = Collect(loader, 2);
        Assert.Equal(11, batches.Count);
        Assert.All(batches.Take(10), b => Assert.Equal(10, b.Labels.Length));
        Assert.Equal(3, batches[^1].Labels.Length);
        var seen = batches.SelectMany(b => b.Indices).ToArray();
        Assert.Equal(Enumerable.Range(0, 103), seen.OrderBy(i => i));
        if (!shuffle)
            Assert.Equal(Enumerable.Range(0, 103), seen);
        else
            Assert.NotEqual(Enumerable.Range(0, 103), seen);
        foreach (var (images, labels, indices) in batches)
            for (var i = 0; i < indices.Length; i++)
            {
                Assert.Equal(data.GetLabel(indices[i]), labels[i]);
                Assert.Equal(data.Image(indices[i]), images.AsSpan(i * Shape.Length, Shape.Length).ToArray());
            }
    }

    [Fact]
    public void Drop_last_leaves_out_the_short_batch_and_nothing_else()
    {
        var data = ArrayDataSet.Distinct(103, Shape);
        var loader = new DataLoader(data, 10, new DataLoaderOptions { Shuffle = true, Seed = 9, DropLast = true });
        Assert.Equal(10, loader.BatchesPerEpoch);
        Assert.Equal(100, loader.ImagesPerEpoch);
        var batches = Collect(loader, 0);
        Assert.Equal(10, batches.Count);
        Assert.All(batches, b => Assert.Equal(10, b.Labels.Length));
        var seen = batches.SelectMany(b => b.Indices).ToArray();
        Assert.Equal(100, seen.Distinct().Count());
        // The 3 left out are the last 3 of the epoch's order.
        Assert.Equal(seen, loader.GetOrder(0).Take(100));
    }

    [Fact]
    public void Without_padding_or_flip_the_images_are_the_data_sets()
    {
        var data = ArrayDataSet.Distinct(12, Shape);
        var loader = new DataLoader(data, 12, new DataLoaderOptions { Shuffle = false, Seed = 3, RandomCropPadding = 0 });
        var batch = Collect(loader, 4)[0];
        for (var i = 0; i < 12; i++)
            Assert.Equal(data.Image(i), batch.Images.AsSpan(i * Shape.Length, Shape.Length).ToArray());
    }

    [Fact]
    public void A_random_crop_is_a_shifted_window_of_the_zero_padded_image_and_the_shifts_vary()
    {
        const int padding = 2;
        var data = ArrayDataSet.Distinct(60, Shape);
        var loader = new DataLoader(data, 60, new DataLoaderOptions { Seed = 11, RandomCropPadding = padding });
        var batch = Collect(loader, 0)[0];
        Assert.Equal(60 * Shape.Length, batch.Images.Length); // the shape is kept
        var shifts = new HashSet<(int, int)>();
        for (var i = 0; i < 60; i++)
        {
            var image = batch.Images.AsSpan(i * Shape.Length, Shape.Length).ToArray();
            var matches = new List<(int, int)>();
            for (var dy = -padding; dy <= padding; dy++)
                for (var dx = -padding; dx <= padding; dx++)
                    if (image.SequenceEqual(Shifted(data.Image(i), dy, dx, mirror: false)))
                        matches.Add((dy, dx));
            Assert.Single(matches);
            shifts.Add(matches[0]);
        }
        Assert.True(shifts.Count >= 10, $"60 crops used only {shifts.Count} of the 25 shifts.");
    }

    [Fact]
    public void A_flip_mirrors_each_row_for_about_half_the_images()
    {
        var data = ArrayDataSet.Distinct(200, Shape);
        var loader = new DataLoader(data, 200, new DataLoaderOptions { Seed = 4, RandomHorizontalFlip = true });
        var batch = Collect(loader, 0)[0];
        var mirrored = 0;
        for (var i = 0; i < 200; i++)
        {
            var image = batch.Images.AsSpan(i * Shape.Length, Shape.Length).ToArray();
            if (image.SequenceEqual(Shifted(data.Image(i), 0, 0, mirror: true)))
                mirrored++;
            else
                Assert.Equal(data.Image(i), image);
        }
        Assert.InRange(mirrored, 70, 130);
    }

    [Fact]
    public void Crop_and_flip_together_are_a_mirrored_shifted_window()
    {
        var data = ArrayDataSet.Distinct(40, Shape);
        var batch = Collect(new DataLoader(data, 40, new DataLoaderOptions { Seed = 2, RandomCropPadding = 1, RandomHorizontalFlip = true }), 0)[0];
        for (var i = 0; i < 40; i++)
        {
            var image = batch.Images.AsSpan(i * Shape.Length, Shape.Length).ToArray();
            var found = false;
            for (var dy = -1; dy <= 1; dy++)
                for (var dx = -1; dx <= 1; dx++)
                    foreach (var mirror in new[] { false, true })
                        found |= image.SequenceEqual(Shifted(data.Image(i), dy, dx, mirror));
            Assert.True(found, $"Image {i} is no crop-then-flip of its source.");
        }
    }

    [Fact]
    public void Normalization_applies_after_augmentation_so_padding_becomes_minus_mean_over_std()
    {
        var data = ArrayDataSet.Distinct(30, Shape);
        var statistics = new ChannelStatistics(new[] { 10f, 20f }, new[] { 2f, 4f });
        var plain = Collect(new DataLoader(data, 30, new DataLoaderOptions { Seed = 8, RandomCropPadding = 2 }), 0)[0].Images;
        var normalized = Collect(new DataLoader(data, 30, new DataLoaderOptions { Seed = 8, RandomCropPadding = 2, Normalization = statistics }), 0)[0].Images;
        var plane = Shape.Height * Shape.Width;
        for (var i = 0; i < plain.Length; i++)
        {
            var channel = i / plane % 2;
            Assert.Equal((plain[i] - statistics.Mean[channel]) / statistics.Std[channel], normalized[i]);
        }
        Assert.Contains(-5f, normalized); // a padded pixel of channel 0: (0 - 10) / 2
    }

    [Fact]
    public void Batches_after_the_first_epoch_allocate_nothing()
    {
        var data = ArrayDataSet.Distinct(100, Shape);
        var loader = new DataLoader(data, 16, Augmented(1));
        Drain(loader, 0);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Drain(loader, 1);
        Drain(loader, 2);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Fashion_mnist_batches_allocate_nothing_and_an_epoch_of_60000_costs_well_under_a_second()
    {
        var train = FashionMnist.LoadTrain();
        var loader = new DataLoader(train, 128, new DataLoaderOptions
        {
            Shuffle = true, Seed = 1, RandomCropPadding = 2, RandomHorizontalFlip = true,
            Normalization = new ChannelStatistics(new[] { 0.2860f }, new[] { 0.3530f }),
        });
        Drain(loader, 0);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var images = Drain(loader, 1);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(60000, images);
        Assert.Equal(0, allocated);

        // CPU time of this thread, not wall time: the shared machine's load must not decide the test. The aim is
        // about 0.1 s; the bound leaves room for a loaded machine and catches a loader 10x too slow.
        var started = ThreadCpuSeconds();
        Drain(loader, 2);
        var seconds = ThreadCpuSeconds() - started;
        Assert.True(seconds < 1, $"An epoch of 60,000 augmented, normalized images took {seconds:F3} s of CPU time.");
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private static double ThreadCpuSeconds()
    {
        const int ThreadCpuTimeClock = 3; // CLOCK_THREAD_CPUTIME_ID on Linux
        if (!OperatingSystem.IsLinux() || ClockGetTime(ThreadCpuTimeClock, out var time) != 0)
            throw new PlatformNotSupportedException("This timing needs Linux's clock_gettime(CLOCK_THREAD_CPUTIME_ID).");
        return time.Seconds + time.Nanoseconds * 1e-9;
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        var data = ArrayDataSet.Distinct(10, Shape);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(data, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(data, 4, new DataLoaderOptions { RandomCropPadding = -1 }));
        var error = Assert.Throws<ArgumentException>(() => new DataLoader(data, 4,
            new DataLoaderOptions { Normalization = new ChannelStatistics(new[] { 0f }, new[] { 1f }) }));
        Assert.Contains("1 channel(s); the images have 2", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(data, 4).GetBatch(0, 3));
    }

    private static int Drain(DataLoader loader, int epoch)
    {
        var images = 0;
        foreach (var batch in loader.Epoch(epoch))
            images += batch.Count;
        return images;
    }

    // The expected result of a crop at offset (dy, dx) of the zero-padded image, then an optional mirror.
    private static float[] Shifted(float[] image, int dy, int dx, bool mirror)
    {
        int h = Shape.Height, w = Shape.Width;
        var result = new float[image.Length];
        for (var c = 0; c < Shape.Channels; c++)
            for (var y = 0; y < h; y++)
                for (var x = 0; x < w; x++)
                {
                    var sx = dx + (mirror ? w - 1 - x : x);
                    var sy = dy + y;
                    result[(c * h + y) * w + x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? image[(c * h + sy) * w + sx] : 0;
                }
        return result;
    }
}
