using System;
using System.Runtime.CompilerServices;

namespace ConvForge.Kernels;

/// <summary>
/// The convolution whose forward pass is the input gradient of <typeparamref name="TShape"/> at stride 1:
/// it reads the output gradient (TShape's output dims) and writes the input gradient (TShape's input
/// dims) with the kernel flipped, input and output channels swapped, and padding d * (K - 1) - p.
/// For strided shapes it only names the weight layout (<see cref="ConvTransposedWeights"/>), which the
/// gather kernels read. Every member folds to a constant of the instantiation.
/// </summary>
internal readonly struct Transposed<TShape> : IConvShape where TShape : struct, IConvShape
{
    public static int InChannels { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.OutChannels; }
    public static int InHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.OutHeight; }
    public static int InWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.OutWidth; }
    public static int OutChannels { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.InChannels; }
    public static int OutHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.InHeight; }
    public static int OutWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.InWidth; }
    public static int KernelHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.KernelHeight; }
    public static int KernelWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.KernelWidth; }
    public static int StrideHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 1; }
    public static int StrideWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 1; }
    public static int PadTop { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.DilationHeight * (TShape.KernelHeight - 1) - TShape.PadTop; }
    public static int PadLeft { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.DilationWidth * (TShape.KernelWidth - 1) - TShape.PadLeft; }
    public static int DilationHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.DilationHeight; }
    public static int DilationWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.DilationWidth; }
    public static int Groups { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.Groups; }
}

/// <summary>
/// How the input gradient of a strided convolution (or one padded beyond its kernel) splits into phases.
/// Input row ih receives from taps kh with (ih + PadTop - kh * d) divisible by s: a residue class of kh
/// modulo s / gcd(d, s), the row's phase. Within a phase, consecutive taps reach output rows d / gcd(d, s)
/// apart; input rows s apart in one phase reach consecutive output rows, like the pixels of a stride-1 row.
/// </summary>
internal static class GatherPhases
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Gcd(int a, int b)
    {
        while (b != 0)
            (a, b) = (b, a % b);
        return a;
    }

    /// <summary>Phases along one axis: the tap step within a phase.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Count(int stride, int dilation) => stride / Gcd(dilation, stride);

    /// <summary>Taps of the largest phase: ceil(kernel / phases).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Taps(int kernel, int stride, int dilation) => (kernel + Count(stride, dilation) - 1) / Count(stride, dilation);

    /// <summary>Output rows (columns) between consecutive taps of a phase.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Step(int stride, int dilation) => dilation / Gcd(dilation, stride);

    /// <summary>The first tap k with (offset - k * dilation) divisible by stride, or the phase count when none is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FirstTap(int offset, int stride, int dilation)
    {
        int count = Count(stride, dilation);
        for (int k = 0; k < count; k++)
            if ((offset - k * dilation) % stride == 0)
                return k;
        return count;
    }
}

/// <summary>
/// The output gradient seen as the input of the forward microkernel, for the input pixels of one row
/// phase and column phase: taps walk backwards through the output gradient (negative tap strides), and
/// the tile's pixels, s input columns apart, read adjacent output columns. The tile's sums go to a
/// scratch row of up to 16 pixels per block before they are added into the input gradient.
/// </summary>
internal readonly struct GatherGeometry<TShape, TBlock> : IConvGeometry
    where TShape : struct, IConvShape
    where TBlock : struct, IBlockSize
{
    public static int InputLanes { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TBlock.BlockSize; }
    public static int InputBlocks { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Nchwc.Blocks(TShape.OutChannels / TShape.Groups, TBlock.BlockSize); }
    public static int InputBlockStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.OutHeight * TShape.OutWidth * TBlock.BlockSize; }
    public static int RowStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TShape.OutWidth * TBlock.BlockSize; }
    public static int TapRowStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => -GatherPhases.Step(TShape.StrideHeight, TShape.DilationHeight) * TShape.OutWidth * TBlock.BlockSize; }
    public static int TapColumnStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => -GatherPhases.Step(TShape.StrideWidth, TShape.DilationWidth) * TBlock.BlockSize; }
    public static int PixelStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TBlock.BlockSize; }
    // Tiles lie within one scratch row: as wide as the scratch, so no tile spans rows.
    public static int OutputWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => ScratchPixels; }
    public static int OutputRowStep { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 0; }
    public static int KernelHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => GatherPhases.Taps(TShape.KernelHeight, TShape.StrideHeight, TShape.DilationHeight); }
    public static int KernelWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => GatherPhases.Taps(TShape.KernelWidth, TShape.StrideWidth, TShape.DilationWidth); }
    public static int WeightBlockStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => InputBlocks * KernelHeight * KernelWidth * TBlock.BlockSize * TBlock.BlockSize; }
    public static int OutputBlockStride { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => ScratchPixels * TBlock.BlockSize; }

    /// <summary>Pixels per block in the scratch row (at least every family's tile width).</summary>
    public const int ScratchPixels = 16;
}

/// <summary>
/// Weights for the input gradient. Stride 1 (and the depthwise and general grouped paths at any stride):
/// the standard weights of <see cref="Transposed{TShape}"/> ([IC][OC / groups][KH][KW], taps flipped)
/// packed by <see cref="ConvWeights.Pack{TShape}"/> for it. Otherwise the phase layout
/// [row phase][column phase][ICB][OCB per group][taps per phase KH'][KW'][B_oc][B_ic], tap kh in row phase
/// kh % phases at index kh / phases, zeros where a phase has fewer taps.
/// </summary>
internal static class ConvTransposedWeights
{
    public static bool UsesPhases<TShape>(int blockSize) where TShape : struct, IConvShape =>
        !(TShape.StrideHeight == 1 && TShape.StrideWidth == 1 && Transposed<TShape>.PadTop >= 0 && Transposed<TShape>.PadLeft >= 0)
        && ConvPaths.Select<Transposed<TShape>>(blockSize) is not (ConvPath.Depthwise or ConvPath.Grouped);

    public static int PackedLength<TShape>(int blockSize) where TShape : struct, IConvShape
    {
        if (!UsesPhases<TShape>(blockSize))
            return ConvWeights.PackedLength<Transposed<TShape>>(blockSize);
        return GatherPhases.Count(TShape.StrideHeight, TShape.DilationHeight) * GatherPhases.Count(TShape.StrideWidth, TShape.DilationWidth)
            * Nchwc.Blocks(TShape.InChannels, blockSize) * Nchwc.Blocks(TShape.OutChannels / TShape.Groups, blockSize)
            * GatherPhases.Taps(TShape.KernelHeight, TShape.StrideHeight, TShape.DilationHeight)
            * GatherPhases.Taps(TShape.KernelWidth, TShape.StrideWidth, TShape.DilationWidth) * blockSize * blockSize;
    }

    public static void Pack<TShape>(int blockSize, ReadOnlySpan<float> weights, Span<float> packed) where TShape : struct, IConvShape
    {
        ConvWeights.CheckLengths(weights.Length, ConvWeights.StandardLength<TShape>(), packed.Length, PackedLength<TShape>(blockSize));
        int b = blockSize;
        int kh = TShape.KernelHeight, kw = TShape.KernelWidth;
        int inPerGroup = TShape.InChannels / TShape.Groups;
        int outPerGroup = TShape.OutChannels / TShape.Groups;
        if (UsesPhases<TShape>(b))
        {
            int phasesH = GatherPhases.Count(TShape.StrideHeight, TShape.DilationHeight);
            int phasesW = GatherPhases.Count(TShape.StrideWidth, TShape.DilationWidth);
            int tapsH = GatherPhases.Taps(kh, TShape.StrideHeight, TShape.DilationHeight);
            int tapsW = GatherPhases.Taps(kw, TShape.StrideWidth, TShape.DilationWidth);
            int inBlocks = Nchwc.Blocks(TShape.InChannels, b);
            int gradientBlocks = Nchwc.Blocks(outPerGroup, b);
            packed.Clear();
            for (int oc = 0; oc < TShape.OutChannels; oc++)
            {
                int o = oc % outPerGroup;
                for (int i = 0; i < inPerGroup; i++)
                {
                    int ic = oc / outPerGroup * inPerGroup + i;
                    for (int y = 0; y < kh; y++)
                        for (int x = 0; x < kw; x++)
                        {
                            int phase = (y % phasesH) * phasesW + x % phasesW;
                            int tap = (y / phasesH) * tapsW + x / phasesW;
                            int target = ((((phase * inBlocks + ic / b) * gradientBlocks + o / b) * tapsH * tapsW + tap) * b + o % b) * b + ic % b;
                            packed[target] = weights[((oc * inPerGroup + i) * kh + y) * kw + x];
                        }
                }
            }
            return;
        }

        // Packing runs once per weight update, not per image: a temporary array is fine here.
        var transposed = new float[weights.Length];
        for (int oc = 0; oc < TShape.OutChannels; oc++)
        {
            int group = oc / outPerGroup, o = oc % outPerGroup;
            for (int i = 0; i < inPerGroup; i++)
            {
                int ic = group * inPerGroup + i;
                for (int y = 0; y < kh; y++)
                    for (int x = 0; x < kw; x++)
                        transposed[((ic * outPerGroup + o) * kh + kh - 1 - y) * kw + kw - 1 - x] = weights[((oc * inPerGroup + i) * kh + y) * kw + x];
            }
        }
        ConvWeights.Pack<Transposed<TShape>>(blockSize, transposed, packed);
    }
}

/// <summary>
/// inputGradient += the transpose of TShape's convolution applied to outputGradient. Stride 1 runs the
/// forward convolution of <see cref="Transposed{TShape}"/> with the existing gradient as its residual
/// (read, then overwritten, at the same position: in place is safe). Strided shapes gather: each input
/// pixel sums the output pixels its taps reach, vectorized over the input channels of a block
/// (<see cref="GatherPhases"/>).
/// </summary>
internal static unsafe class ConvBackwardInputDriver<TVector, TOps>
    where TVector : struct
    where TOps : struct, IFamilyOps<TVector>
{
    /// <summary>True when the forward convolution of <see cref="Transposed{TShape}"/> computes the gradient.</summary>
    public static bool RunsForward<TShape>() where TShape : struct, IConvShape =>
        TShape.StrideHeight == 1 && TShape.StrideWidth == 1
        && Transposed<TShape>.PadTop >= 0 && Transposed<TShape>.PadLeft >= 0;

    /// <summary>The gradient kernel for the shape; <paramref name="zeroBias"/> holds zeros for the padded input channels.</summary>
    public static void Run<TShape>(float* outputGradient, float* weights, float* zeroBias, float* inputGradient) where TShape : struct, IConvShape
    {
        if (RunsForward<TShape>())
        {
            ConvDriver<TVector, TOps>.Blocked<Transposed<TShape>, ResidualEpilogue<Identity>>(outputGradient, weights, zeroBias, inputGradient, inputGradient);
            return;
        }
        switch (ConvPaths.Select<Transposed<TShape>>(TOps.BlockSize))
        {
            case ConvPath.Depthwise:
                DepthwiseGather<TShape>(outputGradient, weights, inputGradient);
                break;
            case ConvPath.Grouped:
                GroupedGather<TShape>(outputGradient, weights, inputGradient);
                break;
            default:
                PhaseGather<TShape>(outputGradient, weights, inputGradient);
                break;
        }
    }

    /// <summary>
    /// Groups = 1 or block-aligned groups, phase-layout weights (<see cref="ConvTransposedWeights"/>). For each
    /// input row, column phase and pair of input blocks, runs of input pixels whose taps all land inside the
    /// output gradient go through the forward microkernel as one tile; the others one at a time, taps clipped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PhaseGather<TShape>(float* outputGradient, float* weights, float* inputGradient) where TShape : struct, IConvShape
    {
        int b = TOps.BlockSize;
        int phasesH = GatherPhases.Count(TShape.StrideHeight, TShape.DilationHeight);
        int phasesW = GatherPhases.Count(TShape.StrideWidth, TShape.DilationWidth);
        int stepH = GatherPhases.Step(TShape.StrideHeight, TShape.DilationHeight);
        int stepW = GatherPhases.Step(TShape.StrideWidth, TShape.DilationWidth);
        int gcdH = GatherPhases.Gcd(TShape.DilationHeight, TShape.StrideHeight);
        int gcdW = GatherPhases.Gcd(TShape.DilationWidth, TShape.StrideWidth);
        int inPerGroup = TShape.InChannels / TShape.Groups;
        int gradientBlocks = GatherGeometry<TShape, TOps>.InputBlocks;
        int inBlocks = Nchwc.Blocks(TShape.InChannels, b);
        int weightBlockStride = GatherGeometry<TShape, TOps>.WeightBlockStride;
        int phaseStride = inBlocks * weightBlockStride;
        int inBlockStride = TShape.InHeight * TShape.InWidth * b;
        float* zeroBias = stackalloc float[2 * b];
        new Span<float>(zeroBias, 2 * b).Clear();
        float* scratch = stackalloc float[2 * GatherGeometry<TShape, TOps>.ScratchPixels * b];
        var run = new PhaseRun(scratch, zeroBias);

        for (int ib = 0; ib < inBlocks;)
        {
            bool two = TOps.TileBlocks == 2 && ib + 1 < inBlocks
                && (TShape.Groups == 1 || (ib + 1) * b / inPerGroup == ib * b / inPerGroup);
            int group = TShape.Groups == 1 ? 0 : ib * b / inPerGroup;
            float* gradient = outputGradient + group * gradientBlocks * GatherGeometry<TShape, TOps>.InputBlockStride;
            run.Two = two;
            for (int ih = 0; ih < TShape.InHeight; ih++)
            {
                int rowOffset = ih + TShape.PadTop;
                if (rowOffset % gcdH != 0)
                    continue;
                int kh0 = GatherPhases.FirstTap(rowOffset, TShape.StrideHeight, TShape.DilationHeight);
                int rowTop = rowOffset - kh0 * TShape.DilationHeight;
                if (kh0 >= TShape.KernelHeight || rowTop < 0)
                    continue;
                int ohTop = rowTop / TShape.StrideHeight;
                int phaseTapsH = (TShape.KernelHeight - kh0 + phasesH - 1) / phasesH;
                int mEnd = Math.Min(phaseTapsH, ohTop / stepH + 1);
                int mBegin = ohTop >= TShape.OutHeight ? (ohTop - TShape.OutHeight + stepH) / stepH : 0;
                if (mBegin >= mEnd)
                    continue;
                run.KhBegin = mBegin;
                run.KhEnd = mEnd;
                float* gradientRow = gradient + ohTop * TShape.OutWidth * b;
                float* targetRow = inputGradient + ib * inBlockStride + ih * TShape.InWidth * b;
                for (int rw = 0; rw < TShape.StrideWidth && rw < TShape.InWidth; rw++)
                {
                    int columnOffset = rw + TShape.PadLeft;
                    if (columnOffset % gcdW != 0)
                        continue;
                    int kw0 = GatherPhases.FirstTap(columnOffset, TShape.StrideWidth, TShape.DilationWidth);
                    if (kw0 >= TShape.KernelWidth)
                        continue;
                    int phaseTapsW = (TShape.KernelWidth - kw0 + phasesW - 1) / phasesW;
                    run.Weights = weights + (kh0 * phasesW + kw0) * phaseStride + ib * weightBlockStride;
                    run.Begin(targetRow, inBlockStride);
                    for (int iw = rw; iw < TShape.InWidth; iw += TShape.StrideWidth)
                    {
                        int columnTop = iw + TShape.PadLeft - kw0 * TShape.DilationWidth;
                        if (columnTop < 0)
                        {
                            run.Flush<TShape>();
                            continue;
                        }
                        int owTop = columnTop / TShape.StrideWidth;
                        int nEnd = Math.Min(phaseTapsW, owTop / stepW + 1);
                        int nBegin = owTop >= TShape.OutWidth
                            ? (owTop - TShape.OutWidth + stepW) / stepW
                            : 0;
                        float* first = gradientRow + owTop * b;
                        if (nBegin == 0 && nEnd == phaseTapsW)
                        {
                            run.Add<TShape>(iw, first, phaseTapsW);
                        }
                        else
                        {
                            run.Flush<TShape>();
                            if (nBegin < nEnd)
                                run.Single<TShape>(iw, first, nBegin, nEnd);
                        }
                    }
                    run.Flush<TShape>();
                }
            }
            ib += two ? 2 : 1;
        }
    }

    /// <summary>A run of input pixels of one phase whose taps all land inside: flushed as one microkernel tile.</summary>
    private struct PhaseRun(float* scratch, float* zeroBias)
    {
        public bool Two;
        public float* Weights;
        public int KhBegin, KhEnd;
        private float* _targetRow;
        private int _blockStride;
        private int _firstColumn, _count, _taps;
        private float* _first;

        public void Begin(float* targetRow, int blockStride)
        {
            _targetRow = targetRow;
            _blockStride = blockStride;
            _count = 0;
        }

        public void Add<TShape>(int column, float* first, int taps) where TShape : struct, IConvShape
        {
            if (_count == 0)
            {
                _firstColumn = column;
                _first = first;
                _taps = taps;
            }
            if (++_count == TOps.TilePixels)
                Flush<TShape>();
        }

        public void Flush<TShape>() where TShape : struct, IConvShape
        {
            if (_count == 0)
                return;
            Tile<TShape>(_count, _first, 0, _taps);
            Scatter<TShape>(_firstColumn, _count);
            _count = 0;
        }

        public readonly void Single<TShape>(int column, float* first, int kwBegin, int kwEnd) where TShape : struct, IConvShape
        {
            Tile<TShape>(1, first, kwBegin, kwEnd);
            Scatter<TShape>(column, 1);
        }

        private readonly void Tile<TShape>(int pixels, float* first, int kwBegin, int kwEnd) where TShape : struct, IConvShape
        {
            if (Two)
                Tile<GatherGeometry<TShape, TOps>, C2>(pixels, first, Weights, zeroBias, scratch, KhBegin, KhEnd, kwBegin, kwEnd);
            else
                Tile<GatherGeometry<TShape, TOps>, C1>(pixels, first, Weights, zeroBias, scratch, KhBegin, KhEnd, kwBegin, kwEnd);
        }

        /// <summary>Adds the scratch row's pixels into the input gradient, s columns apart.</summary>
        private readonly void Scatter<TShape>(int firstColumn, int pixels) where TShape : struct, IConvShape
        {
            int b = TOps.BlockSize;
            int blocks = Two ? 2 : 1;
            for (int block = 0; block < blocks; block++)
            {
                float* source = scratch + block * GatherGeometry<TShape, TOps>.OutputBlockStride;
                float* target = _targetRow + block * _blockStride + firstColumn * b;
                for (int p = 0; p < pixels; p++, source += b, target += TShape.StrideWidth * b)
                    for (int part = 0; part < b; part += TOps.Lanes)
                        TOps.Store(target + part, TOps.Add(TOps.Load(target + part), TOps.Load(source + part)));
            }
        }

        private static void Tile<TGeometry, TBlocks>(int pixels, float* input, float* weights, float* bias, float* output, int khBegin, int khEnd, int kwBegin, int kwEnd)
            where TGeometry : struct, IConvGeometry
            where TBlocks : struct, IConstant
        {
            // One instantiation per pixel count, as the forward driver does; no residual is read.
            switch (pixels)
            {
                case 1: TOps.ConvTile<TGeometry, C1, TBlocks, Epilogue<Identity>>(input, weights, bias, null, output, khBegin, khEnd, kwBegin, kwEnd); break;
                case 2: TOps.ConvTile<TGeometry, C2, TBlocks, Epilogue<Identity>>(input, weights, bias, null, output, khBegin, khEnd, kwBegin, kwEnd); break;
                case 3: TOps.ConvTile<TGeometry, C3, TBlocks, Epilogue<Identity>>(input, weights, bias, null, output, khBegin, khEnd, kwBegin, kwEnd); break;
                case 4: TOps.ConvTile<TGeometry, C4, TBlocks, Epilogue<Identity>>(input, weights, bias, null, output, khBegin, khEnd, kwBegin, kwEnd); break;
                case 5: TOps.ConvTile<TGeometry, C5, TBlocks, Epilogue<Identity>>(input, weights, bias, null, output, khBegin, khEnd, kwBegin, kwEnd); break;
                case 6: TOps.ConvTile<TGeometry, C6, TBlocks, Epilogue<Identity>>(input, weights, bias, null, output, khBegin, khEnd, kwBegin, kwEnd); break;
                case 7: TOps.ConvTile<TGeometry, C7, TBlocks, Epilogue<Identity>>(input, weights, bias, null, output, khBegin, khEnd, kwBegin, kwEnd); break;
                case 8: TOps.ConvTile<TGeometry, C8, TBlocks, Epilogue<Identity>>(input, weights, bias, null, output, khBegin, khEnd, kwBegin, kwEnd); break;
                case 9: TOps.ConvTile<TGeometry, C9, TBlocks, Epilogue<Identity>>(input, weights, bias, null, output, khBegin, khEnd, kwBegin, kwEnd); break;
                case 10: TOps.ConvTile<TGeometry, C10, TBlocks, Epilogue<Identity>>(input, weights, bias, null, output, khBegin, khEnd, kwBegin, kwEnd); break;
                case 11: TOps.ConvTile<TGeometry, C11, TBlocks, Epilogue<Identity>>(input, weights, bias, null, output, khBegin, khEnd, kwBegin, kwEnd); break;
                case 12: TOps.ConvTile<TGeometry, C12, TBlocks, Epilogue<Identity>>(input, weights, bias, null, output, khBegin, khEnd, kwBegin, kwEnd); break;
                case 13: TOps.ConvTile<TGeometry, C13, TBlocks, Epilogue<Identity>>(input, weights, bias, null, output, khBegin, khEnd, kwBegin, kwEnd); break;
                case 14: TOps.ConvTile<TGeometry, C14, TBlocks, Epilogue<Identity>>(input, weights, bias, null, output, khBegin, khEnd, kwBegin, kwEnd); break;
                default: throw new ArgumentOutOfRangeException(nameof(pixels));
            }
        }
    }

    /// <summary>Depthwise: weights [CB][KH][KW][B] of <see cref="Transposed{TShape}"/>, one vector per tap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DepthwiseGather<TShape>(float* outputGradient, float* weights, float* inputGradient) where TShape : struct, IConvShape
    {
        int b = TOps.BlockSize;
        int lanes = TOps.Lanes;
        int kernelHeight = TShape.KernelHeight, kernelWidth = TShape.KernelWidth;
        int taps = kernelHeight * kernelWidth;
        int blocks = Nchwc.Blocks(TShape.InChannels, b);
        for (int cb = 0; cb < blocks; cb++)
        {
            float* blockGradient = outputGradient + cb * TShape.OutHeight * TShape.OutWidth * b;
            float* blockWeights = weights + cb * taps * b;
            for (int ih = 0; ih < TShape.InHeight; ih++)
            {
                for (int iw = 0; iw < TShape.InWidth; iw++)
                {
                    float* target = inputGradient + ((cb * TShape.InHeight + ih) * TShape.InWidth + iw) * b;
                    for (int part = 0; part < b; part += lanes)
                    {
                        TVector sum = default;
                        for (int kh = 0; kh < kernelHeight; kh++)
                        {
                            int rowOffset = ih + TShape.PadTop - kh * TShape.DilationHeight;
                            if (rowOffset < 0)
                                break;
                            if (rowOffset % TShape.StrideHeight != 0 || rowOffset / TShape.StrideHeight >= TShape.OutHeight)
                                continue;
                            int oh = rowOffset / TShape.StrideHeight;
                            for (int kw = 0; kw < kernelWidth; kw++)
                            {
                                int columnOffset = iw + TShape.PadLeft - kw * TShape.DilationWidth;
                                if (columnOffset < 0)
                                    break;
                                if (columnOffset % TShape.StrideWidth != 0 || columnOffset / TShape.StrideWidth >= TShape.OutWidth)
                                    continue;
                                int ow = columnOffset / TShape.StrideWidth;
                                int flippedTap = (kernelHeight - 1 - kh) * kernelWidth + kernelWidth - 1 - kw;
                                sum = TOps.MultiplyAdd(
                                    TOps.Load(blockGradient + (oh * TShape.OutWidth + ow) * b + part),
                                    TOps.Load(blockWeights + flippedTap * b + part), sum);
                            }
                        }
                        TOps.Store(target + part, TOps.Add(TOps.Load(target + part), sum));
                    }
                }
            }
        }
    }

    /// <summary>Any other grouping: one input channel at a time, weights in the standard layout of <see cref="Transposed{TShape}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GroupedGather<TShape>(float* outputGradient, float* weights, float* inputGradient) where TShape : struct, IConvShape
    {
        int b = TOps.BlockSize;
        int kernelHeight = TShape.KernelHeight, kernelWidth = TShape.KernelWidth;
        int taps = kernelHeight * kernelWidth;
        int inPerGroup = TShape.InChannels / TShape.Groups;
        int outPerGroup = TShape.OutChannels / TShape.Groups;
        int outPlane = TShape.OutHeight * TShape.OutWidth;
        for (int ic = 0; ic < TShape.InChannels; ic++)
        {
            int firstOut = ic / inPerGroup * outPerGroup;
            float* channelWeights = weights + ic * outPerGroup * taps;
            float* target = inputGradient + (ic / b) * TShape.InHeight * TShape.InWidth * b + ic % b;
            for (int ih = 0; ih < TShape.InHeight; ih++)
            {
                for (int iw = 0; iw < TShape.InWidth; iw++)
                {
                    float sum = 0;
                    for (int kh = 0; kh < kernelHeight; kh++)
                    {
                        int rowOffset = ih + TShape.PadTop - kh * TShape.DilationHeight;
                        if (rowOffset < 0)
                            break;
                        if (rowOffset % TShape.StrideHeight != 0 || rowOffset / TShape.StrideHeight >= TShape.OutHeight)
                            continue;
                        int oh = rowOffset / TShape.StrideHeight;
                        for (int kw = 0; kw < kernelWidth; kw++)
                        {
                            int columnOffset = iw + TShape.PadLeft - kw * TShape.DilationWidth;
                            if (columnOffset < 0)
                                break;
                            if (columnOffset % TShape.StrideWidth != 0 || columnOffset / TShape.StrideWidth >= TShape.OutWidth)
                                continue;
                            int pixel = oh * TShape.OutWidth + columnOffset / TShape.StrideWidth;
                            int flippedTap = (kernelHeight - 1 - kh) * kernelWidth + kernelWidth - 1 - kw;
                            for (int o = 0; o < outPerGroup; o++)
                            {
                                int oc = firstOut + o;
                                sum += outputGradient[((oc / b) * outPlane + pixel) * b + oc % b] * channelWeights[o * taps + flippedTap];
                            }
                        }
                    }
                    target[(ih * TShape.InWidth + iw) * b] += sum;
                }
            }
        }
    }
}
