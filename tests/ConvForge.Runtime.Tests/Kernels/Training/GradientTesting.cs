using System;
using System.Linq;
using ConvForge.Kernels;

namespace ConvForge.Runtime.Tests.Kernels.Training;

/// <summary>
/// Shared checks of the training kernels. Tolerances, for every gradient kernel:
/// - against the naive double reference: max |kernel - reference| &lt;= <see cref="KernelTolerance"/> x max |reference|
///   (float arithmetic in another order);
/// - against central finite differences in double of L = sum(g * f(x)) with step <see cref="Step"/>:
///   |kernel - fd| &lt;= <see cref="FiniteDifferenceTolerance"/> x max |reference| at sampled entries (truncation
///   error O(h^2) plus float rounding of the kernel).
/// </summary>
internal static class GradientTesting
{
    public const double KernelTolerance = 1e-4;
    public const double FiniteDifferenceTolerance = 1e-3;
    public const double Step = 1e-3;
    public const int Samples = 24;

    /// <summary>Padding lanes of activations the kernels only read: finite junk that must not leak.</summary>
    public const float ActivationPadding = 0.5f;

    public static double[] Uniform(int length, int seed, double low, double high, params double[] kinks)
    {
        var random = new Random(seed);
        var values = new double[length];
        for (int i = 0; i < length; i++)
        {
            double v;
            do
                v = (float)(low + random.NextDouble() * (high - low));
            while (kinks.Any(k => Math.Abs(v - k) < 0.02));
            values[i] = v;
        }
        return values;
    }

    /// <summary>Distinct values 0.01 apart in random order (no ties within 2 finite-difference steps), centered on 0.</summary>
    public static double[] Distinct(int length, int seed)
    {
        var order = Enumerable.Range(0, length).ToArray();
        new Random(seed).Shuffle(order);
        return order.Select(i => (double)(float)((i - length / 2) * 0.01)).ToArray();
    }

    public static double Dot(double[] a, double[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
            sum += a[i] * b[i];
        return sum;
    }

    /// <summary>Plain NCHW to NCHWc floats (block 1: plain); padding lanes get <paramref name="padding"/>.</summary>
    public static float[] Block(double[] nchw, int channels, int height, int width, int block, float padding) =>
        KernelTesting.ToBlocked(nchw.Select(v => (float)v).ToArray(), channels, height, width, block, padding);

    /// <summary>NCHWc to plain doubles; asserts every padding lane is exactly 0 (gradients keep them so).</summary>
    public static double[] Unblock(float[] blocked, int channels, int height, int width, int block, string what)
    {
        int plane = height * width;
        int padded = (channels + block - 1) / block * block;
        Assert.Equal(padded * plane, blocked.Length);
        var result = new double[channels * plane];
        for (int c = 0; c < padded; c++)
            for (int p = 0; p < plane; p++)
            {
                float v = blocked[((c / block) * plane + p) * block + c % block];
                if (c < channels)
                    result[c * plane + p] = v;
                else
                    Assert.True(v == 0f, $"{what}: padding lane of channel {c} at pixel {p} holds {v}.");
            }
        return result;
    }

    public static double MaxAbs(double[] values) => values.Max(Math.Abs);

    public static void AssertGradient(string what, double[] reference, double[] actual)
    {
        Assert.Equal(reference.Length, actual.Length);
        double scale = MaxAbs(reference);
        Assert.True(scale > 0, $"{what}: the reference gradient is all zeros, so the comparison would prove nothing.");
        int worst = 0;
        double worstError = -1;
        for (int i = 0; i < reference.Length; i++)
        {
            double error = Math.Abs(actual[i] - reference[i]);
            if (!(error <= worstError))
            {
                worstError = error;
                worst = i;
            }
        }
        Assert.True(worstError <= KernelTolerance * scale,
            $"{what}: element {worst} is {actual[worst]}, expected {reference[worst]} (error {worstError:g3}, allowed {KernelTolerance * scale:g3}).");
    }

    /// <summary>Central differences of <paramref name="loss"/> at <see cref="Samples"/> random entries of x (all when fewer) against the kernel's gradient.</summary>
    public static void AssertFiniteDifferences(string what, Func<double[], double> loss, double[] x, double[] gradient, int seed, double scale = 0)
    {
        scale = Math.Max(scale, MaxAbs(gradient));
        Assert.True(scale > 0, $"{what}: the gradient is all zeros.");
        var random = new Random(seed);
        var entries = x.Length <= Samples ? Enumerable.Range(0, x.Length) : Enumerable.Range(0, Samples).Select(_ => random.Next(x.Length));
        foreach (int i in entries)
        {
            var probe = (double[])x.Clone();
            probe[i] = x[i] + Step;
            double plus = loss(probe);
            probe[i] = x[i] - Step;
            double minus = loss(probe);
            double fd = (plus - minus) / (2 * Step);
            Assert.True(Math.Abs(fd - gradient[i]) <= FiniteDifferenceTolerance * scale,
                $"{what}: d L / d x[{i}] is {gradient[i]}, finite differences give {fd} (allowed error {FiniteDifferenceTolerance * scale:g3}).");
        }
    }

    public static double[] Subtract(double[] a, double[] b) => a.Zip(b, (u, v) => u - v).ToArray();
}

/// <summary>One call of a training kernel, generic over the family (one small class per kernel and shape).</summary>
internal interface IGradientKernel
{
    /// <summary>x, y: the layer's input and output; dy: the output gradient; dx: the input gradient, added into.</summary>
    void Run<TKernels>(float[] x, float[] y, float[] dy, float[] dx) where TKernels : struct, IKernelFamily;
}

/// <summary>
/// A one-input layer's backward on every family: the kernel's increment of dx against a naive double reference and
/// against finite differences of L = sum(g * forward(x)); dx starts random (accumulation) with zero padding lanes,
/// which must stay zero; x and y carry finite junk in their padding lanes.
/// </summary>
internal sealed class UnaryGradientCheck(
    (int C, int H, int W) input, (int C, int H, int W) output, Func<int, double[]> sample,
    Func<double[], double[]> forward, Func<double[], double[], double[]> backward, IGradientKernel kernel,
    bool plain = false, bool finiteDifferences = true) : IFamilyCheck
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int b = plain ? 1 : TKernels.BlockSize;
        string what = $"{typeof(TKernels).Name} {kernel.GetType().Name}";
        var x = sample(11);
        var y = forward(x);
        var g = GradientTesting.Uniform(y.Length, 12, -1, 1);
        var initial = GradientTesting.Uniform(x.Length, 13, -1, 1);
        var dx = GradientTesting.Block(initial, input.C, input.H, input.W, b, 0f);
        var dy = GradientTesting.Block(g, output.C, output.H, output.W, b, 0f);
        kernel.Run<TKernels>(
            GradientTesting.Block(x, input.C, input.H, input.W, b, GradientTesting.ActivationPadding),
            GradientTesting.Block(y, output.C, output.H, output.W, b, GradientTesting.ActivationPadding),
            dy, dx);
        var gradient = GradientTesting.Subtract(GradientTesting.Unblock(dx, input.C, input.H, input.W, b, what), initial);
        GradientTesting.AssertGradient(what, backward(x, g), gradient);
        if (finiteDifferences)
            GradientTesting.AssertFiniteDifferences(what, v => GradientTesting.Dot(g, forward(v)), x, gradient, 14);
    }
}
