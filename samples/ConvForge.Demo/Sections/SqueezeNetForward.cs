using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using ConvForge.Samples;

namespace ConvForge.Demo.Sections;

/// <summary>
/// SqueezeNet 1.1 end to end: a synthetic image through the generated Forward, the five highest-scoring classes,
/// and the time of one call. The weights are the seeded initialization, not trained ones, so the classes are
/// arbitrary; the point is that the declaration runs.
/// </summary>
internal static class SqueezeNetForward
{
    public static void Print()
    {
        var network = new SqueezeNet11();   // parameters from seed 0, the fastest kernel family of this machine
        var image = SyntheticImage();
        var logits = new float[SqueezeNet11.OutputLength];

        // The first call compiles the kernels for these shapes and packs the weights; later calls only compute.
        var first = Stopwatch.StartNew();
        network.Forward(image, logits);
        first.Stop();
        var times = new double[10];
        for (var i = 0; i < times.Length; i++)
        {
            var watch = Stopwatch.StartNew();
            network.Forward(image, logits);
            times[i] = watch.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        var median = times[times.Length / 2];

        Console.WriteLine($"Input: a {SqueezeNet11.InputChannels}x{SqueezeNet11.InputHeight}x{SqueezeNet11.InputWidth} gradient image; kernels: {network.KernelFamily}.");
        Console.WriteLine();
        var probabilities = Softmax(logits);
        var table = new TextTable("Rank>", "Class>", "Logit>", "Probability>");
        foreach (var (index, rank) in Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).Take(5).Select((index, rank) => (index, rank)))
            table.Add(Text(rank + 1), Text(index), logits[index].ToString("F4", CultureInfo.InvariantCulture), probabilities[index].ToString("P2", CultureInfo.InvariantCulture));
        table.Print();
        Console.WriteLine();
        var gflops = 2.0 * SqueezeNet11.Macs / (median * 1e6);
        Console.WriteLine(FormattableString.Invariant(
            $"One Forward: {median:F2} ms (median of {times.Length}, {gflops:F1} GFLOP/s); the first call, which compiles and packs, took {first.Elapsed.TotalMilliseconds:F0} ms."));
    }

    /// <summary>A smooth colour gradient with a bright disc, normalized roughly like an ImageNet input.</summary>
    private static float[] SyntheticImage()
    {
        const int H = SqueezeNet11.InputHeight, W = SqueezeNet11.InputWidth;
        var image = new float[SqueezeNet11.InputLength];
        for (var c = 0; c < SqueezeNet11.InputChannels; c++)
        for (var y = 0; y < H; y++)
        for (var x = 0; x < W; x++)
        {
            var gradient = c switch { 0 => x / (float)W, 1 => y / (float)H, _ => (x + y) / (float)(W + H) };
            var dx = x - W / 2f;
            var dy = y - H / 2f;
            var disc = dx * dx + dy * dy < 40 * 40 ? 0.5f : 0f;
            image[(c * H + y) * W + x] = (gradient + disc - 0.45f) / 0.25f;
        }
        return image;
    }

    private static double[] Softmax(float[] logits)
    {
        var max = logits.Max();
        var exp = logits.Select(v => Math.Exp(v - max)).ToArray();
        var sum = exp.Sum();
        return exp.Select(e => e / sum).ToArray();
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
