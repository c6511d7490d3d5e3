using ConvForge;

namespace ConvForge.Samples;

/// <summary>
/// The from-scratch training sample: a small network of the Network in Network and SqueezeNet family for
/// Fashion-MNIST (1x28x28 grey images, ten classes), small enough to train for many epochs in minutes on two
/// cores; the sample's target is 93% test accuracy. 252,042 parameters, 24.7 MMACs per image.
/// </summary>
/// <remarks>
/// <para>
/// What it demonstrates: 1x1 convolutions doing the work the seed describes, in a network small enough to
/// train on a laptop. <c>Mix3</c> and <c>Mix4</c> are non-linear mergings of the channels at every pixel (NIN's mlpconv: a
/// spatial convolution followed by a 1x1 convolution with a ReLU); <c>Classifier</c> reduces 192 channels to
/// one per class, and the global average pool turns each class map into a score, so the network has no dense
/// layer. Batch normalisation after every spatial convolution (whose bias it makes redundant, hence
/// <c>Bias = false</c>) is what lets it train fast at a high learning rate.
/// </para>
/// <para>
/// Shapes: 32 x 28 x 28 after the first block, 96 x 14 x 14 after the second, ten class maps of 7 x 7 after
/// the third. The width sits where pixels are few: the 28 x 28 block is narrow, the 7 x 7 block wide. <c>Logits</c> are the class scores a trainer's loss reads; <c>Output</c> turns them into
/// probabilities for inference.
/// </para>
/// </remarks>
[Network(Channels = 1, Height = 28, Width = 28)]
public partial class FashionNin
{
    [Conv(32, Kernel = 3, Padding = 1, Bias = false), BatchNorm, Relu]  public partial Layer Conv1 { get; }
    [Conv(32, Kernel = 3, Padding = 1, Bias = false), BatchNorm, Relu]  public partial Layer Conv2 { get; }
    [MaxPool(2)]                                                        public partial Layer Pool1 { get; }
    [Conv(96, Kernel = 3, Padding = 1, Bias = false), BatchNorm, Relu]  public partial Layer Conv3 { get; }
    [Conv(96, Kernel = 1), Relu]                                        public partial Layer Mix3 { get; }
    [MaxPool(2)]                                                        public partial Layer Pool2 { get; }
    [Conv(192, Kernel = 3, Padding = 1, Bias = false), BatchNorm, Relu] public partial Layer Conv4 { get; }
    [Conv(192, Kernel = 1), Relu]                                       public partial Layer Mix4 { get; }
    [Conv(10, Kernel = 1)]                                              public partial Layer Classifier { get; }
    [GlobalAvgPool]                                                     public partial Layer Logits { get; }
    [Softmax]                                                           public partial Layer Output { get; }
}
