namespace ConvForge.Kernels;

// Shapes reach the kernels as struct type arguments whose static members are constants. RyuJIT
// compiles one body per struct instantiation, so every loop bound below is a JIT-time constant and
// branches on the shape fold away. Type arguments must be structs: with a class, the body would be
// shared and each member would become a run-time lookup.

/// <summary>
/// The shape of one 2-D convolution for one image. The output size is given rather than derived,
/// so the padding below and to the right is whatever makes it fit (ceil-mode and "same" included).
/// </summary>
public interface IConvShape
{
    /// <summary>Input channels.</summary>
    static abstract int InChannels { get; }
    /// <summary>Input height.</summary>
    static abstract int InHeight { get; }
    /// <summary>Input width.</summary>
    static abstract int InWidth { get; }
    /// <summary>Output channels.</summary>
    static abstract int OutChannels { get; }
    /// <summary>Output height.</summary>
    static abstract int OutHeight { get; }
    /// <summary>Output width.</summary>
    static abstract int OutWidth { get; }
    /// <summary>Kernel height.</summary>
    static abstract int KernelHeight { get; }
    /// <summary>Kernel width.</summary>
    static abstract int KernelWidth { get; }
    /// <summary>Vertical stride.</summary>
    static abstract int StrideHeight { get; }
    /// <summary>Horizontal stride.</summary>
    static abstract int StrideWidth { get; }
    /// <summary>Zero rows above the input.</summary>
    static abstract int PadTop { get; }
    /// <summary>Zero columns left of the input.</summary>
    static abstract int PadLeft { get; }
    /// <summary>Vertical dilation (1 = dense kernel).</summary>
    static abstract int DilationHeight { get; }
    /// <summary>Horizontal dilation.</summary>
    static abstract int DilationWidth { get; }
    /// <summary>Channel groups: 1 for a dense convolution, InChannels for depthwise.</summary>
    static abstract int Groups { get; }
}

/// <summary>
/// The shape of a max or average pooling. Unlike <see cref="IConvShape"/> the padding below and to
/// the right is stated, because average pooling with <see cref="CountIncludePad"/> divides by the
/// part of the window inside the padded image (the ONNX and PyTorch rule).
/// </summary>
public interface IPoolShape
{
    /// <summary>Channels (input and output).</summary>
    static abstract int Channels { get; }
    /// <summary>Input height.</summary>
    static abstract int InHeight { get; }
    /// <summary>Input width.</summary>
    static abstract int InWidth { get; }
    /// <summary>Output height.</summary>
    static abstract int OutHeight { get; }
    /// <summary>Output width.</summary>
    static abstract int OutWidth { get; }
    /// <summary>Window height.</summary>
    static abstract int KernelHeight { get; }
    /// <summary>Window width.</summary>
    static abstract int KernelWidth { get; }
    /// <summary>Vertical stride.</summary>
    static abstract int StrideHeight { get; }
    /// <summary>Horizontal stride.</summary>
    static abstract int StrideWidth { get; }
    /// <summary>Padding above.</summary>
    static abstract int PadTop { get; }
    /// <summary>Padding on the left.</summary>
    static abstract int PadLeft { get; }
    /// <summary>Padding below.</summary>
    static abstract int PadBottom { get; }
    /// <summary>Padding on the right.</summary>
    static abstract int PadRight { get; }
    /// <summary>Average pooling only: count padded positions in the divisor.</summary>
    static abstract bool CountIncludePad { get; }
}

/// <summary>The shape of one image's activations, for kernels that keep it (elementwise, global pooling, layout).</summary>
public interface ITensorShape
{
    /// <summary>Channels.</summary>
    static abstract int Channels { get; }
    /// <summary>Height.</summary>
    static abstract int Height { get; }
    /// <summary>Width.</summary>
    static abstract int Width { get; }
}

/// <summary>
/// The shape of a dense layer: its input is an activation of InChannels x InHeight x InWidth read in
/// flattened NCHW order (InChannels * InHeight * InWidth features); its output is Units x 1 x 1.
/// </summary>
public interface IDenseShape
{
    /// <summary>Channels of the input activation.</summary>
    static abstract int InChannels { get; }
    /// <summary>Height of the input activation.</summary>
    static abstract int InHeight { get; }
    /// <summary>Width of the input activation.</summary>
    static abstract int InWidth { get; }
    /// <summary>Outputs.</summary>
    static abstract int Units { get; }
}
