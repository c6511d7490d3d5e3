using System;
using System.Collections.Generic;
using System.Linq;

namespace ConvForge.Runtime.Tests.Onnx;

/// <summary>
/// Small hand-built networks that between them use every <see cref="OpKind"/> and the settings that
/// are easy to get wrong: asymmetric padding, dilation, groups, ceil mode, count_include_pad both
/// ways, even LRN sizes, 2-D values meeting 4-D ones. Odd spatial sizes throughout.
/// </summary>
internal static class ParityNetworks
{
    private static readonly TensorShape Rgb = new(3, 11, 13);
    // (10 - 3) / 2 and (14 - 3) / 2 are not whole, nor (10 + 2 - 3) / 2: ceil mode adds a window on both axes.
    private static readonly TensorShape CeilInput = new(3, 10, 14);

    public static readonly IReadOnlyDictionary<string, Func<NetworkDefinition>> All = new Dictionary<string, Func<NetworkDefinition>>
    {
        ["Conv3x3Pad1Bias"] = () => Single(b => b.Conv("Conv", b.Input, 8, KernelWindow.Square(3, padding: 1))),
        ["ConvStride2AsymmetricPadNoBias"] = () => Single(b => b.Conv("Conv", b.Input, 5,
            new KernelWindow(3, 3, 2, 2, PadTop: 1, PadLeft: 0, PadBottom: 2, PadRight: 1, 1, 1, false), bias: false)),
        ["ConvDilatedRectangular"] = () => Single(b => b.Conv("Conv", b.Input, 4,
            new KernelWindow(3, 2, 1, 2, PadTop: 2, PadLeft: 1, PadBottom: 2, PadRight: 1, DilationHeight: 2, DilationWidth: 3, false))),
        ["ConvGroupsAndDepthwise"] = () => Single(b =>
        {
            var widen = b.Conv("Widen", b.Input, 6, KernelWindow.Square(1));
            var grouped = b.Conv("Grouped", widen, 9, KernelWindow.Square(3, padding: 1), groups: 3);
            return b.Conv("Depthwise", grouped, 9, KernelWindow.Square(3, stride: 2, padding: 1), groups: 9);
        }),
        ["MaxPoolCeil"] = () => Single(CeilInput, b => b.MaxPool("Pool", b.Input, KernelWindow.Square(3, stride: 2, ceilMode: true))),
        ["MaxPoolAsymmetricPadDilated"] = () => Single(b => b.MaxPool("Pool", b.Input,
            new KernelWindow(3, 2, 2, 1, PadTop: 1, PadLeft: 0, PadBottom: 2, PadRight: 1, DilationHeight: 2, DilationWidth: 1, false))),
        ["AvgPoolPadIncludePad"] = () => Single(b => b.AvgPool("Pool", b.Input, KernelWindow.Square(3, stride: 2, padding: 1), countIncludePad: true)),
        ["AvgPoolPadExcludePad"] = () => Single(b => b.AvgPool("Pool", b.Input, KernelWindow.Square(3, stride: 2, padding: 1), countIncludePad: false)),
        ["AvgPoolAsymmetricPad"] = () => Single(b => b.AvgPool("Pool", b.Input,
            new KernelWindow(2, 3, 1, 2, PadTop: 0, PadLeft: 1, PadBottom: 1, PadRight: 0, 1, 1, false), countIncludePad: true)),
        ["AvgPoolCeilExcludePad"] = () => Single(CeilInput, b => b.AvgPool("Pool", b.Input, KernelWindow.Square(3, stride: 2, padding: 1, ceilMode: true), countIncludePad: false)),
        ["AvgPoolCeilIncludePad"] = () => Single(CeilInput, b => b.AvgPool("Pool", b.Input, KernelWindow.Square(3, stride: 2, padding: 1, ceilMode: true), countIncludePad: true)),
        ["AvgPoolCeilNoPad"] = () => Single(CeilInput, b => b.AvgPool("Pool", b.Input, KernelWindow.Square(3, stride: 2, ceilMode: true))),
        // Ceil mode would add a window starting in the end padding (5 + 1 + 1 - 2 = 5, ceil(5 / 2) + 1 = 4); it is dropped.
        ["MaxPoolLastWindowWouldStartInPadding"] = () => Single(new TensorShape(3, 5, 7), b => b.MaxPool("Pool", b.Input, KernelWindow.Square(2, stride: 2, padding: 1, ceilMode: true))),
        ["AvgPoolLastWindowWouldStartInPadding"] = () => Single(new TensorShape(3, 5, 7), b => b.AvgPool("Pool", b.Input, KernelWindow.Square(2, stride: 2, padding: 1, ceilMode: true))),
        ["GlobalPools"] = () => Single(b =>
        {
            var conv = b.Conv("Conv", b.Input, 6, KernelWindow.Square(3));
            var average = b.GlobalAvgPool("Average", conv);
            var max = b.GlobalMaxPool("Max", conv);
            return b.Concat("Both", average, max);
        }),
        ["BatchNormOnConvAndDense"] = () => Single(b =>
        {
            var conv = b.Conv("Conv", b.Input, 6, KernelWindow.Square(3, padding: 1), bias: false);
            var bn = b.BatchNorm("Conv.BatchNorm", conv, epsilon: 1e-3);
            var dense = b.Dense("Dense", bn, 7);
            return b.BatchNorm("Dense.BatchNorm", dense);
        }),
        ["Relu"] = () => Activation((b, x) => b.Relu("Act", x)),
        ["LeakyRelu"] = () => Activation((b, x) => b.LeakyRelu("Act", x, slope: 0.1)),
        ["Relu6"] = () => Activation((b, x) => b.Relu6("Act", x)),
        ["Sigmoid"] = () => Activation((b, x) => b.Sigmoid("Act", x)),
        ["Dropout"] = () => Activation((b, x) => b.Dropout("Act", x, rate: 0.3)),
        ["FlattenDenseSoftmax"] = () => Single(b =>
        {
            var conv = b.Conv("Conv", b.Input, 4, KernelWindow.Square(3, stride: 2));
            var flat = b.Flatten("Flatten", conv);
            var hidden = b.Dense("Hidden", flat, 12);
            var relu = b.Relu("Hidden.Relu", hidden);
            var logits = b.Dense("Logits", relu, 5, bias: false);
            return b.Softmax("Probabilities", logits);
        }),
        ["DenseReadsConvDirectly"] = () => Single(b =>
        {
            var conv = b.Conv("Conv", b.Input, 2, KernelWindow.Square(3, stride: 2));
            return b.Dense("Dense", conv, 6);
        }),
        ["FlattenThenConvAndScale"] = () => Single(b =>
        {
            // 2-D values feeding ops that need 4-D ones: a Reshape to [N, C, 1, 1] must be inserted.
            var pool = b.GlobalAvgPool("Pool", b.Input);
            var flat = b.Flatten("Flatten", pool);
            var conv = b.Conv("Conv", flat, 3, KernelWindow.Square(1));
            var gate = b.Sigmoid("Gate", b.Dense("Dense", flat, 3));
            var scaled = b.ChannelScale("Scaled", b.Input, gate);
            var lrn = b.Lrn("Lrn", b.Flatten("Flatten2", conv), size: 3, alpha: 0.5, beta: 0.75, k: 2);
            var joined = b.Concat("Joined", b.GlobalMaxPool("Max", scaled), lrn);
            return b.Add("Sum", joined, b.Concat("Joined2", b.Dense("Dense2", flat, 3), gate));
        }),
        ["SoftmaxOverChannels4D"] = () => Single(b => b.Softmax("Softmax", b.Conv("Conv", b.Input, 5, KernelWindow.Square(3)))),
        ["LrnGoogLeNet"] = () => Single(b => b.Lrn("Lrn", b.Conv("Conv", b.Input, 9, KernelWindow.Square(3, padding: 1)), size: 5, alpha: 1e-4, beta: 0.75, k: 1)),
        ["LrnStrongOddSize"] = () => Single(b => b.Lrn("Lrn", b.Conv("Conv", b.Input, 7, KernelWindow.Square(1)), size: 5, alpha: 0.9, beta: 0.75, k: 1.5)),
        ["LrnEvenSize"] = () => Single(b => b.Lrn("Lrn", b.Conv("Conv", b.Input, 7, KernelWindow.Square(1)), size: 4, alpha: 0.9, beta: 0.6, k: 2)),
        ["InceptionLikeConcat"] = () => Single(b =>
        {
            var a = b.Relu("A.Relu", b.Conv("A", b.Input, 4, KernelWindow.Square(1)));
            var c = b.Relu("C.Relu", b.Conv("C", b.Input, 3, KernelWindow.Square(3, padding: 1)));
            var p = b.MaxPool("P", b.Input, KernelWindow.Square(3, padding: 1));
            var proj = b.Conv("P.Projection", p, 2, KernelWindow.Square(1));
            return b.Concat("Inception", a, c, proj);
        }),
        ["ResidualBlockWithSqueezeExcite"] = () => Single(b =>
        {
            var conv1 = b.Conv("Block.Conv1", b.Input, 8, KernelWindow.Square(3, stride: 2, padding: 1), bias: false);
            var relu1 = b.Relu("Block.Relu1", b.BatchNorm("Block.Bn1", conv1));
            var bn2 = b.BatchNorm("Block.Bn2", b.Conv("Block.Conv2", relu1, 8, KernelWindow.Square(3, padding: 1), bias: false));
            var se = b.GlobalAvgPool("Se.Pool", bn2);
            var reduce = b.Relu("Se.ReduceRelu", b.Conv("Se.Reduce", se, 2, KernelWindow.Square(1)));
            var gate = b.Sigmoid("Se.Gate", b.Conv("Se.Expand", reduce, 8, KernelWindow.Square(1)));
            var scaled = b.ChannelScale("Se", bn2, gate);
            var shortcut = b.BatchNorm("Block.Downsample.Bn", b.Conv("Block.Downsample.Conv", b.Input, 8, KernelWindow.Square(1, stride: 2), bias: false));
            return b.Relu("Block", b.Add("Block.Add", scaled, shortcut));
        }),
        ["AddOfThree"] = () => Single(b =>
        {
            var x = b.Conv("X", b.Input, 4, KernelWindow.Square(3, padding: 1));
            var y = b.Conv("Y", b.Input, 4, KernelWindow.Square(1));
            var z = b.Conv("Z", b.Input, 4, KernelWindow.Square(3, padding: 2, dilation: 2));
            return b.Add("Sum", x, y, z);
        }),
        ["InputIsOutput"] = () => new NetworkBuilder("InputIsOutput", Rgb).Build(),
    };

    private static NetworkDefinition Single(Func<NetworkBuilder, int> build) => Single(Rgb, build);

    private static NetworkDefinition Single(TensorShape input, Func<NetworkBuilder, int> build)
    {
        var builder = new NetworkBuilder("Parity", input);
        build(builder);
        return builder.Build();
    }

    // A convolution in front so the activation sees values of both signs and of several magnitudes.
    private static NetworkDefinition Activation(Func<NetworkBuilder, int, int> activation) => Single(b =>
    {
        var conv = b.Conv("Conv", b.Input, 6, KernelWindow.Square(3, padding: 1));
        return activation(b, conv);
    });

    public static IEnumerable<object[]> Names => All.Keys.Select(name => new object[] { name });
}
