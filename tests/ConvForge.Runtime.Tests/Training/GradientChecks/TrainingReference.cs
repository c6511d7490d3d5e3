using System;
using System.Collections.Generic;

namespace ConvForge.Runtime.Tests.Training.GradientChecks;

/// <summary>How the reference runs BatchNorm and Dropout.</summary>
public enum ReferenceMode
{
    /// <summary>BatchNorm normalizes with the batch's mean and biased variance; Dropout multiplies by a given mask.</summary>
    Training,

    /// <summary>BatchNorm uses its running statistics; Dropout is the identity.</summary>
    Inference,
}

/// <summary>
/// A double-precision interpreter of a <see cref="NetworkDefinition"/> in training or inference mode, and the
/// softmax cross-entropy loss on its logits: the function whose central finite differences the whole-network
/// gradient checks compare the trainer's gradients with. NCHW, one loop nest per operation, nothing rounded
/// to float (the finite differences need a smooth function of the parameters, not one in float steps).
/// </summary>
/// <remarks>
/// The ONNX tests' <c>ReferenceInterpreter</c> covers the same operations but rounds each node to float and knows
/// only inference-mode BatchNorm and Dropout; its semantics are followed here operation by operation (PyTorch's and
/// ONNX's). Training mode changes BatchNorm (batch statistics: the mean and the biased variance over images and
/// pixels, as PyTorch's training-mode forward; running statistics are not updated) and Dropout (input times the
/// mask, which holds 0 or 1 / (1 - rate) per element, as the trainer drew it).
/// </remarks>
public static class TrainingReference
{
    /// <summary>Every node's output for <paramref name="batch"/> images, indexed like the nodes (NCHW, images one after another).</summary>
    /// <param name="network">The graph.</param>
    /// <param name="parameters">The parameter buffer (ParameterStore layout).</param>
    /// <param name="input">batch x input length values.</param>
    /// <param name="batch">Images.</param>
    /// <param name="mode">Training or inference behaviour of BatchNorm and Dropout.</param>
    /// <param name="dropoutMasks">Training mode: each Dropout node's mask by node index, batch x its output length (NCHW).</param>
    /// <param name="frozenBatchNorms">Training mode: BatchNorm nodes (by index) that use their running statistics all the same, as a trainer runs a frozen BatchNorm.</param>
    public static double[][] Forward(NetworkDefinition network, ReadOnlySpan<double> parameters, ReadOnlySpan<double> input, int batch,
        ReferenceMode mode, IReadOnlyDictionary<int, double[]>? dropoutMasks = null, IReadOnlySet<int>? frozenBatchNorms = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (batch < 1)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, "At least one image.");
        if (input.Length != batch * network.InputShape.Length)
            throw new ArgumentException($"Expected {batch * network.InputShape.Length} input values, got {input.Length}.", nameof(input));
        if (parameters.Length != network.ParameterLength)
            throw new ArgumentException($"Expected {network.ParameterLength} parameters, got {parameters.Length}.", nameof(parameters));

        var p = parameters.ToArray();
        var outputs = new double[network.Nodes.Count][];
        outputs[0] = input.ToArray();
        for (var i = 1; i < outputs.Length; i++)
        {
            var node = network.Nodes[i];
            var inputs = new List<(double[] Data, TensorShape Shape)>();
            foreach (var index in node.Inputs)
                inputs.Add((outputs[index], network.Nodes[index].Output));
            double[]? mask = null;
            if (node.Kind == OpKind.Dropout && mode == ReferenceMode.Training
                && (dropoutMasks is null || !dropoutMasks.TryGetValue(i, out mask)))
                throw new ArgumentException($"Training mode needs the mask of Dropout node {node.Name} (index {i}).", nameof(dropoutMasks));
            var nodeMode = node.Kind == OpKind.BatchNorm && frozenBatchNorms is not null && frozenBatchNorms.Contains(i) ? ReferenceMode.Inference : mode;
            outputs[i] = Evaluate(node, inputs, p, batch, nodeMode, mask);
        }
        return outputs;
    }

    /// <summary>
    /// The index of the node the loss reads: the input of a final Softmax (a trainer takes the logits before it),
    /// else the last node. Its output must be C x 1 x 1.
    /// </summary>
    public static int LogitsNode(NetworkDefinition network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var last = network.Nodes.Count - 1;
        var logits = network.Nodes[last].Kind == OpKind.Softmax ? network.Nodes[last].Inputs[0] : last;
        var shape = network.Nodes[logits].Output;
        if (shape.Height != 1 || shape.Width != 1)
            throw new ArgumentException($"{network.Name}'s logits ({network.Nodes[logits].Name}) are {shape}; the loss needs C x 1 x 1.", nameof(network));
        return logits;
    }

    /// <summary>Mean softmax cross-entropy over the batch of <paramref name="logits"/> (batch x classes) against <paramref name="labels"/>.</summary>
    public static double SoftmaxCrossEntropy(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels)
    {
        if (labels.Length == 0 || logits.Length % labels.Length != 0)
            throw new ArgumentException($"{logits.Length} logits do not split into {labels.Length} images.", nameof(logits));
        var classes = logits.Length / labels.Length;
        double total = 0;
        for (var n = 0; n < labels.Length; n++)
        {
            var row = logits.Slice(n * classes, classes);
            if ((uint)labels[n] >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[n], $"Label of image {n} is not below {classes}.");
            var max = double.NegativeInfinity;
            foreach (var v in row)
                max = Math.Max(max, v);
            double sum = 0;
            foreach (var v in row)
                sum += Math.Exp(v - max);
            total += Math.Log(sum) + max - row[labels[n]];
        }
        return total / labels.Length;
    }

    /// <summary>The mean softmax cross-entropy of the network's logits on a batch (<see cref="LogitsNode"/>).</summary>
    public static double Loss(NetworkDefinition network, ReadOnlySpan<double> parameters, ReadOnlySpan<double> input, ReadOnlySpan<int> labels,
        ReferenceMode mode, IReadOnlyDictionary<int, double[]>? dropoutMasks = null, IReadOnlySet<int>? frozenBatchNorms = null)
    {
        var outputs = Forward(network, parameters, input, labels.Length, mode, dropoutMasks, frozenBatchNorms);
        return SoftmaxCrossEntropy(outputs[LogitsNode(network)], labels);
    }

    private static double[] Evaluate(NodeDefinition node, List<(double[] Data, TensorShape Shape)> inputs, double[] p, int batch, ReferenceMode mode, double[]? mask)
    {
        var (x, s) = inputs[0];
        return node.Kind switch
        {
            OpKind.Conv => Conv(node, x, s, p, batch),
            OpKind.MaxPool => MaxPool(node, x, s, batch),
            OpKind.AvgPool => AvgPool(node, x, s, batch),
            OpKind.GlobalAvgPool => GlobalPool(x, s, batch, average: true),
            OpKind.GlobalMaxPool => GlobalPool(x, s, batch, average: false),
            OpKind.BatchNorm => mode == ReferenceMode.Training ? BatchNormTraining(node, x, s, p, batch) : BatchNormInference(node, x, s, p, batch),
            OpKind.Relu => Map(x, v => Math.Max(v, 0)),
            OpKind.LeakyRelu => Map(x, v => v > 0 ? v : node.Slope * v),
            OpKind.Relu6 => Map(x, v => Math.Min(Math.Max(v, 0), 6)),
            OpKind.Sigmoid => Map(x, v => 1 / (1 + Math.Exp(-v))),
            OpKind.Dropout => mode == ReferenceMode.Training ? Multiply(x, mask!) : (double[])x.Clone(),
            OpKind.Flatten => (double[])x.Clone(),
            OpKind.Dense => Dense(node, x, s, p, batch),
            OpKind.Softmax => Softmax(x, s, batch),
            OpKind.Lrn => Lrn(node, x, s, batch),
            OpKind.Concat => Concat(inputs, batch),
            OpKind.Add => Add(inputs),
            OpKind.ChannelScale => ChannelScale(x, s, inputs[1].Data, batch),
            _ => throw new NotSupportedException($"{node.Name}: {node.Kind} is not in the training reference."),
        };
    }

    /// <summary>Cross-correlation with zero padding, groups and dilation (PyTorch's and ONNX's Conv).</summary>
    private static double[] Conv(NodeDefinition node, double[] x, TensorShape s, double[] p, int batch)
    {
        var o = node.Output;
        var w = node.Window;
        var weight = node.Weight!.Offset;
        var inPerGroup = s.Channels / node.Groups;
        var outPerGroup = o.Channels / node.Groups;
        var y = new double[batch * o.Length];
        for (var n = 0; n < batch; n++)
        for (var oc = 0; oc < o.Channels; oc++)
        {
            var group = oc / outPerGroup;
            for (var oh = 0; oh < o.Height; oh++)
            for (var ow = 0; ow < o.Width; ow++)
            {
                var sum = node.Bias is { } bias ? p[bias.Offset + oc] : 0;
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
                            sum += x[((n * s.Channels + ic) * s.Height + ih) * s.Width + iw]
                                * p[weight + ((oc * inPerGroup + icg) * w.KernelHeight + kh) * w.KernelWidth + kw];
                        }
                    }
                }
                y[((n * o.Channels + oc) * o.Height + oh) * o.Width + ow] = sum;
            }
        }
        return y;
    }

    /// <summary>The maximum over the window's taps that fall inside the input (padding never wins).</summary>
    private static double[] MaxPool(NodeDefinition node, double[] x, TensorShape s, int batch)
    {
        var o = node.Output;
        var w = node.Window;
        var y = new double[batch * o.Length];
        for (var n = 0; n < batch; n++)
        for (var c = 0; c < o.Channels; c++)
        for (var oh = 0; oh < o.Height; oh++)
        for (var ow = 0; ow < o.Width; ow++)
        {
            var max = double.NegativeInfinity;
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
    /// The mean over the window. With count_include_pad the divisor counts the taps inside the padded input (real
    /// pixels and padding), not those of a ceil-mode window that hang past the end padding; without it, only real
    /// pixels (PyTorch's avg_pool2d).
    /// </summary>
    private static double[] AvgPool(NodeDefinition node, double[] x, TensorShape s, int batch)
    {
        var o = node.Output;
        var w = node.Window;
        var y = new double[batch * o.Length];
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
            y[((n * o.Channels + c) * o.Height + oh) * o.Width + ow] = sum / (node.CountIncludePad ? padded : real);
        }
        return y;
    }

    private static double[] GlobalPool(double[] x, TensorShape s, int batch, bool average)
    {
        var pixels = s.Height * s.Width;
        var y = new double[batch * s.Channels];
        for (var n = 0; n < batch; n++)
        for (var c = 0; c < s.Channels; c++)
        {
            var start = (n * s.Channels + c) * pixels;
            double sum = 0;
            var max = double.NegativeInfinity;
            for (var i = 0; i < pixels; i++)
            {
                sum += x[start + i];
                max = Math.Max(max, x[start + i]);
            }
            y[n * s.Channels + c] = average ? sum / pixels : max;
        }
        return y;
    }

    /// <summary>gamma * (x - mean) / sqrt(var + epsilon) + beta with the running statistics.</summary>
    private static double[] BatchNormInference(NodeDefinition node, double[] x, TensorShape s, double[] p, int batch)
    {
        var mean = new double[s.Channels];
        var variance = new double[s.Channels];
        for (var c = 0; c < s.Channels; c++)
        {
            mean[c] = p[node.RunningMean!.Offset + c];
            variance[c] = p[node.RunningVar!.Offset + c];
        }
        return Normalize(node, x, s, p, batch, mean, variance);
    }

    /// <summary>The same with the batch's statistics: mean and biased variance of each channel over images and pixels.</summary>
    private static double[] BatchNormTraining(NodeDefinition node, double[] x, TensorShape s, double[] p, int batch)
    {
        var pixels = s.Height * s.Width;
        var count = batch * pixels;
        var mean = new double[s.Channels];
        var variance = new double[s.Channels];
        for (var c = 0; c < s.Channels; c++)
        {
            double sum = 0;
            for (var n = 0; n < batch; n++)
            for (var i = 0; i < pixels; i++)
                sum += x[(n * s.Channels + c) * pixels + i];
            mean[c] = sum / count;
            double squares = 0;
            for (var n = 0; n < batch; n++)
            for (var i = 0; i < pixels; i++)
            {
                var d = x[(n * s.Channels + c) * pixels + i] - mean[c];
                squares += d * d;
            }
            variance[c] = squares / count;
        }
        return Normalize(node, x, s, p, batch, mean, variance);
    }

    private static double[] Normalize(NodeDefinition node, double[] x, TensorShape s, double[] p, int batch, double[] mean, double[] variance)
    {
        var pixels = s.Height * s.Width;
        var y = new double[x.Length];
        for (var n = 0; n < batch; n++)
        for (var c = 0; c < s.Channels; c++)
        {
            var scale = p[node.Gamma!.Offset + c] / Math.Sqrt(variance[c] + node.Epsilon);
            var beta = p[node.Beta!.Offset + c];
            var start = (n * s.Channels + c) * pixels;
            for (var i = 0; i < pixels; i++)
                y[start + i] = (x[start + i] - mean[c]) * scale + beta;
        }
        return y;
    }

    /// <summary>y = W x + b over the flattened C*H*W input (NCHW order).</summary>
    private static double[] Dense(NodeDefinition node, double[] x, TensorShape s, double[] p, int batch)
    {
        var units = node.Output.Channels;
        var features = s.Length;
        var weight = node.Weight!.Offset;
        var y = new double[batch * units];
        for (var n = 0; n < batch; n++)
        for (var u = 0; u < units; u++)
        {
            var sum = node.Bias is { } bias ? p[bias.Offset + u] : 0;
            for (var k = 0; k < features; k++)
                sum += p[weight + u * features + k] * x[n * features + k];
            y[n * units + u] = sum;
        }
        return y;
    }

    /// <summary>Softmax over the channels at each pixel, with the maximum subtracted first.</summary>
    private static double[] Softmax(double[] x, TensorShape s, int batch)
    {
        var pixels = s.Height * s.Width;
        var y = new double[x.Length];
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
                y[(n * s.Channels + c) * pixels + i] = Math.Exp(x[(n * s.Channels + c) * pixels + i] - max) / sum;
        }
        return y;
    }

    /// <summary>
    /// y = x / (k + alpha / size * sum of x^2)^beta, the sum over channels [c - floor((size - 1) / 2),
    /// c + ceil((size - 1) / 2)] that exist (ONNX's LRN).
    /// </summary>
    private static double[] Lrn(NodeDefinition node, double[] x, TensorShape s, int batch)
    {
        var pixels = s.Height * s.Width;
        var before = (node.LrnSize - 1) / 2;
        var after = node.LrnSize - 1 - before;
        var y = new double[x.Length];
        for (var n = 0; n < batch; n++)
        for (var c = 0; c < s.Channels; c++)
        for (var i = 0; i < pixels; i++)
        {
            double squares = 0;
            for (var j = Math.Max(0, c - before); j <= Math.Min(s.Channels - 1, c + after); j++)
            {
                var v = x[(n * s.Channels + j) * pixels + i];
                squares += v * v;
            }
            var index = (n * s.Channels + c) * pixels + i;
            y[index] = x[index] / Math.Pow(node.LrnK + node.LrnAlpha / node.LrnSize * squares, node.LrnBeta);
        }
        return y;
    }

    private static double[] Concat(List<(double[] Data, TensorShape Shape)> inputs, int batch)
    {
        var total = 0;
        foreach (var (_, shape) in inputs)
            total += shape.Length;
        var y = new double[batch * total];
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

    private static double[] Add(List<(double[] Data, TensorShape Shape)> inputs)
    {
        var y = new double[inputs[0].Data.Length];
        foreach (var (data, _) in inputs)
            for (var i = 0; i < y.Length; i++)
                y[i] += data[i];
        return y;
    }

    private static double[] ChannelScale(double[] x, TensorShape s, double[] scale, int batch)
    {
        var pixels = s.Height * s.Width;
        var y = new double[x.Length];
        for (var n = 0; n < batch; n++)
        for (var c = 0; c < s.Channels; c++)
        {
            var factor = scale[n * s.Channels + c];
            var start = (n * s.Channels + c) * pixels;
            for (var i = 0; i < pixels; i++)
                y[start + i] = x[start + i] * factor;
        }
        return y;
    }

    private static double[] Multiply(double[] x, double[] mask)
    {
        if (mask.Length != x.Length)
            throw new ArgumentException($"A dropout mask of {mask.Length} values for {x.Length} inputs.", nameof(mask));
        var y = new double[x.Length];
        for (var i = 0; i < y.Length; i++)
            y[i] = x[i] * mask[i];
        return y;
    }

    private static double[] Map(double[] x, Func<double, double> f)
    {
        var y = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
            y[i] = f(x[i]);
        return y;
    }
}
