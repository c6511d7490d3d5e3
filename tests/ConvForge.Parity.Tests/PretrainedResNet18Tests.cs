using System;
using System.Collections.Generic;
using System.Linq;
using ConvForge.Data;
using ConvForge.Imaging;
using ConvForge.Kernels;
using ConvForge.Onnx.Import;
using ConvForge.Parity.Tests.Infrastructure;
using ConvForge.Samples;
using Microsoft.ML.OnnxRuntime;

namespace ConvForge.Parity.Tests;

/// <summary>
/// The pretrained ResNet-18 of ML.NET's featurizer package (CNTK 2.6, ImageNet), loaded into the declared
/// <see cref="ResNet18Cntk"/> by structure, against ONNX Runtime running the same file: the 512 features agree
/// within 1e-4 x max |ONNX Runtime| on every kernel family, for random inputs, for images made here, and for
/// Fashion-MNIST images upsampled to 224 x 224 through ConvForge.Imaging, all normalized by
/// <see cref="ResNet18CntkPreprocessing"/>.
/// </summary>
public sealed class PretrainedResNet18Tests
{
    private const string OnnxInput = "Input247";
    private const string OnnxOutput = "Pooling395_Output_0";
    private const int Plane = ResNet18Cntk.InputHeight * ResNet18Cntk.InputWidth;

    private static readonly Lazy<(float[] Input, float[] Features)[]> s_references = new(ComputeReferences);

    public static IEnumerable<object[]> Families => OnnxParity.TestedFamilies.Select(family => new object[] { family });

    [Theory]
    [MemberData(nameof(Families))]
    public void Features_match_onnx_runtime_on_the_same_file(KernelFamily family)
    {
        var net = new ResNet18Cntk();
        net.UseKernels(family);
        net.Parameters.LoadOnnx(ResNet18Cntk.OnnxPath);
        var features = new float[ResNet18Cntk.OutputLength];
        var cases = s_references.Value;
        for (var i = 0; i < cases.Length; i++)
        {
            Array.Fill(features, float.NaN);
            net.Forward(cases[i].Input, features);
            OnnxParity.AssertClose(cases[i].Features, features, new long[] { 512, 1, 1 }, $"ResNet18Cntk, {family}, input {i}");
        }
    }

    [Fact]
    public void The_whole_graph_is_matched_with_the_declared_asymmetric_padding()
    {
        var net = new ResNet18Cntk();
        var matches = net.Parameters.LoadOnnx(ResNet18Cntk.OnnxPath);
        var model = OnnxModel.Load(ResNet18Cntk.OnnxPath);
        Assert.Equal(8, model.OpsetVersion);
        // Every ONNX node is accounted for exactly once (the default options reject leftovers).
        Assert.Equal(model.Graph.Nodes.Select(n => n.Name).OrderBy(n => n), matches.SelectMany(m => m.OnnxNodes).OrderBy(n => n));
        Assert.Equal(22, matches.Count(m => m.OnnxNodes.Any(n => n.StartsWith("Convolution", StringComparison.Ordinal))));
        var stem = ResNet18Cntk.Definition.Nodes[ResNet18Cntk.Definition.IndexOf("Conv1.Conv")];
        Assert.Equal(new KernelWindow(7, 7, 2, 2, 3, 3, 2, 2, 1, 1, false), stem.Window);
        Assert.Contains(matches, m => m.Layer == "Res3a.Conv1.Conv" && m.OnnxNodes.SequenceEqual(new[] { "Convolution285" }));
        Assert.Contains(matches, m => m.Layer == "Res3a.Shortcut.Conv" && m.OnnxNodes.SequenceEqual(new[] { "Convolution295" }));
    }

    [Fact]
    public void Preprocessing_matches_the_packages_preprocessing_model()
    {
        var preprocessing = ResNet18CntkPreprocessing.Load();
        Assert.Equal(new[] { 2, 1, 0 }, preprocessing.ChannelOrder);
        var rgb = Image(seed: 5);
        var ours = new float[rgb.Length];
        preprocessing.Normalize(rgb, ours);

        using var session = new InferenceSession(ResNet18Cntk.PreprocessOnnxPath);
        var expected = Run(session, "OriginalInput", "PreprocessedInput", rgb);
        Assert.Equal(expected.Length, ours.Length);
        for (var i = 0; i < ours.Length; i++)
            Assert.True(Math.Abs(expected[i] - ours[i]) <= 1e-4f, $"element {i}: ONNX Runtime {expected[i]}, ours {ours[i]}");
        // The mean image is on the 0-255 scale and in BGR order.
        Assert.InRange(preprocessing.MeanImage.ToArray().Average(), 80, 160);
    }

    private static (float[] Input, float[] Features)[] ComputeReferences()
    {
        var preprocessing = ResNet18CntkPreprocessing.Load();
        var inputs = new List<float[]>();
        // Inputs on the scale the model expects (BGR minus the mean, about -128 to 128) and two made images.
        var random = DeterministicRandom.ForStream(2026, "resnet18 cntk input");
        inputs.Add(Enumerable.Range(0, ResNet18Cntk.InputLength).Select(_ => (float)random.NextDouble(-128, 128)).ToArray());
        foreach (var seed in new ulong[] { 1, 2 })
        {
            var normalized = new float[ResNet18Cntk.InputLength];
            preprocessing.Normalize(Image(seed), normalized);
            inputs.Add(normalized);
        }

        // Two Fashion-MNIST test images (a shirt-like and a shoe-like class), 28 x 28 gray, through the image
        // pipeline a user would write: resized to the input, replicated to three channels, on the 0-255 scale.
        var test = FashionMnist.LoadTest();
        var toInput = ImagePreprocessing.ForInput(ResNet18Cntk.InputChannels, ResNet18Cntk.InputHeight, ResNet18Cntk.InputWidth)
            .ResizeToInput()
            .WithPixelRange(PixelRange.ZeroTo255);
        foreach (var index in new[] { 0, 1 })
        {
            var image = DecodedImage.FromPixels(test.Images.Width, test.Images.Height, 1, test.Images.GetPixels(index), $"Fashion-MNIST test image {index}");
            var normalized = new float[ResNet18Cntk.InputLength];
            preprocessing.Normalize(toInput.Apply(image), normalized);
            inputs.Add(normalized);
        }

        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(ResNet18Cntk.OnnxPath, options);
        return inputs.Select(input => (input, Run(session, OnnxInput, OnnxOutput, input))).ToArray();
    }

    /// <summary>An RGB image, 0 to 255: a smooth gradient per channel, a bright disc and a checkerboard, placed by <paramref name="seed"/>.</summary>
    private static float[] Image(ulong seed)
    {
        var random = DeterministicRandom.ForStream(seed, "image");
        var centerY = random.NextDouble(60, 160);
        var centerX = random.NextDouble(60, 160);
        var radius = random.NextDouble(20, 60);
        var cell = 4 + (int)(random.NextDouble(0, 1) * 12);
        var image = new float[ResNet18Cntk.InputLength];
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < ResNet18Cntk.InputHeight; y++)
            {
                for (var x = 0; x < ResNet18Cntk.InputWidth; x++)
                {
                    double value = c switch { 0 => x, 1 => y, _ => (x + y) / 2.0 } * 255.0 / 223;
                    if ((y - centerY) * (y - centerY) + (x - centerX) * (x - centerX) < radius * radius)
                        value = 255 - value / 2;
                    if (y > 160 && ((x / cell) + (y / cell)) % 2 == 0)
                        value = 40 * c;
                    image[c * Plane + y * ResNet18Cntk.InputWidth + x] = (float)value;
                }
            }
        }
        return image;
    }

    private static float[] Run(InferenceSession session, string inputName, string outputName, float[] input)
    {
        using var tensor = OrtValue.CreateTensorValueFromMemory(input, new long[] { 1, 3, ResNet18Cntk.InputHeight, ResNet18Cntk.InputWidth });
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, new[] { inputName }, new[] { tensor }, new[] { outputName });
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
