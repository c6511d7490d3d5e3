using System;
using System.Runtime.CompilerServices;

namespace ConvForge.Kernels;

/// <summary>
/// Backward of max, average and global pooling on NCHWc activations, window by window exactly as
/// <see cref="Pooling{TVector, TOps}"/> forms them. Every method adds into the input gradient.
/// </summary>
internal static unsafe class PoolingGradients<TVector, TOps>
    where TVector : struct
    where TOps : struct, IFamilyOps<TVector>
{
    /// <summary>
    /// Finds each window's first maximum per lane again (a vector first-maximum search over the taps in row-major
    /// order), then hands each lane's output gradient to its winning position: the scatter is per lane. A window holding
    /// NaN sends its gradient to the first NaN (PyTorch's CPU kernel picks the last; either way the loss is NaN).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Max<TShape>(float* input, float* outputGradient, float* inputGradient) where TShape : struct, IPoolShape
    {
        int b = TOps.BlockSize;
        int blocks = Nchwc.Blocks(TShape.Channels, b);
        int inPlane = TShape.InHeight * TShape.InWidth * b;
        int outPlane = TShape.OutHeight * TShape.OutWidth * b;
        float* winners = stackalloc float[b];
        for (int cb = 0; cb < blocks; cb++)
        {
            float* inBlock = input + cb * inPlane;
            float* gradientBlock = inputGradient + cb * inPlane;
            for (int oh = 0; oh < TShape.OutHeight; oh++)
            {
                int top = oh * TShape.StrideHeight - TShape.PadTop;
                int yBegin = Math.Max(top, 0), yEnd = Math.Min(top + TShape.KernelHeight, TShape.InHeight);
                for (int ow = 0; ow < TShape.OutWidth; ow++)
                {
                    int left = ow * TShape.StrideWidth - TShape.PadLeft;
                    int xBegin = Math.Max(left, 0), xEnd = Math.Min(left + TShape.KernelWidth, TShape.InWidth);
                    if (yBegin >= yEnd || xBegin >= xEnd)
                        continue; // an empty window's output is the constant 0
                    int windowWidth = xEnd - xBegin;
                    float* first = inBlock + (yBegin * TShape.InWidth + xBegin) * b;
                    for (int part = 0; part < b; part += TOps.Lanes)
                    {
                        var max = TOps.Load(first + part);
                        var winner = TOps.Splat(0f);
                        int tap = 0;
                        for (int y = yBegin; y < yEnd; y++)
                            for (int x = xBegin; x < xEnd; x++, tap++)
                                TOps.TrackMax(ref max, ref winner, TOps.Load(inBlock + (y * TShape.InWidth + x) * b + part), TOps.Splat(tap));
                        TOps.Store(winners + part, winner);
                    }
                    float* g = outputGradient + cb * outPlane + (oh * TShape.OutWidth + ow) * b;
                    for (int lane = 0; lane < b; lane++)
                    {
                        int tap = (int)winners[lane];
                        int y = yBegin + tap / windowWidth, x = xBegin + tap % windowWidth;
                        gradientBlock[(y * TShape.InWidth + x) * b + lane] += g[lane];
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Average<TShape>(float* outputGradient, float* inputGradient) where TShape : struct, IPoolShape
    {
        int b = TOps.BlockSize;
        int blocks = Nchwc.Blocks(TShape.Channels, b);
        int inPlane = TShape.InHeight * TShape.InWidth * b;
        int outPlane = TShape.OutHeight * TShape.OutWidth * b;
        for (int cb = 0; cb < blocks; cb++)
        {
            float* gradientBlock = inputGradient + cb * inPlane;
            for (int oh = 0; oh < TShape.OutHeight; oh++)
            {
                // The forward's windows and divisors (see Pooling.Average).
                int top = oh * TShape.StrideHeight - TShape.PadTop;
                int paddedBottom = Math.Min(top + TShape.KernelHeight, TShape.InHeight + TShape.PadBottom);
                int yBegin = Math.Max(top, 0), yEnd = Math.Min(top + TShape.KernelHeight, TShape.InHeight);
                for (int ow = 0; ow < TShape.OutWidth; ow++)
                {
                    int left = ow * TShape.StrideWidth - TShape.PadLeft;
                    int paddedRight = Math.Min(left + TShape.KernelWidth, TShape.InWidth + TShape.PadRight);
                    int xBegin = Math.Max(left, 0), xEnd = Math.Min(left + TShape.KernelWidth, TShape.InWidth);
                    int count = TShape.CountIncludePad
                        ? (paddedBottom - top) * (paddedRight - left)
                        : Math.Max(0, yEnd - yBegin) * Math.Max(0, xEnd - xBegin);
                    if (count <= 0)
                        continue;
                    var scale = TOps.Splat(1f / count);
                    float* o = outputGradient + cb * outPlane + (oh * TShape.OutWidth + ow) * b;
                    for (int part = 0; part < b; part += TOps.Lanes)
                    {
                        var share = TOps.Multiply(TOps.Load(o + part), scale);
                        for (int y = yBegin; y < yEnd; y++)
                            for (int x = xBegin; x < xEnd; x++)
                            {
                                float* d = gradientBlock + (y * TShape.InWidth + x) * b + part;
                                TOps.Store(d, TOps.Add(TOps.Load(d), share));
                            }
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GlobalAverage<TShape>(float* outputGradient, float* inputGradient) where TShape : struct, ITensorShape
    {
        int b = TOps.BlockSize;
        int plane = TShape.Height * TShape.Width;
        var scale = TOps.Splat(1f / plane);
        for (int cb = 0; cb < Nchwc.Blocks(TShape.Channels, b); cb++)
        {
            float* block = inputGradient + cb * plane * b;
            for (int part = 0; part < b; part += TOps.Lanes)
            {
                var share = TOps.Multiply(TOps.Load(outputGradient + cb * b + part), scale);
                for (int p = 0; p < plane; p++)
                    TOps.Store(block + p * b + part, TOps.Add(TOps.Load(block + p * b + part), share));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GlobalMax<TShape>(float* input, float* outputGradient, float* inputGradient) where TShape : struct, ITensorShape
    {
        int b = TOps.BlockSize;
        int plane = TShape.Height * TShape.Width;
        float* winners = stackalloc float[b];
        for (int cb = 0; cb < Nchwc.Blocks(TShape.Channels, b); cb++)
        {
            float* block = input + cb * plane * b;
            for (int part = 0; part < b; part += TOps.Lanes)
            {
                var max = TOps.Load(block + part);
                var winner = TOps.Splat(0f);
                for (int p = 1; p < plane; p++)
                    TOps.TrackMax(ref max, ref winner, TOps.Load(block + p * b + part), TOps.Splat(p)); // exact: planes stay below 2^24 pixels
                TOps.Store(winners + part, winner);
            }
            float* gradientBlock = inputGradient + cb * plane * b;
            for (int lane = 0; lane < b; lane++)
                gradientBlock[(int)winners[lane] * b + lane] += outputGradient[cb * b + lane];
        }
    }
}
