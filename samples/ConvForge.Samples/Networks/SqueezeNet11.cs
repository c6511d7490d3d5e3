using ConvForge;

namespace ConvForge.Samples;

/// <summary>
/// SqueezeNet 1.1 exactly as torchvision's <c>squeezenet1_1</c> (Iandola et al., "SqueezeNet: AlexNet-level
/// accuracy with 50x fewer parameters and &lt;0.5MB model size", 2016; version 1.1 from the authors'
/// repository): 1,235,496 parameters and 0.35 GMACs at 224x224.
/// </summary>
/// <remarks>
/// <para>
/// What it demonstrates: the 1x1 convolution as a <em>squeeze</em>. Each <see cref="FireAttribute"/> first
/// reduces the depth with a 1x1 convolution (16 to 64 channels), then expands it again with 1x1 and 3x3
/// convolutions side by side whose outputs are concatenated. Most of the expand filters are 1x1, which has
/// 9x fewer parameters than a 3x3; and the squeeze keeps the 3x3 filters' input narrow. The classifier is a
/// 1x1 convolution to 1000 channels followed by a global average pool, so the network has no dense layer.
/// </para>
/// <para>
/// <c>Fire4</c> states its expected input channels (<c>In = 128</c>: Fire3's two expand branches, 64 + 64).
/// Stating them is optional; when stated, ConvForge checks them in the editor (CF0004).
/// </para>
/// <para>
/// Like torchvision, the network ends with the class scores (logits); apply a softmax to read them as
/// probabilities.
/// </para>
/// </remarks>
[Network(Channels = 3, Height = 224, Width = 224)]
public partial class SqueezeNet11
{
    // As in torchvision, 3x3/2 on 224 never reads the last row and column; CF0008 lets a one-pixel sliver pass.
    [Conv(64, Kernel = 3, Stride = 2), Relu]             public partial Layer Conv1 { get; }
    [MaxPool(3, Stride = 2, CeilMode = true)]            public partial Layer Pool1 { get; }
    [Fire(16, 64)]                                       public partial Layer Fire2 { get; }
    [Fire(16, 64)]                                       public partial Layer Fire3 { get; }
    [MaxPool(3, Stride = 2, CeilMode = true)]            public partial Layer Pool3 { get; }
    [Fire(32, 128, In = 128)]                            public partial Layer Fire4 { get; }
    [Fire(32, 128)]                                      public partial Layer Fire5 { get; }
    [MaxPool(3, Stride = 2, CeilMode = true)]            public partial Layer Pool5 { get; }
    [Fire(48, 192)]                                      public partial Layer Fire6 { get; }
    [Fire(48, 192)]                                      public partial Layer Fire7 { get; }
    [Fire(64, 256)]                                      public partial Layer Fire8 { get; }
    [Fire(64, 256)]                                      public partial Layer Fire9 { get; }
    [Dropout(0.5)]                                       public partial Layer Drop { get; }
    [Conv(1000, Kernel = 1), Relu]                       public partial Layer Conv10 { get; }
    [GlobalAvgPool, Flatten]                             public partial Layer Output { get; }
}
