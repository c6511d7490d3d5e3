using System;
using System.Collections.Generic;
using System.Linq;
using ConvForge.Kernels;
using ConvForge.Runtime.Tests.Onnx;

namespace ConvForge.Runtime.Tests.Training.GradientChecks;

/// <summary>
/// The double-precision training reference checked before it judges anyone: in inference mode against the generated
/// forward pass and against the ONNX tests' float interpreter, in training mode against what batch normalization
/// and a softmax cross-entropy are by definition.
/// </summary>
public class TrainingReferenceTests
{
    /// <summary>
    /// Inference mode (running statistics, dropout off) against the generated forward pass of every check network on
    /// every family: max |forward - reference| &lt;= 1e-4 x max |reference| (<see cref="OnnxRuntimeHarness.AssertClose"/>).
    /// </summary>
    [Theory]
    [MemberData(nameof(CheckNetworks.NamesAndFamilies), MemberType = typeof(CheckNetworks))]
    public void Inference_mode_matches_the_generated_forward_pass(string name, KernelFamily family)
    {
        var network = CheckNetworks.All[name];
        var batch = CheckBatch.Create(network.Definition, batch: 2, seed: 31);
        var instance = network.Create();
        instance.UseKernels(family);
        batch.Parameters.CopyTo(instance.Parameters.GetWritableValues());
        instance.Parameters.MarkChanged();
        var output = new float[2 * network.Definition.OutputShape.Length];
        instance.Forward(batch.Images, output, 2);

        var outputs = TrainingReference.Forward(network.Definition, Doubles(batch.Parameters), Doubles(batch.Images), 2, ReferenceMode.Inference);
        OnnxRuntimeHarness.AssertClose(Floats(outputs[^1]), output, $"{name} on {family}");
    }

    /// <summary>
    /// Inference mode against <see cref="ReferenceInterpreter"/> on the ONNX parity networks, which between them use
    /// every <see cref="OpKind"/> and the easily-wrong settings: the two agree to float rounding (1e-5 x max).
    /// </summary>
    [Theory]
    [MemberData(nameof(ParityNetworks.Names), MemberType = typeof(ParityNetworks))]
    public void Inference_mode_agrees_with_the_float_interpreter_on_every_operation(string name)
    {
        var network = ParityNetworks.All[name]();
        var parameters = OnnxRuntimeHarness.TestParameters(network, seed: 3);
        var input = OnnxRuntimeHarness.RandomValues(2 * network.InputShape.Length, seed: 4);
        var expected = ReferenceInterpreter.RunAll(network, parameters, input, batch: 2);
        var actual = TrainingReference.Forward(network, Doubles(parameters), Doubles(input), 2, ReferenceMode.Inference);
        for (var node = 1; node < expected.Length; node++)
            AssertClose(expected[node], actual[node], 1e-5, $"{name}, node {network.Nodes[node].Name}");
    }

    /// <summary>Training-mode BatchNorm: with gamma 1 and beta 0 every channel has mean 0 and variance var / (var + eps) over the batch; the running statistics play no part.</summary>
    [Fact]
    public void Training_mode_batch_norm_uses_the_batch_statistics()
    {
        var builder = new NetworkBuilder("Bn", new TensorShape(3, 4, 5));
        builder.BatchNorm("Bn", builder.Input, epsilon: 1e-3);
        var network = builder.Build();
        var node = network.Nodes[1];
        var parameters = new double[network.ParameterLength];
        for (var c = 0; c < 3; c++)
        {
            parameters[node.Gamma!.Offset + c] = 1;
            parameters[node.RunningMean!.Offset + c] = 100; // would dominate the output if it were used
            parameters[node.RunningVar!.Offset + c] = 1e4;
        }
        const int batch = 3;
        var input = Doubles(OnnxRuntimeHarness.RandomValues(batch * 60, seed: 9, scale: 4));

        var output = TrainingReference.Forward(network, parameters, input, batch, ReferenceMode.Training)[1];
        for (var c = 0; c < 3; c++)
        {
            var x = Channel(input, c);
            var y = Channel(output, c);
            var variance = x.Select(v => (v - x.Average()) * (v - x.Average())).Average();
            Assert.Equal(0, y.Average(), 12);
            Assert.Equal(variance / (variance + 1e-3), y.Select(v => v * v).Average(), 12);
        }

        static double[] Channel(double[] values, int c) =>
            Enumerable.Range(0, batch).SelectMany(n => values.Skip((n * 3 + c) * 20).Take(20)).ToArray();
    }

    /// <summary>
    /// The finite differences of the reference loss against the closed form of a dense layer under softmax
    /// cross-entropy, d loss / d W[u, k] = mean over images of (softmax[u] - onehot[u]) x[k] (and without x for the
    /// bias): agreement to 1e-7 x the largest entry shows the loss, its mean over the batch and the differencing are right.
    /// </summary>
    [Fact]
    public void Finite_differences_match_the_closed_form_gradient_of_a_dense_softmax_classifier()
    {
        var builder = new NetworkBuilder("DenseSoftmax", new TensorShape(2, 3, 2));
        var flat = builder.Flatten("Flatten", builder.Input);
        var dense = builder.Dense("Dense", flat, 4);
        builder.Softmax("Output", dense);
        var network = builder.Build();
        var batch = CheckBatch.Create(network, batch: 3, seed: 12);
        var indices = Enumerable.Range(0, network.ParameterLength).ToArray();

        var numeric = FiniteDifferences.Gradient(network, batch, indices);

        var weight = network.Nodes[dense].Weight!;
        var bias = network.Nodes[dense].Bias!;
        var logits = TrainingReference.Forward(network, Doubles(batch.Parameters), Doubles(batch.Images), 3, ReferenceMode.Training)[dense];
        var closedForm = new float[network.ParameterLength];
        for (var n = 0; n < 3; n++)
        {
            var row = logits.AsSpan(n * 4, 4).ToArray();
            var sum = row.Sum(v => Math.Exp(v - row.Max()));
            for (var u = 0; u < 4; u++)
            {
                var error = (Math.Exp(row[u] - row.Max()) / sum - (u == batch.Labels[n] ? 1 : 0)) / 3;
                closedForm[bias.Offset + u] += (float)error;
                for (var k = 0; k < 12; k++)
                    closedForm[weight.Offset + u * 12 + k] += (float)(error * batch.Images[n * 12 + k]);
            }
        }
        FiniteDifferences.AssertAgree(network, indices, numeric, closedForm, absolute: 1e-7, relative: 0, "dense softmax classifier");
    }

    /// <summary>Training-mode Dropout multiplies by the mask it is given; inference mode copies.</summary>
    [Fact]
    public void Dropout_applies_the_given_mask_in_training_mode_only()
    {
        var builder = new NetworkBuilder("Drop", new TensorShape(2, 2, 2));
        builder.Dropout("Drop", builder.Input, rate: 0.5);
        var network = builder.Build();
        var input = Doubles(OnnxRuntimeHarness.RandomValues(8, seed: 2));
        var mask = new double[] { 0, 2, 2, 0, 2, 0, 0, 2 };

        var trained = TrainingReference.Forward(network, Array.Empty<double>(), input, 1, ReferenceMode.Training, new Dictionary<int, double[]> { [1] = mask })[1];
        var inferred = TrainingReference.Forward(network, Array.Empty<double>(), input, 1, ReferenceMode.Inference)[1];

        Assert.Equal(input.Zip(mask, (x, m) => x * m), trained);
        Assert.Equal(input, inferred);
        Assert.Throws<ArgumentException>(() => TrainingReference.Forward(network, Array.Empty<double>(), input, 1, ReferenceMode.Training));
    }

    internal static double[] Doubles(float[] values) => values.Select(v => (double)v).ToArray();

    private static float[] Floats(double[] values) => values.Select(v => (float)v).ToArray();

    private static void AssertClose(float[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = expected.Length == 0 ? 0 : expected.Max(v => Math.Abs((double)v));
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance * scale,
                $"{what}: at {i} the double reference gives {actual[i]:G9}, the float interpreter {expected[i]:G9} (scale {scale:G4}).");
    }
}
