using System;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Interpretation;

namespace ConvForge.Compiler.Building;

/// <summary>
/// The built-in modules expanded into primitive nodes, with the stable part names of the brief
/// ("Fire2.Squeeze", "Inception3a.Conv3x3Relu", "Layer1.Downsample.Conv" ...). The module's output
/// node carries the name of the attribute's output (<see cref="OpSite.OutputName"/>).
/// </summary>
internal static class BuiltInModules
{
    /// <summary>SqueezeNet: 1x1 squeeze, then 1x1 and 3x3 expands side by side, concatenated; ReLU after each conv.</summary>
    public static int Fire(GraphBuilder b, FireOp op, int input, OpSite site)
    {
        var p = site.PartPrefix;
        var squeeze = b.Conv(site, p + ".Squeeze", input, op.Squeeze, 1, 1, 0, bias: true);
        squeeze = b.Simple(site, p + ".SqueezeRelu", OpKind.Relu, squeeze);
        var expand1x1 = b.Conv(site, p + ".Expand1x1", squeeze, op.Expand1x1, 1, 1, 0, bias: true);
        expand1x1 = b.Simple(site, p + ".Expand1x1Relu", OpKind.Relu, expand1x1);
        var expand3x3 = b.Conv(site, p + ".Expand3x3", squeeze, op.Expand3x3, 3, 1, 1, bias: true);
        expand3x3 = b.Simple(site, p + ".Expand3x3Relu", OpKind.Relu, expand3x3);
        return b.Join(site, site.OutputName, OpKind.Concat, expand1x1, expand3x3);
    }

    /// <summary>GoogLeNet: 1x1 | 1x1 then 3x3 | 1x1 then 5x5 | 3x3/1 max pool then 1x1, concatenated in that order.</summary>
    public static int Inception(GraphBuilder b, InceptionOp op, int input, OpSite site)
    {
        var p = site.PartPrefix;
        var branch1x1 = ConvRelu(b, site, p + ".Branch1x1", input, op.Conv1x1, 1, 0);
        var reduce3x3 = ConvRelu(b, site, p + ".Reduce3x3", input, op.Reduce3x3, 1, 0);
        var conv3x3 = ConvRelu(b, site, p + ".Conv3x3", reduce3x3, op.Conv3x3, 3, 1);
        var reduce5x5 = ConvRelu(b, site, p + ".Reduce5x5", input, op.Reduce5x5, 1, 0);
        var conv5x5 = ConvRelu(b, site, p + ".Conv5x5", reduce5x5, op.Conv5x5, 5, 2);
        var pool = b.MaxPool(site, p + ".Pool", input, 3, 1, 1);
        var projection = ConvRelu(b, site, p + ".PoolProjection", pool, op.PoolProjection, 1, 0);
        return b.Join(site, site.OutputName, OpKind.Concat, branch1x1, conv3x3, conv5x5, projection);
    }

    /// <summary>Network in Network: a k x k conv, then 1x1 convs, ReLU after each; the last ReLU is the output.</summary>
    public static int MlpConv(GraphBuilder b, MlpConvOp op, int input, OpSite site)
    {
        var channels = b.ResolveWidth(op.Channels, site);
        if (channels <= 0)
            return b.AddBroken(site, input);
        var p = site.PartPrefix;
        var mlp = op.Mlp.Length > 0 ? op.Mlp : new[] { channels, channels };
        var current = b.Conv(site, p + ".Conv", input, channels, op.Kernel, op.Stride, op.Padding, bias: true);
        current = b.Simple(site, p + ".ConvRelu", OpKind.Relu, current);
        for (var i = 0; i < mlp.Length && !b.Aborted; i++)
        {
            var name = p + ".Mlp" + Text.Int(i + 1);
            current = b.Conv(site, name, current, mlp[i], 1, 1, 0, bias: true);
            current = b.Simple(site, i == mlp.Length - 1 ? site.OutputName : name + "Relu", OpKind.Relu, current);
        }
        return current;
    }

    /// <summary>ResNet basic block: 3x3 (stride), BN, ReLU, 3x3, BN, + shortcut, ReLU.</summary>
    public static int BasicBlock(GraphBuilder b, BasicBlockOp op, int input, OpSite site)
    {
        var channels = b.ResolveWidth(op.Channels, site);
        if (channels <= 0 || b.Nodes[input].Output is not Shape x)
            return b.AddBroken(site, input);
        var p = site.PartPrefix;
        var main = b.Conv(site, p + ".Conv1", input, channels, 3, op.Stride, 1, bias: false);
        main = b.Simple(site, p + ".Bn1", OpKind.BatchNorm, main);
        main = b.Simple(site, p + ".Relu1", OpKind.Relu, main);
        main = b.Conv(site, p + ".Conv2", main, channels, 3, 1, 1, bias: false);
        main = b.Simple(site, p + ".Bn2", OpKind.BatchNorm, main);
        var shortcut = Shortcut(b, site, input, x.Channels, channels, op.Stride);
        var sum = b.Join(site, p + ".Add", OpKind.Add, main, shortcut);
        return b.Simple(site, site.OutputName, OpKind.Relu, sum);
    }

    /// <summary>ResNet v1.5 bottleneck: 1x1, BN, ReLU, 3x3 (stride), BN, ReLU, 1x1 to Channels*Expansion, BN, + shortcut, ReLU.</summary>
    public static int Bottleneck(GraphBuilder b, BottleneckOp op, int input, OpSite site)
    {
        var channels = b.ResolveWidth(op.Channels, site);
        if (channels <= 0 || b.Nodes[input].Output is not Shape x)
            return b.AddBroken(site, input);
        var expanded = (long)channels * op.Expansion;
        if (expanded > Limits.MaxDimension)
        {
            b.Report(DiagnosticIds.TooLarge, site.Sites.At("Expansion"),
                $"{site.OutputName}: {Text.Int(channels)} channels times Expansion {Text.Int(op.Expansion)} is {Text.Count(expanded)}, over the limit of {Text.Count(Limits.MaxDimension)}");
            return b.AddBroken(site, input);
        }
        var p = site.PartPrefix;
        var main = b.Conv(site, p + ".Conv1", input, channels, 1, 1, 0, bias: false);
        main = b.Simple(site, p + ".Bn1", OpKind.BatchNorm, main);
        main = b.Simple(site, p + ".Relu1", OpKind.Relu, main);
        main = b.Conv(site, p + ".Conv2", main, channels, 3, op.Stride, 1, bias: false);
        main = b.Simple(site, p + ".Bn2", OpKind.BatchNorm, main);
        main = b.Simple(site, p + ".Relu2", OpKind.Relu, main);
        main = b.Conv(site, p + ".Conv3", main, (int)expanded, 1, 1, 0, bias: false);
        main = b.Simple(site, p + ".Bn3", OpKind.BatchNorm, main);
        var shortcut = Shortcut(b, site, input, x.Channels, (int)expanded, op.Stride);
        var sum = b.Join(site, p + ".Add", OpKind.Add, main, shortcut);
        return b.Simple(site, site.OutputName, OpKind.Relu, sum);
    }

    /// <summary>Squeeze-and-excitation: global average pool, 1x1 reduce, ReLU, 1x1 expand, sigmoid, channel scale.</summary>
    public static int SqueezeExcite(GraphBuilder b, SqueezeExciteOp op, int input, OpSite site)
    {
        if (b.Nodes[input].Output is not Shape x)
            return b.AddBroken(site, input);
        var squeeze = op.Squeeze > 0 ? op.Squeeze : Math.Max(1, x.Channels / op.Reduction);
        var p = site.PartPrefix;
        var gate = b.Simple(site, p + ".Pool", OpKind.GlobalAvgPool, input);
        gate = b.Conv(site, p + ".Reduce", gate, squeeze, 1, 1, 0, bias: true);
        gate = b.Simple(site, p + ".ReduceRelu", OpKind.Relu, gate);
        gate = b.Conv(site, p + ".Expand", gate, x.Channels, 1, 1, 0, bias: true);
        gate = b.Simple(site, p + ".Gate", OpKind.Sigmoid, gate);
        return b.Join(site, site.OutputName, OpKind.ChannelScale, input, gate);
    }

    private static int ConvRelu(GraphBuilder b, OpSite site, string name, int input, int channels, int kernel, int padding)
    {
        var conv = b.Conv(site, name, input, channels, kernel, 1, padding, bias: true);
        return b.Simple(site, name + "Relu", OpKind.Relu, conv);
    }

    /// <summary>The identity, or a strided 1x1 projection with BN when the stride or the channels change.</summary>
    private static int Shortcut(GraphBuilder b, OpSite site, int input, int inChannels, int outChannels, int stride)
    {
        if (stride == 1 && inChannels == outChannels)
            return input;
        var p = site.PartPrefix;
        var projection = b.Conv(site, p + ".Downsample.Conv", input, outChannels, 1, stride, 0, bias: false);
        return b.Simple(site, p + ".Downsample.Bn", OpKind.BatchNorm, projection);
    }
}
