using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using ConvForge.Data;
using ConvForge.Imaging;
using ConvForge.Onnx.Import;
using ConvForge.Samples;

namespace ConvForge.Demo.Sections;

/// <summary>
/// Real weights in, real images in: the ImageNet-trained ResNet-18 that ships in ML.NET's model package, loaded
/// into the declared <see cref="ResNet18Cntk"/> by structure, used as a fixed feature extractor on Fashion-MNIST
/// (the seed's "feature extraction"). Each class is described by the mean feature vector of a few training
/// images; test images take the class whose mean is nearest (cosine). Nothing is trained: the accuracy above
/// chance (10%) is what ImageNet features already know about clothes.
/// </summary>
internal static class PretrainedFeatures
{
    private const int TrainPerClass = 20;
    private const int TestImages = 200;

    public static void Print()
    {
        if (!Directory.Exists(FashionMnist.DebianDirectory))
        {
            Console.WriteLine($"Skipped: Fashion-MNIST is not in {FashionMnist.DebianDirectory} (sudo apt-get install dataset-fashion-mnist).");
            return;
        }

        var network = new ResNet18Cntk();
        var load = Stopwatch.StartNew();
        var matches = network.Parameters.LoadOnnx(ResNet18Cntk.OnnxPath);
        load.Stop();
        var preprocessing = ResNet18CntkPreprocessing.Load();
        Console.WriteLine($"Loaded {Path.GetFileName(ResNet18Cntk.OnnxPath)} (ImageNet weights, exported from CNTK) into the declared ResNet18Cntk: "
            + $"{matches.Count} layers matched by structure in {load.ElapsedMilliseconds} ms; kernels: {network.KernelFamily}.");

        // 28x28 gray -> 224x224, replicated to 3 channels on the 0-255 scale, then BGR minus the model's mean image.
        var toInput = ImagePreprocessing.ForInput(ResNet18Cntk.InputChannels, ResNet18Cntk.InputHeight, ResNet18Cntk.InputWidth)
            .ResizeToInput()
            .WithPixelRange(PixelRange.ZeroTo255);
        var train = FashionMnist.LoadTrain();
        var test = FashionMnist.LoadTest();
        var rgb = new float[ResNet18Cntk.InputLength];
        var input = new float[ResNet18Cntk.InputLength];
        var features = new float[ResNet18Cntk.OutputLength];
        var watch = new Stopwatch();
        var images = 0;

        float[] Featurize(IdxDataSet set, int index)
        {
            var image = DecodedImage.FromPixels(set.Images.Width, set.Images.Height, 1, set.Images.GetPixels(index), $"image {index}");
            toInput.Write(image, rgb);
            preprocessing.Normalize(rgb, input);
            watch.Start();
            network.Forward(input, features);
            watch.Stop();
            images++;
            return Normalized(features);
        }

        var classes = FashionMnist.ClassNames.Count;
        var centroids = new float[classes][];
        for (var label = 0; label < classes; label++)
        {
            var sum = new float[ResNet18Cntk.OutputLength];
            var indices = Enumerable.Range(0, train.Count).Where(i => train.Labels[i] == label).Take(TrainPerClass);
            foreach (var index in indices)
            {
                var f = Featurize(train, index);
                for (var i = 0; i < sum.Length; i++)
                    sum[i] += f[i];
            }
            centroids[label] = Normalized(sum);
        }

        var correct = 0;
        for (var index = 0; index < TestImages; index++)
        {
            var f = Featurize(test, index);
            var best = Enumerable.Range(0, classes).OrderByDescending(c => Dot(centroids[c], f)).First();
            if (best == test.Labels[index])
                correct++;
        }

        Console.WriteLine(FormattableString.Invariant(
            $"Nearest class mean of {TrainPerClass} training images per class, on the first {TestImages} test images: {correct * 100.0 / TestImages:F1}% correct (chance: 10%)."));
        Console.WriteLine(FormattableString.Invariant(
            $"{images} images through ResNet-18 ({ResNet18Cntk.Macs / 1e9:F2} GMACs each): {watch.Elapsed.TotalMilliseconds / images:F1} ms per image, {Threads(network.DegreeOfParallelism)}."));
    }

    private static string Threads(int count) => count == 1 ? "one thread" : FormattableString.Invariant($"{count} threads");

    private static float[] Normalized(float[] vector)
    {
        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        return vector.Select(v => norm > 0 ? v / norm : 0).ToArray();
    }

    private static float Dot(float[] a, float[] b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
            sum += a[i] * b[i];
        return sum;
    }
}
