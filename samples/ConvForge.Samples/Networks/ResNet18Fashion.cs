using ConvForge;

namespace ConvForge.Samples;

/// <summary>
/// Transfer learning from ImageNet to Fashion-MNIST: the trunk of <see cref="ResNet18Cntk"/> (the pretrained
/// ResNet-18 that ships in ML.NET's model package), layer for layer with the same names, on 64x64 inputs, and a new
/// head: a global average pool over the 512 feature maps and a dense layer to the 10 clothing classes.
/// </summary>
/// <remarks>
/// <para>
/// What it demonstrates: the seed's two ways of reusing a trained network. Load the trunk with
/// <c>net.Parameters.LoadOnnx(ResNet18Cntk.OnnxPath, new OnnxImportOptions { AllowMissingLayers = true })</c> (the
/// head, which the file does not have, keeps its fresh initialization), then either train only the head with the trunk
/// frozen (feature extraction: <c>FreezeThrough = "Features"</c>) or train everything (fine-tuning), usually with a
/// smaller learning rate for the trunk than for the new head.
/// </para>
/// <para>
/// 64x64 rather than 224x224: Fashion-MNIST's images are 28x28, so larger inputs only interpolate, and the smaller
/// input cuts the multiply-accumulates by 12x. The final feature maps are 2x2; the global pool averages them.
/// </para>
/// </remarks>
[Network(Channels = 3, Height = 64, Width = 64)]
public partial class ResNet18Fashion
{
    [Conv(64, Kernel = 7, Stride = 2, PadTop = 3, PadLeft = 3, PadBottom = 2, PadRight = 2, Bias = false), BatchNorm, Relu] public partial Layer Conv1 { get; }
    [MaxPool(3, Stride = 2, PadTop = 1, PadLeft = 1, PadBottom = 0, PadRight = 0)]                                      public partial Layer Pool1 { get; }
    [BasicBlock(64)]                                                                                                    public partial Layer Res2a { get; }
    [BasicBlock(64)]                                                                                                    public partial Layer Res2b { get; }
    [Module(typeof(CntkDownsampleBlock), Width = 128)]                                                                  public partial Layer Res3a { get; }
    [BasicBlock(128)]                                                                                                   public partial Layer Res3b { get; }
    [Module(typeof(CntkDownsampleBlock), Width = 256)]                                                                  public partial Layer Res4a { get; }
    [BasicBlock(256)]                                                                                                   public partial Layer Res4b { get; }
    [Module(typeof(CntkDownsampleBlock), Width = 512)]                                                                  public partial Layer Res5a { get; }
    [BasicBlock(512)]                                                                                                   public partial Layer Res5b { get; }
    [BasicBlock(512)]                                                                                                   public partial Layer Res5c { get; }
    [GlobalAvgPool, Flatten]                                                                                            public partial Layer Features { get; }
    [Dense(10)]                                                                                                         public partial Layer Classifier { get; }
}
