using System;

namespace ConvForge;

/// <summary>
/// A GoogLeNet (Inception v1) module: four branches concatenated: 1x1; 1x1 then 3x3; 1x1 then 5x5;
/// 3x3 max pool then 1x1 projection. Every convolution is followed by ReLU. The 1x1 reductions
/// are what keep the 3x3 and 5x5 branches affordable.
/// </summary>
public sealed class InceptionAttribute : ChannelLayerAttribute
{
    /// <summary>An Inception module with the widths of GoogLeNet's Table 1, in its column order.</summary>
    public InceptionAttribute(int conv1x1, int reduce3x3, int conv3x3, int reduce5x5, int conv5x5, int poolProjection)
    {
        Conv1x1 = conv1x1;
        Reduce3x3 = reduce3x3;
        Conv3x3 = conv3x3;
        Reduce5x5 = reduce5x5;
        Conv5x5 = conv5x5;
        PoolProjection = poolProjection;
    }

    /// <summary>Output channels of the 1x1 branch.</summary>
    public int Conv1x1 { get; }
    /// <summary>Channels of the 1x1 reduction before the 3x3 convolution.</summary>
    public int Reduce3x3 { get; }
    /// <summary>Output channels of the 3x3 branch.</summary>
    public int Conv3x3 { get; }
    /// <summary>Channels of the 1x1 reduction before the 5x5 convolution.</summary>
    public int Reduce5x5 { get; }
    /// <summary>Output channels of the 5x5 branch.</summary>
    public int Conv5x5 { get; }
    /// <summary>Output channels of the 1x1 projection after the 3x3 max pool.</summary>
    public int PoolProjection { get; }
}

/// <summary>
/// A SqueezeNet fire module: a 1x1 squeeze convolution, then 1x1 and 3x3 expand convolutions
/// side by side whose outputs are concatenated; ReLU after each.
/// </summary>
public sealed class FireAttribute : ChannelLayerAttribute
{
    /// <summary>A fire module whose two expand branches have the same width.</summary>
    public FireAttribute(int squeeze, int expand) : this(squeeze, expand, expand) { }

    /// <summary>A fire module with expand branches of different widths.</summary>
    public FireAttribute(int squeeze, int expand1x1, int expand3x3)
    {
        Squeeze = squeeze;
        Expand1x1 = expand1x1;
        Expand3x3 = expand3x3;
    }

    /// <summary>Channels of the 1x1 squeeze.</summary>
    public int Squeeze { get; }
    /// <summary>Channels of the 1x1 expand branch.</summary>
    public int Expand1x1 { get; }
    /// <summary>Channels of the 3x3 expand branch.</summary>
    public int Expand3x3 { get; }
}

/// <summary>
/// A Network-in-Network mlpconv block: a k x k convolution followed by 1x1 convolutions
/// (a small multilayer perceptron slid over the image), ReLU after each.
/// </summary>
public sealed class MlpConvAttribute : ChannelLayerAttribute
{
    /// <summary>
    /// An mlpconv block: a convolution with <paramref name="channels"/> outputs, then one 1x1
    /// convolution per entry of <paramref name="mlp"/> (two of <paramref name="channels"/> when empty).
    /// </summary>
    public MlpConvAttribute(int channels, params int[] mlp)
    {
        Channels = channels;
        Mlp = mlp;
    }

    /// <summary>Output channels of the spatial convolution.</summary>
    public int Channels { get; }
    /// <summary>Output channels of each 1x1 convolution that follows.</summary>
    public int[] Mlp { get; }
    /// <summary>Kernel size of the spatial convolution. Default 1.</summary>
    public int Kernel { get; set; }
    /// <summary>Stride of the spatial convolution. Default 1.</summary>
    public int Stride { get; set; }
    /// <summary>Padding of the spatial convolution. Default 0.</summary>
    public int Padding { get; set; }
}

/// <summary>
/// A ResNet basic block: 3x3 conv, BN, ReLU, 3x3 conv, BN, plus the shortcut, then ReLU.
/// The shortcut is the identity, or a 1x1 projection with BN when the stride or the channels change.
/// </summary>
public sealed class BasicBlockAttribute : ChannelLayerAttribute
{
    /// <summary>A basic block with <paramref name="channels"/> output channels.</summary>
    public BasicBlockAttribute(int channels) => Channels = channels;

    /// <summary>Output channels.</summary>
    public int Channels { get; }
    /// <summary>Stride of the first 3x3 convolution (and of the projection). Default 1.</summary>
    public int Stride { get; set; }
}

/// <summary>
/// A ResNet bottleneck block: 1x1 reduce, 3x3, 1x1 expand (each with BN, ReLU after the first two),
/// plus the shortcut, then ReLU. The stride sits on the 3x3 convolution (ResNet v1.5, as torchvision).
/// The shortcut is a 1x1 projection with BN when the stride or the channels change.
/// </summary>
public sealed class BottleneckAttribute : ChannelLayerAttribute
{
    /// <summary>A bottleneck whose inner width is <paramref name="channels"/>; it outputs channels x Expansion.</summary>
    public BottleneckAttribute(int channels) => Channels = channels;

    /// <summary>Inner width (the 1x1 reduction and the 3x3 convolution).</summary>
    public int Channels { get; }
    /// <summary>Stride of the 3x3 convolution (and of the projection). Default 1.</summary>
    public int Stride { get; set; }
    /// <summary>Output channels are Channels x Expansion. Default 4.</summary>
    public int Expansion { get; set; } = 4;
}

/// <summary>
/// Squeeze-and-excitation (channel attention): global average pool, 1x1 reduce, ReLU, 1x1 expand,
/// sigmoid, then each channel of the input is scaled by its weight. The shape is unchanged.
/// </summary>
public sealed class SqueezeExciteAttribute : ChannelLayerAttribute
{
    /// <summary>Squeeze-and-excitation with reduction ratio <see cref="Reduction"/> (default 16).</summary>
    public SqueezeExciteAttribute() { }

    /// <summary>Channels divided by this give the width of the bottleneck. Default 16.</summary>
    public int Reduction { get; set; } = 16;
    /// <summary>The bottleneck width, when it is not channels / Reduction.</summary>
    public int Squeeze { get; set; }
}

/// <summary>
/// Uses a module declared with <see cref="NetworkModuleAttribute"/>; its layers become
/// <c>ThisLayer.TheirName</c>, and its <c>WidthFactor</c> channels are multiples of <see cref="Width"/>.
/// </summary>
public sealed class ModuleAttribute : ChannelLayerAttribute
{
    /// <summary>Use <paramref name="module"/> here.</summary>
    public ModuleAttribute(Type module) => Module = module;

    /// <summary>The module class.</summary>
    public Type Module { get; }
    /// <summary>The width its <c>WidthFactor</c> channels multiply. Default 1.</summary>
    public int Width { get; set; } = 1;
}
