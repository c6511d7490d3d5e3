using System;

namespace ConvForge.Runtime.Tests.Training.Engine;

/// <summary>A tiny separable problem for <see cref="TinyTrainableNetwork"/>: 6x6 images of vertical stripes, horizontal stripes or a checkerboard, with noise.</summary>
internal static class EngineTestData
{
    public static (float[] Images, int[] Labels) Make(int count, int seed)
    {
        var random = new Random(seed);
        var images = new float[count * 36];
        var labels = new int[count];
        for (int n = 0; n < count; n++)
        {
            int label = n % 3;
            labels[n] = label;
            int phase = random.Next(2);
            for (int y = 0; y < 6; y++)
            {
                for (int x = 0; x < 6; x++)
                {
                    int on = label switch
                    {
                        0 => (x + phase) % 2,
                        1 => (y + phase) % 2,
                        _ => (x + y + phase) % 2,
                    };
                    images[n * 36 + y * 6 + x] = on + 0.3f * (float)(random.NextDouble() - 0.5);
                }
            }
        }
        return (images, labels);
    }

    public static ReadOnlySpan<float> Batch(float[] images, int start, int count) => images.AsSpan(start * 36, count * 36);
}
