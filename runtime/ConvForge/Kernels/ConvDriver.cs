using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace ConvForge.Kernels;

/// <summary>
/// Convolution loops shared by the kernel families: they split each output row into border
/// columns (some taps fall in the padding: one pixel at a time with clipped tap ranges) and interior
/// columns (every tap inside: full register tiles), and hand the tiles to the family's microkernel.
/// Every bound comes from the shape, so within an instantiation they are constants.
/// </summary>
internal static unsafe class ConvDriver<TVector, TOps>
    where TVector : struct
    where TOps : struct, IFamilyOps<TVector>
{
    /// <summary>NCHWc input, weights packed by <see cref="ConvWeights.Pack{TShape}"/>.</summary>
    public static void Blocked<TShape, TEpilogue>(float* input, float* weights, float* bias, float* residual, float* output)
        where TShape : struct, IConvShape
        where TEpilogue : struct, IEpilogue
    {
        switch (ConvPaths.Select<TShape>(TOps.BlockSize))
        {
            case ConvPath.Pointwise:
                Pointwise<TShape, BlockedGeometry<TShape, TOps>, TEpilogue>(input, weights, bias, residual, output);
                break;
            case ConvPath.Direct:
                Rows<TShape, BlockedGeometry<TShape, TOps>, TEpilogue>(input, weights, bias, residual, output);
                break;
            case ConvPath.BlockGrouped:
                BlockGrouped<TShape, TEpilogue>(input, weights, bias, residual, output);
                break;
            case ConvPath.Depthwise:
                Depthwise<TShape, TEpilogue>(input, weights, bias, residual, output);
                break;
            case ConvPath.Winograd:
                Winograd<TVector, TOps>.Run<TShape, TEpilogue>(input, weights, bias, residual, output, WorkSplit.Whole);
                break;
            default:
                Grouped<TShape, TEpilogue>(input, weights, bias, residual, output);
                break;
        }
    }

    /// <summary>Plain NCHW input (groups = 1), weights packed by <see cref="ConvWeights.PackNchw{TShape}"/>.</summary>
    public static void Planar<TShape, TEpilogue>(float* input, float* weights, float* bias, float* residual, float* output)
        where TShape : struct, IConvShape
        where TEpilogue : struct, IEpilogue
        => Rows<TShape, PlanarGeometry<TShape, TOps>, TEpilogue>(input, weights, bias, residual, output);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockGrouped<TShape, TEpilogue>(float* input, float* weights, float* bias, float* residual, float* output)
        where TShape : struct, IConvShape
        where TEpilogue : struct, IEpilogue
    {
        int b = TOps.BlockSize;
        int inBlocks = TShape.InChannels / TShape.Groups / b;
        int outBlocks = TShape.OutChannels / TShape.Groups / b;
        for (int g = 0; g < TShape.Groups; g++)
        {
            int outBlock = g * outBlocks;
            Rows<GroupOf<TShape>, BlockedGeometry<GroupOf<TShape>, TOps>, TEpilogue>(
                input + g * inBlocks * BlockedGeometry<TShape, TOps>.InputBlockStride,
                weights + outBlock * BlockedGeometry<GroupOf<TShape>, TOps>.WeightBlockStride,
                bias + outBlock * b,
                residual + outBlock * BlockedGeometry<TShape, TOps>.OutputBlockStride,
                output + outBlock * BlockedGeometry<TShape, TOps>.OutputBlockStride);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pointwise<TShape, TGeometry, TEpilogue>(float* input, float* weights, float* bias, float* residual, float* output)
        where TShape : struct, IConvShape
        where TGeometry : struct, IConvGeometry
        where TEpilogue : struct, IEpilogue
    {
        // Stride 1 and no padding: input pixel i feeds output pixel i, so all H*W pixels form one
        // row and only the last tile is partial.
        int b = TOps.BlockSize;
        int pixels = TShape.OutHeight * TShape.OutWidth;
        int outBlocks = Nchwc.Blocks(TShape.OutChannels, b);
        if (WeightsOuter<TShape, TGeometry>())
        {
            for (int ob = 0; ob < outBlocks; ob += TOps.TileBlocks)
                for (int p = 0; p < pixels; p += TOps.TilePixels)
                    PointwiseTile<TGeometry, TEpilogue>(ob, outBlocks, p, Math.Min(TOps.TilePixels, pixels - p), input, weights, bias, residual, output);
        }
        else
        {
            for (int p = 0; p < pixels; p += TOps.TilePixels)
            {
                // The next tile's input lies in one short run per input block, far apart: more
                // streams than the hardware prefetcher follows, so fetch them while this tile computes.
                if (p + TOps.TilePixels < pixels)
                    PrefetchColumns(input + (p + TOps.TilePixels) * b, TGeometry.InputBlocks, TGeometry.InputBlockStride, Math.Min(TOps.TilePixels, pixels - p - TOps.TilePixels) * b);
                for (int ob = 0; ob < outBlocks; ob += TOps.TileBlocks)
                    PointwiseTile<TGeometry, TEpilogue>(ob, outBlocks, p, Math.Min(TOps.TilePixels, pixels - p), input, weights, bias, residual, output);
            }
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
    private static void Rows<TShape, TGeometry, TEpilogue>(float* input, float* weights, float* bias, float* residual, float* output)
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

        if (WeightsOuter<TShape, TGeometry>())
        {
            for (int ob = 0; ob < outBlocks; ob += TOps.TileBlocks)
                for (int oh = 0; oh < TShape.OutHeight; oh++)
                    Row<TShape, TGeometry, TEpilogue>(ob, outBlocks, oh, interiorBegin, interiorEnd, input, weights, bias, residual, output);
        }
        else
        {
            for (int oh = 0; oh < TShape.OutHeight; oh++)
                for (int ob = 0; ob < outBlocks; ob += TOps.TileBlocks)
                    Row<TShape, TGeometry, TEpilogue>(ob, outBlocks, oh, interiorBegin, interiorEnd, input, weights, bias, residual, output);
        }
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

        int col = interiorBegin;
        for (; col + TOps.TilePixels <= interiorEnd; col += TOps.TilePixels)
        {
            int left = (col * TShape.StrideWidth - TShape.PadLeft) * lanes;
            Tile<TGeometry, TEpilogue>(TOps.TilePixels, two, row + left, w, bi, residual + outOffset + col * b, output + outOffset + col * b, khBegin, khEnd, 0, kernelWidth);
        }
        if (col < interiorEnd)
        {
            int left = (col * TShape.StrideWidth - TShape.PadLeft) * lanes;
            Tile<TGeometry, TEpilogue>(interiorEnd - col, two, row + left, w, bi, residual + outOffset + col * b, output + outOffset + col * b, khBegin, khEnd, 0, kernelWidth);
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
    private static void Depthwise<TShape, TEpilogue>(float* input, float* weights, float* bias, float* residual, float* output)
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
        for (int cb = 0; cb < blocks; cb++)
        {
            float* inBlock = input + cb * inBlockStride;
            float* wBlock = weights + cb * taps * b;
            for (int oh = 0; oh < TShape.OutHeight; oh++)
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
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Grouped<TShape, TEpilogue>(float* input, float* weights, float* bias, float* residual, float* output)
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
        for (int oc = 0; oc < paddedOut; oc++)
        {
            float* outChannel = output + (oc / b) * outPlane * b + oc % b;
            float* resChannel = residual + (oc / b) * outPlane * b + oc % b;
            if (oc >= TShape.OutChannels)
            {
                for (int p = 0; p < outPlane; p++)
                    outChannel[p * b] = 0f;
                continue;
            }
            int firstIn = oc / outPerGroup * inPerGroup;
            float* w = weights + oc * inPerGroup * TShape.KernelHeight * TShape.KernelWidth;
            for (int oh = 0; oh < TShape.OutHeight; oh++)
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
