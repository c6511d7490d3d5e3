using ConvForge.Kernels;

namespace ConvForge.Runtime.Tests.Kernels;

// Test shapes: one struct per shape, so each is its own generic instantiation of the kernels, as in
// generated code. Output sizes follow the DSL's rule floor((in + padBegin + padEnd - dilation*(k-1) - 1)
// / stride) + 1 (ceil for the ceil-mode pools, dropping a last window that starts in the padding).
// Channel counts are chosen off multiples of 8 and 16 to exercise padding lanes and odd block counts.

#pragma warning disable CA1815 // shape markers are never compared

/// <summary>3x3 pad 1, odd channels and sizes: 5x9x11 -> 13x9x11.</summary>
public readonly struct Direct3x3 : IConvShape
{
    public static int InChannels => 5;
    public static int InHeight => 9;
    public static int InWidth => 11;
    public static int OutChannels => 13;
    public static int OutHeight => 9;
    public static int OutWidth => 11;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>stride 2, padding top 0 / left 1 / bottom 1 / right 0: 17x13x15 -> 33x6x7.</summary>
public readonly struct Stride2Asymmetric : IConvShape
{
    public static int InChannels => 17;
    public static int InHeight => 13;
    public static int InWidth => 15;
    public static int OutChannels => 33;
    public static int OutHeight => 6;
    public static int OutWidth => 7;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 0;
    public static int PadLeft => 1;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>dilation 2, pad 2: 3x10x9 -> 8x10x9.</summary>
public readonly struct Dilated : IConvShape
{
    public static int InChannels => 3;
    public static int InHeight => 10;
    public static int InWidth => 9;
    public static int OutChannels => 8;
    public static int OutHeight => 10;
    public static int OutWidth => 9;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 2;
    public static int PadLeft => 2;
    public static int DilationHeight => 2;
    public static int DilationWidth => 2;
    public static int Groups => 1;
}

/// <summary>5x5 on a wide row: full AVX-512 tiles plus a remainder: 16x7x31 -> 32x7x31.</summary>
public readonly struct Wide5x5 : IConvShape
{
    public static int InChannels => 16;
    public static int InHeight => 7;
    public static int InWidth => 31;
    public static int OutChannels => 32;
    public static int OutHeight => 7;
    public static int OutWidth => 31;
    public static int KernelHeight => 5;
    public static int KernelWidth => 5;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 2;
    public static int PadLeft => 2;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>1x1 stride 1: the flattened pointwise path: 33x6x7 -> 17x6x7.</summary>
public readonly struct Pointwise : IConvShape
{
    public static int InChannels => 33;
    public static int InHeight => 6;
    public static int InWidth => 7;
    public static int OutChannels => 17;
    public static int OutHeight => 6;
    public static int OutWidth => 7;
    public static int KernelHeight => 1;
    public static int KernelWidth => 1;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 0;
    public static int PadLeft => 0;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>1x1 stride 2 (ResNet downsample): 20x9x9 -> 24x5x5.</summary>
public readonly struct PointwiseStride2 : IConvShape
{
    public static int InChannels => 20;
    public static int InHeight => 9;
    public static int InWidth => 9;
    public static int OutChannels => 24;
    public static int OutHeight => 5;
    public static int OutWidth => 5;
    public static int KernelHeight => 1;
    public static int KernelWidth => 1;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 0;
    public static int PadLeft => 0;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>7x7 on 5x6: every pixel is a border pixel: 3x5x6 -> 16x3x3.</summary>
public readonly struct LargeKernelSmallImage : IConvShape
{
    public static int InChannels => 3;
    public static int InHeight => 5;
    public static int InWidth => 6;
    public static int OutChannels => 16;
    public static int OutHeight => 3;
    public static int OutWidth => 3;
    public static int KernelHeight => 7;
    public static int KernelWidth => 7;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 3;
    public static int PadLeft => 3;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>1x5 kernel: 8x6x12 -> 16x6x12.</summary>
public readonly struct Row1x5 : IConvShape
{
    public static int InChannels => 8;
    public static int InHeight => 6;
    public static int InWidth => 12;
    public static int OutChannels => 16;
    public static int OutHeight => 6;
    public static int OutWidth => 12;
    public static int KernelHeight => 1;
    public static int KernelWidth => 5;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 0;
    public static int PadLeft => 2;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>last window overhangs the bottom and right edges: 6x8x8 -> 10x4x4.</summary>
public readonly struct CeilModeLike : IConvShape
{
    public static int InChannels => 6;
    public static int InHeight => 8;
    public static int InWidth => 8;
    public static int OutChannels => 10;
    public static int OutHeight => 4;
    public static int OutWidth => 4;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 0;
    public static int PadLeft => 0;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>depthwise: 13x7x9 -> 13x7x9.</summary>
public readonly struct Depthwise3x3 : IConvShape
{
    public static int InChannels => 13;
    public static int InHeight => 7;
    public static int InWidth => 9;
    public static int OutChannels => 13;
    public static int OutHeight => 7;
    public static int OutWidth => 9;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 13;
}

/// <summary>depthwise, stride 2, dilation 2: 24x11x10 -> 24x6x5.</summary>
public readonly struct DepthwiseStride2Dilated : IConvShape
{
    public static int InChannels => 24;
    public static int InHeight => 11;
    public static int InWidth => 10;
    public static int OutChannels => 24;
    public static int OutHeight => 6;
    public static int OutWidth => 5;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 2;
    public static int PadLeft => 2;
    public static int DilationHeight => 2;
    public static int DilationWidth => 2;
    public static int Groups => 24;
}

/// <summary>2 groups of 16: block-aligned for both block sizes: 32x6x7 -> 32x6x7.</summary>
public readonly struct Grouped2Wide : IConvShape
{
    public static int InChannels => 32;
    public static int InHeight => 6;
    public static int InWidth => 7;
    public static int OutChannels => 32;
    public static int OutHeight => 6;
    public static int OutWidth => 7;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 2;
}

/// <summary>2 groups of 8: block-aligned for 8, general for 16: 16x6x5 -> 16x6x5.</summary>
public readonly struct Grouped2Narrow : IConvShape
{
    public static int InChannels => 16;
    public static int InHeight => 6;
    public static int InWidth => 5;
    public static int OutChannels => 16;
    public static int OutHeight => 6;
    public static int OutWidth => 5;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 2;
}

/// <summary>3 groups of 3 -> 4, stride 2: 9x7x8 -> 12x4x4.</summary>
public readonly struct Grouped3 : IConvShape
{
    public static int InChannels => 9;
    public static int InHeight => 7;
    public static int InWidth => 8;
    public static int OutChannels => 12;
    public static int OutHeight => 4;
    public static int OutWidth => 4;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 3;
}

/// <summary>depthwise with multiplier 2 (general grouped path): 4x5x5 -> 8x5x5.</summary>
public readonly struct DepthMultiplier : IConvShape
{
    public static int InChannels => 4;
    public static int InHeight => 5;
    public static int InWidth => 5;
    public static int OutChannels => 8;
    public static int OutHeight => 5;
    public static int OutWidth => 5;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 4;
}

/// <summary>ResNet-style first layer on NCHW input: 3x23x19 -> 16x12x10.</summary>
public readonly struct FirstLayer7x7 : IConvShape
{
    public static int InChannels => 3;
    public static int InHeight => 23;
    public static int InWidth => 19;
    public static int OutChannels => 16;
    public static int OutHeight => 12;
    public static int OutWidth => 10;
    public static int KernelHeight => 7;
    public static int KernelWidth => 7;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 3;
    public static int PadLeft => 3;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>SqueezeNet-style first layer on NCHW input: 3x9x16 -> 20x9x16.</summary>
public readonly struct FirstLayer3x3 : IConvShape
{
    public static int InChannels => 3;
    public static int InHeight => 9;
    public static int InWidth => 16;
    public static int OutChannels => 20;
    public static int OutHeight => 9;
    public static int OutWidth => 16;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>writes channels [16, 32) of a 48-channel concat: 8x5x5 -> 16x5x5.</summary>
public readonly struct SliceWriter : IConvShape
{
    public static int InChannels => 8;
    public static int InHeight => 5;
    public static int InWidth => 5;
    public static int OutChannels => 16;
    public static int OutHeight => 5;
    public static int OutWidth => 5;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int DilationHeight => 1;
    public static int DilationWidth => 1;
    public static int Groups => 1;
}

/// <summary>3x3/2 ceil mode (SqueezeNet): 13x9x10 -> 13x4x5.</summary>
public readonly struct MaxCeil3x3 : IPoolShape
{
    public static int Channels => 13;
    public static int InHeight => 9;
    public static int InWidth => 10;
    public static int OutHeight => 4;
    public static int OutWidth => 5;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 0;
    public static int PadLeft => 0;
    public static int PadBottom => 0;
    public static int PadRight => 0;
    public static bool CountIncludePad => true;
}

/// <summary>2x2/2, padding top 1 / right 1: 20x7x6 -> 20x4x3.</summary>
public readonly struct MaxAsymmetric2x2 : IPoolShape
{
    public static int Channels => 20;
    public static int InHeight => 7;
    public static int InWidth => 6;
    public static int OutHeight => 4;
    public static int OutWidth => 3;
    public static int KernelHeight => 2;
    public static int KernelWidth => 2;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 1;
    public static int PadLeft => 0;
    public static int PadBottom => 0;
    public static int PadRight => 1;
    public static bool CountIncludePad => true;
}

/// <summary>3x3/2 pad 1 ceil mode, padding counted: 13x8x9 -> 13x5x5.</summary>
public readonly struct AvgCeilIncludePad : IPoolShape
{
    public static int Channels => 13;
    public static int InHeight => 8;
    public static int InWidth => 9;
    public static int OutHeight => 5;
    public static int OutWidth => 5;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int PadBottom => 1;
    public static int PadRight => 1;
    public static bool CountIncludePad => true;
}

/// <summary>3x3/2 pad 1 ceil mode, padding not counted: 13x8x9 -> 13x5x5.</summary>
public readonly struct AvgCeilExcludePad : IPoolShape
{
    public static int Channels => 13;
    public static int InHeight => 8;
    public static int InWidth => 9;
    public static int OutHeight => 5;
    public static int OutWidth => 5;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int PadBottom => 1;
    public static int PadRight => 1;
    public static bool CountIncludePad => false;
}

/// <summary>3x2 window, stride 1x2, asymmetric padding: 17x7x7 -> 17x7x4.</summary>
public readonly struct AvgAsymmetric : IPoolShape
{
    public static int Channels => 17;
    public static int InHeight => 7;
    public static int InWidth => 7;
    public static int OutHeight => 7;
    public static int OutWidth => 4;
    public static int KernelHeight => 3;
    public static int KernelWidth => 2;
    public static int StrideHeight => 1;
    public static int StrideWidth => 2;
    public static int PadTop => 0;
    public static int PadLeft => 1;
    public static int PadBottom => 2;
    public static int PadRight => 0;
    public static bool CountIncludePad => true;
}

/// <summary>3x3/1 pad 1 (Inception's pool branch): 24x6x5 -> 24x6x5.</summary>
public readonly struct MaxSameStride1 : IPoolShape
{
    public static int Channels => 24;
    public static int InHeight => 6;
    public static int InWidth => 5;
    public static int OutHeight => 6;
    public static int OutWidth => 5;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 1;
    public static int StrideWidth => 1;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int PadBottom => 1;
    public static int PadRight => 1;
    public static bool CountIncludePad => true;
}

public readonly struct Image13x5x7 : ITensorShape
{
    public static int Channels => 13;
    public static int Height => 5;
    public static int Width => 7;
}

public readonly struct Image17x3x4 : ITensorShape
{
    public static int Channels => 17;
    public static int Height => 3;
    public static int Width => 4;
}

public readonly struct Image16x4x4 : ITensorShape
{
    public static int Channels => 16;
    public static int Height => 4;
    public static int Width => 4;
}

public readonly struct Image5x3x3 : ITensorShape
{
    public static int Channels => 5;
    public static int Height => 3;
    public static int Width => 3;
}

public readonly struct Image33x2x3 : ITensorShape
{
    public static int Channels => 33;
    public static int Height => 2;
    public static int Width => 3;
}

public readonly struct Image48x5x5 : ITensorShape
{
    public static int Channels => 48;
    public static int Height => 5;
    public static int Width => 5;
}

public readonly struct Image21x3x2 : ITensorShape
{
    public static int Channels => 21;
    public static int Height => 3;
    public static int Width => 2;
}

public readonly struct Image10x1x1 : ITensorShape
{
    public static int Channels => 10;
    public static int Height => 1;
    public static int Width => 1;
}

public readonly struct Image7x2x5 : ITensorShape
{
    public static int Channels => 7;
    public static int Height => 2;
    public static int Width => 5;
}

public readonly struct Dense13x3x2To10 : IDenseShape
{
    public static int InChannels => 13;
    public static int InHeight => 3;
    public static int InWidth => 2;
    public static int Units => 10;
}

public readonly struct Dense17x1x1To21 : IDenseShape
{
    public static int InChannels => 17;
    public static int InHeight => 1;
    public static int InWidth => 1;
    public static int Units => 21;
}
