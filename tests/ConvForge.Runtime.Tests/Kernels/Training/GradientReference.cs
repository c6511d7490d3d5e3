using System;

namespace ConvForge.Runtime.Tests.Kernels.Training;

/// <summary>Naive double forwards and backwards of the layers without weights, on plain NCHW arrays, written from their definitions.</summary>
internal static partial class GradientReference
{
    public static double[] Map(double[] x, Func<double, double> f) => Array.ConvertAll(x, v => f(v));

    public static double Relu(double x) => Math.Max(x, 0);
    public static double Relu6(double x) => Math.Min(Math.Max(x, 0), 6);
    public static double Leaky(double x) => x > 0 ? x : 0.01 * x;
    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public static double ReluDerivative(double x) => x > 0 ? 1 : 0;
    public static double Relu6Derivative(double x) => x > 0 && x < 6 ? 1 : 0;
    public static double LeakyDerivative(double x) => x > 0 ? 1 : 0.01;
    public static double SigmoidDerivative(double x) => Sigmoid(x) * (1 - Sigmoid(x));

    public static Func<double[], double[], double[]> ActivationBackward(Func<double, double> derivative) =>
        (x, g) =>
        {
            var dx = new double[x.Length];
            for (int i = 0; i < x.Length; i++)
                dx[i] = g[i] * derivative(x[i]);
            return dx;
        };

    public readonly record struct Pool(
        int Channels, int InHeight, int InWidth, int OutHeight, int OutWidth, int KernelHeight, int KernelWidth,
        int StrideHeight, int StrideWidth, int PadTop, int PadLeft, int PadBottom, int PadRight, bool CountIncludePad);

    /// <summary>The in-image rows and columns of a window, and its divisor (PyTorch: with padding counted, the window clipped to the padded image).</summary>
    private static (int Y0, int Y1, int X0, int X1, int Divisor) Window(Pool p, int oh, int ow)
    {
        int top = oh * p.StrideHeight - p.PadTop, left = ow * p.StrideWidth - p.PadLeft;
        int y0 = Math.Max(top, 0), y1 = Math.Min(top + p.KernelHeight, p.InHeight);
        int x0 = Math.Max(left, 0), x1 = Math.Min(left + p.KernelWidth, p.InWidth);
        int padded = (Math.Min(top + p.KernelHeight, p.InHeight + p.PadBottom) - top) * (Math.Min(left + p.KernelWidth, p.InWidth + p.PadRight) - left);
        int inside = Math.Max(0, y1 - y0) * Math.Max(0, x1 - x0);
        return (y0, y1, x0, x1, p.CountIncludePad ? padded : inside);
    }

    /// <summary>The window's first maximum in row-major order, a NaN winning (the first NaN); -1 for an empty window.</summary>
    private static int ArgMax(Pool p, double[] x, int c, int oh, int ow)
    {
        var (y0, y1, x0, x1, _) = Window(p, oh, ow);
        int best = -1;
        for (int y = y0; y < y1; y++)
            for (int w = x0; w < x1; w++)
            {
                int i = (c * p.InHeight + y) * p.InWidth + w;
                if (best < 0 || (double.IsNaN(x[i]) && !double.IsNaN(x[best])) || x[i] > x[best])
                    best = i;
            }
        return best;
    }

    public static double[] MaxPool(Pool p, double[] x)
    {
        var y = new double[p.Channels * p.OutHeight * p.OutWidth];
        for (int c = 0; c < p.Channels; c++)
            for (int oh = 0; oh < p.OutHeight; oh++)
                for (int ow = 0; ow < p.OutWidth; ow++)
                {
                    int best = ArgMax(p, x, c, oh, ow);
                    y[(c * p.OutHeight + oh) * p.OutWidth + ow] = best < 0 ? 0 : x[best];
                }
        return y;
    }

    public static double[] MaxPoolBackward(Pool p, double[] x, double[] g)
    {
        var dx = new double[x.Length];
        for (int c = 0; c < p.Channels; c++)
            for (int oh = 0; oh < p.OutHeight; oh++)
                for (int ow = 0; ow < p.OutWidth; ow++)
                {
                    int best = ArgMax(p, x, c, oh, ow);
                    if (best >= 0)
                        dx[best] += g[(c * p.OutHeight + oh) * p.OutWidth + ow];
                }
        return dx;
    }

    public static double[] AvgPool(Pool p, double[] x)
    {
        var y = new double[p.Channels * p.OutHeight * p.OutWidth];
        for (int c = 0; c < p.Channels; c++)
            for (int oh = 0; oh < p.OutHeight; oh++)
                for (int ow = 0; ow < p.OutWidth; ow++)
                {
                    var (y0, y1, x0, x1, divisor) = Window(p, oh, ow);
                    double sum = 0;
                    for (int r = y0; r < y1; r++)
                        for (int w = x0; w < x1; w++)
                            sum += x[(c * p.InHeight + r) * p.InWidth + w];
                    y[(c * p.OutHeight + oh) * p.OutWidth + ow] = divisor > 0 ? sum / divisor : 0;
                }
        return y;
    }

    public static double[] AvgPoolBackward(Pool p, double[] x, double[] g)
    {
        var dx = new double[x.Length];
        for (int c = 0; c < p.Channels; c++)
            for (int oh = 0; oh < p.OutHeight; oh++)
                for (int ow = 0; ow < p.OutWidth; ow++)
                {
                    var (y0, y1, x0, x1, divisor) = Window(p, oh, ow);
                    for (int r = y0; r < y1; r++)
                        for (int w = x0; w < x1; w++)
                            dx[(c * p.InHeight + r) * p.InWidth + w] += g[(c * p.OutHeight + oh) * p.OutWidth + ow] / divisor;
                }
        return dx;
    }

    public static double[] GlobalPool(int channels, int plane, double[] x, bool max)
    {
        var y = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            double acc = max ? double.NegativeInfinity : 0;
            for (int i = 0; i < plane; i++)
                acc = max ? Math.Max(acc, x[c * plane + i]) : acc + x[c * plane + i];
            y[c] = max ? acc : acc / plane;
        }
        return y;
    }

    public static double[] GlobalPoolBackward(int channels, int plane, double[] x, double[] g, bool max)
    {
        var dx = new double[x.Length];
        for (int c = 0; c < channels; c++)
        {
            if (!max)
            {
                for (int i = 0; i < plane; i++)
                    dx[c * plane + i] = g[c] / plane;
                continue;
            }
            int best = 0;
            for (int i = 1; i < plane; i++)
                if (x[c * plane + i] > x[c * plane + best])
                    best = i;
            dx[c * plane + best] = g[c];
        }
        return dx;
    }

    /// <summary>ONNX LRN: y_c = x_c / (k + alpha / size * sum over channels [c - (size-1)/2, c + size/2] of x^2)^beta.</summary>
    public static double[] Lrn(int channels, int plane, double[] x, int size, double alpha, double beta, double k)
    {
        var y = new double[x.Length];
        for (int c = 0; c < channels; c++)
            for (int p = 0; p < plane; p++)
                y[c * plane + p] = x[c * plane + p] * Math.Pow(LrnBase(channels, plane, x, size, alpha, k, c, p), -beta);
        return y;
    }

    private static double LrnBase(int channels, int plane, double[] x, int size, double alpha, double k, int c, int p)
    {
        double sum = 0;
        for (int j = Math.Max(0, c - (size - 1) / 2); j <= Math.Min(channels - 1, c + size / 2); j++)
            sum += x[j * plane + p] * x[j * plane + p];
        return k + alpha / size * sum;
    }

    /// <summary>Through the full Jacobian: dy_c/dx_j = [c = j] S_c^-beta - 2 beta alpha/size x_c x_j S_c^(-beta-1) [j in window(c)].</summary>
    public static double[] LrnBackward(int channels, int plane, double[] x, double[] g, int size, double alpha, double beta, double k)
    {
        var dx = new double[x.Length];
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < channels; c++)
            {
                double s = LrnBase(channels, plane, x, size, alpha, k, c, p);
                double gc = g[c * plane + p];
                dx[c * plane + p] += gc * Math.Pow(s, -beta);
                for (int j = Math.Max(0, c - (size - 1) / 2); j <= Math.Min(channels - 1, c + size / 2); j++)
                    dx[j * plane + p] -= gc * 2 * beta * alpha / size * x[c * plane + p] * x[j * plane + p] * Math.Pow(s, -beta - 1);
            }
        return dx;
    }

    public static double[] Softmax(int channels, int plane, double[] x)
    {
        var y = new double[x.Length];
        for (int p = 0; p < plane; p++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int c = 0; c < channels; c++)
                max = Math.Max(max, x[c * plane + p]);
            for (int c = 0; c < channels; c++)
                sum += Math.Exp(x[c * plane + p] - max);
            for (int c = 0; c < channels; c++)
                y[c * plane + p] = Math.Exp(x[c * plane + p] - max) / sum;
        }
        return y;
    }

    /// <summary>Through the Jacobian dy_k/dx_c = y_k ([k = c] - y_c).</summary>
    public static double[] SoftmaxBackward(int channels, int plane, double[] x, double[] g)
    {
        var y = Softmax(channels, plane, x);
        var dx = new double[x.Length];
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < channels; c++)
                for (int k = 0; k < channels; k++)
                    dx[c * plane + p] += g[k * plane + p] * y[k * plane + p] * ((k == c ? 1 : 0) - y[c * plane + p]);
        return dx;
    }
}
