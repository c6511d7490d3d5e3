using ConvForge;

namespace ConvForge.Samples;

/// <summary>
/// ResNet-18 exactly as torchvision's <c>resnet18</c> (He, Zhang, Ren and Sun, "Deep Residual Learning
/// for Image Recognition", 2015, Table 1): 11,689,512 parameters and 1.81 GMACs at 224x224.
/// </summary>
/// <remarks>
/// <para>
/// What it demonstrates: residual blocks as one attribute each. A <see cref="BasicBlockAttribute"/> is two
/// 3x3 convolutions with batch normalization plus a shortcut; where the stride or the width changes
/// (<c>Res3a</c>, <c>Res4a</c>, <c>Res5a</c>) ConvForge gives the shortcut a 1x1 projection, the seed's
/// "1x1 convolution to match dimensions", so the two paths can be added.
/// </para>
/// <para>
/// Names follow the paper's Caffe release (res2a is torchvision's <c>layer1.0</c>, res2b <c>layer1.1</c>,
/// res3a <c>layer2.0</c> ...). The network ends with the class scores (logits), as torchvision's does.
/// </para>
/// </remarks>
[Network(Channels = 3, Height = 224, Width = 224)]
public partial class ResNet18
{
    [Conv(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false), BatchNorm, Relu] public partial Layer Conv1 { get; }
    [MaxPool(3, Stride = 2, Padding = 1)]                                          public partial Layer Pool1 { get; }
    [BasicBlock(64)]                                                               public partial Layer Res2a { get; }
    [BasicBlock(64)]                                                               public partial Layer Res2b { get; }
    [BasicBlock(128, Stride = 2)]                                                  public partial Layer Res3a { get; }
    [BasicBlock(128)]                                                              public partial Layer Res3b { get; }
    [BasicBlock(256, Stride = 2)]                                                  public partial Layer Res4a { get; }
    [BasicBlock(256)]                                                              public partial Layer Res4b { get; }
    [BasicBlock(512, Stride = 2)]                                                  public partial Layer Res5a { get; }
    [BasicBlock(512)]                                                              public partial Layer Res5b { get; }
    [GlobalAvgPool, Flatten]                                                       public partial Layer AvgPool { get; }
    [Dense(1000, InFeatures = 512)]                                                public partial Layer Fc { get; }
}
