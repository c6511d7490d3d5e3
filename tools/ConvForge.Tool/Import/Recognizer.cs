using System;
using System.Collections.Generic;
using System.Linq;
using ConvForge.Compiler.Spec;

namespace ConvForge.Tool.Import;

/// <summary>
/// Groups a model's data nodes into layers: the modules of the literature where the nodes are exactly a
/// module's expansion (squeeze-and-excitation, Fire, Inception, ResNet basic and bottleneck blocks, then
/// NIN's mlpconv), and primitive layers elsewhere, a head node followed by the unary nodes that only it
/// feeds (<c>[Conv(64, Kernel = 3, Bias = false), BatchNorm, Relu]</c>, <c>[Add(...), Relu]</c>).
/// </summary>
/// <remarks>
/// A module matches only when every node inside it is read by nothing outside it, so the declared module
/// computes what the file computes. Windows are compared by effect: the same kernel, stride, dilation and
/// leading padding, and the same output size, so trailing padding that no window reads (CNTK's
/// <c>pads = [1, 1, 0, 0]</c> for a stride-2 3x3 on an even size) still matches a module's symmetric padding.
/// </remarks>
internal static class Recognizer
{
    public static List<LayerDeclaration> Recognize(DataGraph graph)
    {
        var claimed = new HashSet<DataNode>();
        var layers = new List<LayerDeclaration>();
        var matchers = new Func<DataNode, LayerDeclaration?>[] { SqueezeExcite, Fire, Inception, BasicBlock, Bottleneck };
        foreach (var matcher in matchers)
        {
            foreach (var node in graph.Nodes)
            {
                if (claimed.Contains(node) || matcher(node) is not { } layer || layer.Members.Any(claimed.Contains))
                    continue;
                claimed.UnionWith(layer.Members);
                layers.Add(layer);
            }
        }
        foreach (var node in graph.Nodes)
        {
            if (claimed.Contains(node) || MlpConv(node, claimed) is not { } layer)
                continue;
            claimed.UnionWith(layer.Members);
            layers.Add(layer);
        }
        foreach (var node in graph.Nodes.Skip(1))
        {
            if (claimed.Contains(node))
                continue;
            var layer = Primitive(node, claimed);
            claimed.UnionWith(layer.Members);
            layers.Add(layer);
        }
        // A layer's output comes after everything it reads, so ordering by outputs is a valid declaration order.
        layers.Sort((a, b) => a.Output.Index.CompareTo(b.Output.Index));
        return layers;
    }

    // ---- Modules ----

    private static LayerDeclaration? SqueezeExcite(DataNode scale)
    {
        if (scale.Op != DataOp.Mul || scale.Inputs.Count != 2)
            return null;
        foreach (var (x, gate) in new[] { (scale.Inputs[0], scale.Inputs[1]), (scale.Inputs[1], scale.Inputs[0]) })
        {
            if (gate is not { Op: DataOp.Sigmoid, SingleUse: true } || gate.Source is not { SingleUse: true } expand || !IsConv(expand, 1, 1, 0, bias: true)
                || expand.Channels != x.Channels
                || expand.Source is not { Op: DataOp.Relu, SingleUse: true } reduceRelu
                || reduceRelu.Source is not { SingleUse: true } reduce || !IsConv(reduce, 1, 1, 0, bias: true)
                || reduce.Source is not { Op: DataOp.GlobalAvgPool, SingleUse: true } pool || pool.Source != x)
                continue;
            // Reduction when it gives the width exactly (as the literature states it), else the width itself.
            var attribute = new Attribute("SqueezeExcite");
            var reduction = x.Channels / reduce.Channels;
            if (x.Channels % reduce.Channels != 0 || Math.Max(1, x.Channels / reduction) != reduce.Channels)
                attribute.With("Squeeze", ArgValue.Int(reduce.Channels));
            else if (reduction != 16)
                attribute.With("Reduction", ArgValue.Int(reduction));
            return Module("SE", attribute, x, scale, pool, reduce, reduceRelu, expand, gate, scale);
        }
        return null;
    }

    private static LayerDeclaration? Fire(DataNode concat)
    {
        if (concat.Op != DataOp.Concat || concat.Inputs.Count != 2)
            return null;
        if (concat.Inputs[0] is not { Op: DataOp.Relu, SingleUse: true } relu1 || relu1.Source is not { SingleUse: true } expand1 || !IsConv(expand1, 1, 1, 0, bias: true)
            || concat.Inputs[1] is not { Op: DataOp.Relu, SingleUse: true } relu3 || relu3.Source is not { SingleUse: true } expand3 || !IsConv(expand3, 3, 1, 1, bias: true)
            || expand1.Source != expand3.Source || expand1.Source is not { Op: DataOp.Relu } squeezeRelu || squeezeRelu.Consumers.Count != 2
            || squeezeRelu.Source is not { SingleUse: true } squeeze || !IsConv(squeeze, 1, 1, 0, bias: true))
            return null;
        var attribute = new Attribute("Fire").With("Squeeze", ArgValue.Int(squeeze.Channels), true)
            .With("Expand1x1", ArgValue.Int(expand1.Channels), true).With("Expand3x3", ArgValue.Int(expand3.Channels), true);
        return Module("Fire", attribute, squeeze.Source, concat, squeeze, squeezeRelu, expand1, relu1, expand3, relu3, concat);
    }

    private static LayerDeclaration? Inception(DataNode concat)
    {
        if (concat.Op != DataOp.Concat || concat.Inputs.Count != 4)
            return null;
        var members = new List<DataNode>();
        // Each branch from its output back to the module's input: (kernel, padding) of each convolution, the pool marked by 0.
        var branches = new[] { new[] { (1, 0) }, new[] { (3, 1), (1, 0) }, new[] { (5, 2), (1, 0) }, new[] { (1, 0), (0, 0) } };
        var widths = new int[6];
        DataNode? input = null;
        for (var b = 0; b < 4; b++)
        {
            var current = concat.Inputs[b];
            for (var step = 0; step < branches[b].Length; step++)
            {
                var (kernel, padding) = branches[b][step];
                if (kernel == 0)
                {
                    if (current is not { Op: DataOp.MaxPool, SingleUse: true } pool || !Equivalent(pool.Window, KernelWindow.Square(3, 1, 1), pool.Source.Output))
                        return null;
                    members.Add(pool);
                    current = pool.Source;
                    continue;
                }
                if (current is not { Op: DataOp.Relu, SingleUse: true } relu || relu.Source is not { SingleUse: true } conv || !IsConv(conv, kernel, 1, padding, bias: true))
                    return null;
                members.Add(relu);
                members.Add(conv);
                current = conv.Source;
                // Widths in Table 1's order: 1x1, reduce 3x3, 3x3, reduce 5x5, 5x5, pool projection.
                var slot = (b, step) switch { (0, 0) => 0, (1, 1) => 1, (1, 0) => 2, (2, 1) => 3, (2, 0) => 4, _ => 5 };
                widths[slot] = conv.Channels;
            }
            if (input is not null && current != input)
                return null;
            input = current;
        }
        members.Add(concat);
        var attribute = new Attribute("Inception");
        var names = new[] { "Conv1x1", "Reduce3x3", "Conv3x3", "Reduce5x5", "Conv5x5", "PoolProjection" };
        for (var i = 0; i < 6; i++)
            attribute.With(names[i], ArgValue.Int(widths[i]), true);
        return Module("Inception", attribute, input!, concat, members.ToArray());
    }

    private static LayerDeclaration? BasicBlock(DataNode output) => Residual(output, bottleneck: false);

    private static LayerDeclaration? Bottleneck(DataNode output) => Residual(output, bottleneck: true);

    private static LayerDeclaration? Residual(DataNode output, bool bottleneck)
    {
        if (output.Op != DataOp.Relu || output.Source is not { Op: DataOp.Add, SingleUse: true } add || add.Inputs.Count != 2)
            return null;
        foreach (var (main, shortcut) in new[] { (add.Inputs[0], add.Inputs[1]), (add.Inputs[1], add.Inputs[0]) })
        {
            var members = new List<DataNode> { output, add };
            // Main path, from its end back: (kernel, padding, strided) per convolution, each followed by BN and (but the last) ReLU.
            var convs = bottleneck ? new[] { (1, 0, false), (3, 1, true), (1, 0, false) } : new[] { (3, 1, true), (3, 1, false) };
            var found = new DataNode[convs.Length];
            var current = main;
            var stride = 0;
            var ok = true;
            for (var i = convs.Length - 1; i >= 0 && ok; i--)
            {
                if (i < convs.Length - 1)
                {
                    if (current is not { Op: DataOp.Relu, SingleUse: true })
                    {
                        ok = false;
                        break;
                    }
                    members.Add(current);
                    current = current.Source;
                }
                var (kernel, padding, strided) = convs[i];
                if (current is not { Op: DataOp.BatchNorm, SingleUse: true } bn || bn.Source is not { Op: DataOp.Conv, SingleUse: true } conv)
                {
                    ok = false;
                    break;
                }
                var s = strided ? conv.Window.StrideHeight : 1;
                if (s < 1 || !IsConv(conv, kernel, s, padding, bias: false))
                {
                    ok = false;
                    break;
                }
                if (strided)
                    stride = s;
                members.Add(bn);
                members.Add(conv);
                found[i] = conv;
                current = conv.Source;
            }
            if (!ok)
                continue;
            var x = current;
            var channels = found[0].Channels;
            if (found[1].Channels != channels)
                continue;
            var outChannels = found[^1].Channels;
            var expansion = 1;
            if (bottleneck)
            {
                if (outChannels % channels != 0)
                    continue;
                expansion = outChannels / channels;
            }
            var projects = stride != 1 || x.Channels != outChannels;
            if (projects)
            {
                if (shortcut is not { Op: DataOp.BatchNorm, SingleUse: true } bn || bn.Source is not { Op: DataOp.Conv, SingleUse: true } conv
                    || !IsConv(conv, 1, stride, 0, bias: false) || conv.Source != x || conv.Channels != outChannels)
                    continue;
                members.Add(bn);
                members.Add(conv);
            }
            else if (shortcut != x)
            {
                continue;
            }
            var attribute = new Attribute(bottleneck ? "Bottleneck" : "BasicBlock").With("Channels", ArgValue.Int(channels), true);
            if (stride != 1)
                attribute.With("Stride", ArgValue.Int(stride));
            if (bottleneck && expansion != 4)
                attribute.With("Expansion", ArgValue.Int(expansion));
            return Module("Block", attribute, x, output, members.ToArray());
        }
        return null;
    }

    private static LayerDeclaration? MlpConv(DataNode conv, HashSet<DataNode> claimed)
    {
        if (conv.Op != DataOp.Conv || !conv.Bias || conv.Groups != 1 || !conv.SingleUse)
            return null;
        var w = conv.Window;
        if (w.KernelHeight != w.KernelWidth || w.StrideHeight != w.StrideWidth || w.DilationHeight != 1 || w.DilationWidth != 1 || w.CeilMode
            || w.PadTop != w.PadBottom || w.PadTop != w.PadLeft || w.PadLeft != w.PadRight)
            return null;
        if (conv.Consumers[0] is not { Op: DataOp.Relu } relu || claimed.Contains(relu))
            return null;
        var members = new List<DataNode> { conv, relu };
        var mlp = new List<long>();
        var current = relu;
        while (current.SingleUse && current.Consumers[0] is { SingleUse: true } next && !claimed.Contains(next) && IsConv(next, 1, 1, 0, bias: true)
               && next.Consumers[0] is { Op: DataOp.Relu } nextRelu && !claimed.Contains(nextRelu))
        {
            members.Add(next);
            members.Add(nextRelu);
            mlp.Add(next.Channels);
            current = nextRelu;
        }
        if (mlp.Count == 0)
            return null;
        var attribute = new Attribute("MlpConv").With("Channels", ArgValue.Int(conv.Channels), true).With("Mlp", ArgValue.IntArray(mlp.ToArray()), true);
        if (w.KernelHeight != 1)
            attribute.With("Kernel", ArgValue.Int(w.KernelHeight));
        if (w.StrideHeight != 1)
            attribute.With("Stride", ArgValue.Int(w.StrideHeight));
        if (w.PadTop != 0)
            attribute.With("Padding", ArgValue.Int(w.PadTop));
        return Module("MlpConv", attribute, conv.Source, current, members.ToArray());
    }

    private static LayerDeclaration Module(string category, Attribute attribute, DataNode input, DataNode output, params DataNode[] members) =>
        new(category, new List<Attribute> { attribute }, members.Distinct().ToList(), output, new[] { input }, isJoin: false);

    /// <summary>A square convolution without groups or dilation whose window has the effect of kernel/stride with symmetric padding.</summary>
    private static bool IsConv(DataNode node, int kernel, int stride, int padding, bool bias) =>
        node.Op == DataOp.Conv && node.Groups == 1 && node.Bias == bias
        && Equivalent(node.Window, KernelWindow.Square(kernel, stride, padding), node.Source.Output);

    /// <summary>Windows that read the same pixels: same kernel, stride, dilation and leading padding, and the same output size.</summary>
    private static bool Equivalent(KernelWindow actual, KernelWindow expected, TensorShape input) =>
        actual.KernelHeight == expected.KernelHeight && actual.KernelWidth == expected.KernelWidth
        && actual.StrideHeight == expected.StrideHeight && actual.StrideWidth == expected.StrideWidth
        && actual.DilationHeight == expected.DilationHeight && actual.DilationWidth == expected.DilationWidth
        && actual.PadTop == expected.PadTop && actual.PadLeft == expected.PadLeft
        && actual.OutputHeight(input.Height) == expected.OutputHeight(input.Height)
        && actual.OutputWidth(input.Width) == expected.OutputWidth(input.Width)
        // In ceil mode a last window may hang over the padding; then only the same padding is the same window.
        && (!actual.CeilMode || (actual.PadBottom == expected.PadBottom && actual.PadRight == expected.PadRight));

    // ---- Primitive layers ----

    // The order unary nodes may follow a head within one property: BatchNorm, an activation, Flatten, Softmax.
    private static int Stage(DataOp op) => op switch
    {
        DataOp.BatchNorm => 1,
        DataOp.Relu or DataOp.Relu6 or DataOp.LeakyRelu or DataOp.Sigmoid => 2,
        DataOp.Flatten => 3,
        DataOp.Softmax => 4,
        _ => 0,
    };

    private static LayerDeclaration Primitive(DataNode head, HashSet<DataNode> claimed)
    {
        if (head.Op == DataOp.Mul)
            throw new NotSupportedException($"ONNX node {head.OnnxName} (Mul) multiplies two computed values outside a squeeze-and-excitation block (global average pool, 1x1 conv, ReLU, 1x1 conv, sigmoid, scale); ConvForge has no attribute for it.");
        var members = new List<DataNode> { head };
        var attributes = new List<Attribute> { Primitive(head) };
        var current = head;
        var stage = 0;
        while (current.SingleUse && current.Consumers[0] is { Inputs.Count: 1 } next && !claimed.Contains(next)
               && Stage(next.Op) > stage && (next.Op != DataOp.BatchNorm || current.Op == DataOp.Conv))
        {
            members.Add(next);
            attributes.Add(Primitive(next));
            stage = Stage(next.Op);
            current = next;
        }
        var isJoin = head.Op is DataOp.Concat or DataOp.Add;
        var category = head.Op switch
        {
            DataOp.Conv => "Conv",
            DataOp.Dense => "Dense",
            DataOp.MaxPool or DataOp.AvgPool or DataOp.GlobalAvgPool or DataOp.GlobalMaxPool => "Pool",
            DataOp.Lrn => "Norm",
            DataOp.Dropout => "Drop",
            DataOp.Relu or DataOp.Relu6 or DataOp.LeakyRelu or DataOp.Sigmoid => "Act",
            _ => head.Op.ToString(),
        };
        return new LayerDeclaration(category, attributes, members, current, head.Inputs, isJoin);
    }

    private static Attribute Primitive(DataNode node)
    {
        var w = node.Window;
        switch (node.Op)
        {
            case DataOp.Conv:
            {
                var a = new Attribute("Conv").With("Channels", ArgValue.Int(node.Channels), true);
                WindowArguments(a, w, kernelDefault: -1, strideDefault: 1);
                if (w.DilationHeight != w.DilationWidth)
                    throw new NotSupportedException($"ONNX node {node.OnnxName} (Conv) dilates the two axes differently ({w.DilationHeight} and {w.DilationWidth}); ConvForge's Dilation is one number.");
                if (w.DilationHeight != 1)
                    a.With("Dilation", ArgValue.Int(w.DilationHeight));
                if (node.Groups != 1)
                    a.With("Groups", ArgValue.Int(node.Groups));
                if (!node.Bias)
                    a.With("Bias", ArgValue.Bool(false));
                return a;
            }
            case DataOp.MaxPool:
            case DataOp.AvgPool:
            {
                if (w.KernelHeight != w.KernelWidth)
                    throw new NotSupportedException($"ONNX node {node.OnnxName} pools over a {w.KernelHeight}x{w.KernelWidth} window; ConvForge's pools are square.");
                var a = new Attribute(node.Op.ToString()).With("Kernel", ArgValue.Int(w.KernelHeight), true);
                WindowArguments(a, w, kernelDefault: w.KernelHeight, strideDefault: w.KernelHeight);
                if (w.CeilMode)
                    a.With("CeilMode", ArgValue.Bool(true));
                var padded = w.PadTop + w.PadLeft + w.PadBottom + w.PadRight > 0 || w.CeilMode;
                if (node.Op == DataOp.AvgPool && !node.CountIncludePad && padded)
                    a.With("CountIncludePad", ArgValue.Bool(false));
                return a;
            }
            case DataOp.BatchNorm:
                return Close(node.Epsilon, 1e-5) ? new Attribute("BatchNorm") : new Attribute("BatchNorm").With("Epsilon", ArgValue.Double(node.Epsilon));
            case DataOp.LeakyRelu:
                return Close(node.Slope, 0.01) ? new Attribute("LeakyRelu") : new Attribute("LeakyRelu").With("Slope", ArgValue.Double(node.Slope));
            case DataOp.Dropout:
                return new Attribute("Dropout").With("Rate", ArgValue.Double(node.Rate), true);
            case DataOp.Lrn:
            {
                var a = new Attribute("Lrn");
                if (node.LrnSize != 5)
                    a.With("Size", ArgValue.Int(node.LrnSize));
                if (!Close(node.LrnAlpha, 1e-4))
                    a.With("Alpha", ArgValue.Double(node.LrnAlpha));
                if (!Close(node.LrnBeta, 0.75))
                    a.With("Beta", ArgValue.Double(node.LrnBeta));
                if (!Close(node.LrnK, 1))
                    a.With("K", ArgValue.Double(node.LrnK));
                return a;
            }
            case DataOp.Dense:
            {
                var a = new Attribute("Dense").With("Units", ArgValue.Int(node.Channels), true);
                if (!node.Bias)
                    a.With("Bias", ArgValue.Bool(false));
                return a;
            }
            case DataOp.Concat:
            case DataOp.Add:
                // The joined layers' names are known once every layer is named (Importer.Resolve).
                return new Attribute(node.Op.ToString());
            case DataOp.Relu:
            case DataOp.Relu6:
            case DataOp.Sigmoid:
            case DataOp.Softmax:
            case DataOp.Flatten:
            case DataOp.GlobalAvgPool:
            case DataOp.GlobalMaxPool:
                return new Attribute(node.Op.ToString());
        }
        throw new NotSupportedException($"ONNX node {node.OnnxName} ({node.Op}) has no ConvForge attribute.");
    }

    private static void WindowArguments(Attribute a, KernelWindow w, int kernelDefault, int strideDefault)
    {
        if (kernelDefault < 0)
        {
            if (w.KernelHeight == w.KernelWidth)
                a.With("Kernel", ArgValue.Int(w.KernelHeight));
            else
                a.With("KernelHeight", ArgValue.Int(w.KernelHeight)).With("KernelWidth", ArgValue.Int(w.KernelWidth));
        }
        if (w.StrideHeight == w.StrideWidth)
        {
            if (w.StrideHeight != strideDefault)
                a.With("Stride", ArgValue.Int(w.StrideHeight));
        }
        else
        {
            a.With("StrideHeight", ArgValue.Int(w.StrideHeight)).With("StrideWidth", ArgValue.Int(w.StrideWidth));
        }
        if (w.PadTop == w.PadBottom && w.PadTop == w.PadLeft && w.PadTop == w.PadRight)
        {
            if (w.PadTop != 0)
                a.With("Padding", ArgValue.Int(w.PadTop));
        }
        else
        {
            a.With("PadTop", ArgValue.Int(w.PadTop)).With("PadLeft", ArgValue.Int(w.PadLeft))
                .With("PadBottom", ArgValue.Int(w.PadBottom)).With("PadRight", ArgValue.Int(w.PadRight));
        }
    }

    private static bool Close(double value, double expected) => Math.Abs(value - expected) <= 1e-6 * Math.Abs(expected);
}
