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
/// Weights for the input gradient: the standard weights of <see cref="Transposed{TShape}"/>
/// ([IC][OC / groups][KH][KW], taps flipped) packed by <see cref="ConvWeights.Pack{TShape}"/> for
/// <see cref="Transposed{TShape}"/>, so the stride-1 input gradient runs the forward convolution unchanged.
/// </summary>
internal static class ConvTransposedWeights
{
    public static int PackedLength<TShape>(int blockSize) where TShape : struct, IConvShape =>
        ConvWeights.PackedLength<Transposed<TShape>>(blockSize);

    public static void Pack<TShape>(int blockSize, ReadOnlySpan<float> weights, Span<float> packed) where TShape : struct, IConvShape
    {
        ConvWeights.CheckLengths(weights.Length, ConvWeights.StandardLength<TShape>(), packed.Length, PackedLength<TShape>(blockSize));
        int kh = TShape.KernelHeight, kw = TShape.KernelWidth;
        int inPerGroup = TShape.InChannels / TShape.Groups;
        int outPerGroup = TShape.OutChannels / TShape.Groups;
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
/// pixel sums the output pixels its taps reach, vectorized over the input channels of a block.
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
                BlockedGather<TShape>(outputGradient, weights, inputGradient);
                break;
        }
    }

    /// <summary>
    /// Groups = 1 or block-aligned groups; weights in the Direct layout of <see cref="Transposed{TShape}"/>:
    /// [ICB][OCB per group][KH][KW][B_oc][B_ic], taps flipped. Each output-gradient value is broadcast
    /// against a vector of input channels; four partial sums keep four FMA chains in flight.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockedGather<TShape>(float* outputGradient, float* weights, float* inputGradient) where TShape : struct, IConvShape
    {
        int b = TOps.BlockSize;
        int lanes = TOps.Lanes;
        int kernelHeight = TShape.KernelHeight, kernelWidth = TShape.KernelWidth;
        int taps = kernelHeight * kernelWidth;
        int inPerGroup = TShape.InChannels / TShape.Groups;
        int gradientBlocks = Nchwc.Blocks(TShape.OutChannels / TShape.Groups, b);
        int gradientBlockStride = TShape.OutHeight * TShape.OutWidth * b;
        int weightTapStride = b * b;
        int weightBlockStride = taps * weightTapStride;
        int inBlocks = Nchwc.Blocks(TShape.InChannels, b);
        for (int ib = 0; ib < inBlocks; ib++)
        {
            int firstGradientBlock = TShape.Groups == 1 ? 0 : ib * b / inPerGroup * gradientBlocks;
            float* blockWeights = weights + ib * gradientBlocks * weightBlockStride;
            for (int ih = 0; ih < TShape.InHeight; ih++)
            {
                for (int iw = 0; iw < TShape.InWidth; iw++)
                {
                    float* target = inputGradient + ((ib * TShape.InHeight + ih) * TShape.InWidth + iw) * b;
                    for (int part = 0; part < b; part += lanes)
                    {
                        TVector a0 = default, a1 = default, a2 = default, a3 = default;
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
                                float* g = outputGradient + firstGradientBlock * gradientBlockStride + (oh * TShape.OutWidth + ow) * b;
                                float* w = blockWeights + flippedTap * weightTapStride + part;
                                for (int gb = 0; gb < gradientBlocks; gb++, g += gradientBlockStride, w += weightBlockStride)
                                {
                                    for (int lane = 0; lane < b; lane += 4)
                                    {
                                        a0 = TOps.MultiplyAdd(TOps.Splat(g[lane]), TOps.Load(w + lane * b), a0);
                                        a1 = TOps.MultiplyAdd(TOps.Splat(g[lane + 1]), TOps.Load(w + (lane + 1) * b), a1);
                                        a2 = TOps.MultiplyAdd(TOps.Splat(g[lane + 2]), TOps.Load(w + (lane + 2) * b), a2);
                                        a3 = TOps.MultiplyAdd(TOps.Splat(g[lane + 3]), TOps.Load(w + (lane + 3) * b), a3);
                                    }
                                }
                            }
                        }
                        TOps.Store(target + part, TOps.Add(TOps.Load(target + part), TOps.Add(TOps.Add(a0, a1), TOps.Add(a2, a3))));
                    }
                }
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
