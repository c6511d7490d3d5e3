using ConvForge;

namespace ConvForge.Samples;

/// <summary>
/// ResNet-50 exactly as torchvision's <c>resnet50</c> (He et al., "Deep Residual Learning for Image
/// Recognition", 2015, Table 1; torchvision's "v1.5", which strides the 3x3 convolution of a bottleneck
/// instead of its first 1x1): 25,557,032 parameters and 4.09 GMACs at 224x224.
/// </summary>
/// <remarks>
/// <para>
/// What it demonstrates: the 1x1 convolution as a <em>bottleneck</em>. Each <see cref="BottleneckAttribute"/>
/// reduces the depth with a 1x1 convolution (256 to 64 in Res2b), applies the expensive 3x3 convolution on
/// the narrow tensor, and expands back with another 1x1 (64 to 256). Run at 256 channels, that 3x3 would cost
/// 16x more. The first block of each stage also gets a 1x1 projection shortcut, because its channels change
/// (Res2a: 64 to 256) or its stride does.
/// </para>
/// <para>
/// Names follow the paper's Caffe release (res2a is torchvision's <c>layer1.0</c> ... res5c <c>layer4.2</c>).
/// <c>Res3a</c> states its expected input channels (<c>In = 256</c>), which ConvForge checks.
/// The network ends with the class scores (logits), as torchvision's does.
/// </para>
/// </remarks>
[Network(Channels = 3, Height = 224, Width = 224)]
public partial class ResNet50
{
    [Conv(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false), BatchNorm, Relu] public partial Layer Conv1 { get; }
    [MaxPool(3, Stride = 2, Padding = 1)]                                          public partial Layer Pool1 { get; }
    [Bottleneck(64)]                                                               public partial Layer Res2a { get; }
    [Bottleneck(64)]                                                               public partial Layer Res2b { get; }
    [Bottleneck(64)]                                                               public partial Layer Res2c { get; }
    [Bottleneck(128, Stride = 2, In = 256)]                                        public partial Layer Res3a { get; }
    [Bottleneck(128)]                                                              public partial Layer Res3b { get; }
    [Bottleneck(128)]                                                              public partial Layer Res3c { get; }
    [Bottleneck(128)]                                                              public partial Layer Res3d { get; }
    [Bottleneck(256, Stride = 2)]                                                  public partial Layer Res4a { get; }
    [Bottleneck(256)]                                                              public partial Layer Res4b { get; }
    [Bottleneck(256)]                                                              public partial Layer Res4c { get; }
    [Bottleneck(256)]                                                              public partial Layer Res4d { get; }
    [Bottleneck(256)]                                                              public partial Layer Res4e { get; }
    [Bottleneck(256)]                                                              public partial Layer Res4f { get; }
    [Bottleneck(512, Stride = 2)]                                                  public partial Layer Res5a { get; }
    [Bottleneck(512)]                                                              public partial Layer Res5b { get; }
    [Bottleneck(512)]                                                              public partial Layer Res5c { get; }
    [GlobalAvgPool, Flatten]                                                       public partial Layer AvgPool { get; }
    [Dense(1000, InFeatures = 2048)]                                               public partial Layer Fc { get; }
}
