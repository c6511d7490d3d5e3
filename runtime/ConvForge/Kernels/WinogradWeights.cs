using System;

namespace ConvForge.Kernels;

/// <summary>
/// When a convolution runs as Winograd F(m x m, 3 x 3) (<see cref="ConvPath.Winograd"/>) and with which m:
/// the rule is data (constants and a pure function of the shape), so tests and the packer read the same choice.
/// </summary>
public static class WinogradRule
{
    /// <summary>Fewest input channels, and fewest output channels, for Winograd (3x3 16 -> 64 at 55x55, SqueezeNet's expand, still gains 1.1-1.2x with F(2x2) and 1.7-1.8x with F(4x4); narrower layers were not measured).</summary>
    public const int MinChannels = 16;

    /// <summary>Fewest output pixels (height x width) for Winograd: 7x7 (ResNet's last stage) is the smallest map measured, and gains 1.2-1.5x over a direct path that runs it one row per tile (AVX2; on AVX-512 see <see cref="DirectTileSpansRows"/>).</summary>
    public const int MinOutputPixels = 7 * 7;

    /// <summary>
    /// F(4x4, 3x3) needs at least this many of its tiles per register-tile width (<see cref="RegisterTilePixels"/>):
    /// with fewer, the microkernel runs narrow tiles and re-reads 36 transformed weight panels for little work, and
    /// F(2x2, 3x3), with four times the tiles, is faster (AVX-512: F(4x4) 1.7-2.6x over direct from 27x27 maps up, but
    /// below F(2x2) at 14x14 and under; AVX2: F(4x4) ahead of F(2x2) from 13x13 up).
    /// </summary>
    public const int MinLargeTileGroups = 2;

    /// <summary>
    /// True when the direct path's register tile holds two or more whole output rows (rows at most half a tile wide):
    /// it then runs full tiles with no border columns, and is at least as fast as F(2x2, 3x3) there (AVX-512, 3x3
    /// 512 -> 512 at 7x7: 135 GFLOP/s against F(2x2)'s 85 direct-equivalent GFLOP/s in the kernel benchmark; inside
    /// ResNet-18, where its 9.4 MB of weights come from L3, 101-103 against 97-98), so such shapes stay direct.
    /// </summary>
    public static bool DirectTileSpansRows(int outWidth, int blockSize) => 2 * outWidth <= RegisterTilePixels(blockSize);

    /// <summary>Output pixels of the register tile of the families with <paramref name="blockSize"/>-channel blocks, read from their microkernels: AVX-512 (16) 14, AVX2 (8) 6; the portable family shares AVX2's block size and so its choices.</summary>
    public static int RegisterTilePixels(int blockSize) => blockSize >= 16 ? Avx512Ops.TilePixels : Avx2Ops.TilePixels;

    /// <summary>Whether the shape can run as Winograd at all: groups 1, 3x3, stride 1, dilation 1 (any padding: the input transform zero-fills).</summary>
    public static bool Applies<TShape>() where TShape : struct, IConvShape =>
        TShape.Groups == 1 && TShape.KernelHeight == 3 && TShape.KernelWidth == 3
        && TShape.StrideHeight == 1 && TShape.StrideWidth == 1
        && TShape.DilationHeight == 1 && TShape.DilationWidth == 1;

    /// <summary>
    /// The output tile side m of the Winograd algorithm the shape runs with blocks of
    /// <paramref name="blockSize"/> channels: 2 for F(2x2, 3x3), 4 for F(4x4, 3x3), 0 when it runs another path.
    /// </summary>
    public static int TileSize<TShape>(int blockSize) where TShape : struct, IConvShape
    {
        if (!Applies<TShape>() || TShape.InChannels < MinChannels || TShape.OutChannels < MinChannels
            || TShape.OutHeight * TShape.OutWidth < MinOutputPixels || DirectTileSpansRows(TShape.OutWidth, blockSize))
            return 0;
        int largeTiles = ((TShape.OutHeight + 3) / 4) * ((TShape.OutWidth + 3) / 4);
        return largeTiles >= MinLargeTileGroups * RegisterTilePixels(blockSize) ? 4 : 2;
    }
}

/// <summary>
/// Winograd weights: U = G g G^T for every (output channel, input channel), computed in double at pack time,
/// laid out [element][OCB][ICB][B_in][B_out] (element = row * Alpha + column of U) so that each element's
/// slice is the weights of a 1x1 convolution over tiles, the layout the pointwise microkernel reads.
/// Padding channels get zero weights.
/// </summary>
internal static class WinogradWeights
{
    public static int PackedLength<TShape>(int blockSize) where TShape : struct, IConvShape
    {
        int alpha = WinogradRule.TileSize<TShape>(blockSize) + 2;
        return alpha * alpha * Nchwc.Blocks(TShape.OutChannels, blockSize) * Nchwc.Blocks(TShape.InChannels, blockSize) * blockSize * blockSize;
    }

    public static void Pack<TShape>(int blockSize, ReadOnlySpan<float> weights, Span<float> packed) where TShape : struct, IConvShape
    {
        if (WinogradRule.TileSize<TShape>(blockSize) == 4)
            Pack<TShape, WinogradF4>(blockSize, weights, packed);
        else
            Pack<TShape, WinogradF2>(blockSize, weights, packed);
    }

    private static void Pack<TShape, TTransform>(int blockSize, ReadOnlySpan<float> weights, Span<float> packed)
        where TShape : struct, IConvShape
        where TTransform : struct, IWinogradTransform
    {
        int b = blockSize;
        int alpha = TTransform.Alpha;
        int inBlocks = Nchwc.Blocks(TShape.InChannels, b);
        int outBlocks = Nchwc.Blocks(TShape.OutChannels, b);
        int elementStride = outBlocks * inBlocks * b * b;
        Span<double> gg = stackalloc double[alpha * 3];
        packed.Clear();
        for (int oc = 0; oc < TShape.OutChannels; oc++)
        {
            for (int ic = 0; ic < TShape.InChannels; ic++)
            {
                var g = weights.Slice((oc * TShape.InChannels + ic) * 9, 9);
                // gg = G g (alpha x 3), then U = gg G^T (alpha x alpha).
                for (int i = 0; i < alpha; i++)
                    for (int k = 0; k < 3; k++)
                        gg[i * 3 + k] = TTransform.G(i, 0) * g[k] + TTransform.G(i, 1) * g[3 + k] + TTransform.G(i, 2) * g[6 + k];
                int offset = ((oc / b * inBlocks + ic / b) * b + ic % b) * b + oc % b;
                for (int i = 0; i < alpha; i++)
                    for (int j = 0; j < alpha; j++)
                    {
                        double u = gg[i * 3] * TTransform.G(j, 0) + gg[i * 3 + 1] * TTransform.G(j, 1) + gg[i * 3 + 2] * TTransform.G(j, 2);
                        packed[(i * alpha + j) * elementStride + offset] = (float)u;
                    }
            }
        }
    }
}
