using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using ConvForge.Kernels;
using ConvForge.Parity.Tests.Infrastructure;
using ConvForge.Samples;
using Microsoft.ML.OnnxRuntime;

namespace ConvForge.Parity.Tests;

/// <summary>
/// NaN and infinite input pixels, on every kernel family this process runs, against ONNX Runtime on the same
/// export and weights: every output ORT gives as NaN must be NaN here, every infinity the same infinity, and the
/// finite outputs must agree within <see cref="OnnxParity.RelativeTolerance"/> x max |finite ORT output|.
/// </summary>
/// <remarks>
/// Max pooling follows PyTorch: a NaN anywhere in the window gives NaN. ONNX Runtime 1.31.1's MaxPool and
/// GlobalMaxPool do not: they drop a NaN that shares its window with numbers (a padded 3x3 pool even gives
/// -3.4e38 for an all-NaN window in its last column). So scattered NaN pixels go through networks whose max
/// pools see them only as whole NaN windows, i.e. the all-NaN image; the kernel tests
/// (ConvForge.Runtime.Tests, NonFiniteTests) check the PyTorch rule for partial windows.
/// </remarks>
public sealed class NonFiniteParityTests
{
    private const string Namespace = "ConvForge.Parity.NonFinite";
    private const string ScatteredPixels = "NaN and Inf pixels";
    private const string AllNaN = "all NaN";

    /// <summary>Name, the inputs it runs on, declaration. Channel counts leave padding lanes in blocks of 8 and of 16.</summary>
    private static readonly (string Name, string[] Inputs, string Declaration)[] s_networks =
    {
        ("FusedActivations", new[] { ScatteredPixels, AllNaN }, """
            [Network(Channels = 3, Height = 12, Width = 12)]
            public partial class FusedActivations
            {
                [Conv(10, Kernel = 3, Padding = 1), Relu]                  public partial Layer Conv1 { get; }
                [Conv(12, Kernel = 1), Relu6]                              public partial Layer Conv2 { get; }
                [Conv(5, Kernel = 3, Padding = 1), LeakyRelu(Slope = 0.2)] public partial Layer Conv3 { get; }
            }
            """),
        ("MaxPools", new[] { AllNaN }, """
            [Network(Channels = 3, Height = 12, Width = 12)]
            public partial class MaxPools
            {
                [Conv(10, Kernel = 3, Padding = 1), Relu]                  public partial Layer Conv1 { get; }
                [MaxPool(2)]                                               public partial Layer Pool1 { get; }
                [Conv(5, Kernel = 1), Relu6]                               public partial Layer Conv2 { get; }
                [MaxPool(3, Stride = 1)]                                   public partial Layer Pool2 { get; }
            }
            """),
        ("GlobalMax", new[] { AllNaN }, """
            [Network(Channels = 2, Height = 9, Width = 9)]
            public partial class GlobalMax
            {
                [Conv(19, Kernel = 1), Relu]                               public partial Layer Conv { get; }
                [GlobalMaxPool]                                            public partial Layer Pool { get; }
            }
            """),
    };

    private static readonly Lazy<(Assembly? Assembly, string Errors)> s_compiled = new(() => TestTimeCompiler.Compile(
        s_networks.Select(n => (n.Name + ".cs", "using ConvForge;\n\nnamespace " + Namespace + ";\n\n" + n.Declaration)).ToList(),
        Namespace));

    public static IEnumerable<object[]> Cases =>
        from network in s_networks.Select(n => (n.Name, n.Inputs)).Append((Name: nameof(TinyResidualNet), Inputs: new[] { ScatteredPixels, AllNaN }))
        from input in network.Inputs
        from family in OnnxParity.TestedFamilies
        select new object[] { network.Name, input, family };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Non_finite_inputs_give_what_onnx_runtime_gives(string network, string input, KernelFamily family)
    {
        Type type;
        if (network == nameof(TinyResidualNet))
            type = typeof(TinyResidualNet);
        else
        {
            var (assembly, errors) = s_compiled.Value;
            Assert.True(assembly is not null, "The test networks do not compile:\n" + errors);
            type = assembly!.GetType(Namespace + "." + network, throwOnError: true)!;
        }

        var ours = new GeneratedNetwork(type);
        OnnxParity.SetTestParameters(ours, seed: 7);
        var shape = ours.Definition.InputShape;
        var image = input == AllNaN ? Filled(shape.Length, float.NaN) : WithNonFinitePixels(shape.Channels, shape.Height, shape.Width);
        var expected = RunOnnxRuntime(ours.ExportOnnx(), image, shape);

        ours.UseKernels(family);
        var actual = new float[ours.OutputLength];
        Array.Fill(actual, 12345f); // not NaN: an output left unwritten must not pass as a propagated NaN
        ours.Forward(image, actual);

        string what = $"{network}, {input}, {family}";
        // Not vacuous: ORT's output holds NaN, and on the spatial network the scattered pixels leave finite
        // outputs elsewhere (TinyResidualNet's global pool mixes all pixels). The infinite pixel ends as NaN
        // where +Inf and -Inf products meet, and as 6 or 0 after the ReLU6.
        Assert.Contains(expected, float.IsNaN);
        if (input == ScatteredPixels && network != nameof(TinyResidualNet))
            Assert.Contains(expected, float.IsFinite);
        AssertSame(expected, actual, what);
    }

    /// <summary>
    /// Uniform values in [-1, 1), then: NaN in every channel of two pixels (one at the border), NaN in one
    /// channel of a third, +Inf in one channel of a fourth, -Inf in one channel of a fifth.
    /// </summary>
    private static float[] WithNonFinitePixels(int channels, int height, int width)
    {
        var random = new Random(3);
        var image = new float[channels * height * width];
        for (int i = 0; i < image.Length; i++)
            image[i] = (float)(random.NextDouble() * 2 - 1);
        int plane = height * width;
        int At(int y, int x) => y * width + x;
        for (int c = 0; c < channels; c++)
        {
            image[c * plane + At(1, 2)] = float.NaN;
            image[c * plane + At(height - 1, 0)] = float.NaN;
        }
        image[(channels - 1) * plane + At(height / 2, width - 3)] = float.NaN;
        image[At(height - 3, 3)] = float.PositiveInfinity;
        image[(channels - 1) * plane + At(3, width / 2 + 1)] = float.NegativeInfinity;
        return image;
    }

    private static float[] RunOnnxRuntime(byte[] model, float[] image, TensorShape shape)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        using var session = new InferenceSession(model, options);
        using var tensor = OrtValue.CreateTensorValueFromMemory(image, new long[] { 1, shape.Channels, shape.Height, shape.Width });
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, new[] { OnnxExporter.InputName }, new[] { tensor }, new[] { OnnxExporter.OutputName });
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Non-finite values identical (NaN for NaN), finite ones within the parity tolerance of the finite scale.</summary>
    private static void AssertSame(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var mismatches = Enumerable.Range(0, expected.Length)
            .Where(i => !float.IsFinite(expected[i]) ? !expected[i].Equals(actual[i]) : !float.IsFinite(actual[i]))
            .ToArray();
        Assert.True(mismatches.Length == 0,
            $"{what}: {mismatches.Length} of {expected.Length} outputs differ in NaN or infinity (index: ours / ONNX Runtime): "
            + string.Join(", ", mismatches.Take(40).Select(i => $"{i}: {actual[i]} / {expected[i]}")));
        var finite = Enumerable.Range(0, expected.Length).Where(i => float.IsFinite(expected[i])).ToArray();
        if (finite.Length == 0)
            return;
        double scale = finite.Max(i => Math.Abs((double)expected[i]));
        int worst = finite.MaxBy(i => Math.Abs((double)actual[i] - expected[i]));
        double error = Math.Abs((double)actual[worst] - expected[worst]);
        Assert.True(error <= OnnxParity.RelativeTolerance * scale,
            $"{what}: output {worst} is {actual[worst]:G9}, ONNX Runtime {expected[worst]:G9} (error {error:G4}, allowed {OnnxParity.RelativeTolerance * scale:G4}).");
    }

    private static float[] Filled(int length, float value)
    {
        var values = new float[length];
        Array.Fill(values, value);
        return values;
    }
}
