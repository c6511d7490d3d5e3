namespace ConvForge.Kernels;

/// <summary>The algorithm a convolution with NCHWc input runs; the weight layout follows from it.</summary>
public enum ConvPath
{
    /// <summary>Groups = 1: the register-tiled direct convolution, interior and border columns split.</summary>
    Direct,
    /// <summary>Groups = 1, 1x1, stride 1, no padding: the direct microkernel over H*W pixels as one row.</summary>
    Pointwise,
    /// <summary>Groups &gt; 1 with input and output channels per group multiples of the block size: one direct convolution per group.</summary>
    BlockGrouped,
    /// <summary>Groups = input channels = output channels: one vector of taps per block.</summary>
    Depthwise,
    /// <summary>Any other grouping: a scalar loop (correct, not fast).</summary>
    Grouped,
    /// <summary>Groups = 1, 3x3, stride 1, dilation 1, enough channels and pixels (<see cref="WinogradRule"/>): Winograd F(m x m, 3 x 3).</summary>
    Winograd,
}

/// <summary>Picks the <see cref="ConvPath"/> of a shape; a constant of each instantiation.</summary>
public static class ConvPaths
{
    /// <summary>The path <c>Conv&lt;TShape, ...&gt;</c> takes for blocks of <paramref name="blockSize"/> channels.</summary>
    public static ConvPath Select<TShape>(int blockSize) where TShape : struct, IConvShape
    {
        if (TShape.Groups == 1)
        {
            bool pointwise = TShape.KernelHeight == 1 && TShape.KernelWidth == 1
                && TShape.StrideHeight == 1 && TShape.StrideWidth == 1
                && TShape.PadTop == 0 && TShape.PadLeft == 0
                && TShape.OutHeight == TShape.InHeight && TShape.OutWidth == TShape.InWidth;
            if (pointwise)
                return ConvPath.Pointwise;
            return WinogradRule.TileSize<TShape>(blockSize) != 0 ? ConvPath.Winograd : ConvPath.Direct;
        }
        if (TShape.Groups == TShape.InChannels && TShape.OutChannels == TShape.InChannels)
            return ConvPath.Depthwise;
        if ((TShape.InChannels / TShape.Groups) % blockSize == 0 && (TShape.OutChannels / TShape.Groups) % blockSize == 0)
            return ConvPath.BlockGrouped;
        return ConvPath.Grouped;
    }
}
