using System;
using System.Collections.Generic;

namespace ConvForge.Runtime.Tests.Onnx;

/// <summary>
/// A plain scalar interpreter of a <see cref="NetworkDefinition"/>: NCHW activations, one loop nest
/// per operation, sums accumulated in double, each node's output rounded to float (what a float
/// implementation should produce, up to the order of its sums). Slow on purpose: it is the
/// reference that exported models and generated kernels are compared with, so it must be easy to
/// check by reading. Semantics follow PyTorch and ONNX (see each method).
/// </summary>
public static class ReferenceInterpreter
{
    /// <summary>The network's output for <paramref name="batch"/> images (batch x output length floats).</summary>
    public static float[] Run(NetworkDefinition network, ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, int batch = 1)
    {
        var all = RunAll(network, parameters, input, batch);
        return all[all.Length - 1];
    }

    /// <summary>The network's output with the parameters of <paramref name="store"/>.</summary>
    public static float[] Run(ParameterStore store, ReadOnlySpan<float> input, int batch = 1)
    {
        ArgumentNullException.ThrowIfNull(store);
        return Run(store.Network, store.Values, input, batch);
    }

    /// <summary>Every node's output for <paramref name="batch"/> images, indexed like the nodes.</summary>
    public static float[][] RunAll(NetworkDefinition network, ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, int batch = 1)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (batch < 1)
            throw new ArgumentOutOfRangeException(nameof(batch));
        if (input.Length != batch * network.InputShape.Length)
            throw new ArgumentException($"Expected {batch * network.InputShape.Length} input floats, got {input.Length}.", nameof(input));
        if (parameters.Length < network.ParameterLength)
            throw new ArgumentException($"Expected {network.ParameterLength} parameter floats, got {parameters.Length}.", nameof(parameters));

        var p = parameters.ToArray();
        var outputs = new float[network.Nodes.Count][];
        outputs[0] = input.ToArray();
        for (var i = 1; i < outputs.Length; i++)
        {
            var node = network.Nodes[i];
            var inputs = new List<(float[] Data, TensorShape Shape)>();
            foreach (var index in node.Inputs)
                inputs.Add((outputs[index], network.Nodes[index].Output));
            outputs[i] = Evaluate(node, inputs, p, batch);
        }
        return outputs;
    }

    private static float[] Evaluate(NodeDefinition node, List<(float[] Data, TensorShape Shape)> inputs, float[] p, int batch)
    {
        var (x, s) = inputs[0];
        return node.Kind switch
        {
            OpKind.Conv => Conv(node, x, s, p, batch),
            OpKind.MaxPool => MaxPool(node, x, s, batch),
            OpKind.AvgPool => AvgPool(node, x, s, batch),
            OpKind.GlobalAvgPool => GlobalPool(x, s, batch, average: true),
            OpKind.GlobalMaxPool => GlobalPool(x, s, batch, average: false),
            OpKind.BatchNorm => BatchNorm(node, x, s, p, batch),
            OpKind.Relu => Map(x, v => Math.Max(v, 0)),
            OpKind.LeakyRelu => Map(x, v => v > 0 ? v : node.Slope * v),
            OpKind.Relu6 => Map(x, v => Math.Min(Math.Max(v, 0), 6)),
            OpKind.Sigmoid => Map(x, v => 1 / (1 + Math.Exp(-v))),
            OpKind.Dropout => (float[])x.Clone(),
            OpKind.Flatten => (float[])x.Clone(),
            OpKind.Dense => Dense(node, x, s, p, batch),
            OpKind.Softmax => Softmax(x, s, batch),
            OpKind.Lrn => Lrn(node, x, s, batch),
            OpKind.Concat => Concat(inputs, batch),
            OpKind.Add => Add(inputs),
            OpKind.ChannelScale => ChannelScale(x, s, inputs[1].Data, batch),
            _ => throw new NotSupportedException(node.Kind.ToString()),
        };
    }

    /// <summary>Cross-correlation with zero padding, groups and dilation (PyTorch's and ONNX's Conv).</summary>
    private static float[] Conv(NodeDefinition node, float[] x, TensorShape s, float[] p, int batch)
    {
        var o = node.Output;
        var w = node.Window;
        var weight = node.Weight!.Offset;
        var inPerGroup = s.Channels / node.Groups;
        var outPerGroup = o.Channels / node.Groups;
        var y = new float[batch * o.Length];
        for (var n = 0; n < batch; n++)
        for (var oc = 0; oc < o.Channels; oc++)
        {
            var group = oc / outPerGroup;
            for (var oh = 0; oh < o.Height; oh++)
            for (var ow = 0; ow < o.Width; ow++)
            {
                double sum = node.Bias is { } bias ? p[bias.Offset + oc] : 0;
                for (var icg = 0; icg < inPerGroup; icg++)
                {
                    var ic = group * inPerGroup + icg;
                    for (var kh = 0; kh < w.KernelHeight; kh++)
                    {
                        var ih = oh * w.StrideHeight - w.PadTop + kh * w.DilationHeight;
                        if (ih < 0 || ih >= s.Height)
                            continue;
                        for (var kw = 0; kw < w.KernelWidth; kw++)
                        {
                            var iw = ow * w.StrideWidth - w.PadLeft + kw * w.DilationWidth;
                            if (iw < 0 || iw >= s.Width)
                                continue;
                            var xv = x[((n * s.Channels + ic) * s.Height + ih) * s.Width + iw];
                            var wv = p[weight + ((oc * inPerGroup + icg) * w.KernelHeight + kh) * w.KernelWidth + kw];
                            sum += (double)xv * wv;
                        }
                    }
                }
                y[((n * o.Channels + oc) * o.Height + oh) * o.Width + ow] = (float)sum;
            }
        }
        return y;
    }

    /// <summary>The maximum over the window's taps that fall inside the input (padding never wins).</summary>
    private static float[] MaxPool(NodeDefinition node, float[] x, TensorShape s, int batch)
    {
        var o = node.Output;
        var w = node.Window;
        var y = new float[batch * o.Length];
        for (var n = 0; n < batch; n++)
        for (var c = 0; c < o.Channels; c++)
        for (var oh = 0; oh < o.Height; oh++)
        for (var ow = 0; ow < o.Width; ow++)
        {
            var max = float.NegativeInfinity;
            for (var kh = 0; kh < w.KernelHeight; kh++)
            {
                var ih = oh * w.StrideHeight - w.PadTop + kh * w.DilationHeight;
                if (ih < 0 || ih >= s.Height)
                    continue;
                for (var kw = 0; kw < w.KernelWidth; kw++)
                {
                    var iw = ow * w.StrideWidth - w.PadLeft + kw * w.DilationWidth;
                    if (iw >= 0 && iw < s.Width)
                        max = Math.Max(max, x[((n * s.Channels + c) * s.Height + ih) * s.Width + iw]);
                }
            }
            y[((n * o.Channels + c) * o.Height + oh) * o.Width + ow] = max;
        }
        return y;
    }

    /// <summary>
    /// The mean over the window. With count_include_pad the divisor counts the taps inside the padded
    /// input (real pixels and padding), not the taps of a ceil-mode window that hang past the end
    /// padding; without it, only real pixels. This is PyTorch's avg_pool2d rule.
    /// </summary>
    private static float[] AvgPool(NodeDefinition node, float[] x, TensorShape s, int batch)
    {
        var o = node.Output;
        var w = node.Window;
        var y = new float[batch * o.Length];
        for (var n = 0; n < batch; n++)
        for (var c = 0; c < o.Channels; c++)
        for (var oh = 0; oh < o.Height; oh++)
        for (var ow = 0; ow < o.Width; ow++)
        {
            double sum = 0;
            var real = 0;
            var padded = 0;
            for (var kh = 0; kh < w.KernelHeight; kh++)
            {
                var ih = oh * w.StrideHeight - w.PadTop + kh * w.DilationHeight;
                var rowInPadded = ih >= -w.PadTop && ih < s.Height + w.PadBottom;
                for (var kw = 0; kw < w.KernelWidth; kw++)
                {
                    var iw = ow * w.StrideWidth - w.PadLeft + kw * w.DilationWidth;
                    if (rowInPadded && iw >= -w.PadLeft && iw < s.Width + w.PadRight)
                        padded++;
                    if (ih >= 0 && ih < s.Height && iw >= 0 && iw < s.Width)
                    {
                        sum += x[((n * s.Channels + c) * s.Height + ih) * s.Width + iw];
                        real++;
                    }
                }
            }
            var divisor = node.CountIncludePad ? padded : real;
            y[((n * o.Channels + c) * o.Height + oh) * o.Width + ow] = (float)(sum / divisor);
        }
        return y;
    }

    private static float[] GlobalPool(float[] x, TensorShape s, int batch, bool average)
    {
        var pixels = s.Height * s.Width;
        var y = new float[batch * s.Channels];
        for (var n = 0; n < batch; n++)
        for (var c = 0; c < s.Channels; c++)
        {
            var start = (n * s.Channels + c) * pixels;
            double sum = 0;
            var max = float.NegativeInfinity;
            for (var i = 0; i < pixels; i++)
            {
                sum += x[start + i];
                max = Math.Max(max, x[start + i]);
            }
            y[n * s.Channels + c] = average ? (float)(sum / pixels) : max;
        }
        return y;
    }

    /// <summary>gamma * (x - mean) / sqrt(var + epsilon) + beta, per channel.</summary>
    private static float[] BatchNorm(NodeDefinition node, float[] x, TensorShape s, float[] p, int batch)
    {
        var pixels = s.Height * s.Width;
        var y = new float[x.Length];
        for (var n = 0; n < batch; n++)
        for (var c = 0; c < s.Channels; c++)
        {
            double gamma = p[node.Gamma!.Offset + c];
            double beta = p[node.Beta!.Offset + c];
            double mean = p[node.RunningMean!.Offset + c];
            double variance = p[node.RunningVar!.Offset + c];
            var scale = gamma / Math.Sqrt(variance + node.Epsilon);
            var start = (n * s.Channels + c) * pixels;
            for (var i = 0; i < pixels; i++)
                y[start + i] = (float)((x[start + i] - mean) * scale + beta);
        }
        return y;
    }

    /// <summary>y = W x + b over the flattened C*H*W input (NCHW order).</summary>
    private static float[] Dense(NodeDefinition node, float[] x, TensorShape s, float[] p, int batch)
    {
        var units = node.Output.Channels;
        var features = s.Length;
        var weight = node.Weight!.Offset;
        var y = new float[batch * units];
        for (var n = 0; n < batch; n++)
        for (var u = 0; u < units; u++)
        {
            double sum = node.Bias is { } bias ? p[bias.Offset + u] : 0;
            for (var k = 0; k < features; k++)
                sum += (double)p[weight + u * features + k] * x[n * features + k];
            y[n * units + u] = (float)sum;
        }
        return y;
    }

    /// <summary>Softmax over the channels at each pixel, with the maximum subtracted first.</summary>
    private static float[] Softmax(float[] x, TensorShape s, int batch)
    {
        var pixels = s.Height * s.Width;
        var y = new float[x.Length];
        for (var n = 0; n < batch; n++)
        for (var i = 0; i < pixels; i++)
        {
            var max = double.NegativeInfinity;
            for (var c = 0; c < s.Channels; c++)
                max = Math.Max(max, x[(n * s.Channels + c) * pixels + i]);
            double sum = 0;
            for (var c = 0; c < s.Channels; c++)
                sum += Math.Exp(x[(n * s.Channels + c) * pixels + i] - max);
            for (var c = 0; c < s.Channels; c++)
                y[(n * s.Channels + c) * pixels + i] = (float)(Math.Exp(x[(n * s.Channels + c) * pixels + i] - max) / sum);
        }
        return y;
    }

    /// <summary>
    /// y = x / (k + alpha / size * sum of x^2)^beta, the sum over channels
    /// [c - floor((size - 1) / 2), c + ceil((size - 1) / 2)] that exist (ONNX's LRN; Caffe's too).
    /// </summary>
    private static float[] Lrn(NodeDefinition node, float[] x, TensorShape s, int batch)
    {
        var pixels = s.Height * s.Width;
        var before = (node.LrnSize - 1) / 2;
        var after = node.LrnSize - 1 - before;
        var y = new float[x.Length];
        for (var n = 0; n < batch; n++)
        for (var c = 0; c < s.Channels; c++)
        for (var i = 0; i < pixels; i++)
        {
            double squares = 0;
            for (var j = Math.Max(0, c - before); j <= Math.Min(s.Channels - 1, c + after); j++)
            {
                double v = x[(n * s.Channels + j) * pixels + i];
                squares += v * v;
            }
            var index = (n * s.Channels + c) * pixels + i;
            y[index] = (float)(x[index] / Math.Pow(node.LrnK + node.LrnAlpha / node.LrnSize * squares, node.LrnBeta));
        }
        return y;
    }

    private static float[] Concat(List<(float[] Data, TensorShape Shape)> inputs, int batch)
    {
        var total = 0;
        foreach (var (_, shape) in inputs)
            total += shape.Length;
        var y = new float[batch * total];
        var position = 0;
        for (var n = 0; n < batch; n++)
        {
            foreach (var (data, shape) in inputs)
            {
                Array.Copy(data, n * shape.Length, y, position, shape.Length);
                position += shape.Length;
            }
        }
        return y;
    }

    private static float[] Add(List<(float[] Data, TensorShape Shape)> inputs)
    {
        var y = new float[inputs[0].Data.Length];
        for (var i = 0; i < y.Length; i++)
        {
            double sum = 0;
            foreach (var (data, _) in inputs)
                sum += data[i];
            y[i] = (float)sum;
        }
        return y;
    }

    private static float[] ChannelScale(float[] x, TensorShape s, float[] scale, int batch)
    {
        var pixels = s.Height * s.Width;
        var y = new float[x.Length];
        for (var n = 0; n < batch; n++)
        for (var c = 0; c < s.Channels; c++)
        {
            double factor = scale[n * s.Channels + c];
            var start = (n * s.Channels + c) * pixels;
            for (var i = 0; i < pixels; i++)
                y[start + i] = (float)(x[start + i] * factor);
        }
        return y;
    }

    private static float[] Map(float[] x, Func<double, double> f)
    {
        var y = new float[x.Length];
        for (var i = 0; i < x.Length; i++)
            y[i] = (float)f(x[i]);
        return y;
    }
}
