using System;

namespace ConvForge;

/// <summary>
/// A 2-D convolution. Kernel, stride, padding and dilation may be given for both axes at once or
/// per axis; padding may be asymmetric (<see cref="PadTop"/> ...) or <see cref="Same"/>.
/// </summary>
public sealed class ConvAttribute : ChannelLayerAttribute
{
    /// <summary>A convolution with <paramref name="channels"/> output channels.</summary>
    public ConvAttribute(int channels) => Channels = channels;

    /// <summary>Inside a module: a convolution whose output channels come from <c>WidthFactor</c>.</summary>
    public ConvAttribute() { }

    /// <summary>Output channels (filters).</summary>
    public int Channels { get; }

    /// <summary>Square kernel size. Default 1.</summary>
    public int Kernel { get; set; }
    /// <summary>Kernel height, when it differs from its width.</summary>
    public int KernelHeight { get; set; }
    /// <summary>Kernel width, when it differs from its height.</summary>
    public int KernelWidth { get; set; }

    /// <summary>Stride on both axes. Default 1.</summary>
    public int Stride { get; set; }
    /// <summary>Vertical stride.</summary>
    public int StrideHeight { get; set; }
    /// <summary>Horizontal stride.</summary>
    public int StrideWidth { get; set; }

    /// <summary>Zero padding on all four sides. Default 0.</summary>
    public int Padding { get; set; }
    /// <summary>Padding above.</summary>
    public int PadTop { get; set; }
    /// <summary>Padding below.</summary>
    public int PadBottom { get; set; }
    /// <summary>Padding on the left.</summary>
    public int PadLeft { get; set; }
    /// <summary>Padding on the right.</summary>
    public int PadRight { get; set; }
    /// <summary>
    /// Pad so that the output is ceil(input / stride) on each axis (TensorFlow's "SAME"); any odd
    /// pixel of padding goes below and to the right.
    /// </summary>
    public bool Same { get; set; }

    /// <summary>Dilation on both axes. Default 1.</summary>
    public int Dilation { get; set; }

    /// <summary>Channel groups. Default 1. Input and output channels must both divide by it.</summary>
    public int Groups { get; set; }
    /// <summary>Depthwise: one group per input channel (output channels a multiple of input channels).</summary>
    public bool Depthwise { get; set; }

    /// <summary>Add a learned bias per output channel. Default true; turn off before BatchNorm.</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>
/// A 1x1 (pointwise) convolution: mixes channels at each pixel, used to shrink or grow depth
/// (bottlenecks, Inception reductions, SqueezeNet squeezes, NIN's mlpconv).
/// </summary>
public sealed class Conv1x1Attribute : ChannelLayerAttribute
{
    /// <summary>A 1x1 convolution with <paramref name="channels"/> output channels.</summary>
    public Conv1x1Attribute(int channels) => Channels = channels;

    /// <summary>Inside a module: output channels from <c>WidthFactor</c>.</summary>
    public Conv1x1Attribute() { }

    /// <summary>Output channels.</summary>
    public int Channels { get; }
    /// <summary>Stride on both axes. Default 1.</summary>
    public int Stride { get; set; }
    /// <summary>Channel groups. Default 1.</summary>
    public int Groups { get; set; }
    /// <summary>Add a learned bias per output channel. Default true.</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>A fully connected layer over the flattened input.</summary>
public sealed class DenseAttribute : ChannelLayerAttribute
{
    /// <summary>A dense layer with <paramref name="units"/> outputs.</summary>
    public DenseAttribute(int units) => Units = units;

    /// <summary>Inside a module: outputs from <c>WidthFactor</c>.</summary>
    public DenseAttribute() { }

    /// <summary>Number of outputs.</summary>
    public int Units { get; }
    /// <summary>Add a learned bias. Default true.</summary>
    public bool Bias { get; set; } = true;
    /// <summary>The flattened input size this layer expects; checked at build time when set.</summary>
    public int InFeatures { get; set; }
}
