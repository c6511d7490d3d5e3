using System;
using ConvForge.Training;

namespace ConvForge.Runtime.Tests.Training;

public sealed class LossTests
{
    private const int Batch = 3;
    private const int Classes = 5;

    // Independent double-precision definitions, written from the formulas, not from the library.
    private static double ReferenceCrossEntropy(double[] logits, int[] labels, int classes, double eps)
    {
        int batch = labels.Length;
        double total = 0;
        for (int r = 0; r < batch; r++)
        {
            double sum = 0;
            for (int j = 0; j < classes; j++)
                sum += Math.Exp(logits[r * classes + j]);
            for (int j = 0; j < classes; j++)
            {
                double target = (j == labels[r] ? 1 - eps : 0) + eps / classes;
                total -= target * Math.Log(Math.Exp(logits[r * classes + j]) / sum);
            }
        }
        return total / batch;
    }

    private static double ReferenceHinge(double[] logits, int[] labels, int classes, double delta)
    {
        int batch = labels.Length;
        double total = 0;
        for (int r = 0; r < batch; r++)
            for (int j = 0; j < classes; j++)
                if (j != labels[r])
                    total += Math.Max(0, logits[r * classes + j] - logits[r * classes + labels[r]] + delta);
        return total / batch;
    }

    private static float[] RandomLogits(int seed, float scale)
    {
        var random = new Random(seed);
        var logits = new float[Batch * Classes];
        for (int i = 0; i < logits.Length; i++)
            logits[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return logits;
    }

    private static double[] CentralDifferences(Func<double[], double> loss, float[] at)
    {
        const double H = 1e-5;
        var point = Array.ConvertAll(at, v => (double)v);
        var gradient = new double[point.Length];
        for (int i = 0; i < point.Length; i++)
        {
            double saved = point[i];
            point[i] = saved + H;
            double up = loss(point);
            point[i] = saved - H;
            double down = loss(point);
            point[i] = saved;
            gradient[i] = (up - down) / (2 * H);
        }
        return gradient;
    }

    [Theory]
    [InlineData(0.0f)]
    [InlineData(0.1f)]
    [InlineData(0.5f)]
    public void Cross_entropy_loss_and_gradient_match_the_definition_and_finite_differences(float eps)
    {
        float[] logits = RandomLogits(11, 3f);
        int[] labels = { 4, 0, 2 };
        var gradient = new float[logits.Length];

        float loss = Losses.SoftmaxCrossEntropy(logits, labels, Classes, gradient, eps);

        Func<double[], double> reference = x => ReferenceCrossEntropy(x, labels, Classes, eps);
        Assert.Equal(reference(Array.ConvertAll(logits, v => (double)v)), loss, 1e-6);
        double[] numeric = CentralDifferences(reference, logits);
        for (int i = 0; i < logits.Length; i++)
            Assert.True(Math.Abs(numeric[i] - gradient[i]) < 1e-6, $"index {i}: numeric {numeric[i]}, analytic {gradient[i]}");
    }

    [Fact]
    public void Cross_entropy_stays_finite_and_exact_for_huge_logits()
    {
        // exp(1000) overflows; log-sum-exp gives 2000 for the first row and 0 for the second.
        float[] logits = { 1000f, -1000f, 0f, 1000f };
        int[] labels = { 1, 1 };
        var gradient = new float[4];

        float loss = Losses.SoftmaxCrossEntropy(logits, labels, 2, gradient);

        Assert.Equal(1000.0, loss, 1e-3);
        Assert.Equal(new[] { 0.5f, -0.5f, 0f, 0f }, gradient);
    }

    [Fact]
    public void Hinge_loss_and_gradient_match_the_definition_and_finite_differences()
    {
        float[] logits = RandomLogits(5, 2f);
        int[] labels = { 1, 3, 0 };
        var gradient = new float[logits.Length];

        float loss = Losses.MulticlassHinge(logits, labels, Classes, gradient);

        Func<double[], double> reference = x => ReferenceHinge(x, labels, Classes, 1.0);
        double[] at = Array.ConvertAll(logits, v => (double)v);
        Assert.Equal(reference(at), loss, 1e-5);
        // No margin term sits within the difference step of its kink, so the difference is exact.
        for (int r = 0; r < Batch; r++)
            for (int j = 0; j < Classes; j++)
                Assert.True(Math.Abs(at[r * Classes + j] - at[r * Classes + labels[r]] + 1) > 1e-3);
        int active = 0;
        double[] numeric = CentralDifferences(reference, logits);
        for (int i = 0; i < logits.Length; i++)
        {
            Assert.True(Math.Abs(numeric[i] - gradient[i]) < 1e-6, $"index {i}: numeric {numeric[i]}, analytic {gradient[i]}");
            if (gradient[i] != 0)
                active++;
        }
        Assert.True(active > Batch, "the random logits should violate several margins");
    }

    [Fact]
    public void Hinge_margin_is_a_parameter()
    {
        float[] logits = { 2f, 1f, 0f };
        var gradient = new float[3];
        // margin 0.5: class 1 gives 1 - 2 + 0.5 < 0, class 2 gives < 0: loss 0; margin 3: 2 + 1 = 3.
        Assert.Equal(0f, Losses.MulticlassHinge(logits, new[] { 0 }, 3, gradient, margin: 0.5f));
        Assert.Equal(new[] { 0f, 0f, 0f }, gradient);
        Assert.Equal(3f, Losses.MulticlassHinge(logits, new[] { 0 }, 3, gradient, margin: 3f));
        Assert.Equal(new[] { -2f, 1f, 1f }, gradient);
    }

    [Fact]
    public void A_label_out_of_range_names_its_index_and_value()
    {
        var gradient = new float[6];
        var error = Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy(new float[6], new[] { 0, 3 }, 3, gradient));
        Assert.Contains("index 1", error.Message);
        Assert.Contains("is 3", error.Message);
        error = Assert.Throws<ArgumentException>(() => Losses.MulticlassHinge(new float[6], new[] { -1, 0 }, 3, gradient));
        Assert.Contains("index 0", error.Message);
        Assert.Contains("is -1", error.Message);
    }

    [Fact]
    public void Mismatched_lengths_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy(new float[7], new[] { 0, 0 }, 3, new float[7]));
        Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy(new float[6], new[] { 0 }, 3, new float[6]));
        Assert.Throws<ArgumentException>(() => Losses.MulticlassHinge(new float[6], new[] { 0, 0 }, 3, new float[5]));
        Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy(new float[6], new[] { 0, 0 }, 3, new float[6], labelSmoothing: 1.5f));
    }

    [Fact]
    public void Accuracy_counts_rows_whose_argmax_is_the_label()
    {
        float[] logits = { 0f, 1f, 0f, /**/ 5f, 1f, 2f, /**/ 0f, 3f, 3f, /**/ -1f, -2f, -0.5f };
        Assert.Equal(0.75f, Losses.Accuracy(logits, new[] { 1, 0, 1, 0 }, 3));
        Assert.Equal(0.25f, Losses.Accuracy(logits, new[] { 1, 1, 2, 0 }, 3));
    }
}
