using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace ConvForge.Kernels;

/// <summary>
/// Convolution loops shared by the kernel families: they cut the output into register tiles (pixels of one
/// row, or whole rows of a narrow map, times one or two output blocks) and hand them to the family's microkernel.
/// The direct path reads a padded copy of the input, so every tap of every tile is inside; the other paths (and
/// shapes without padding) split rows into border columns (one pixel at a time with clipped tap ranges) and
/// interior columns. Every bound comes from the shape, so within an instantiation they are constants.
/// Work is divided among the workers of a <see cref="WorkSplit"/> in whole units (an output row of an
/// output block pair, a pixel tile of a block pair, a row of a channel block), so every output element
/// is computed by the same instructions whatever the split: results are bit-identical for any worker count.
/// Each worker also zeroes the padding lanes of the output it wrote (see <see cref="ZeroPaddingLanes"/>).
/// </summary>
internal static unsafe class ConvDriver<TVector, TOps>
    where TVector : struct
    where TOps : struct, IFamilyOps<TVector>
{
    /// <summary>NCHWc input, weights packed by <see cref="ConvWeights.Pack{TShape}"/>.</summary>
    public static void Blocked<TShape, TEpilogue>(float* input, float* weights, float* bias, float* residual, float* output, WorkSplit split = default)
        where TShape : struct, IConvShape
        where TEpilogue : struct, IEpilogue
    {
        switch (ConvPaths.Select<TShape>(TOps.BlockSize))
        {
            case ConvPath.Pointwise:
                Pointwise<TShape, BlockedGeometry<TShape, TOps>, TEpilogue>(input, weights, bias, residual, output, split);
                break;
            case ConvPath.Direct:
                Direct<TShape, BlockedGeometry<TShape, TOps>, BlockedGeometry<Padded<TShape>, TOps>, TEpilogue>(input, weights, bias, residual, output, split);
                break;
            case ConvPath.BlockGrouped:
                BlockGrouped<TShape, TEpilogue>(input, weights, bias, residual, output, split);
                break;
            case ConvPath.Depthwise:
                Depthwise<TShape, TEpilogue>(input, weights, bias, residual, output, split);
                break;
            case ConvPath.Winograd:
                Winograd<TVector, TOps>.Run<TShape, TEpilogue>(input, weights, bias, residual, output, split);
                break;
            default:
                Grouped<TShape, TEpilogue>(input, weights, bias, residual, output, split);
                break;
        }
    }

    /// <summary>Plain NCHW input (groups = 1), weights packed by <see cref="ConvWeights.PackNchw{TShape}"/>.</summary>
    public static void Planar<TShape, TEpilogue>(float* input, float* weights, float* bias, float* residual, float* output, WorkSplit split = default)
        where TShape : struct, IConvShape
        where TEpilogue : struct, IEpilogue
        => Direct<TShape, PlanarGeometry<TShape, TOps>, PlanarGeometry<Padded<TShape>, TOps>, TEpilogue>(input, weights, bias, residual, output, split);

    /// <summary>
    /// The direct convolution. When some output columns' windows cross the left or right padding (or rows cross the
    /// top or bottom while tiles could span rows), the input rows this worker reads are first copied into a padded
    /// per-thread scratch (<see cref="Padded{TShape}"/>), so every pixel runs the full register tile instead of
    /// border pixels one at a time with clipped taps. The copy costs one pass over the input: 17-35 us on AVX-512 for
    /// ResNet's 3x3 layers and its 7x7 first layer, 1-2.3% of the layer's time (border pixels cost far more: 2 of 7
    /// columns on 7x7 maps). Producers writing into padded buffers planned by the arena would save the copy.
    /// </summary>
    private static void Direct<TShape, TGeometry, TPaddedGeometry, TEpilogue>(float* input, float* weights, float* bias, float* residual, float* output, WorkSplit split)
        where TShape : struct, IConvShape
        where TGeometry : struct, IConvGeometry
        where TPaddedGeometry : struct, IConvGeometry
        where TEpilogue : struct, IEpilogue
    {
        bool verticalPadding = TShape.PadTop > 0 || Padded<TShape>.PadBottom > 0;
        bool horizontalPadding = TShape.PadLeft > 0 || Padded<TShape>.PadRight > 0;
        if (!horizontalPadding && !(verticalPadding && RowsPerTile<Padded<TShape>>() > 1))
        {
            Rows<TShape, TGeometry, TEpilogue>(input, weights, bias, residual, output, split);
            return;
        }

        // The output rows of this worker's units (the same units and order as Rows below), then the padded input rows they read.
        var (ohFirst, ohLast) = OutputRows<Padded<TShape>, TPaddedGeometry>(split);
        if (ohFirst > ohLast)
            return;
        int yBegin = ohFirst * TShape.StrideHeight;
        int yEnd = ohLast * TShape.StrideHeight + (TShape.KernelHeight - 1) * TShape.DilationHeight + 1;
        float* padded = ConvScratch.Floats(TPaddedGeometry.InputBlocks * TPaddedGeometry.InputBlockStride);
        Pad<TShape, TGeometry, TPaddedGeometry>(input, padded, yBegin, yEnd);
        Rows<Padded<TShape>, TPaddedGeometry, TEpilogue>(padded, weights, bias, residual, output, split);
    }

    /// <summary>Writes rows [yBegin, yEnd) of the padded input (padded coordinates) of every input block: zeros around the image.</summary>
    private static void Pad<TShape, TGeometry, TPaddedGeometry>(float* input, float* padded, int yBegin, int yEnd)
        where TShape : struct, IConvShape
        where TGeometry : struct, IConvGeometry
        where TPaddedGeometry : struct, IConvGeometry
    {
        int lanes = TGeometry.InputLanes;
        int left = TShape.PadLeft * lanes;
        int width = TShape.InWidth * lanes;
        int right = TPaddedGeometry.RowStride - left - width;
        for (int block = 0; block < TGeometry.InputBlocks; block++)
        {
            for (int y = yBegin; y < yEnd; y++)
            {
                float* target = padded + block * TPaddedGeometry.InputBlockStride + y * TPaddedGeometry.RowStride;
                int source = y - TShape.PadTop;
                if (source < 0 || source >= TShape.InHeight)
                {
                    new Span<float>(target, TPaddedGeometry.RowStride).Clear();
                    continue;
                }
                new Span<float>(target, left).Clear();
                Buffer.MemoryCopy(input + block * TGeometry.InputBlockStride + source * TGeometry.RowStride, target + left, width * sizeof(float), width * sizeof(float));
                new Span<float>(target + left + width, right).Clear();
            }
        }
    }

    /// <summary>
    /// Output rows per register tile: several whole rows when the rows are narrower than half a tile and no tap needs
    /// clipping (the microkernel then reads pixel p at p / width rows down, p % width columns right); otherwise 1.
    /// </summary>
    private static int RowsPerTile<TShape>() where TShape : struct, IConvShape =>
        TShape.PadTop == 0 && Padded<TShape>.PadBottom == 0 && TShape.PadLeft == 0 && Padded<TShape>.PadRight == 0
            && 2 * TShape.OutWidth <= TOps.TilePixels
            ? TOps.TilePixels / TShape.OutWidth
            : 1;

    /// <summary>The first and last output rows of this worker's units in <see cref="Rows"/> (first &gt; last when none).</summary>
    private static (int First, int Last) OutputRows<TShape, TGeometry>(WorkSplit split)
        where TShape : struct, IConvShape
        where TGeometry : struct, IConvGeometry
    {
        int rowsPerTile = RowsPerTile<TShape>();
        int groups = (TShape.OutHeight + rowsPerTile - 1) / rowsPerTile;
        int pairs = BlockPairs<TShape>();
        var (start, end) = split.Range(pairs * groups);
        if (start >= end)
            return (1, 0);
        int first, last;
        if (!WeightsOuter<TShape, TGeometry>())
            (first, last) = (start / pairs, (end - 1) / pairs);
        else if (start / groups == (end - 1) / groups)
            (first, last) = (start % groups, (end - 1) % groups);
        else
            (first, last) = (0, groups - 1);
        return (first * rowsPerTile, Math.Min(TShape.OutHeight, (last + 1) * rowsPerTile) - 1);
    }

    /// <summary>Output block pairs (tiles of <see cref="IFamilyOps{TVector}.TileBlocks"/> blocks; the last may be short).</summary>
    private static int BlockPairs<TShape>() where TShape : struct, IConvShape =>
        (Nchwc.Blocks(TShape.OutChannels, TOps.BlockSize) + TOps.TileBlocks - 1) / TOps.TileBlocks;

    /// <summary>
    /// Zeroes the padding lanes of <paramref name="count"/> pixels from <paramref name="firstPixel"/> of the last
    /// output block of a layer that mixes channels. Their weights and bias are zero, but 0 x Inf and 0 x NaN are
    /// NaN: a non-finite input value would leave NaN there, and the next layer's zero weights for padding channels
    /// would carry it into real channels. Whether there are any padding lanes is a shape constant. Each worker
    /// zeroes the pixels it wrote, after writing them, so no worker can overwrite another's zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ZeroPaddingLanes<TShape>(float* output, int firstPixel, int count)
        where TShape : struct, IConvShape
    {
        int b = TOps.BlockSize;
        int used = TShape.OutChannels % b;
        if (used == 0)
            return;
        float* last = output + (Nchwc.Blocks(TShape.OutChannels, b) - 1) * TShape.OutHeight * TShape.OutWidth * b;
        for (int p = firstPixel; p < firstPixel + count; p++)
            for (int lane = used; lane < b; lane++)
                last[p * b + lane] = 0f;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockGrouped<TShape, TEpilogue>(float* input, float* weights, float* bias, float* residual, float* output, WorkSplit split)
        where TShape : struct, IConvShape
        where TEpilogue : struct, IEpilogue
    {
        int b = TOps.BlockSize;
        int inBlocks = TShape.InChannels / TShape.Groups / b;
        int outBlocks = TShape.OutChannels / TShape.Groups / b;
        // Each group's rows are split among all workers (channels per group are whole blocks, so no padding lanes).
        for (int g = 0; g < TShape.Groups; g++)
        {
            int outBlock = g * outBlocks;
            Rows<GroupOf<TShape>, BlockedGeometry<GroupOf<TShape>, TOps>, TEpilogue>(
                input + g * inBlocks * BlockedGeometry<TShape, TOps>.InputBlockStride,
                weights + outBlock * BlockedGeometry<GroupOf<TShape>, TOps>.WeightBlockStride,
                bias + outBlock * b,
                residual + outBlock * BlockedGeometry<TShape, TOps>.OutputBlockStride,
                output + outBlock * BlockedGeometry<TShape, TOps>.OutputBlockStride,
                split);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pointwise<TShape, TGeometry, TEpilogue>(float* input, float* weights, float* bias, float* residual, float* output, WorkSplit split)
        where TShape : struct, IConvShape
        where TGeometry : struct, IConvGeometry
        where TEpilogue : struct, IEpilogue
    {
        // Stride 1 and no padding: input pixel i feeds output pixel i, so all H*W pixels form one
        // row and only the last tile is partial. Work units: pixel tiles x output block pairs.
        int b = TOps.BlockSize;
        int pixels = TShape.OutHeight * TShape.OutWidth;
        int outBlocks = Nchwc.Blocks(TShape.OutChannels, b);
        int pairs = (outBlocks + TOps.TileBlocks - 1) / TOps.TileBlocks;
        int tiles = (pixels + TOps.TilePixels - 1) / TOps.TilePixels;
        var (start, end) = split.Range(pairs * tiles);
        bool weightsOuter = WeightsOuter<TShape, TGeometry>();
        for (int unit = start; unit < end; unit++)
        {
            int pair = weightsOuter ? unit / tiles : unit % pairs;
            int tile = weightsOuter ? unit % tiles : unit / pairs;
            int p = tile * TOps.TilePixels;
            int count = Math.Min(TOps.TilePixels, pixels - p);
            // Pixels outer: the next tile's input lies in one short run per input block, far apart: more
            // streams than the hardware prefetcher follows, so fetch them while this tile computes.
            if (!weightsOuter && pair == 0 && tile + 1 < tiles)
                PrefetchColumns(input + (p + TOps.TilePixels) * b, TGeometry.InputBlocks, TGeometry.InputBlockStride, Math.Min(TOps.TilePixels, pixels - p - TOps.TilePixels) * b);
            PointwiseTile<TGeometry, TEpilogue>(pair * TOps.TileBlocks, outBlocks, p, count, input, weights, bias, residual, output);
            if (pair == pairs - 1)
                ZeroPaddingLanes<TShape>(output, p, count);
        }
    }

    private static void PrefetchColumns(float* first, int blocks, int blockStride, int floats)
    {
        if (!Sse.IsSupported)
            return;
        for (int block = 0; block < blocks; block++)
            for (int offset = 0; offset < floats; offset += 16)
                Sse.Prefetch0(first + block * blockStride + offset);
    }

    private static void PointwiseTile<TGeometry, TEpilogue>(int ob, int outBlocks, int p, int count, float* input, float* weights, float* bias, float* residual, float* output)
        where TGeometry : struct, IConvGeometry
        where TEpilogue : struct, IEpilogue
    {
        int b = TOps.BlockSize;
        bool two = TOps.TileBlocks == 2 && ob + 1 < outBlocks;
        int outOffset = ob * TGeometry.OutputBlockStride + p * b;
        Tile<TGeometry, TEpilogue>(count, two, input + p * b, weights + ob * TGeometry.WeightBlockStride, bias + ob * b, residual + outOffset, output + outOffset, 0, 1, 0, 1);
    }

    /// <summary>
    /// Loop order. Whatever the inner loop re-reads should be the smaller operand, so it stays in
    /// cache: with the weights outer (output blocks, then pixels) the input is re-read once per
    /// output block pair; with the pixels outer, the weights are re-read once per row or tile.
    /// Early layers have large images and small filters, late layers the reverse.
    /// </summary>
    private static bool WeightsOuter<TShape, TGeometry>()
        where TShape : struct, IConvShape
        where TGeometry : struct, IConvGeometry
    {
        long weights = (long)Nchwc.Blocks(TShape.OutChannels, TOps.BlockSize) * TGeometry.WeightBlockStride;
        long input = (long)TGeometry.InputBlocks * TGeometry.InputBlockStride;
        return weights > input;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows<TShape, TGeometry, TEpilogue>(float* input, float* weights, float* bias, float* residual, float* output, WorkSplit split)
        where TShape : struct, IConvShape
        where TGeometry : struct, IConvGeometry
        where TEpilogue : struct, IEpilogue
    {
        int outBlocks = Nchwc.Blocks(TShape.OutChannels, TOps.BlockSize);
        int outWidth = TShape.OutWidth;
        int kernelWidth = TShape.KernelWidth;

        // Columns whose every tap lies inside the input: [interiorBegin, interiorEnd).
        int interiorBegin = Math.Min(outWidth, (TShape.PadLeft + TShape.StrideWidth - 1) / TShape.StrideWidth);
        int lastStart = TShape.InWidth - 1 - (kernelWidth - 1) * TShape.DilationWidth + TShape.PadLeft;
        int interiorEnd = lastStart < 0 ? 0 : Math.Min(outWidth, lastStart / TShape.StrideWidth + 1);
        interiorEnd = Math.Max(interiorEnd, interiorBegin);

        // Work units: output row groups (one row, or several when the tile spans rows) x output block pairs, in the
        // loop order that keeps the smaller operand in cache; a worker's contiguous chunk is then its own block pairs
        // (weights) or rows.
        int rowsPerTile = RowsPerTile<TShape>();
        int groups = (TShape.OutHeight + rowsPerTile - 1) / rowsPerTile;
        int pairs = BlockPairs<TShape>();
        var (start, end) = split.Range(pairs * groups);
        bool weightsOuter = WeightsOuter<TShape, TGeometry>();
        for (int unit = start; unit < end; unit++)
        {
            int pair = weightsOuter ? unit / groups : unit % pairs;
            int group = weightsOuter ? unit % groups : unit / pairs;
            int oh = group * rowsPerTile;
            int count = Math.Min(rowsPerTile, TShape.OutHeight - oh);
            if (rowsPerTile == 1)
                Row<TShape, TGeometry, TEpilogue>(pair * TOps.TileBlocks, outBlocks, oh, interiorBegin, interiorEnd, input, weights, bias, residual, output);
            else
                RowGroup<TShape, TGeometry, TEpilogue>(pair * TOps.TileBlocks, outBlocks, oh, count, input, weights, bias, residual, output);
            if (pair == pairs - 1)
                ZeroPaddingLanes<TShape>(output, oh * outWidth, count * outWidth);
        }
    }

    /// <summary>Whole output rows [oh, oh + count) of one output block pair as one tile (no padding, so no clipped taps).</summary>
    private static void RowGroup<TShape, TGeometry, TEpilogue>(int ob, int outBlocks, int oh, int count, float* input, float* weights, float* bias, float* residual, float* output)
        where TShape : struct, IConvShape
        where TGeometry : struct, IConvGeometry
        where TEpilogue : struct, IEpilogue
    {
        int b = TOps.BlockSize;
        bool two = TOps.TileBlocks == 2 && ob + 1 < outBlocks;
        int outOffset = ob * TGeometry.OutputBlockStride + oh * TShape.OutWidth * b;
        Tile<TGeometry, TEpilogue>(count * TShape.OutWidth, two, input + oh * TShape.StrideHeight * TGeometry.RowStride, weights + ob * TGeometry.WeightBlockStride, bias + ob * b,
            residual + outOffset, output + outOffset, 0, TShape.KernelHeight, 0, TShape.KernelWidth);
    }

    /// <summary>One output row of one output block pair: border pixels, full tiles, a partial tile, border pixels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row<TShape, TGeometry, TEpilogue>(int ob, int outBlocks, int oh, int interiorBegin, int interiorEnd, float* input, float* weights, float* bias, float* residual, float* output)
        where TShape : struct, IConvShape
        where TGeometry : struct, IConvGeometry
        where TEpilogue : struct, IEpilogue
    {
        int b = TOps.BlockSize;
        int lanes = TGeometry.InputLanes;
        int outWidth = TShape.OutWidth;
        int kernelWidth = TShape.KernelWidth;
        bool two = TOps.TileBlocks == 2 && ob + 1 < outBlocks;
        float* w = weights + ob * TGeometry.WeightBlockStride;
        float* bi = bias + ob * b;
        int top = oh * TShape.StrideHeight - TShape.PadTop;
        int khBegin = TapBegin(top, TShape.DilationHeight);
        int khEnd = TapEnd(top, TShape.DilationHeight, TShape.KernelHeight, TShape.InHeight);
        float* row = input + top * TGeometry.RowStride;
        int outOffset = ob * TGeometry.OutputBlockStride + oh * outWidth * b;

        for (int ow = 0; ow < interiorBegin; ow++)
            BorderPixel<TShape, TGeometry, TEpilogue>(ow, two, row, w, bi, residual + outOffset, output + outOffset, khBegin, khEnd);

        // Full tiles and a shorter last one; but when that one would be very short (2 to a half tile: too few
        // accumulators to hide the FMA latency), tiles of near-equal width instead, the wider first.
        int interior = interiorEnd - interiorBegin;
        int tiles = (interior + TOps.TilePixels - 1) / TOps.TilePixels;
        int remainder = interior % TOps.TilePixels;
        bool balanced = remainder >= 2 && 2 * remainder < TOps.TilePixels;
        int narrow = balanced ? interior / tiles : TOps.TilePixels;
        int wide = balanced ? interior % tiles : tiles;
        for (int t = 0, col = interiorBegin; t < tiles; t++)
        {
            int width = Math.Min(interiorEnd - col, t < wide ? narrow + (balanced ? 1 : 0) : narrow);
            int left = (col * TShape.StrideWidth - TShape.PadLeft) * lanes;
            Tile<TGeometry, TEpilogue>(width, two, row + left, w, bi, residual + outOffset + col * b, output + outOffset + col * b, khBegin, khEnd, 0, kernelWidth);
            col += width;
        }

        for (int ow = interiorEnd; ow < outWidth; ow++)
            BorderPixel<TShape, TGeometry, TEpilogue>(ow, two, row, w, bi, residual + outOffset, output + outOffset, khBegin, khEnd);
    }

    private static void BorderPixel<TShape, TGeometry, TEpilogue>(int ow, bool two, float* row, float* weights, float* bias, float* residualRow, float* outputRow, int khBegin, int khEnd)
        where TShape : struct, IConvShape
        where TGeometry : struct, IConvGeometry
        where TEpilogue : struct, IEpilogue
    {
        int b = TOps.BlockSize;
        int left = ow * TShape.StrideWidth - TShape.PadLeft;
        int kwBegin = TapBegin(left, TShape.DilationWidth);
        int kwEnd = TapEnd(left, TShape.DilationWidth, TShape.KernelWidth, TShape.InWidth);
        Tile<TGeometry, TEpilogue>(1, two, row + left * TGeometry.InputLanes, weights, bias, residualRow + ow * b, outputRow + ow * b, khBegin, khEnd, kwBegin, kwEnd);
    }

    /// <summary>First tap k with start + k * dilation &gt;= 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int TapBegin(int start, int dilation) => start >= 0 ? 0 : (-start + dilation - 1) / dilation;

    /// <summary>One past the last tap k with start + k * dilation &lt; size (0 when none).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int TapEnd(int start, int dilation, int kernel, int size) =>
        start >= size ? 0 : Math.Min(kernel, (size - 1 - start) / dilation + 1);

    private static void Tile<TGeometry, TEpilogue>(int pixels, bool two, float* input, float* weights, float* bias, float* residual, float* output, int khBegin, int khEnd, int kwBegin, int kwEnd)
        where TGeometry : struct, IConvGeometry
        where TEpilogue : struct, IEpilogue
    {
        if (two)
            Tile<TGeometry, C2, TEpilogue>(pixels, input, weights, bias, residual, output, khBegin, khEnd, kwBegin, kwEnd);
        else
            Tile<TGeometry, C1, TEpilogue>(pixels, input, weights, bias, residual, output, khBegin, khEnd, kwBegin, kwEnd);
    }

    private static void Tile<TGeometry, TBlocks, TEpilogue>(int pixels, float* input, float* weights, float* bias, float* residual, float* output, int khBegin, int khEnd, int kwBegin, int kwEnd)
        where TGeometry : struct, IConvGeometry
        where TBlocks : struct, IConstant
        where TEpilogue : struct, IEpilogue
    {
        // One instantiation per pixel count, each with constant unrolling; the JIT compiles only those called.
        switch (pixels)
        {
            case 1: TOps.ConvTile<TGeometry, C1, TBlocks, TEpilogue>(input, weights, bias, residual, output, khBegin, khEnd, kwBegin, kwEnd); break;
            case 2: TOps.ConvTile<TGeometry, C2, TBlocks, TEpilogue>(input, weights, bias, residual, output, khBegin, khEnd, kwBegin, kwEnd); break;
            case 3: TOps.ConvTile<TGeometry, C3, TBlocks, TEpilogue>(input, weights, bias, residual, output, khBegin, khEnd, kwBegin, kwEnd); break;
            case 4: TOps.ConvTile<TGeometry, C4, TBlocks, TEpilogue>(input, weights, bias, residual, output, khBegin, khEnd, kwBegin, kwEnd); break;
            case 5: TOps.ConvTile<TGeometry, C5, TBlocks, TEpilogue>(input, weights, bias, residual, output, khBegin, khEnd, kwBegin, kwEnd); break;
            case 6: TOps.ConvTile<TGeometry, C6, TBlocks, TEpilogue>(input, weights, bias, residual, output, khBegin, khEnd, kwBegin, kwEnd); break;
            case 7: TOps.ConvTile<TGeometry, C7, TBlocks, TEpilogue>(input, weights, bias, residual, output, khBegin, khEnd, kwBegin, kwEnd); break;
            case 8: TOps.ConvTile<TGeometry, C8, TBlocks, TEpilogue>(input, weights, bias, residual, output, khBegin, khEnd, kwBegin, kwEnd); break;
            case 9: TOps.ConvTile<TGeometry, C9, TBlocks, TEpilogue>(input, weights, bias, residual, output, khBegin, khEnd, kwBegin, kwEnd); break;
            case 10: TOps.ConvTile<TGeometry, C10, TBlocks, TEpilogue>(input, weights, bias, residual, output, khBegin, khEnd, kwBegin, kwEnd); break;
            case 11: TOps.ConvTile<TGeometry, C11, TBlocks, TEpilogue>(input, weights, bias, residual, output, khBegin, khEnd, kwBegin, kwEnd); break;
            case 12: TOps.ConvTile<TGeometry, C12, TBlocks, TEpilogue>(input, weights, bias, residual, output, khBegin, khEnd, kwBegin, kwEnd); break;
            case 13: TOps.ConvTile<TGeometry, C13, TBlocks, TEpilogue>(input, weights, bias, residual, output, khBegin, khEnd, kwBegin, kwEnd); break;
            case 14: TOps.ConvTile<TGeometry, C14, TBlocks, TEpilogue>(input, weights, bias, residual, output, khBegin, khEnd, kwBegin, kwEnd); break;
            default: throw new ArgumentOutOfRangeException(nameof(pixels));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Depthwise<TShape, TEpilogue>(float* input, float* weights, float* bias, float* residual, float* output, WorkSplit split)
        where TShape : struct, IConvShape
        where TEpilogue : struct, IEpilogue
    {
        // Channel c reads only input channel c: each block is a vector of independent channels, and
        // the weights [CB][KH][KW][B] hold one vector per tap.
        int b = TOps.BlockSize;
        int blocks = Nchwc.Blocks(TShape.OutChannels, b);
        int inBlockStride = TShape.InHeight * TShape.InWidth * b;
        int outBlockStride = TShape.OutHeight * TShape.OutWidth * b;
        int taps = TShape.KernelHeight * TShape.KernelWidth;
        // Work units: channel blocks x output rows.
        var (start, end) = split.Range(blocks * TShape.OutHeight);
        for (int unit = start; unit < end; unit++)
        {
            int cb = unit / TShape.OutHeight;
            int oh = unit % TShape.OutHeight;
            float* inBlock = input + cb * inBlockStride;
            float* wBlock = weights + cb * taps * b;
            {
                int top = oh * TShape.StrideHeight - TShape.PadTop;
                int khBegin = TapBegin(top, TShape.DilationHeight);
                int khEnd = TapEnd(top, TShape.DilationHeight, TShape.KernelHeight, TShape.InHeight);
                for (int ow = 0; ow < TShape.OutWidth; ow++)
                {
                    int left = ow * TShape.StrideWidth - TShape.PadLeft;
                    int kwBegin = TapBegin(left, TShape.DilationWidth);
                    int kwEnd = TapEnd(left, TShape.DilationWidth, TShape.KernelWidth, TShape.InWidth);
                    int outIndex = cb * outBlockStride + (oh * TShape.OutWidth + ow) * b;
                    for (int part = 0; part < b; part += TOps.Lanes)
                    {
                        TVector acc = TOps.Load(bias + cb * b + part);
                        for (int kh = khBegin; kh < khEnd; kh++)
                        {
                            float* x = inBlock + ((top + kh * TShape.DilationHeight) * TShape.InWidth + left) * b + part;
                            float* wp = wBlock + kh * TShape.KernelWidth * b + part;
                            for (int kw = kwBegin; kw < kwEnd; kw++)
                                acc = TOps.MultiplyAdd(TOps.Load(x + kw * TShape.DilationWidth * b), TOps.Load(wp + kw * b), acc);
                        }
                        if (TEpilogue.AddsResidual)
                            acc = TOps.Add(acc, TOps.Load(residual + outIndex + part));
                        TOps.Store(output + outIndex + part, TOps.Activate<EpilogueActivation<TEpilogue>>(acc));
                    }
                }
            }
            if (cb == blocks - 1)
                ZeroPaddingLanes<TShape>(output, oh * TShape.OutWidth, TShape.OutWidth);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Grouped<TShape, TEpilogue>(float* input, float* weights, float* bias, float* residual, float* output, WorkSplit split)
        where TShape : struct, IConvShape
        where TEpilogue : struct, IEpilogue
    {
        // Any grouping: one output channel at a time, standard weights [OC][IC/G][KH][KW].
        int b = TOps.BlockSize;
        int inPerGroup = TShape.InChannels / TShape.Groups;
        int outPerGroup = TShape.OutChannels / TShape.Groups;
        int outPlane = TShape.OutHeight * TShape.OutWidth;
        int inPlane = TShape.InHeight * TShape.InWidth;
        int paddedOut = Nchwc.PaddedChannels(TShape.OutChannels, b);
        // Work units: output channels (padding lanes included: they get zeros) x output rows.
        var (start, end) = split.Range(paddedOut * TShape.OutHeight);
        for (int unit = start; unit < end; unit++)
        {
            int oc = unit / TShape.OutHeight;
            int oh = unit % TShape.OutHeight;
            float* outChannel = output + (oc / b) * outPlane * b + oc % b;
            float* resChannel = residual + (oc / b) * outPlane * b + oc % b;
            if (oc >= TShape.OutChannels)
            {
                for (int ow = 0; ow < TShape.OutWidth; ow++)
                    outChannel[(oh * TShape.OutWidth + ow) * b] = 0f;
                continue;
            }
            int firstIn = oc / outPerGroup * inPerGroup;
            float* w = weights + oc * inPerGroup * TShape.KernelHeight * TShape.KernelWidth;
            {
                int top = oh * TShape.StrideHeight - TShape.PadTop;
                int khBegin = TapBegin(top, TShape.DilationHeight);
                int khEnd = TapEnd(top, TShape.DilationHeight, TShape.KernelHeight, TShape.InHeight);
                for (int ow = 0; ow < TShape.OutWidth; ow++)
                {
                    int left = ow * TShape.StrideWidth - TShape.PadLeft;
                    int kwBegin = TapBegin(left, TShape.DilationWidth);
                    int kwEnd = TapEnd(left, TShape.DilationWidth, TShape.KernelWidth, TShape.InWidth);
                    float sum = bias[oc];
                    for (int i = 0; i < inPerGroup; i++)
                    {
                        int ic = firstIn + i;
                        float* inChannel = input + (ic / b) * inPlane * b + ic % b;
                        float* wc = w + i * TShape.KernelHeight * TShape.KernelWidth;
                        for (int kh = khBegin; kh < khEnd; kh++)
                        {
                            int y = top + kh * TShape.DilationHeight;
                            for (int kw = kwBegin; kw < kwEnd; kw++)
                                sum += inChannel[(y * TShape.InWidth + left + kw * TShape.DilationWidth) * b] * wc[kh * TShape.KernelWidth + kw];
                        }
                    }
                    int pixel = oh * TShape.OutWidth + ow;
                    if (TEpilogue.AddsResidual)
                        sum += resChannel[pixel * b];
                    outChannel[pixel * b] = TEpilogue.Activate(sum);
                }
            }
        }
    }
}

/// <summary>The activation of an epilogue as an <see cref="IActivation"/>, for code generic over activations.</summary>
internal readonly struct EpilogueActivation<TEpilogue> : IActivation where TEpilogue : struct, IEpilogue
{
    public static bool IsIdentity => TEpilogue.IsLinear;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float x) => TEpilogue.Activate(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static System.Runtime.Intrinsics.Vector256<float> Apply(System.Runtime.Intrinsics.Vector256<float> x) => TEpilogue.Activate(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static System.Runtime.Intrinsics.Vector512<float> Apply(System.Runtime.Intrinsics.Vector512<float> x) => TEpilogue.Activate(x);
    // Forward only: backward passes name the activation itself.
    public static float GradientFromOutput(float y) => throw new NotSupportedException("An epilogue's activation has no backward; use the activation type.");
    public static System.Runtime.Intrinsics.Vector256<float> GradientFromOutput(System.Runtime.Intrinsics.Vector256<float> y) => throw new NotSupportedException("An epilogue's activation has no backward; use the activation type.");
    public static System.Runtime.Intrinsics.Vector512<float> GradientFromOutput(System.Runtime.Intrinsics.Vector512<float> y) => throw new NotSupportedException("An epilogue's activation has no backward; use the activation type.");
}

/// <summary>
/// Per-thread scratch of the convolution drivers (the width-padded input copy). Grown once to the largest size a
/// thread needs and then reused, so kernels allocate nothing after the first call of each size; pinned, so its
/// address is stable, and freed with the thread. One user at a time per thread: no kernel calls another.
/// </summary>
internal static unsafe class ConvScratch
{
    [ThreadStatic]
    private static float[]? t_floats;

    /// <summary>At least <paramref name="count"/> floats, 64-byte aligned, contents undefined.</summary>
    public static float* Floats(int count)
    {
        const int AlignmentFloats = 16;
        var buffer = t_floats;
        if (buffer is null || buffer.Length < count + AlignmentFloats)
            t_floats = buffer = GC.AllocateUninitializedArray<float>(count + AlignmentFloats, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((address + 63) & ~(nint)63);
    }
}
