using System;
using System.Collections.Generic;
using ConvForge.Training;

namespace ConvForge.Runtime.Tests.Training;

public sealed class OptimizerTests
{
    // 40 floats: [0, 19) group A, [19, 23) untouched gap, [23, 30) frozen, [30, 40) group B.
    // Lengths 19 and 10 exercise both the vector loop and its scalar tail.
    private const int Count = 40;
    private static readonly ParameterGroup GroupA = new(0, 19, learningRateScale: 1f, weightDecay: 0.05f);
    private static readonly ParameterGroup Frozen = new(23, 7, frozen: true);
    private static readonly ParameterGroup GroupB = new(30, 10, learningRateScale: 0.5f, weightDecay: 0f);
    private static readonly ParameterGroup[] Groups = { GroupA, Frozen, GroupB };
    private static readonly double[] Rates = { 0.1, 0.08, 0.05, 0.05, 0.02 };

    private static float[] RandomVector(Random random, float scale)
    {
        var values = new float[Count];
        for (int i = 0; i < Count; i++)
            values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return values;
    }

    private static float[][] GradientSequence(int seed, int steps, float scale)
    {
        var random = new Random(seed);
        var gradients = new float[steps][];
        for (int s = 0; s < steps; s++)
            gradients[s] = RandomVector(random, scale);
        return gradients;
    }

    /// <summary>torch.optim.SGD's update, in double, per element of one group.</summary>
    private static void ReferenceSgd(double[] p, double[] buf, double[] grad, int step, double lr, double wd,
        double momentum, double dampening, bool nesterov, int offset, int length)
    {
        for (int i = offset; i < offset + length; i++)
        {
            double d = grad[i] + wd * p[i];
            if (momentum != 0)
            {
                buf[i] = step == 1 ? d : momentum * buf[i] + (1 - dampening) * d;
                d = nesterov ? d + momentum * buf[i] : buf[i];
            }
            p[i] -= lr * d;
        }
    }

    /// <summary>torch.optim.Adam / AdamW's update, in double, per element of one group.</summary>
    private static void ReferenceAdam(double[] p, double[] m, double[] v, double[] grad, int step, double lr, double wd,
        double beta1, double beta2, double eps, bool decoupled, int offset, int length)
    {
        for (int i = offset; i < offset + length; i++)
        {
            double g = grad[i];
            if (decoupled)
                p[i] *= 1 - lr * wd;
            else
                g += wd * p[i];
            m[i] = beta1 * m[i] + (1 - beta1) * g;
            v[i] = beta2 * v[i] + (1 - beta2) * g * g;
            double bc1 = 1 - Math.Pow(beta1, step);
            double bc2 = 1 - Math.Pow(beta2, step);
            p[i] -= lr / bc1 * m[i] / (Math.Sqrt(v[i]) / Math.Sqrt(bc2) + eps);
        }
    }

    private static void AssertClose(double[] expected, float[] actual, double relative, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = relative * Math.Max(1e-3, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    private static void AssertOutsideGroupsUnchanged(float[] initial, float[] after)
    {
        for (int i = 19; i < 30; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(initial[i]), BitConverter.SingleToInt32Bits(after[i]));
    }

    [Theory]
    [InlineData(0f, 0f, false)]
    [InlineData(0.9f, 0f, false)]
    [InlineData(0.9f, 0.3f, false)]
    [InlineData(0.9f, 0f, true)]
    public void Sgd_matches_the_PyTorch_equations(float momentum, float dampening, bool nesterov)
    {
        var random = new Random(1);
        float[] parameters = RandomVector(random, 1f);
        float[] initial = (float[])parameters.Clone();
        float[][] gradients = GradientSequence(2, Rates.Length, 0.7f);
        var optimizer = new Sgd(Count, Groups, momentum, dampening, nesterov);

        double[] p = Array.ConvertAll(parameters, x => (double)x);
        var buffer = new double[Count];
        for (int s = 0; s < Rates.Length; s++)
        {
            optimizer.Step(parameters, gradients[s], Rates[s]);
            double[] g = Array.ConvertAll(gradients[s], x => (double)x);
            ReferenceSgd(p, buffer, g, s + 1, Rates[s], 0.05, momentum, dampening, nesterov, 0, 19);
            ReferenceSgd(p, buffer, g, s + 1, Rates[s] * 0.5, 0, momentum, dampening, nesterov, 30, 10);
        }

        AssertClose(p, parameters, 1e-5, "parameter");
        AssertOutsideGroupsUnchanged(initial, parameters);
        if (momentum != 0)
            AssertClose(buffer, optimizer.ExportState().Buffers[Sgd.MomentumBufferName], 1e-5, "momentum");
        Assert.Equal(Rates.Length, optimizer.StepCount);
        // The steps moved every trained parameter.
        for (int i = 0; i < 19; i++)
            Assert.NotEqual(initial[i], parameters[i]);
    }

    [Theory]
    [InlineData(false, 1e-8f)]
    [InlineData(false, 1e-3f)]
    [InlineData(true, 1e-8f)]
    [InlineData(true, 1e-3f)]
    public void Adam_and_AdamW_match_the_PyTorch_equations(bool decoupled, float epsilon)
    {
        // Gradients of 1e-3 make eps = 1e-3 weigh as much as the root of the second moment, so its placement shows.
        var random = new Random(3);
        float[] parameters = RandomVector(random, 1f);
        float[] initial = (float[])parameters.Clone();
        float[][] gradients = GradientSequence(4, Rates.Length, 2e-3f);
        Adam optimizer = decoupled
            ? new AdamW(Count, Groups, beta1: 0.8f, beta2: 0.95f, epsilon: epsilon)
            : new Adam(Count, Groups, beta1: 0.8f, beta2: 0.95f, epsilon: epsilon);

        double[] p = Array.ConvertAll(parameters, x => (double)x);
        var m = new double[Count];
        var v = new double[Count];
        for (int s = 0; s < Rates.Length; s++)
        {
            optimizer.Step(parameters, gradients[s], Rates[s]);
            double[] g = Array.ConvertAll(gradients[s], x => (double)x);
            ReferenceAdam(p, m, v, g, s + 1, Rates[s], 0.05, 0.8f, 0.95f, epsilon, decoupled, 0, 19);
            ReferenceAdam(p, m, v, g, s + 1, Rates[s] * 0.5, 0, 0.8f, 0.95f, epsilon, decoupled, 30, 10);
        }

        AssertClose(p, parameters, 2e-5, "parameter");
        OptimizerState state = optimizer.ExportState();
        AssertClose(m, state.Buffers[Adam.FirstMomentName], 1e-4, "first moment");
        AssertClose(v, state.Buffers[Adam.SecondMomentName], 1e-4, "second moment");
        AssertOutsideGroupsUnchanged(initial, parameters);
    }

    [Fact]
    public void The_first_Adam_step_moves_each_parameter_by_the_learning_rate()
    {
        // Bias correction makes step one exactly lr * g / (|g| + eps): about lr in magnitude for |g| >> eps.
        var parameters = new float[] { 1f, -2f, 0.5f };
        var optimizer = new Adam(3);
        optimizer.Step(parameters, new float[] { 0.3f, -4f, 1e-2f }, 0.01);
        Assert.Equal(1f - 0.01f, parameters[0], 1e-6f);
        Assert.Equal(-2f + 0.01f, parameters[1], 1e-6f);
        Assert.Equal(0.5f - 0.01f, parameters[2], 1e-6f);
    }

    internal static Optimizer Create(string kind, int count, IEnumerable<ParameterGroup>? groups) => kind switch
    {
        "sgd" => new Sgd(count, groups),
        "momentum" => new Sgd(count, groups, momentum: 0.9f),
        "nesterov" => new Sgd(count, groups, momentum: 0.9f, nesterov: true),
        "adam" => new Adam(count, groups),
        "adamw" => new AdamW(count, groups),
        _ => throw new ArgumentException(kind),
    };

    [Theory]
    [InlineData("sgd")]
    [InlineData("momentum")]
    [InlineData("nesterov")]
    [InlineData("adam")]
    [InlineData("adamw")]
    public void Resuming_from_a_snapshot_gives_identical_bits(string kind)
    {
        float[][] gradients = GradientSequence(7, 30, 0.5f);
        var parameters = RandomVector(new Random(8), 1f);
        var first = Create(kind, Count, Groups);
        for (int s = 0; s < 10; s++)
            first.Step(parameters, gradients[s], 0.01 * (s + 1));
        OptimizerState snapshot = first.ExportState();
        float[] parametersAtSnapshot = (float[])parameters.Clone();
        for (int s = 10; s < 20; s++)
            first.Step(parameters, gradients[s], 0.01 * (s + 1));
        // The snapshot is a copy: later steps do not change it.
        Assert.Equal(10, snapshot.StepCount);

        var second = Create(kind, Count, Groups);
        second.ImportState(snapshot);
        float[] resumed = (float[])parametersAtSnapshot.Clone();
        for (int s = 10; s < 20; s++)
            second.Step(resumed, gradients[s], 0.01 * (s + 1));

        Assert.Equal(BitsOf(parameters), BitsOf(resumed));
        OptimizerState a = first.ExportState(), b = second.ExportState();
        Assert.Equal(a.StepCount, b.StepCount);
        foreach (string name in first.StateNames)
            Assert.Equal(BitsOf(a.Buffers[name]), BitsOf(b.Buffers[name]));
        Assert.NotEqual(BitsOf(parametersAtSnapshot), BitsOf(parameters));
    }

    private static int[] BitsOf(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);

    [Theory]
    [InlineData("sgd")]
    [InlineData("momentum")]
    [InlineData("nesterov")]
    [InlineData("adam")]
    [InlineData("adamw")]
    public void A_step_does_not_allocate(string kind)
    {
        const int Large = 1000;
        var groups = new[] { new ParameterGroup(0, 600, weightDecay: 0.01f), new ParameterGroup(600, 100, frozen: true), new ParameterGroup(700, 300, 0.1f) };
        var optimizer = Create(kind, Large, groups);
        var parameters = new float[Large];
        var gradients = new float[Large];
        gradients.AsSpan().Fill(0.25f);
        for (int s = 0; s < 5; s++)
            optimizer.Step(parameters, gradients, 0.01);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int s = 0; s < 100; s++)
        {
            optimizer.Step(parameters, gradients, 0.01);
            GradientClipping.ClipByGlobalNorm(gradients, groups, 1e6f);
            GradientClipping.ClipByValue(gradients, groups, 1e6f);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.NotEqual(0f, parameters[0]);
    }

    [Fact]
    public void Import_rejects_a_state_of_another_shape()
    {
        var adamState = new Adam(Count).ExportState();
        var sgd = new Sgd(Count, momentum: 0.9f);
        var error = Assert.Throws<ArgumentException>(() => sgd.ImportState(adamState));
        Assert.Contains("momentum_buffer", error.Message);
        var shortState = new Sgd(Count - 1, momentum: 0.9f).ExportState();
        error = Assert.Throws<ArgumentException>(() => sgd.ImportState(shortState));
        Assert.Contains("39", error.Message);
    }

    [Fact]
    public void Bad_groups_and_buffers_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new Sgd(10, new[] { new ParameterGroup(0, 6), new ParameterGroup(5, 3) }));
        Assert.Throws<ArgumentException>(() => new Sgd(10, new[] { new ParameterGroup(8, 3) }));
        Assert.Throws<ArgumentException>(() => new Sgd(10, nesterov: true));
        var sgd = new Sgd(10);
        Assert.Throws<ArgumentException>(() => sgd.Step(new float[10], new float[9], 0.1));
        Assert.Throws<ArgumentException>(() => sgd.Step(new float[10], new float[10], double.NaN));
    }
}
