using System;
using System.Collections.Generic;
using Microsoft.ML.OnnxRuntime;

namespace ConvForge.Runtime.Tests.Onnx;

/// <summary>Runs exported models in ONNX Runtime and compares them with the reference interpreter.</summary>
internal static class OnnxRuntimeHarness
{
    /// <summary>
    /// The parity tolerance, relative to the output's scale: max |ORT - reference| must not exceed
    /// 1e-4 * max |reference| (the tolerance issue 3 sets for the forward pass).
    /// </summary>
    public const double RelativeTolerance = 1e-4;

    /// <summary>The model's output for <paramref name="input"/> (batch x C x H x W floats) and its shape.</summary>
    public static (float[] Values, long[] Shape) Run(byte[] model, float[] input, int batch, TensorShape inputShape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using var tensor = OrtValue.CreateTensorValueFromMemory(input, new long[] { batch, inputShape.Channels, inputShape.Height, inputShape.Width });
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, new[] { OnnxExporter.InputName }, new[] { tensor }, new[] { OnnxExporter.OutputName });
        var output = results[0];
        return (output.GetTensorDataAsSpan<float>().ToArray(), output.GetTensorTypeAndShape().Shape);
    }

    /// <summary>
    /// Exports <paramref name="network"/> with <paramref name="parameters"/>, runs it in ONNX Runtime and
    /// in <see cref="ReferenceInterpreter"/> on the same input, and asserts they agree within
    /// <see cref="RelativeTolerance"/>. Returns the largest error relative to the output's scale.
    /// </summary>
    public static double AssertMatchesReference(NetworkDefinition network, float[] parameters, int batch, ulong inputSeed, double inputScale = 1)
    {
        var input = RandomValues(batch * network.InputShape.Length, inputSeed, inputScale);
        var model = OnnxExporter.ExportToArray(network, parameters);
        var (actual, shape) = Run(model, input, batch, network.InputShape);
        var expected = ReferenceInterpreter.Run(network, parameters, input, batch);

        var o = network.OutputShape;
        var expectedShape = shape.Length == 2
            ? new long[] { batch, o.Channels }
            : new long[] { batch, o.Channels, o.Height, o.Width };
        Assert.Equal(expectedShape, shape);
        if (shape.Length == 2)
            Assert.True(o.Height == 1 && o.Width == 1, $"A 2-D output needs a Cx1x1 shape, not {o}.");
        return AssertClose(expected, actual, network.Name);
    }

    /// <summary>max |actual - expected| &lt;= 1e-4 * max |expected|; returns the ratio of the two.</summary>
    public static double AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0, worst = 0;
        var worstIndex = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.False(float.IsNaN(expected[i]), $"{what}: the reference gave NaN at {i}.");
            scale = Math.Max(scale, Math.Abs(expected[i]));
            var error = Math.Abs((double)actual[i] - expected[i]);
            if (!(error <= worst))
            {
                worst = error;
                worstIndex = i;
            }
        }
        Assert.True(scale > 0, $"{what}: the reference output is all zeros, which would make the comparison meaningless.");
        Assert.True(worst <= RelativeTolerance * scale,
            $"{what}: max abs error {worst:G4} at index {worstIndex} (ORT {actual[worstIndex]:G9}, reference {expected[worstIndex]:G9}) exceeds {RelativeTolerance} x max |reference| {scale:G4}.");
        return worst / scale;
    }

    /// <summary>Uniform values in [-scale, scale) from a seed.</summary>
    public static float[] RandomValues(int count, ulong seed, double scale = 1)
    {
        var random = new DeterministicRandom(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
            values[i] = (float)random.NextDouble(-scale, scale);
        return values;
    }

    /// <summary>
    /// Parameters that exercise every path: the seeded initialization, then random biases, BatchNorm
    /// shifts and scales, running means, and running variances in [0.5, 2).
    /// </summary>
    public static float[] TestParameters(NetworkDefinition network, ulong seed)
    {
        var store = new ParameterStore(network);
        store.Initialize(seed);
        var random = new DeterministicRandom(seed ^ 0x5EED);
        foreach (var node in network.Nodes)
        {
            var randomized = new List<ParameterInfo>();
            if (node.Bias is { } bias)
                randomized.Add(bias);
            if (node.Kind == OpKind.BatchNorm)
                randomized.AddRange(new[] { node.Gamma!, node.Beta!, node.RunningMean! });
            foreach (var parameter in randomized)
            {
                var tensor = store.GetWritableTensor(parameter);
                for (var i = 0; i < tensor.Length; i++)
                    tensor[i] = (float)random.NextDouble(-0.5, 0.5) + (parameter == node.Gamma ? 1f : 0f);
            }
            if (node.RunningVar is { } variance)
            {
                var tensor = store.GetWritableTensor(variance);
                for (var i = 0; i < tensor.Length; i++)
                    tensor[i] = (float)random.NextDouble(0.5, 2);
            }
        }
        return store.Values.ToArray();
    }
}
