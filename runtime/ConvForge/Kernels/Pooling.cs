using System;
using System.Runtime.CompilerServices;

namespace ConvForge.Kernels;

/// <summary>
/// Max, average and global pooling on NCHWc activations, one vector of channels at a time. Each kernel computes the
/// work units [start, end) of its output (channel block x output row for windowed pools, channel blocks for global
/// ones), so workers can share a call; a unit is computed the same way whichever worker computes it.
/// </summary>
internal static unsafe class Pooling<TVector, TOps>
    where TVector : struct
    where TOps : struct, IFamilyOps<TVector>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Max<TShape>(float* input, float* output, int start, int end) where TShape : struct, IPoolShape
    {
        int b = TOps.BlockSize;
        int inPlane = TShape.InHeight * TShape.InWidth * b;
        int outPlane = TShape.OutHeight * TShape.OutWidth * b;
        var lowest = TOps.Splat(float.NegativeInfinity);
        for (int unit = start; unit < end; unit++)
        {
            int cb = unit / TShape.OutHeight, oh = unit % TShape.OutHeight;
            float* inBlock = input + cb * inPlane;
            int top = oh * TShape.StrideHeight - TShape.PadTop;
            int yBegin = Math.Max(top, 0), yEnd = Math.Min(top + TShape.KernelHeight, TShape.InHeight);
            for (int ow = 0; ow < TShape.OutWidth; ow++)
            {
                int left = ow * TShape.StrideWidth - TShape.PadLeft;
                int xBegin = Math.Max(left, 0), xEnd = Math.Min(left + TShape.KernelWidth, TShape.InWidth);
                float* o = output + cb * outPlane + (oh * TShape.OutWidth + ow) * b;
                bool empty = yBegin >= yEnd || xBegin >= xEnd; // only for shapes whose padding exceeds the window
                for (int part = 0; part < b; part += TOps.Lanes)
                {
                    var m = lowest;
                    for (int y = yBegin; y < yEnd; y++)
                        for (int x = xBegin; x < xEnd; x++)
                            m = TOps.Max(m, TOps.Load(inBlock + (y * TShape.InWidth + x) * b + part));
                    TOps.Store(o + part, empty ? TOps.Splat(0f) : m);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Average<TShape>(float* input, float* output, int start, int end) where TShape : struct, IPoolShape
    {
        int b = TOps.BlockSize;
        int inPlane = TShape.InHeight * TShape.InWidth * b;
        int outPlane = TShape.OutHeight * TShape.OutWidth * b;
        for (int unit = start; unit < end; unit++)
        {
            int cb = unit / TShape.OutHeight, oh = unit % TShape.OutHeight;
            float* inBlock = input + cb * inPlane;
            int top = oh * TShape.StrideHeight - TShape.PadTop;
            // The window is first clipped to the padded image (for the divisor with padding
            // counted), then to the image (for the sum): the ONNX and PyTorch rule.
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
                var scale = TOps.Splat(count > 0 ? 1f / count : 0f);
                float* o = output + cb * outPlane + (oh * TShape.OutWidth + ow) * b;
                for (int part = 0; part < b; part += TOps.Lanes)
                {
                    var sum = TOps.Splat(0f);
                    for (int y = yBegin; y < yEnd; y++)
                        for (int x = xBegin; x < xEnd; x++)
                            sum = TOps.Add(sum, TOps.Load(inBlock + (y * TShape.InWidth + x) * b + part));
                    TOps.Store(o + part, TOps.Multiply(sum, scale));
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GlobalAverage<TShape>(float* input, float* output, int start, int end) where TShape : struct, ITensorShape
    {
        int b = TOps.BlockSize;
        int plane = TShape.Height * TShape.Width;
        var scale = TOps.Splat(1f / plane);
        for (int cb = start; cb < end; cb++)
        {
            float* block = input + cb * plane * b;
            for (int part = 0; part < b; part += TOps.Lanes)
            {
                var sum = TOps.Splat(0f);
                for (int p = 0; p < plane; p++)
                    sum = TOps.Add(sum, TOps.Load(block + p * b + part));
                TOps.Store(output + cb * b + part, TOps.Multiply(sum, scale));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GlobalMax<TShape>(float* input, float* output, int start, int end) where TShape : struct, ITensorShape
    {
        int b = TOps.BlockSize;
        int plane = TShape.Height * TShape.Width;
        for (int cb = start; cb < end; cb++)
        {
            float* block = input + cb * plane * b;
            for (int part = 0; part < b; part += TOps.Lanes)
            {
                var m = TOps.Load(block + part);
                for (int p = 1; p < plane; p++)
                    m = TOps.Max(m, TOps.Load(block + p * b + part));
                TOps.Store(output + cb * b + part, m);
            }
        }
    }
}
