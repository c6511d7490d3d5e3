using System;
using System.Runtime.CompilerServices;

namespace ConvForge.Kernels;

/// <summary>The dilation of a shape's kernel columns as a type constant (the tap stride of a plain NCHW input row).</summary>
internal readonly struct ColumnDilation<TShape> : IConstant where TShape : struct, IConvShape
{
    public static int Value { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.DilationWidth; }
}

/// <summary>
/// Weight and bias gradients of a convolution, vectorized over the output channels of a block: for one
/// output block and one kernel tap, a register tile sums, over every output pixel that tap reaches, the
/// output-gradient vector times several broadcast inputs (the input channels of an NCHWc block, or
/// adjacent kernel columns of a plain NCHW row). The tile's sums then go, lane by lane, into the plain
/// [OC][IC / groups][KH][KW] buffer: once per tap and block pair, against a whole image of FMAs.
/// </summary>
internal static unsafe class ConvWeightGradients<TVector, TOps>
    where TVector : struct
    where TOps : struct, IFamilyOps<TVector>
{
    /// <summary>Kernel columns summed at once on NCHW input (AVX2's 16 registers hold 8 sums, a gradient and a broadcast).</summary>
    private const int ColumnsPerTile = 8;

    /// <summary>NCHWc input. <paramref name="biasGradient"/> is null when the layer has no bias.</summary>
    public static void Blocked<TShape>(float* input, float* outputGradient, float* weightGradient, float* biasGradient) where TShape : struct, IConvShape
    {
        int b = TOps.BlockSize;
        int inPerGroup = TShape.InChannels / TShape.Groups;
        int outPerGroup = TShape.OutChannels / TShape.Groups;
        if (TShape.Groups == 1 || (inPerGroup % b == 0 && outPerGroup % b == 0))
            BlockedLanes<TShape>(input, outputGradient, weightGradient);
        else if (TShape.Groups == TShape.InChannels && TShape.OutChannels == TShape.InChannels)
            Depthwise<TShape>(input, outputGradient, weightGradient);
        else
            Grouped<TShape>(input, outputGradient, weightGradient);
        if (biasGradient != null)
            Bias<TShape>(outputGradient, biasGradient);
    }

    /// <summary>Plain NCHW input, groups = 1.</summary>
    public static void Planar<TShape>(float* input, float* outputGradient, float* weightGradient, float* biasGradient) where TShape : struct, IConvShape
    {
        PlanarColumns<TShape>(input, outputGradient, weightGradient);
        if (biasGradient != null)
            Bias<TShape>(outputGradient, biasGradient);
    }

    /// <summary>First output index o &gt;= 0 with o * stride + offset &gt;= 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FirstInside(int offset, int stride) => offset >= 0 ? 0 : (-offset + stride - 1) / stride;

    /// <summary>One past the last output index o &lt; outSize with o * stride + offset &lt; size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int EndInside(int offset, int stride, int size, int outSize) =>
        offset >= size ? 0 : Math.Min(outSize, (size - 1 - offset) / stride + 1);

    /// <summary>
    /// Groups = 1 or block-aligned groups. AVX-512 sums two output blocks at once over half an input block
    /// (8 broadcasts x 2 gradient vectors = 16 sums, 10 loads per 16 FMAs); other families one output block
    /// over a whole input block (8 sums).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockedLanes<TShape>(float* input, float* outputGradient, float* weightGradient) where TShape : struct, IConvShape
    {
        int b = TOps.BlockSize;
        int inPerGroup = TShape.InChannels / TShape.Groups;
        int outPerGroup = TShape.OutChannels / TShape.Groups;
        int inBlocksPerGroup = Nchwc.Blocks(inPerGroup, b);
        int outBlocks = Nchwc.Blocks(TShape.OutChannels, b);
        int kernelHeight = TShape.KernelHeight, kernelWidth = TShape.KernelWidth;
        int outBlockStride = TShape.OutHeight * TShape.OutWidth * b;
        int gradientRowStride = TShape.OutWidth * b;
        int inputRowStride = TShape.StrideHeight * TShape.InWidth * b;
        int pixelStride = TShape.StrideWidth * b;
        float* sums = stackalloc float[2 * b * b];
        for (int ob = 0; ob < outBlocks;)
        {
            bool two = b == 16 && ob + 1 < outBlocks && (TShape.Groups == 1 || (ob + 1) * b / outPerGroup == ob * b / outPerGroup);
            int firstIn = TShape.Groups == 1 ? 0 : ob * b / outPerGroup * inPerGroup;
            float* gradient = outputGradient + ob * outBlockStride;
            for (int ibg = 0; ibg < inBlocksPerGroup; ibg++)
            {
                float* block = input + (firstIn / b + ibg) * TShape.InHeight * TShape.InWidth * b;
                for (int kh = 0; kh < kernelHeight; kh++)
                {
                    int rowOffset = kh * TShape.DilationHeight - TShape.PadTop;
                    int ohBegin = FirstInside(rowOffset, TShape.StrideHeight);
                    int ohEnd = EndInside(rowOffset, TShape.StrideHeight, TShape.InHeight, TShape.OutHeight);
                    for (int kw = 0; kw < kernelWidth; kw++)
                    {
                        int columnOffset = kw * TShape.DilationWidth - TShape.PadLeft;
                        int owBegin = FirstInside(columnOffset, TShape.StrideWidth);
                        int owEnd = EndInside(columnOffset, TShape.StrideWidth, TShape.InWidth, TShape.OutWidth);
                        if (ohBegin >= ohEnd || owBegin >= owEnd)
                            continue;
                        float* g = gradient + (ohBegin * TShape.OutWidth + owBegin) * b;
                        float* x = block + ((ohBegin * TShape.StrideHeight + rowOffset) * TShape.InWidth + owBegin * TShape.StrideWidth + columnOffset) * b;
                        int rows = ohEnd - ohBegin, pixels = owEnd - owBegin;
                        if (two)
                        {
                            new Span<float>(sums, 2 * b * b).Clear();
                            TwoBlockTile<C8, C1>(g, g + outBlockStride, x, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sums, sums + b * b);
                            TwoBlockTile<C8, C1>(g, g + outBlockStride, x + 8, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sums + 8 * b, sums + b * b + 8 * b);
                        }
                        else if (b == 16)
                        {
                            new Span<float>(sums, b * b).Clear();
                            Tile<C16, C1>(g, x, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sums);
                        }
                        else
                        {
                            new Span<float>(sums, b * b).Clear();
                            Tile<C8, C1>(g, x, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sums);
                        }
                        AddBlockSums<TShape>(sums, weightGradient, ob, ibg, kh * kernelWidth + kw);
                        if (two)
                            AddBlockSums<TShape>(sums + b * b, weightGradient, ob + 1, ibg, kh * kernelWidth + kw);
                    }
                }
            }
            ob += two ? 2 : 1;
        }
    }

    /// <summary>Adds sums[i * B + o] (input lane i, output lane o) of one block pair and tap into the plain weight gradient.</summary>
    private static void AddBlockSums<TShape>(float* sums, float* weightGradient, int ob, int ibg, int tap) where TShape : struct, IConvShape
    {
        int b = TOps.BlockSize;
        int inPerGroup = TShape.InChannels / TShape.Groups;
        int taps = TShape.KernelHeight * TShape.KernelWidth;
        int inLanes = Math.Min(b, inPerGroup - ibg * b);
        int outLanes = Math.Min(b, TShape.OutChannels - ob * b);
        // Output lane outer: one output channel's input lanes lie within a few cache lines of the target.
        for (int o = 0; o < outLanes; o++)
        {
            float* target = weightGradient + ((ob * b + o) * inPerGroup + ibg * b) * taps + tap;
            for (int i = 0; i < inLanes; i++)
                target[i * taps] += sums[i * b + o];
        }
    }

    /// <summary>
    /// Two output blocks x up to 8 taps, for a family with one vector per block: sumsA[t * B + o] += sum over
    /// rows x pixels of gradientA[o] * input[t * TTapStride] (and B likewise). Call-free inside: up to 16 sums
    /// in registers, two gradient loads and one broadcast per two FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TwoBlockTile<TTaps, TTapStride>(float* gradientA, float* gradientB, float* input, int rows, int pixels, int gradientRowStride, int inputRowStride, int pixelStride, float* sumsA, float* sumsB)
        where TTaps : struct, IConstant
        where TTapStride : struct, IConstant
    {
        int n = TTaps.Value;
        int step = TTapStride.Value;
        int b = TOps.BlockSize;
        TVector a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        TVector b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default;
        for (int r = 0; r < rows; r++)
        {
            float* ga = gradientA + r * gradientRowStride;
            float* gb = gradientB + r * gradientRowStride;
            float* x = input + r * inputRowStride;
            for (int p = 0; p < pixels; p++, ga += b, gb += b, x += pixelStride)
            {
                TVector va = TOps.Load(ga);
                TVector vb = TOps.Load(gb);
                TVector x0 = TOps.Splat(x[0]);
                a0 = TOps.MultiplyAdd(va, x0, a0);
                b0 = TOps.MultiplyAdd(vb, x0, b0);
                if (n > 1)
                {
                    TVector x1 = TOps.Splat(x[1 * step]);
                    a1 = TOps.MultiplyAdd(va, x1, a1);
                    b1 = TOps.MultiplyAdd(vb, x1, b1);
                }
                if (n > 2)
                {
                    TVector x2 = TOps.Splat(x[2 * step]);
                    a2 = TOps.MultiplyAdd(va, x2, a2);
                    b2 = TOps.MultiplyAdd(vb, x2, b2);
                }
                if (n > 3)
                {
                    TVector x3 = TOps.Splat(x[3 * step]);
                    a3 = TOps.MultiplyAdd(va, x3, a3);
                    b3 = TOps.MultiplyAdd(vb, x3, b3);
                }
                if (n > 4)
                {
                    TVector x4 = TOps.Splat(x[4 * step]);
                    a4 = TOps.MultiplyAdd(va, x4, a4);
                    b4 = TOps.MultiplyAdd(vb, x4, b4);
                }
                if (n > 5)
                {
                    TVector x5 = TOps.Splat(x[5 * step]);
                    a5 = TOps.MultiplyAdd(va, x5, a5);
                    b5 = TOps.MultiplyAdd(vb, x5, b5);
                }
                if (n > 6)
                {
                    TVector x6 = TOps.Splat(x[6 * step]);
                    a6 = TOps.MultiplyAdd(va, x6, a6);
                    b6 = TOps.MultiplyAdd(vb, x6, b6);
                }
                if (n > 7)
                {
                    TVector x7 = TOps.Splat(x[7 * step]);
                    a7 = TOps.MultiplyAdd(va, x7, a7);
                    b7 = TOps.MultiplyAdd(vb, x7, b7);
                }
            }
        }
        TOps.Store(sumsA, TOps.Add(TOps.Load(sumsA), a0));
        TOps.Store(sumsB, TOps.Add(TOps.Load(sumsB), b0));
        if (n > 1)
        {
            TOps.Store(sumsA + 1 * b, TOps.Add(TOps.Load(sumsA + 1 * b), a1));
            TOps.Store(sumsB + 1 * b, TOps.Add(TOps.Load(sumsB + 1 * b), b1));
        }
        if (n > 2)
        {
            TOps.Store(sumsA + 2 * b, TOps.Add(TOps.Load(sumsA + 2 * b), a2));
            TOps.Store(sumsB + 2 * b, TOps.Add(TOps.Load(sumsB + 2 * b), b2));
        }
        if (n > 3)
        {
            TOps.Store(sumsA + 3 * b, TOps.Add(TOps.Load(sumsA + 3 * b), a3));
            TOps.Store(sumsB + 3 * b, TOps.Add(TOps.Load(sumsB + 3 * b), b3));
        }
        if (n > 4)
        {
            TOps.Store(sumsA + 4 * b, TOps.Add(TOps.Load(sumsA + 4 * b), a4));
            TOps.Store(sumsB + 4 * b, TOps.Add(TOps.Load(sumsB + 4 * b), b4));
        }
        if (n > 5)
        {
            TOps.Store(sumsA + 5 * b, TOps.Add(TOps.Load(sumsA + 5 * b), a5));
            TOps.Store(sumsB + 5 * b, TOps.Add(TOps.Load(sumsB + 5 * b), b5));
        }
        if (n > 6)
        {
            TOps.Store(sumsA + 6 * b, TOps.Add(TOps.Load(sumsA + 6 * b), a6));
            TOps.Store(sumsB + 6 * b, TOps.Add(TOps.Load(sumsB + 6 * b), b6));
        }
        if (n > 7)
        {
            TOps.Store(sumsA + 7 * b, TOps.Add(TOps.Load(sumsA + 7 * b), a7));
            TOps.Store(sumsB + 7 * b, TOps.Add(TOps.Load(sumsB + 7 * b), b7));
        }
    }

    /// <summary>
    /// Plain NCHW input: the broadcasts are adjacent kernel columns of one input row (up to 8 per tile), against
    /// two output blocks at once on AVX-512, one elsewhere.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PlanarColumns<TShape>(float* input, float* outputGradient, float* weightGradient) where TShape : struct, IConvShape
    {
        int b = TOps.BlockSize;
        int inChannels = TShape.InChannels;
        int outBlocks = Nchwc.Blocks(TShape.OutChannels, b);
        int kernelHeight = TShape.KernelHeight, kernelWidth = TShape.KernelWidth;
        int taps = kernelHeight * kernelWidth;
        int outBlockStride = TShape.OutHeight * TShape.OutWidth * b;
        int gradientRowStride = TShape.OutWidth * b;
        int inputRowStride = TShape.StrideHeight * TShape.InWidth;
        int pixelStride = TShape.StrideWidth;
        float* sums = stackalloc float[2 * ColumnsPerTile * b];
        float* sumsB = sums + ColumnsPerTile * b;
        for (int ob = 0; ob < outBlocks;)
        {
            bool two = b == 16 && ob + 1 < outBlocks;
            float* gradient = outputGradient + ob * outBlockStride;
            for (int ic = 0; ic < inChannels; ic++)
            {
                float* plane = input + ic * TShape.InHeight * TShape.InWidth;
                for (int kh = 0; kh < kernelHeight; kh++)
                {
                    int rowOffset = kh * TShape.DilationHeight - TShape.PadTop;
                    int ohBegin = FirstInside(rowOffset, TShape.StrideHeight);
                    int ohEnd = EndInside(rowOffset, TShape.StrideHeight, TShape.InHeight, TShape.OutHeight);
                    if (ohBegin >= ohEnd)
                        continue;
                    int rows = ohEnd - ohBegin;
                    float* g0 = gradient + ohBegin * TShape.OutWidth * b;
                    float* x0 = plane + (ohBegin * TShape.StrideHeight + rowOffset) * TShape.InWidth;
                    for (int kw0 = 0; kw0 < kernelWidth; kw0 += ColumnsPerTile)
                    {
                        int columns = Math.Min(ColumnsPerTile, kernelWidth - kw0);
                        new Span<float>(sums, 2 * ColumnsPerTile * b).Clear();

                        // Output columns every tap of this tile reaches run as one tile; each tap's
                        // remaining columns near the edges run alone.
                        int interiorBegin = 0, interiorEnd = TShape.OutWidth;
                        for (int t = 0; t < columns; t++)
                        {
                            int offset = (kw0 + t) * TShape.DilationWidth - TShape.PadLeft;
                            interiorBegin = Math.Max(interiorBegin, FirstInside(offset, TShape.StrideWidth));
                            interiorEnd = Math.Min(interiorEnd, EndInside(offset, TShape.StrideWidth, TShape.InWidth, TShape.OutWidth));
                        }
                        if (interiorBegin < interiorEnd)
                        {
                            int offset = kw0 * TShape.DilationWidth - TShape.PadLeft;
                            float* g = g0 + interiorBegin * b;
                            float* x = x0 + interiorBegin * pixelStride + offset;
                            if (two)
                                PlanarTwoBlockTile<TShape>(columns, g, g + outBlockStride, x, rows, interiorEnd - interiorBegin, gradientRowStride, inputRowStride, pixelStride, sums, sumsB);
                            else
                                PlanarTile<TShape>(columns, g, x, rows, interiorEnd - interiorBegin, gradientRowStride, inputRowStride, pixelStride, sums);
                        }
                        else
                        {
                            interiorBegin = interiorEnd = TShape.OutWidth;
                        }
                        for (int t = 0; t < columns; t++)
                        {
                            int offset = (kw0 + t) * TShape.DilationWidth - TShape.PadLeft;
                            int begin = FirstInside(offset, TShape.StrideWidth);
                            int end = EndInside(offset, TShape.StrideWidth, TShape.InWidth, TShape.OutWidth);
                            int leftEnd = Math.Min(end, interiorBegin);
                            if (begin < leftEnd)
                                SingleColumn(two, g0 + begin * b, outBlockStride, x0 + begin * pixelStride + offset, rows, leftEnd - begin, gradientRowStride, inputRowStride, pixelStride, sums + t * b, sumsB + t * b);
                            int rightBegin = Math.Max(begin, interiorEnd);
                            if (rightBegin < end)
                                SingleColumn(two, g0 + rightBegin * b, outBlockStride, x0 + rightBegin * pixelStride + offset, rows, end - rightBegin, gradientRowStride, inputRowStride, pixelStride, sums + t * b, sumsB + t * b);
                        }

                        AddColumnSums<TShape>(sums, weightGradient, ob, ic, kh, kw0, columns);
                        if (two)
                            AddColumnSums<TShape>(sumsB, weightGradient, ob + 1, ic, kh, kw0, columns);
                    }
                }
            }
            ob += two ? 2 : 1;
        }
    }

    private static void SingleColumn(bool two, float* gradient, int outBlockStride, float* input, int rows, int pixels, int gradientRowStride, int inputRowStride, int pixelStride, float* sumsA, float* sumsB)
    {
        if (two)
            TwoBlockTile<C1, C1>(gradient, gradient + outBlockStride, input, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sumsA, sumsB);
        else
            Tile<C1, C1>(gradient, input, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sumsA);
    }

    /// <summary>Adds sums[t * B + o] (kernel column kw0 + t, output lane o) of one output block into the plain weight gradient.</summary>
    private static void AddColumnSums<TShape>(float* sums, float* weightGradient, int ob, int ic, int kh, int kw0, int columns) where TShape : struct, IConvShape
    {
        int b = TOps.BlockSize;
        int taps = TShape.KernelHeight * TShape.KernelWidth;
        int outLanes = Math.Min(b, TShape.OutChannels - ob * b);
        for (int o = 0; o < outLanes; o++)
        {
            float* target = weightGradient + ((ob * b + o) * TShape.InChannels + ic) * taps + kh * TShape.KernelWidth + kw0;
            for (int t = 0; t < columns; t++)
                target[t] += sums[t * b + o];
        }
    }

    private static void PlanarTwoBlockTile<TShape>(int columns, float* gradientA, float* gradientB, float* input, int rows, int pixels, int gradientRowStride, int inputRowStride, int pixelStride, float* sumsA, float* sumsB)
        where TShape : struct, IConvShape
    {
        switch (columns)
        {
            case 1: TwoBlockTile<C1, ColumnDilation<TShape>>(gradientA, gradientB, input, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sumsA, sumsB); break;
            case 2: TwoBlockTile<C2, ColumnDilation<TShape>>(gradientA, gradientB, input, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sumsA, sumsB); break;
            case 3: TwoBlockTile<C3, ColumnDilation<TShape>>(gradientA, gradientB, input, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sumsA, sumsB); break;
            case 4: TwoBlockTile<C4, ColumnDilation<TShape>>(gradientA, gradientB, input, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sumsA, sumsB); break;
            case 5: TwoBlockTile<C5, ColumnDilation<TShape>>(gradientA, gradientB, input, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sumsA, sumsB); break;
            case 6: TwoBlockTile<C6, ColumnDilation<TShape>>(gradientA, gradientB, input, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sumsA, sumsB); break;
            case 7: TwoBlockTile<C7, ColumnDilation<TShape>>(gradientA, gradientB, input, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sumsA, sumsB); break;
            case 8: TwoBlockTile<C8, ColumnDilation<TShape>>(gradientA, gradientB, input, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sumsA, sumsB); break;
            default: throw new ArgumentOutOfRangeException(nameof(columns));
        }
    }

    private static void PlanarTile<TShape>(int columns, float* gradient, float* input, int rows, int pixels, int gradientRowStride, int inputRowStride, int pixelStride, float* sums)
        where TShape : struct, IConvShape
    {
        switch (columns)
        {
            case 1: Tile<C1, ColumnDilation<TShape>>(gradient, input, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sums); break;
            case 2: Tile<C2, ColumnDilation<TShape>>(gradient, input, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sums); break;
            case 3: Tile<C3, ColumnDilation<TShape>>(gradient, input, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sums); break;
            case 4: Tile<C4, ColumnDilation<TShape>>(gradient, input, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sums); break;
            case 5: Tile<C5, ColumnDilation<TShape>>(gradient, input, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sums); break;
            case 6: Tile<C6, ColumnDilation<TShape>>(gradient, input, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sums); break;
            case 7: Tile<C7, ColumnDilation<TShape>>(gradient, input, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sums); break;
            case 8: Tile<C8, ColumnDilation<TShape>>(gradient, input, rows, pixels, gradientRowStride, inputRowStride, pixelStride, sums); break;
            default: throw new ArgumentOutOfRangeException(nameof(columns));
        }
    }

    /// <summary>
    /// sums[t * B + lane] += sum over rows x pixels of gradient[lane] * input[t * TTapStride], the
    /// gradient advancing a block and the input <paramref name="pixelStride"/> per pixel. Call-free
    /// inside: <typeparamref name="TTaps"/> accumulators (up to 16) stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TTaps, TTapStride>(float* gradient, float* input, int rows, int pixels, int gradientRowStride, int inputRowStride, int pixelStride, float* sums)
        where TTaps : struct, IConstant
        where TTapStride : struct, IConstant
    {
        int n = TTaps.Value;
        int step = TTapStride.Value;
        int b = TOps.BlockSize;
        int lanes = TOps.Lanes;
        for (int part = 0; part < b; part += lanes)
        {
            TVector a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            TVector a8 = default, a9 = default, a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default;
            for (int r = 0; r < rows; r++)
            {
                float* g = gradient + r * gradientRowStride + part;
                float* x = input + r * inputRowStride;
                for (int p = 0; p < pixels; p++, g += b, x += pixelStride)
                {
                    TVector v = TOps.Load(g);
                    a0 = TOps.MultiplyAdd(v, TOps.Splat(x[0]), a0);
                    if (n > 1) a1 = TOps.MultiplyAdd(v, TOps.Splat(x[1 * step]), a1);
                    if (n > 2) a2 = TOps.MultiplyAdd(v, TOps.Splat(x[2 * step]), a2);
                    if (n > 3) a3 = TOps.MultiplyAdd(v, TOps.Splat(x[3 * step]), a3);
                    if (n > 4) a4 = TOps.MultiplyAdd(v, TOps.Splat(x[4 * step]), a4);
                    if (n > 5) a5 = TOps.MultiplyAdd(v, TOps.Splat(x[5 * step]), a5);
                    if (n > 6) a6 = TOps.MultiplyAdd(v, TOps.Splat(x[6 * step]), a6);
                    if (n > 7) a7 = TOps.MultiplyAdd(v, TOps.Splat(x[7 * step]), a7);
                    if (n > 8) a8 = TOps.MultiplyAdd(v, TOps.Splat(x[8 * step]), a8);
                    if (n > 9) a9 = TOps.MultiplyAdd(v, TOps.Splat(x[9 * step]), a9);
                    if (n > 10) a10 = TOps.MultiplyAdd(v, TOps.Splat(x[10 * step]), a10);
                    if (n > 11) a11 = TOps.MultiplyAdd(v, TOps.Splat(x[11 * step]), a11);
                    if (n > 12) a12 = TOps.MultiplyAdd(v, TOps.Splat(x[12 * step]), a12);
                    if (n > 13) a13 = TOps.MultiplyAdd(v, TOps.Splat(x[13 * step]), a13);
                    if (n > 14) a14 = TOps.MultiplyAdd(v, TOps.Splat(x[14 * step]), a14);
                    if (n > 15) a15 = TOps.MultiplyAdd(v, TOps.Splat(x[15 * step]), a15);
                }
            }
            float* s = sums + part;
            TOps.Store(s, TOps.Add(TOps.Load(s), a0));
            if (n > 1) TOps.Store(s + 1 * b, TOps.Add(TOps.Load(s + 1 * b), a1));
            if (n > 2) TOps.Store(s + 2 * b, TOps.Add(TOps.Load(s + 2 * b), a2));
            if (n > 3) TOps.Store(s + 3 * b, TOps.Add(TOps.Load(s + 3 * b), a3));
            if (n > 4) TOps.Store(s + 4 * b, TOps.Add(TOps.Load(s + 4 * b), a4));
            if (n > 5) TOps.Store(s + 5 * b, TOps.Add(TOps.Load(s + 5 * b), a5));
            if (n > 6) TOps.Store(s + 6 * b, TOps.Add(TOps.Load(s + 6 * b), a6));
            if (n > 7) TOps.Store(s + 7 * b, TOps.Add(TOps.Load(s + 7 * b), a7));
            if (n > 8) TOps.Store(s + 8 * b, TOps.Add(TOps.Load(s + 8 * b), a8));
            if (n > 9) TOps.Store(s + 9 * b, TOps.Add(TOps.Load(s + 9 * b), a9));
            if (n > 10) TOps.Store(s + 10 * b, TOps.Add(TOps.Load(s + 10 * b), a10));
            if (n > 11) TOps.Store(s + 11 * b, TOps.Add(TOps.Load(s + 11 * b), a11));
            if (n > 12) TOps.Store(s + 12 * b, TOps.Add(TOps.Load(s + 12 * b), a12));
            if (n > 13) TOps.Store(s + 13 * b, TOps.Add(TOps.Load(s + 13 * b), a13));
            if (n > 14) TOps.Store(s + 14 * b, TOps.Add(TOps.Load(s + 14 * b), a14));
            if (n > 15) TOps.Store(s + 15 * b, TOps.Add(TOps.Load(s + 15 * b), a15));
        }
    }

    /// <summary>Depthwise: channel c's taps see only input channel c, so the input is a vector too.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Depthwise<TShape>(float* input, float* outputGradient, float* weightGradient) where TShape : struct, IConvShape
    {
        int b = TOps.BlockSize;
        int lanes = TOps.Lanes;
        int blocks = Nchwc.Blocks(TShape.OutChannels, b);
        int kernelHeight = TShape.KernelHeight, kernelWidth = TShape.KernelWidth;
        int taps = kernelHeight * kernelWidth;
        float* sums = stackalloc float[b];
        for (int cb = 0; cb < blocks; cb++)
        {
            float* gradient = outputGradient + cb * TShape.OutHeight * TShape.OutWidth * b;
            float* block = input + cb * TShape.InHeight * TShape.InWidth * b;
            int channels = Math.Min(b, TShape.OutChannels - cb * b);
            for (int kh = 0; kh < kernelHeight; kh++)
            {
                int rowOffset = kh * TShape.DilationHeight - TShape.PadTop;
                int ohBegin = FirstInside(rowOffset, TShape.StrideHeight);
                int ohEnd = EndInside(rowOffset, TShape.StrideHeight, TShape.InHeight, TShape.OutHeight);
                for (int kw = 0; kw < kernelWidth; kw++)
                {
                    int columnOffset = kw * TShape.DilationWidth - TShape.PadLeft;
                    int owBegin = FirstInside(columnOffset, TShape.StrideWidth);
                    int owEnd = EndInside(columnOffset, TShape.StrideWidth, TShape.InWidth, TShape.OutWidth);
                    if (ohBegin >= ohEnd || owBegin >= owEnd)
                        continue;
                    for (int part = 0; part < b; part += lanes)
                    {
                        TVector a0 = default, a1 = default;
                        for (int oh = ohBegin; oh < ohEnd; oh++)
                        {
                            float* g = gradient + (oh * TShape.OutWidth + owBegin) * b + part;
                            float* x = block + ((oh * TShape.StrideHeight + rowOffset) * TShape.InWidth + owBegin * TShape.StrideWidth + columnOffset) * b + part;
                            int ow = owBegin;
                            for (; ow + 1 < owEnd; ow += 2, g += 2 * b, x += 2 * TShape.StrideWidth * b)
                            {
                                a0 = TOps.MultiplyAdd(TOps.Load(g), TOps.Load(x), a0);
                                a1 = TOps.MultiplyAdd(TOps.Load(g + b), TOps.Load(x + TShape.StrideWidth * b), a1);
                            }
                            if (ow < owEnd)
                                a0 = TOps.MultiplyAdd(TOps.Load(g), TOps.Load(x), a0);
                        }
                        TOps.Store(sums + part, TOps.Add(a0, a1));
                    }
                    int tap = kh * kernelWidth + kw;
                    for (int c = 0; c < channels; c++)
                        weightGradient[(cb * b + c) * taps + tap] += sums[c];
                }
            }
        }
    }

    /// <summary>Any other grouping: one output channel and one input channel at a time (correct, not fast).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Grouped<TShape>(float* input, float* outputGradient, float* weightGradient) where TShape : struct, IConvShape
    {
        int b = TOps.BlockSize;
        int inPerGroup = TShape.InChannels / TShape.Groups;
        int outPerGroup = TShape.OutChannels / TShape.Groups;
        int kernelHeight = TShape.KernelHeight, kernelWidth = TShape.KernelWidth;
        int taps = kernelHeight * kernelWidth;
        for (int oc = 0; oc < TShape.OutChannels; oc++)
        {
            float* gradient = outputGradient + (oc / b) * TShape.OutHeight * TShape.OutWidth * b + oc % b;
            for (int i = 0; i < inPerGroup; i++)
            {
                int ic = oc / outPerGroup * inPerGroup + i;
                float* channel = input + (ic / b) * TShape.InHeight * TShape.InWidth * b + ic % b;
                for (int kh = 0; kh < kernelHeight; kh++)
                {
                    int rowOffset = kh * TShape.DilationHeight - TShape.PadTop;
                    int ohBegin = FirstInside(rowOffset, TShape.StrideHeight);
                    int ohEnd = EndInside(rowOffset, TShape.StrideHeight, TShape.InHeight, TShape.OutHeight);
                    for (int kw = 0; kw < kernelWidth; kw++)
                    {
                        int columnOffset = kw * TShape.DilationWidth - TShape.PadLeft;
                        int owBegin = FirstInside(columnOffset, TShape.StrideWidth);
                        int owEnd = EndInside(columnOffset, TShape.StrideWidth, TShape.InWidth, TShape.OutWidth);
                        float sum = 0;
                        for (int oh = ohBegin; oh < ohEnd; oh++)
                        {
                            int y = oh * TShape.StrideHeight + rowOffset;
                            for (int ow = owBegin; ow < owEnd; ow++)
                                sum += gradient[(oh * TShape.OutWidth + ow) * b] * channel[(y * TShape.InWidth + ow * TShape.StrideWidth + columnOffset) * b];
                        }
                        weightGradient[(oc * inPerGroup + i) * taps + kh * kernelWidth + kw] += sum;
                    }
                }
            }
        }
    }

    /// <summary>biasGradient[oc] += the sum of the output gradient of channel oc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Bias<TShape>(float* outputGradient, float* biasGradient) where TShape : struct, IConvShape
    {
        int b = TOps.BlockSize;
        int lanes = TOps.Lanes;
        int pixels = TShape.OutHeight * TShape.OutWidth;
        int blocks = Nchwc.Blocks(TShape.OutChannels, b);
        float* sums = stackalloc float[b];
        for (int ob = 0; ob < blocks; ob++)
        {
            float* gradient = outputGradient + ob * pixels * b;
            for (int part = 0; part < b; part += lanes)
            {
                TVector a0 = default, a1 = default, a2 = default, a3 = default;
                float* g = gradient + part;
                int p = 0;
                for (; p + 3 < pixels; p += 4, g += 4 * b)
                {
                    a0 = TOps.Add(a0, TOps.Load(g));
                    a1 = TOps.Add(a1, TOps.Load(g + b));
                    a2 = TOps.Add(a2, TOps.Load(g + 2 * b));
                    a3 = TOps.Add(a3, TOps.Load(g + 3 * b));
                }
                for (; p < pixels; p++, g += b)
                    a0 = TOps.Add(a0, TOps.Load(g));
                TOps.Store(sums + part, TOps.Add(TOps.Add(a0, a1), TOps.Add(a2, a3)));
            }
            int channels = Math.Min(b, TShape.OutChannels - ob * b);
            for (int c = 0; c < channels; c++)
                biasGradient[ob * b + c] += sums[c];
        }
    }
}
