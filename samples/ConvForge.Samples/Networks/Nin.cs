using ConvForge;

namespace ConvForge.Samples;

/// <summary>
/// Network in Network for CIFAR-10 (Lin, Chen and Yan, "Network In Network", 2013), as the Caffe model
/// zoo's cifar10 NIN: three mlpconv blocks on a 3x32x32 image, then a global average pool over ten
/// channels, one per class. 966,986 parameters, 0.22 GMACs.
/// </summary>
/// <remarks>
/// What it demonstrates: the 1x1 convolution as a small multilayer perceptron slid over the image. Each
/// <see cref="MlpConvAttribute"/> is a spatial convolution followed by two 1x1 convolutions, each with a
/// ReLU: a non-linear mixing of the channels at every pixel, which makes the network deeper at little cost.
/// The last mlpconv outputs one channel per class and a global average pool replaces the dense classifier,
/// which is where the paper's idea of a class "confidence map" comes from.
/// </remarks>
[Network(Channels = 3, Height = 32, Width = 32)]
public partial class Nin
{
    [MlpConv(192, 160, 96, Kernel = 5, Padding = 2)]     public partial Layer Mlpconv1 { get; }
    [MaxPool(3, Stride = 2, CeilMode = true)]            public partial Layer Pool1 { get; }
    [Dropout(0.5)]                                       public partial Layer Drop1 { get; }
    [MlpConv(192, 192, 192, Kernel = 5, Padding = 2)]    public partial Layer Mlpconv2 { get; }
    [AvgPool(3, Stride = 2, CeilMode = true)]            public partial Layer Pool2 { get; }
    [Dropout(0.5)]                                       public partial Layer Drop2 { get; }
    [MlpConv(192, 192, 10, Kernel = 3, Padding = 1)]     public partial Layer Mlpconv3 { get; }
    [GlobalAvgPool, Softmax]                             public partial Layer Output { get; }
}
