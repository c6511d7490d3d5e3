using System;

namespace ConvForge.Runtime.Tests.Kernels;

/// <summary>
/// Straightforward scalar implementations on plain NCHW arrays, accumulating in double: the
/// definitions the kernels are checked against. Written from the operator definitions (PyTorch /
/// ONNX), independently of the kernel code.
/// </summary>
internal static class Reference
{
    public static double Identity(double x) => x;
    public static double Relu(double x) => Math.Max(x, 0);
    public static double Relu6(double x) => Math.Min(Math.Max(x, 0), 6);
    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
    public static Func<double, double> LeakyRelu(double slope) => x => x > 0 ? x : slope * x;

    public readonly record struct ConvParams(
        int InChannels, int InHeight, int InWidth, int OutChannels, int OutHeight, int OutWidth,
        int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth, int PadTop, int PadLeft,
        int DilationHeight, int DilationWidth, int Groups);

    /// <summary>y[oc] = act(bias[oc] + residual[oc] + sum over the group's channels and in-image taps of w * x).</summary>
    public static float[] Conv(ConvParams p, float[] x, float[] w, float[] bias, float[]? residual, Func<double, double> act)
    {
        int inPerGroup = p.InChannels / p.Groups, outPerGroup = p.OutChannels / p.Groups;
        var y = new float[p.OutChannels * p.OutHeight * p.OutWidth];
        for (int oc = 0; oc < p.OutChannels; oc++)
        {
            int group = oc / outPerGroup;
            for (int oh = 0; oh < p.OutHeight; oh++)
            {
                for (int ow = 0; ow < p.OutWidth; ow++)
                {
                    double sum = bias[oc];
                    for (int i = 0; i < inPerGroup; i++)
                    {
                        int ic = group * inPerGroup + i;
                        for (int kh = 0; kh < p.KernelHeight; kh++)
                        {
                            int ih = oh * p.StrideHeight - p.PadTop + kh * p.DilationHeight;
                            if (ih < 0 || ih >= p.InHeight)
                                continue;
                            for (int kw = 0; kw < p.KernelWidth; kw++)
                            {
                                int iw = ow * p.StrideWidth - p.PadLeft + kw * p.DilationWidth;
                                if (iw < 0 || iw >= p.InWidth)
                                    continue;
                                sum += (double)x[(ic * p.InHeight + ih) * p.InWidth + iw]
                                    * w[((oc * inPerGroup + i) * p.KernelHeight + kh) * p.KernelWidth + kw];
                            }
                        }
                    }
                    int index = (oc * p.OutHeight + oh) * p.OutWidth + ow;
                    if (residual is not null)
                        sum += residual[index];
                    y[index] = (float)act(sum);
                }
            }
        }
        return y;
    }

    public readonly record struct PoolParams(
        int Channels, int InHeight, int InWidth, int OutHeight, int OutWidth, int KernelHeight, int KernelWidth,
        int StrideHeight, int StrideWidth, int PadTop, int PadLeft, int PadBottom, int PadRight, bool CountIncludePad);

    public static float[] MaxPool(PoolParams p, float[] x)
    {
        var y = new float[p.Channels * p.OutHeight * p.OutWidth];
        for (int c = 0; c < p.Channels; c++)
            for (int oh = 0; oh < p.OutHeight; oh++)
                for (int ow = 0; ow < p.OutWidth; ow++)
                {
                    double m = double.NegativeInfinity;
                    for (int kh = 0; kh < p.KernelHeight; kh++)
                        for (int kw = 0; kw < p.KernelWidth; kw++)
                        {
                            int ih = oh * p.StrideHeight - p.PadTop + kh, iw = ow * p.StrideWidth - p.PadLeft + kw;
                            if (ih >= 0 && ih < p.InHeight && iw >= 0 && iw < p.InWidth)
                                m = Math.Max(m, x[(c * p.InHeight + ih) * p.InWidth + iw]);
                        }
                    y[(c * p.OutHeight + oh) * p.OutWidth + ow] = (float)m;
                }
        return y;
    }

    /// <summary>PyTorch's avg_pool2d: with padding counted, the divisor is the window clipped to the padded image.</summary>
    public static float[] AvgPool(PoolParams p, float[] x)
    {
        var y = new float[p.Channels * p.OutHeight * p.OutWidth];
        for (int c = 0; c < p.Channels; c++)
            for (int oh = 0; oh < p.OutHeight; oh++)
                for (int ow = 0; ow < p.OutWidth; ow++)
                {
                    int h0 = oh * p.StrideHeight - p.PadTop, w0 = ow * p.StrideWidth - p.PadLeft;
                    int h1 = Math.Min(h0 + p.KernelHeight, p.InHeight + p.PadBottom), w1 = Math.Min(w0 + p.KernelWidth, p.InWidth + p.PadRight);
                    int paddedCount = (h1 - h0) * (w1 - w0);
                    double sum = 0;
                    int count = 0;
                    for (int ih = Math.Max(h0, 0); ih < Math.Min(h1, p.InHeight); ih++)
                        for (int iw = Math.Max(w0, 0); iw < Math.Min(w1, p.InWidth); iw++)
                        {
                            sum += x[(c * p.InHeight + ih) * p.InWidth + iw];
                            count++;
                        }
                    y[(c * p.OutHeight + oh) * p.OutWidth + ow] = (float)(sum / (p.CountIncludePad ? paddedCount : count));
                }
        return y;
    }

    public static float[] GlobalPool(int channels, int height, int width, float[] x, bool max)
    {
        var y = new float[channels];
        int plane = height * width;
        for (int c = 0; c < channels; c++)
        {
            double acc = max ? double.NegativeInfinity : 0;
            for (int i = 0; i < plane; i++)
                acc = max ? Math.Max(acc, x[c * plane + i]) : acc + x[c * plane + i];
            y[c] = (float)(max ? acc : acc / plane);
        }
        return y;
    }

    public static float[] BatchNorm(int channels, int plane, float[] x, float[] gamma, float[] beta, float[] mean, float[] variance, double epsilon, Func<double, double> act)
    {
        var y = new float[x.Length];
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < plane; i++)
                y[c * plane + i] = (float)act(gamma[c] * (x[c * plane + i] - mean[c]) / Math.Sqrt(variance[c] + epsilon) + beta[c]);
        return y;
    }

    /// <summary>ONNX LRN: sum of squares over channels [c - floor((size-1)/2), c + ceil((size-1)/2)].</summary>
    public static float[] Lrn(int channels, int plane, float[] x, int size, double alpha, double beta, double k)
    {
        var y = new float[x.Length];
        int below = (size - 1) / 2, above = (size - 1 + 1) / 2;
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < plane; i++)
            {
                double sum = 0;
                for (int j = Math.Max(0, c - below); j <= Math.Min(channels - 1, c + above); j++)
                    sum += (double)x[j * plane + i] * x[j * plane + i];
                y[c * plane + i] = (float)(x[c * plane + i] / Math.Pow(k + alpha / size * sum, beta));
            }
        return y;
    }

    public static float[] Dense(int inputs, int units, float[] x, float[] w, float[] bias, Func<double, double> act)
    {
        var y = new float[units];
        for (int u = 0; u < units; u++)
        {
            double sum = bias[u];
            for (int i = 0; i < inputs; i++)
                sum += (double)w[u * inputs + i] * x[i];
            y[u] = (float)act(sum);
        }
        return y;
    }

    public static float[] Softmax(int channels, int plane, float[] x)
    {
        var y = new float[x.Length];
        for (int i = 0; i < plane; i++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int c = 0; c < channels; c++)
                max = Math.Max(max, x[c * plane + i]);
            for (int c = 0; c < channels; c++)
                sum += Math.Exp(x[c * plane + i] - max);
            for (int c = 0; c < channels; c++)
                y[c * plane + i] = (float)(Math.Exp(x[c * plane + i] - max) / sum);
        }
        return y;
    }
}
