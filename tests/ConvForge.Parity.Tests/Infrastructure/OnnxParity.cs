using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using ConvForge.Kernels;
using Microsoft.ML.OnnxRuntime;

namespace ConvForge.Parity.Tests.Infrastructure;

/// <summary>
/// The parity check: a generated network's forward pass against ONNX Runtime running the same network,
/// exported with <c>ExportOnnx</c>, on the same weights and the same input.
/// </summary>
/// <remarks>
/// The tolerance is relative to the output's scale: max |ours - ORT| &lt;= 1e-4 x max |ORT| over the whole
/// output (<see cref="RelativeTolerance"/>). Both sides compute in float with their own order of sums, so
/// neither is exact; 1e-4 leaves room for that on networks 50 layers deep and none for a wrong tap,
/// channel or padding lane.
/// </remarks>
public static class OnnxParity
{
    /// <summary>max |ours - ORT| must not exceed this times max |ORT|.</summary>
    public const double RelativeTolerance = 1e-4;

    /// <summary>Images in the batched check.</summary>
    public const int BatchSize = 3;

    /// <summary>
    /// The kernel families this process can run with hardware support, best first: each test runs on each
    /// of them by forcing it on its instance (<c>UseKernels</c>). Under DOTNET_EnableAVX512=0 that leaves
    /// AVX2 and portable; under DOTNET_EnableHWIntrinsic=0, portable alone.
    /// </summary>
    public static IReadOnlyList<KernelFamily> Families { get; } =
        new[] { KernelFamily.Avx512, KernelFamily.Avx2, KernelFamily.Portable }.Where(KernelFamilies.IsSupported).ToArray();

    /// <summary>
    /// AVX-512 on a machine without it, when the process has AVX2: .NET then runs each Vector512 operation in
    /// software on hardware Vector256 halves, slower (ResNet-50's test takes 8 s instead of 3) but exact, so
    /// the 16-channel layout and the AVX-512 code paths are checked on every CI machine. Not under
    /// DOTNET_EnableAVX512=0, the run that is about the AVX2 path.
    /// </summary>
    public static IReadOnlyList<KernelFamily> EmulatedFamilies { get; } =
        !KernelFamilies.IsSupported(KernelFamily.Avx512) && KernelFamilies.IsSupported(KernelFamily.Avx2)
        && Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") != "0"
            ? new[] { KernelFamily.Avx512 }
            : Array.Empty<KernelFamily>();

    /// <summary>Every family the tests run here: <see cref="Families"/>, then <see cref="EmulatedFamilies"/>.</summary>
    public static IReadOnlyList<KernelFamily> TestedFamilies { get; } = Families.Concat(EmulatedFamilies).ToArray();

    private static readonly ConcurrentDictionary<(Type, ulong), Lazy<Reference>> s_references = new();

    /// <summary>What ONNX Runtime computes for one network, weights and inputs.</summary>
    /// <param name="Single">One image's input.</param>
    /// <param name="SingleOutput">ORT's output for it.</param>
    /// <param name="Batch">Inputs of <see cref="BatchSize"/> images (other images than <see cref="Single"/>).</param>
    /// <param name="BatchOutput">ORT's output for them.</param>
    /// <param name="OutputShape">ORT's output shape for the batch.</param>
    public sealed record Reference(float[] Single, float[] SingleOutput, float[] Batch, float[] BatchOutput, long[] OutputShape);

    /// <summary>
    /// ONNX Runtime's outputs for <paramref name="type"/> with <see cref="SetTestParameters"/>(seed), computed
    /// once per process and shared by the families' tests.
    /// </summary>
    public static Reference ReferenceFor(Type type, ulong seed) =>
        s_references.GetOrAdd((type, seed), key => new Lazy<Reference>(() => ComputeReference(key.Item1, key.Item2))).Value;

    /// <summary>
    /// Runs <paramref name="type"/> with <paramref name="family"/> forced, on one image and on a batch, and
    /// asserts both outputs match ONNX Runtime's within <see cref="RelativeTolerance"/>.
    /// </summary>
    /// <param name="what">Names the case in failure messages (the declaration, for random networks).</param>
    public static void AssertMatchesOnnxRuntime(Type type, KernelFamily family, ulong seed, string what)
    {
        Reference reference;
        try
        {
            reference = ReferenceFor(type, seed);
        }
        catch (OnnxRuntimeException exception)
        {
            throw new Xunit.Sdk.XunitException($"{what}: ONNX Runtime rejects the exported model: {exception.Message}");
        }
        var network = new GeneratedNetwork(type);
        network.UseKernels(family);
        Assert.Equal(family, network.KernelFamily);
        SetTestParameters(network, seed);

        var output = NaNs(network.OutputLength);
        network.Forward(reference.Single, output);
        AssertClose(reference.SingleOutput, output, reference.OutputShape.Skip(1).ToArray(), $"{what}, {family}, one image");

        var batchOutput = NaNs(BatchSize * network.OutputLength);
        network.Forward(reference.Batch, batchOutput, BatchSize);
        AssertClose(reference.BatchOutput, batchOutput, reference.OutputShape, $"{what}, {family}, batch of {BatchSize}");
    }

    /// <summary>
    /// The weights every side uses: the network's own initialization from <paramref name="seed"/>, then
    /// random biases and batch-norm statistics away from the identity (gamma in [0.5, 1.5), beta and the
    /// running mean in [-0.5, 0.5), the running variance in [0.5, 2)), so that folding batch norm into a
    /// convolution changes the weights and a bias that is dropped or added twice shows.
    /// </summary>
    public static void SetTestParameters(GeneratedNetwork network, ulong seed)
    {
        network.InitializeParameters(seed);
        var store = network.Parameters;
        var random = DeterministicRandom.ForStream(seed, "test parameters");
        foreach (var node in network.Definition.Nodes)
        {
            if (node.Bias is { } bias)
                Fill(store.GetWritableTensor(bias), ref random, -0.5, 0.5);
            if (node.Kind != OpKind.BatchNorm)
                continue;
            Fill(store.GetWritableTensor(node.Gamma!), ref random, 0.5, 1.5);
            Fill(store.GetWritableTensor(node.Beta!), ref random, -0.5, 0.5);
            Fill(store.GetWritableTensor(node.RunningMean!), ref random, -0.5, 0.5);
            Fill(store.GetWritableTensor(node.RunningVar!), ref random, 0.5, 2);
        }
    }

    /// <summary>max |actual - expected| &lt;= <see cref="RelativeTolerance"/> x max |expected|, and nothing left unwritten (NaN).</summary>
    /// <param name="shape">The output's shape (with or without the batch), to name the worst element.</param>
    public static void AssertClose(float[] expected, float[] actual, long[] shape, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0, worst = 0;
        var worstIndex = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(float.IsFinite(expected[i]), $"{what}: ONNX Runtime gave {expected[i]} at {i}.");
            scale = Math.Max(scale, Math.Abs(expected[i]));
            var error = Math.Abs((double)actual[i] - expected[i]);
            if (!(error <= worst))   // NaN counts as the worst
            {
                worst = error;
                worstIndex = i;
            }
        }
        // An all-zero reference (a last ReLU that clips everything) leaves a tolerance of 0: ours must be zeros too.
        Assert.True(worst <= RelativeTolerance * scale,
            $"{what}: max abs error {worst:G4} at {Coordinates(worstIndex, shape)} (ours {actual[worstIndex]:G9}, ONNX Runtime {expected[worstIndex]:G9}) "
            + $"exceeds {RelativeTolerance} x max |ONNX Runtime| = {RelativeTolerance * scale:G4} ({Mismatches(expected, actual, RelativeTolerance * scale)} of {expected.Length} elements off).");
    }

    private static Reference ComputeReference(Type type, ulong seed)
    {
        var network = new GeneratedNetwork(type);
        SetTestParameters(network, seed);
        var model = network.ExportOnnx();
        var input = network.Definition.InputShape;
        var single = RandomValues(input.Length, DeterministicRandom.ForStream(seed, "input"));
        var batch = RandomValues(BatchSize * input.Length, DeterministicRandom.ForStream(seed, "batch input"));

        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        using var session = new InferenceSession(model, options);
        var (singleOutput, _) = Run(session, single, 1, input);
        var (batchOutput, shape) = Run(session, batch, BatchSize, input);
        Assert.Equal(BatchSize, shape[0]);
        Assert.Equal(network.OutputLength, (int)shape.Skip(1).Aggregate(1L, (a, b) => a * b));
        return new Reference(single, singleOutput, batch, batchOutput, shape);
    }

    private static (float[] Values, long[] Shape) Run(InferenceSession session, float[] input, int batch, TensorShape shape)
    {
        using var tensor = OrtValue.CreateTensorValueFromMemory(input, new long[] { batch, shape.Channels, shape.Height, shape.Width });
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, new[] { OnnxExporter.InputName }, new[] { tensor }, new[] { OnnxExporter.OutputName });
        return (results[0].GetTensorDataAsSpan<float>().ToArray(), results[0].GetTensorTypeAndShape().Shape);
    }

    /// <summary>Uniform values in [-1, 1).</summary>
    private static float[] RandomValues(int count, DeterministicRandom random)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
            values[i] = (float)random.NextDouble(-1, 1);
        return values;
    }

    private static void Fill(Span<float> tensor, ref DeterministicRandom random, double low, double high)
    {
        for (var i = 0; i < tensor.Length; i++)
            tensor[i] = (float)random.NextDouble(low, high);
    }

    private static float[] NaNs(int length)
    {
        var values = new float[length];
        Array.Fill(values, float.NaN);
        return values;
    }

    private static int Mismatches(float[] expected, float[] actual, double tolerance)
    {
        var count = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs((double)actual[i] - expected[i]) <= tolerance))
                count++;
        }
        return count;
    }

    /// <summary>"[1, 5, 3, 2]" for a flat index into <paramref name="shape"/>.</summary>
    private static string Coordinates(int index, long[] shape)
    {
        var coordinates = new long[shape.Length];
        long rest = index;
        for (var d = shape.Length - 1; d >= 0; d--)
        {
            coordinates[d] = rest % shape[d];
            rest /= shape[d];
        }
        return "[" + string.Join(", ", coordinates) + "]";
    }
}
