using ConvForge;
using ConvForge.Runtime.Tests.Execution;

namespace ConvForge.Runtime.Tests.Training.GradientChecks;

// Small networks for the whole-network gradient checks: one per module of the DSL, plus the layers that are not
// modules (LRN, Dense, pools in every mode, Dropout, the activations, grouped/dilated/strided convolutions).
// Channel counts are not multiples of 8 or 16 and spatial sizes are odd, so padding lanes and edge windows are
// exercised; every network ends in class scores (C x 1 x 1), some with a final Softmax the loss reads past.
// Kept small so the double-precision finite differences over (nearly) every parameter take seconds.

/// <summary>NIN's mlpconv (3x3 then two 1x1, ReLU after each), a ceil-mode max pool, a 1x1 classifier and a global average pool.</summary>
[Network(Channels = 3, Height = 9, Width = 9)]
public partial class MlpConvCheckNet : IGeneratedNetwork, IGeneratedNetworkType
{
    [MlpConv(10, 8, 6, Kernel = 3, Padding = 1)] public partial Layer Mlpconv1 { get; }
    [MaxPool(3, Stride = 2, CeilMode = true)]    public partial Layer Pool1 { get; }
    [Conv(5, Kernel = 1)]                        public partial Layer Classifier { get; }
    [GlobalAvgPool, Softmax]                     public partial Layer Output { get; }
}

/// <summary>SqueezeNet's fire module (1x1 squeeze, 1x1 and 3x3 expands concatenated) after a strided stem.</summary>
[Network(Channels = 3, Height = 11, Width = 9)]
public partial class FireCheckNet : IGeneratedNetwork, IGeneratedNetworkType
{
    [Conv(9, Kernel = 3, Stride = 2), Relu] public partial Layer Stem { get; }
    [Fire(5, 6, 7)]                         public partial Layer Fire1 { get; }
    [Conv(4, Kernel = 1)]                   public partial Layer Classifier { get; }
    [GlobalAvgPool]                         public partial Layer Output { get; }
}

/// <summary>GoogLeNet's inception module (four branches, one through a 3x3 max pool), then a dense classifier.</summary>
[Network(Channels = 3, Height = 7, Width = 8)]
public partial class InceptionCheckNet : IGeneratedNetwork, IGeneratedNetworkType
{
    [Conv(6, Kernel = 3, Padding = 1), Relu] public partial Layer Stem { get; }
    [Inception(4, 3, 5, 2, 3, 3)]            public partial Layer Mixed { get; }
    [GlobalAvgPool, Flatten]                 public partial Layer Pool { get; }
    [Dense(5)]                               public partial Layer Output { get; }
}

/// <summary>ResNet's basic block twice: an identity shortcut, then stride 2 with a projection shortcut.</summary>
[Network(Channels = 3, Height = 9, Width = 9)]
public partial class BasicBlockCheckNet : IGeneratedNetwork, IGeneratedNetworkType
{
    [Conv(6, Kernel = 3, Padding = 1, Bias = false), BatchNorm, Relu] public partial Layer Stem { get; }
    [BasicBlock(6)]                                                   public partial Layer Res1 { get; }
    [BasicBlock(10, Stride = 2)]                                      public partial Layer Res2 { get; }
    [GlobalAvgPool, Flatten]                                          public partial Layer Pool { get; }
    [Dense(4)]                                                        public partial Layer Output { get; }
}

/// <summary>ResNet's bottleneck with stride 2 (projection shortcut), then one with an identity shortcut.</summary>
[Network(Channels = 3, Height = 9, Width = 10)]
public partial class BottleneckCheckNet : IGeneratedNetwork, IGeneratedNetworkType
{
    [Conv(7, Kernel = 3, Padding = 1, Bias = false), BatchNorm, Relu] public partial Layer Stem { get; }
    [Bottleneck(3, Stride = 2, Expansion = 3)]                        public partial Layer Res1 { get; }
    [Bottleneck(3, Expansion = 3)]                                    public partial Layer Res2 { get; }
    [GlobalAvgPool, Flatten]                                          public partial Layer Pool { get; }
    [Dense(5)]                                                        public partial Layer Output { get; }
}

/// <summary>Squeeze-and-excitation (global pool, 1x1 reduce, ReLU, 1x1 expand, sigmoid gate, channel scaling).</summary>
[Network(Channels = 3, Height = 7, Width = 7)]
public partial class SqueezeExciteCheckNet : IGeneratedNetwork, IGeneratedNetworkType
{
    [Conv(12, Kernel = 3, Padding = 1), Relu] public partial Layer Stem { get; }
    [SqueezeExcite(Reduction = 4)]            public partial Layer Attention { get; }
    [Conv(5, Kernel = 1)]                     public partial Layer Classifier { get; }
    [GlobalAvgPool]                           public partial Layer Output { get; }
}

/// <summary>A user module: two branches (one with BatchNorm) joined by a residual Add and a ReLU.</summary>
[NetworkModule]
public partial class CheckPair
{
    [Conv(WidthFactor = 1, Kernel = 3, Padding = 1, Bias = false), BatchNorm, Relu] public partial Layer Left { get; }
    [Conv(WidthFactor = 1, Kernel = 1, From = Layers.Input)]                       public partial Layer Right { get; }
    [Add(nameof(Left), nameof(Right)), Relu]                                        public partial Layer Output { get; }
}

/// <summary>The user module <see cref="CheckPair"/> used at two widths around a max pool.</summary>
[Network(Channels = 3, Height = 9, Width = 8)]
public partial class ModuleCheckNet : IGeneratedNetwork, IGeneratedNetworkType
{
    [Module(typeof(CheckPair), Width = 5)] public partial Layer Block1 { get; }
    [MaxPool(2, CeilMode = true)]           public partial Layer Pool1 { get; }
    [Module(typeof(CheckPair), Width = 9)] public partial Layer Block2 { get; }
    [GlobalAvgPool, Flatten]               public partial Layer Pool2 { get; }
    [Dense(4), Softmax]                    public partial Layer Output { get; }
}

/// <summary>
/// LRN with a large alpha (so its normalization matters), dense layers on a flattened map, and an input of 17
/// channels (neither block size divides it; the input is converted to blocks rather than read plain).
/// </summary>
[Network(Channels = 17, Height = 5, Width = 6)]
public partial class LrnDenseCheckNet : IGeneratedNetwork, IGeneratedNetworkType
{
    [Conv(11, Kernel = 3, Padding = 1), Relu]          public partial Layer Conv1 { get; }
    [Lrn(Size = 3, Alpha = 0.5, Beta = 0.75, K = 1.5)] public partial Layer Norm { get; }
    [MaxPool(2, Stride = 2, CeilMode = true)]          public partial Layer Pool { get; }
    [Flatten, Dense(9), Relu]                          public partial Layer Hidden { get; }
    [Dense(5), Softmax]                                public partial Layer Output { get; }
}

/// <summary>
/// Pooling in every mode (padded ceil-mode max, ceil-mode average without and with the padding counted, a
/// stride-1 padded average), a global max pool for the scores, and the other activations.
/// </summary>
[Network(Channels = 3, Height = 11, Width = 10)]
public partial class PoolCheckNet : IGeneratedNetwork, IGeneratedNetworkType
{
    [Conv(7, Kernel = 3, Padding = 1), LeakyRelu(Slope = 0.1)]              public partial Layer Conv1 { get; }
    [MaxPool(3, Stride = 2, Padding = 1, CeilMode = true)]                  public partial Layer Pool1 { get; }
    [Conv(9, Kernel = 3, Padding = 1), Relu6]                               public partial Layer Conv2 { get; }
    [AvgPool(3, Stride = 2, Padding = 1, CeilMode = true, CountIncludePad = false)] public partial Layer Pool2 { get; }
    [Conv(6, Kernel = 1), Sigmoid]                                          public partial Layer Conv3 { get; }
    [AvgPool(2, Stride = 1, Padding = 1, CountIncludePad = true)]           public partial Layer Pool3 { get; }
    [Conv(5, Kernel = 3)]                                                   public partial Layer Classifier { get; }
    [GlobalMaxPool]                                                         public partial Layer Output { get; }
}

/// <summary>Convolutions in every form: strided with "same" padding and an even kernel, grouped, depthwise dilated, and a concat of two branches.</summary>
[Network(Channels = 3, Height = 10, Width = 9)]
public partial class ConvFormsCheckNet : IGeneratedNetwork, IGeneratedNetworkType
{
    [Conv(12, Kernel = 4, Stride = 2, Same = true), Relu]                 public partial Layer Stem { get; }
    [Conv(9, Kernel = 3, Padding = 1, Groups = 3), Relu]                 public partial Layer Grouped { get; }
    [Conv(9, Kernel = 3, Padding = 2, Dilation = 2, Depthwise = true), BatchNorm, Relu] public partial Layer Depthwise { get; }
    [Conv(4, Kernel = 1, From = nameof(Stem))]                           public partial Layer Side { get; }
    [Concat(nameof(Depthwise), nameof(Side))]                            public partial Layer Joined { get; }
    [Conv(5, Kernel = 1)]                                                public partial Layer Classifier { get; }
    [GlobalAvgPool]                                                      public partial Layer Output { get; }
}

/// <summary>Inverted dropout between two convolutions (the mask the trainer draws is given to the reference).</summary>
[Network(Channels = 3, Height = 7, Width = 7)]
public partial class DropoutCheckNet : IGeneratedNetwork, IGeneratedNetworkType
{
    [Conv(10, Kernel = 3, Padding = 1), Relu] public partial Layer Conv1 { get; }
    [Dropout(0.4)]                            public partial Layer Drop { get; }
    [Conv(5, Kernel = 1)]                     public partial Layer Classifier { get; }
    [GlobalAvgPool]                           public partial Layer Output { get; }
}

/// <summary>
/// A softmax inside the network (over the 8 units of a dense layer: training supports an inner softmax over one
/// pixel), then a dense layer with a BatchNorm on its 1x1 output.
/// </summary>
[Network(Channels = 3, Height = 6, Width = 5)]
public partial class SoftmaxDenseCheckNet : IGeneratedNetwork, IGeneratedNetworkType
{
    [Conv(6, Kernel = 3, Stride = 2, Padding = 1), Relu] public partial Layer Conv1 { get; }
    [Flatten, Dense(8), Softmax]                         public partial Layer Mixture { get; }
    [Dense(9), BatchNorm, Relu]                          public partial Layer Hidden { get; }
    [Dense(4)]                                           public partial Layer Output { get; }
}
