using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ConvForge.Kernels;

/// <summary>
/// The Winograd path (<see cref="ConvPath.Winograd"/>): 3x3 stride-1 convolutions as F(m x m, 3 x 3) over
/// tiles of m x m output pixels, numbered row-major over the output, taken in chunks of consecutive tiles.
/// Per chunk: (a) the input transform gathers each tile's Alpha x Alpha input patch, zero outside the image
/// (so padding needs no border cases), and writes V[element][ICB][tile][B]; (b) per element, M = U V is a 1x1
/// convolution over "pixels" = tiles, run by the family's pointwise microkernel (<see cref="WinogradGemm{TShape, TTransform, TVector, TOps}"/>
/// describes V, U and M to it) into M[element][OCB][tile][B]; (c) the output transform A^T M A, then bias,
/// residual and activation, writes the NCHWc output, clipping tiles at the right and bottom edges.
/// </summary>
/// <remarks>
/// Non-finite inputs: a NaN or infinity in a tile's input patch reaches all m x m outputs of the tile (as NaN
/// where transforms subtract infinities), where direct convolution confines it to the outputs whose window
/// holds it.
/// </remarks>
internal static unsafe class Winograd<TVector, TOps>
    where TVector : struct
    where TOps : struct, IFamilyOps<TVector>
{
    /// <summary>
    /// The convolution for weights packed by <see cref="WinogradWeights"/>. Workers take contiguous chunks of
    /// tiles (<see cref="WorkSplit.Range"/>); every tile is computed with the same instructions whichever worker
    /// and chunk it falls in, so results are bit-identical for any split.
    /// </summary>
    public static void Run<TShape, TEpilogue>(float* input, float* weights, float* bias, float* residual, float* output, WorkSplit split)
        where TShape : struct, IConvShape
        where TEpilogue : struct, IEpilogue
    {
        if (WinogradRule.TileSize<TShape>(TOps.BlockSize) == 4)
            Run<TShape, WinogradF4, TEpilogue>(input, weights, bias, residual, output, split);
        else
            Run<TShape, WinogradF2, TEpilogue>(input, weights, bias, residual, output, split);
    }

    private static void Run<TShape, TTransform, TEpilogue>(float* input, float* weights, float* bias, float* residual, float* output, WorkSplit split)
        where TShape : struct, IConvShape
        where TTransform : struct, IWinogradTransform
        where TEpilogue : struct, IEpilogue
    {
        int b = TOps.BlockSize;
        int alpha = TTransform.Alpha;
        int tiles = WinogradGemm<TShape, TTransform, TVector, TOps>.Tiles;
        // Chunks of near-equal size (at most ChunkTiles, the scratch's capacity, and at least two tiles: see Multiply).
        int chunks = (tiles + WinogradGemm<TShape, TTransform, TVector, TOps>.ChunkTiles - 1) / WinogradGemm<TShape, TTransform, TVector, TOps>.ChunkTiles;
        int outBlocks = Nchwc.Blocks(TShape.OutChannels, b);
        int outPairs = (outBlocks + TOps.TileBlocks - 1) / TOps.TileBlocks;
        int outGroups = 1;
        if (!split.IsWhole)
        {
            if (WinogradGemm<TShape, TTransform, TVector, TOps>.WeightsHeavy)
                outGroups = Math.Min(outPairs, split.Workers); // each worker reads only its output blocks' share of U
            else
                chunks = Math.Max(chunks, Math.Min((chunks + split.Workers - 1) / split.Workers * split.Workers, tiles / 2));
        }
        var (first, end) = split.Range(chunks * outGroups);
        if (first >= end)
            return;

        int transformed = WinogradGemm<TShape, TTransform, TVector, TOps>.InputElementStride + WinogradGemm<TShape, TTransform, TVector, TOps>.OutputElementStride;
        float* scratch = WinogradScratch.Get(alpha * alpha * transformed + 3 * alpha * alpha * b + 2 * b);
        float* v = scratch;
        float* m = v + alpha * alpha * WinogradGemm<TShape, TTransform, TVector, TOps>.InputElementStride;
        float* patch = m + alpha * alpha * WinogradGemm<TShape, TTransform, TVector, TOps>.OutputElementStride;
        float* columns = patch + alpha * alpha * b;
        float* zeroBias = columns + 2 * alpha * alpha * b;
        new Span<float>(zeroBias, 2 * b).Clear();

        int transformedChunk = -1;
        for (int unit = first; unit < end; unit++)
        {
            int chunk = unit / outGroups;
            var (pairBegin, pairEnd) = new WorkSplit(unit % outGroups, outGroups).Range(outPairs);
            int obBegin = pairBegin * TOps.TileBlocks, obEnd = Math.Min(outBlocks, pairEnd * TOps.TileBlocks);
            int firstTile = chunk * tiles / chunks;
            int count = (chunk + 1) * tiles / chunks - firstTile;
            if (chunk != transformedChunk)
                TransformInput<TShape, TTransform>(input, v, patch, columns, firstTile, count);
            transformedChunk = chunk;
            Multiply<TShape, TTransform>(weights, v, m, zeroBias, count, obBegin, obEnd);
            TransformOutput<TShape, TTransform, TEpilogue>(m, bias, residual, output, columns, firstTile, count, obBegin, obEnd);
        }
    }

    /// <summary>V[element][icb][tile][B] for tiles [firstTile, firstTile + count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformInput<TShape, TTransform>(float* input, float* v, float* patch, float* columns, int firstTile, int count)
        where TShape : struct, IConvShape
        where TTransform : struct, IWinogradTransform
    {
        int b = TOps.BlockSize;
        int lanes = TOps.Lanes;
        int alpha = TTransform.Alpha;
        int tileSize = TTransform.TileSize;
        int tilesAcross = WinogradGemm<TShape, TTransform, TVector, TOps>.TilesAcross;
        int inBlocks = Nchwc.Blocks(TShape.InChannels, b);
        int inHeight = TShape.InHeight, inWidth = TShape.InWidth;
        int inBlockStride = inHeight * inWidth * b;
        int chunkStride = WinogradGemm<TShape, TTransform, TVector, TOps>.ChunkTiles * b;
        int elementStride = WinogradGemm<TShape, TTransform, TVector, TOps>.InputElementStride;
        var zero = TOps.Splat(0f);
        for (int j = 0; j < count; j++)
        {
            int tile = firstTile + j;
            int top = tile / tilesAcross * tileSize - TShape.PadTop;
            int left = tile % tilesAcross * tileSize - TShape.PadLeft;
            bool inside = top >= 0 && left >= 0 && top + alpha <= inHeight && left + alpha <= inWidth;
            for (int ib = 0; ib < inBlocks; ib++)
            {
                float* block = input + ib * inBlockStride;
                float* source;
                int sourceRowStride;
                if (inside)
                {
                    source = block + (top * inWidth + left) * b;
                    sourceRowStride = inWidth * b;
                }
                else
                {
                    for (int r = 0; r < alpha; r++)
                    {
                        int y = top + r;
                        for (int c = 0; c < alpha; c++)
                        {
                            int x = left + c;
                            float* to = patch + (r * alpha + c) * b;
                            if (y >= 0 && y < inHeight && x >= 0 && x < inWidth)
                                for (int part = 0; part < b; part += lanes)
                                    TOps.Store(to + part, TOps.Load(block + (y * inWidth + x) * b + part));
                            else
                                for (int part = 0; part < b; part += lanes)
                                    TOps.Store(to + part, zero);
                        }
                    }
                    source = patch;
                    sourceRowStride = alpha * b;
                }

                // Columns: columns[r][c] = (B^T d)[r][c]; rows: V[r * alpha + k] = (columns B)[r][k].
                for (int c = 0; c < alpha; c++)
                    for (int part = 0; part < b; part += lanes)
                        TTransform.Input<TVector, TOps>(source + c * b + part, sourceRowStride, columns + c * b + part, alpha * b);
                float* target = v + ib * chunkStride + j * b;
                for (int r = 0; r < alpha; r++)
                    for (int part = 0; part < b; part += lanes)
                        TTransform.Input<TVector, TOps>(columns + r * alpha * b + part, b, target + r * alpha * elementStride + part, elementStride);
            }
        }
    }

    /// <summary>M[element][ocb][tile][B] = sum over input channels of U[element][oc][ic] V[element][ic][tile], per element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Multiply<TShape, TTransform>(float* weights, float* v, float* m, float* zeroBias, int count, int obBegin, int obEnd)
        where TShape : struct, IConvShape
        where TTransform : struct, IWinogradTransform
    {
        int b = TOps.BlockSize;
        int elements = TTransform.Alpha * TTransform.Alpha;
        int inputElementStride = WinogradGemm<TShape, TTransform, TVector, TOps>.InputElementStride;
        int outputElementStride = WinogradGemm<TShape, TTransform, TVector, TOps>.OutputElementStride;
        int weightElementStride = WinogradGemm<TShape, TTransform, TVector, TOps>.WeightElementStride;
        int weightBlockStride = WinogradGemm<TShape, TTransform, TVector, TOps>.WeightBlockStride;
        int outputBlockStride = WinogradGemm<TShape, TTransform, TVector, TOps>.OutputBlockStride;
        for (int e = 0; e < elements; e++)
        {
            float* ve = v + e * inputElementStride;
            float* me = m + e * outputElementStride;
            float* ue = weights + e * weightElementStride;
            for (int ob = obBegin; ob < obEnd; ob += TOps.TileBlocks)
            {
                bool two = TOps.TileBlocks == 2 && ob + 1 < obEnd;
                float* uo = ue + ob * weightBlockStride;
                float* mo = me + ob * outputBlockStride;
                for (int p = 0; p < count; p += TOps.TilePixels)
                {
                    // A last tile of one pixel would run the single-pixel kernel, which sums in another order; take
                    // it with the pixel before it instead (recomputed with the same bits), so that a tile's result
                    // does not depend on where chunk boundaries fall. Chunks have two tiles or more.
                    int pixels = Math.Min(TOps.TilePixels, count - p);
                    int start = pixels == 1 && TOps.TilePixels > 1 && count > 1 ? p - 1 : p;
                    Tile<WinogradGemm<TShape, TTransform, TVector, TOps>>(p + pixels - start, two, ve + start * b, uo, zeroBias, mo + start * b);
                }
            }
        }
    }

    /// <summary>Y = A^T M A per tile and output block, then bias, residual and activation into the output, clipped at the edges.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformOutput<TShape, TTransform, TEpilogue>(float* m, float* bias, float* residual, float* output, float* columns, int firstTile, int count, int obBegin, int obEnd)
        where TShape : struct, IConvShape
        where TTransform : struct, IWinogradTransform
        where TEpilogue : struct, IEpilogue
    {
        int b = TOps.BlockSize;
        int lanes = TOps.Lanes;
        int alpha = TTransform.Alpha;
        int tileSize = TTransform.TileSize;
        int tilesAcross = WinogradGemm<TShape, TTransform, TVector, TOps>.TilesAcross;
        int outBlocks = Nchwc.Blocks(TShape.OutChannels, b);
        int outHeight = TShape.OutHeight, outWidth = TShape.OutWidth;
        int outBlockStride = outHeight * outWidth * b;
        int chunkStride = WinogradGemm<TShape, TTransform, TVector, TOps>.ChunkTiles * b;
        int elementStride = WinogradGemm<TShape, TTransform, TVector, TOps>.OutputElementStride;
        // Channels of the last block past OutChannels: written as zeros (see ZeroPaddingLanes in FamilyKernels).
        int usedLanes = TShape.OutChannels - (outBlocks - 1) * b;
        float* rows = columns + alpha * alpha * b;
        for (int j = 0; j < count; j++)
        {
            int tile = firstTile + j;
            int top = tile / tilesAcross * tileSize;
            int left = tile % tilesAcross * tileSize;
            int height = Math.Min(tileSize, outHeight - top);
            int width = Math.Min(tileSize, outWidth - left);
            for (int ob = obBegin; ob < obEnd; ob++)
            {
                float* source = m + ob * chunkStride + j * b;
                // Columns: columns[r][k] = (A^T M)[r][k]; rows: rows[r][c] = (columns A)[r][c].
                for (int k = 0; k < alpha; k++)
                    for (int part = 0; part < b; part += lanes)
                        TTransform.Output<TVector, TOps>(source + k * elementStride + part, alpha * elementStride, columns + k * b + part, alpha * b);
                for (int r = 0; r < tileSize; r++)
                    for (int part = 0; part < b; part += lanes)
                        TTransform.Output<TVector, TOps>(columns + r * alpha * b + part, b, rows + r * tileSize * b + part, b);

                for (int r = 0; r < height; r++)
                {
                    for (int c = 0; c < width; c++)
                    {
                        int offset = ob * outBlockStride + ((top + r) * outWidth + left + c) * b;
                        for (int part = 0; part < b; part += lanes)
                        {
                            var value = TOps.Add(TOps.Load(rows + (r * tileSize + c) * b + part), TOps.Load(bias + ob * b + part));
                            if (TEpilogue.AddsResidual)
                                value = TOps.Add(value, TOps.Load(residual + offset + part));
                            TOps.Store(output + offset + part, TOps.Activate<EpilogueActivation<TEpilogue>>(value));
                        }
                        if (usedLanes < b && ob == outBlocks - 1)
                            for (int lane = usedLanes; lane < b; lane++)
                                output[offset + lane] = 0f;
                    }
                }
            }
        }
    }

    // The same dispatch as ConvDriver's: one microkernel instantiation per pixel count.
    private static void Tile<TGeometry>(int pixels, bool two, float* input, float* weights, float* zeroBias, float* output)
        where TGeometry : struct, IConvGeometry
    {
        if (two)
            Tile<TGeometry, C2>(pixels, input, weights, zeroBias, output);
        else
            Tile<TGeometry, C1>(pixels, input, weights, zeroBias, output);
    }

    private static void Tile<TGeometry, TBlocks>(int pixels, float* input, float* weights, float* zeroBias, float* output)
        where TGeometry : struct, IConvGeometry
        where TBlocks : struct, IConstant
    {
        switch (pixels)
        {
            case 1: TOps.ConvTile<TGeometry, C1, TBlocks, Epilogue<Identity>>(input, weights, zeroBias, null, output, 0, 1, 0, 1); break;
            case 2: TOps.ConvTile<TGeometry, C2, TBlocks, Epilogue<Identity>>(input, weights, zeroBias, null, output, 0, 1, 0, 1); break;
            case 3: TOps.ConvTile<TGeometry, C3, TBlocks, Epilogue<Identity>>(input, weights, zeroBias, null, output, 0, 1, 0, 1); break;
            case 4: TOps.ConvTile<TGeometry, C4, TBlocks, Epilogue<Identity>>(input, weights, zeroBias, null, output, 0, 1, 0, 1); break;
            case 5: TOps.ConvTile<TGeometry, C5, TBlocks, Epilogue<Identity>>(input, weights, zeroBias, null, output, 0, 1, 0, 1); break;
            case 6: TOps.ConvTile<TGeometry, C6, TBlocks, Epilogue<Identity>>(input, weights, zeroBias, null, output, 0, 1, 0, 1); break;
            case 7: TOps.ConvTile<TGeometry, C7, TBlocks, Epilogue<Identity>>(input, weights, zeroBias, null, output, 0, 1, 0, 1); break;
            case 8: TOps.ConvTile<TGeometry, C8, TBlocks, Epilogue<Identity>>(input, weights, zeroBias, null, output, 0, 1, 0, 1); break;
            case 9: TOps.ConvTile<TGeometry, C9, TBlocks, Epilogue<Identity>>(input, weights, zeroBias, null, output, 0, 1, 0, 1); break;
            case 10: TOps.ConvTile<TGeometry, C10, TBlocks, Epilogue<Identity>>(input, weights, zeroBias, null, output, 0, 1, 0, 1); break;
            case 11: TOps.ConvTile<TGeometry, C11, TBlocks, Epilogue<Identity>>(input, weights, zeroBias, null, output, 0, 1, 0, 1); break;
            case 12: TOps.ConvTile<TGeometry, C12, TBlocks, Epilogue<Identity>>(input, weights, zeroBias, null, output, 0, 1, 0, 1); break;
            case 13: TOps.ConvTile<TGeometry, C13, TBlocks, Epilogue<Identity>>(input, weights, zeroBias, null, output, 0, 1, 0, 1); break;
            case 14: TOps.ConvTile<TGeometry, C14, TBlocks, Epilogue<Identity>>(input, weights, zeroBias, null, output, 0, 1, 0, 1); break;
            default: throw new ArgumentOutOfRangeException(nameof(pixels));
        }
    }
}

/// <summary>
/// The sizes of one Winograd layer's scratch and the geometry its per-element product presents to the
/// pointwise microkernel: input V[ICB][tile][B] (a "row" of ChunkTiles pixels), weights U[OCB][ICB][B][B],
/// output M[OCB][tile][B]. All members are constants of the instantiation.
/// </summary>
internal readonly struct WinogradGemm<TShape, TTransform, TVector, TOps> : IConvGeometry
    where TShape : struct, IConvShape
    where TTransform : struct, IWinogradTransform
    where TVector : struct
    where TOps : struct, IFamilyOps<TVector>
{
    /// <summary>
    /// Bytes of V and M per chunk aimed at: both stay in the L2 cache (2 MB and up on the machines at hand)
    /// while the microkernel re-reads V once per output block pair.
    /// </summary>
    private const int ChunkBytes = 1 << 20;

    private static int B { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TOps.BlockSize; }
    private static int InBlocks { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Nchwc.Blocks(TShape.InChannels, B); }
    private static int OutBlocks { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Nchwc.Blocks(TShape.OutChannels, B); }

    public static int TilesAcross { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => (TShape.OutWidth + TTransform.TileSize - 1) / TTransform.TileSize; }
    public static int Tiles { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TilesAcross * ((TShape.OutHeight + TTransform.TileSize - 1) / TTransform.TileSize); }

    /// <summary>
    /// True when U is larger than V and M for the whole output: late layers, whose time goes into reading U. They run
    /// the whole map as one chunk, so U is read once, and split work among workers by output blocks.
    /// </summary>
    public static bool WeightsHeavy
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => OutBlocks * InBlocks * B > (InBlocks + OutBlocks) * Tiles;
    }

    /// <summary>
    /// Tiles per chunk: the whole map for <see cref="WeightsHeavy"/> shapes, otherwise whole register tiles (14 or
    /// 6 pixels) while V and M fit <see cref="ChunkBytes"/>, at least one.
    /// </summary>
    public static int ChunkTiles
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (WeightsHeavy)
                return Tiles;
            int tilePixels = TOps.TilePixels;
            int bytesPerTile = TTransform.Alpha * TTransform.Alpha * (InBlocks + OutBlocks) * B * sizeof(float);
            int groups = Math.Max(1, ChunkBytes / (bytesPerTile * tilePixels));
            int needed = (Tiles + tilePixels - 1) / tilePixels;
            return Math.Min(groups, needed) * tilePixels;
        }
    }

    public static int InputElementStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => InBlocks * ChunkTiles * B; }
    public static int OutputElementStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => OutBlocks * ChunkTiles * B; }
    public static int WeightElementStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => OutBlocks * InBlocks * B * B; }

    public static int InputLanes { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => B; }
    public static int InputBlocks { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => InBlocks; }
    public static int InputBlockStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => ChunkTiles * B; }
    public static int RowStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 0; }
    public static int TapRowStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 0; }
    public static int TapColumnStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 0; }
    public static int PixelStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => B; }
    // The chunk's tiles are one row of pixels: a register tile never wraps to another row.
    public static int OutputWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => ChunkTiles; }
    public static int OutputRowStep { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => ChunkTiles * B; }
    public static int KernelHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 1; }
    public static int KernelWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 1; }
    public static int WeightBlockStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => InBlocks * B * B; }
    public static int OutputBlockStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => ChunkTiles * B; }
}

/// <summary>
/// Per-thread scratch for the Winograd path: one pinned array per thread, grown to the largest layer's need
/// and kept, so after the first call of the largest layer on a thread no call allocates. Each worker of a
/// split runs on its own thread and so has its own scratch; a thread runs one kernel at a time.
/// </summary>
internal static unsafe class WinogradScratch
{
    // 64-byte alignment for full-cache-line vector loads: the array is over-allocated by one line.
    private const int AlignFloats = 16;

    [ThreadStatic]
    private static float[]? t_buffer;

    /// <summary>At least <paramref name="floats"/> floats, 64-byte aligned, valid until this thread's next call.</summary>
    public static float* Get(int floats)
    {
        var buffer = t_buffer;
        if (buffer is null || buffer.Length < floats + AlignFloats)
        {
            // Pinned (never moved by the GC), so the pointer stays valid while the field holds the array.
            buffer = GC.AllocateUninitializedArray<float>(floats + AlignFloats, pinned: true);
            t_buffer = buffer;
        }
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((address + 63) & ~(nint)63);
    }
}
