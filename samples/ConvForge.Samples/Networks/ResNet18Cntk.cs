using ConvForge;

namespace ConvForge.Samples;

/// <summary>
/// The convolutional trunk of the pretrained ResNet-18 that ML.NET ships (NuGet package
/// Microsoft.ML.DnnImageFeaturizer.ResNet18: CNTK 2.6's ImageNet model, exported to ONNX at opset 8),
/// declared to load its weights: 224x224 BGR in, 512 image features out.
/// </summary>
/// <remarks>
/// <para>
/// What it demonstrates: declaring a network after a file. The declaration follows the ONNX graph node for
/// node, and <see cref="OnnxWeights"/> pairs the two by structure, so the names need not agree:
/// <c>net.Parameters.LoadOnnx(ResNet18Cntk.OnnxPath)</c> (the files' paths are in Pretrained/ResNet18Cntk.Files.cs). CNTK's model differs from torchvision's in three
/// ways the declaration states. Its stride-2 layers pad one side only (top and left), so they are written
/// with <c>PadTop</c>/<c>PadLeft</c>, and a downsampling block is the module <see cref="CntkDownsampleBlock"/>
/// rather than a <see cref="BasicBlockAttribute"/>. Its last stage has three blocks (<c>Res5c</c>), 22
/// convolutions in all. And it ends in a 7x7 average pooling that excludes padding, the features ML.NET
/// hands to its classifiers (the file has no classifier).
/// </para>
/// <para>
/// <c>Weights = "ResNet18.onnx"</c> names the file (one of the project's AdditionalFiles), so the build checks
/// the declaration against it: a layer whose weights the file does not have, in shape or at all, is an error
/// (CF0022, CF0024) before anything runs.
/// </para>
/// <para>
/// The model reads images the CNTK way: BGR channel order, values 0 to 255, minus a mean image. Convert an
/// RGB image with <see cref="ResNet18CntkPreprocessing"/>, which reads that mean image from the package's
/// second file, ResNetPreprocess.onnx.
/// </para>
/// </remarks>
[Network(Channels = 3, Height = 224, Width = 224, Weights = "ResNet18.onnx")]
public partial class ResNet18Cntk
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
    [AvgPool(7, Stride = 1, CountIncludePad = false)]                                                                   public partial Layer Features { get; }
}

/// <summary>
/// CNTK's ResNet downsampling block: a 3x3 stride-2 convolution padded on the top and left only, a 3x3
/// convolution, and a 1x1 stride-2 projection of the input, each with batch normalization, added, then ReLU.
/// </summary>
[NetworkModule]
public partial class CntkDownsampleBlock
{
    [Conv(WidthFactor = 1, Kernel = 3, Stride = 2, PadTop = 1, PadLeft = 1, PadBottom = 0, PadRight = 0, Bias = false), BatchNorm, Relu] public partial Layer Conv1 { get; }
    [Conv(WidthFactor = 1, Kernel = 3, Padding = 1, Bias = false), BatchNorm]                                                             public partial Layer Conv2 { get; }
    [Conv(WidthFactor = 1, Kernel = 1, Stride = 2, Bias = false, From = Layers.Input), BatchNorm]                                        public partial Layer Shortcut { get; }
    [Add(nameof(Conv2), nameof(Shortcut)), Relu]                                                                                          public partial Layer Output { get; }
}
