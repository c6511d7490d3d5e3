using System.Runtime.CompilerServices;

namespace ConvForge.Kernels;

/// <summary>
/// The strides a convolution microkernel walks, derived from a shape, the block size and the input
/// layout. All members are constants of the instantiation; their getters are marked for aggressive
/// inlining because the JIT's heuristics otherwise leave some as calls, and a call in a microkernel
/// spills every accumulator. Input element (channel c, row y, column x) sits at
/// <c>(c / InputLanes) * InputBlockStride + y * RowStride + x * InputLanes + c % InputLanes</c>.
/// </summary>
internal interface IConvGeometry
{
    /// <summary>Channels per input block: the block size for NCHWc input, 1 for plain NCHW input.</summary>
    static abstract int InputLanes { get; }
    /// <summary>Input blocks a tile sums over (per group).</summary>
    static abstract int InputBlocks { get; }
    /// <summary>Floats between consecutive input blocks.</summary>
    static abstract int InputBlockStride { get; }
    /// <summary>Floats between input rows.</summary>
    static abstract int RowStride { get; }
    /// <summary>Floats between kernel rows (dilation included).</summary>
    static abstract int TapRowStride { get; }
    /// <summary>Floats between kernel columns (dilation included).</summary>
    static abstract int TapColumnStride { get; }
    /// <summary>Floats between the inputs of horizontally adjacent output pixels.</summary>
    static abstract int PixelStride { get; }
    /// <summary>Output pixels per output row: a tile of more pixels spans rows.</summary>
    static abstract int OutputWidth { get; }
    /// <summary>Floats between the inputs of vertically adjacent output pixels (stride included).</summary>
    static abstract int OutputRowStep { get; }
    /// <summary>Kernel height.</summary>
    static abstract int KernelHeight { get; }
    /// <summary>Kernel width.</summary>
    static abstract int KernelWidth { get; }
    /// <summary>Floats between output blocks in the packed weights.</summary>
    static abstract int WeightBlockStride { get; }
    /// <summary>Floats between output blocks in the output (and residual).</summary>
    static abstract int OutputBlockStride { get; }
}

/// <summary>A block size as a constant of a type (the kernel families' operation structs carry one).</summary>
internal interface IBlockSize
{
    static abstract int BlockSize { get; }
}

/// <summary>NCHWc input, weights [OCB][ICB][KH][KW][B][B] (per group when groups are block-aligned).</summary>
internal readonly struct BlockedGeometry<TShape, TBlock> : IConvGeometry
    where TShape : struct, IConvShape
    where TBlock : struct, IBlockSize
{
    public static int InputLanes { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TBlock.BlockSize; }
    public static int InputBlocks { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Nchwc.Blocks(TShape.InChannels / TShape.Groups, TBlock.BlockSize); }
    public static int InputBlockStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.InHeight * TShape.InWidth * TBlock.BlockSize; }
    public static int RowStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.InWidth * TBlock.BlockSize; }
    public static int TapRowStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.DilationHeight * TShape.InWidth * TBlock.BlockSize; }
    public static int TapColumnStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.DilationWidth * TBlock.BlockSize; }
    public static int PixelStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.StrideWidth * TBlock.BlockSize; }
    public static int OutputWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.OutWidth; }
    public static int OutputRowStep { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.StrideHeight * TShape.InWidth * TBlock.BlockSize; }
    public static int KernelHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.KernelHeight; }
    public static int KernelWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.KernelWidth; }
    public static int WeightBlockStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => InputBlocks * TShape.KernelHeight * TShape.KernelWidth * TBlock.BlockSize * TBlock.BlockSize; }
    public static int OutputBlockStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.OutHeight * TShape.OutWidth * TBlock.BlockSize; }
}

/// <summary>Plain NCHW input (first layers with few channels), weights [OCB][IC][KH][KW][B].</summary>
internal readonly struct PlanarGeometry<TShape, TBlock> : IConvGeometry
    where TShape : struct, IConvShape
    where TBlock : struct, IBlockSize
{
    public static int InputLanes { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 1; }
    public static int InputBlocks { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.InChannels; }
    public static int InputBlockStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.InHeight * TShape.InWidth; }
    public static int RowStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.InWidth; }
    public static int TapRowStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.DilationHeight * TShape.InWidth; }
    public static int TapColumnStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.DilationWidth; }
    public static int PixelStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.StrideWidth; }
    public static int OutputWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.OutWidth; }
    public static int OutputRowStep { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.StrideHeight * TShape.InWidth; }
    public static int KernelHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.KernelHeight; }
    public static int KernelWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.KernelWidth; }
    public static int WeightBlockStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.InChannels * TShape.KernelHeight * TShape.KernelWidth * TBlock.BlockSize; }
    public static int OutputBlockStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.OutHeight * TShape.OutWidth * TBlock.BlockSize; }
}

/// <summary>One group of a convolution whose groups are block-aligned, seen as a dense convolution.</summary>
internal readonly struct GroupOf<TShape> : IConvShape where TShape : struct, IConvShape
{
    public static int InChannels { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.InChannels / TShape.Groups; }
    public static int InHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.InHeight; }
    public static int InWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.InWidth; }
    public static int OutChannels { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.OutChannels / TShape.Groups; }
    public static int OutHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.OutHeight; }
    public static int OutWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.OutWidth; }
    public static int KernelHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.KernelHeight; }
    public static int KernelWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.KernelWidth; }
    public static int StrideHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.StrideHeight; }
    public static int StrideWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.StrideWidth; }
    public static int PadTop { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.PadTop; }
    public static int PadLeft { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.PadLeft; }
    public static int DilationHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.DilationHeight; }
    public static int DilationWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.DilationWidth; }
    public static int Groups { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 1; }
}

/// <summary>
/// <typeparamref name="TShape"/> read from a copy of its input that carries the zero padding on all four sides (as many
/// columns and rows right and below as the last window needs): no tap left to clip, so every output pixel is interior.
/// </summary>
internal readonly struct Padded<TShape> : IConvShape where TShape : struct, IConvShape
{
    /// <summary>Zero columns right of the image: the last window's reach past it, at least 0.</summary>
    public static int PadRight
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => System.Math.Max(0, (TShape.OutWidth - 1) * TShape.StrideWidth + (TShape.KernelWidth - 1) * TShape.DilationWidth + 1 - TShape.PadLeft - TShape.InWidth);
    }

    /// <summary>Zero rows below the image: the last window's reach past it, at least 0.</summary>
    public static int PadBottom
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => System.Math.Max(0, (TShape.OutHeight - 1) * TShape.StrideHeight + (TShape.KernelHeight - 1) * TShape.DilationHeight + 1 - TShape.PadTop - TShape.InHeight);
    }

    public static int InChannels { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.InChannels; }
    public static int InHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.PadTop + TShape.InHeight + PadBottom; }
    public static int InWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.PadLeft + TShape.InWidth + PadRight; }
    public static int OutChannels { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.OutChannels; }
    public static int OutHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.OutHeight; }
    public static int OutWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.OutWidth; }
    public static int KernelHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.KernelHeight; }
    public static int KernelWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.KernelWidth; }
    public static int StrideHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.StrideHeight; }
    public static int StrideWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.StrideWidth; }
    public static int PadTop { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 0; }
    public static int PadLeft { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 0; }
    public static int DilationHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.DilationHeight; }
    public static int DilationWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.DilationWidth; }
    public static int Groups { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.Groups; }
}
