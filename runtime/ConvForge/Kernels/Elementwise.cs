using System;
using System.Runtime.CompilerServices;

namespace ConvForge.Kernels;

/// <summary>
/// Elementwise kernels on NCHWc activations. Padding lanes go through the same arithmetic and stay finite. Each kernel
/// computes a range of its output, so workers can share a call: pixels (one block of channels at one pixel) for the
/// per-channel kernels, floats on block boundaries for the flat ones, output blocks for Dense. The instructions for an
/// element do not depend on the range.
/// </summary>
internal static unsafe class Elementwise<TVector, TOps>
    where TVector : struct
    where TOps : struct, IFamilyOps<TVector>
{
    /// <summary>y = act(x * scale[c] + shift[c]): unfused BatchNorm, on the block pixels [start, end) (block cb's pixel p is cb * H * W + p).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaleShift<TShape, TActivation>(float* input, float* scale, float* shift, float* output, int start, int end)
        where TShape : struct, ITensorShape
        where TActivation : struct, IActivation
    {
        int b = TOps.BlockSize;
        int plane = TShape.Height * TShape.Width;
        for (int cb = start / plane; cb * plane < end; cb++)
        {
            int first = Math.Max(start - cb * plane, 0), last = Math.Min(end - cb * plane, plane);
            for (int part = 0; part < b; part += TOps.Lanes)
            {
                var s = TOps.Load(scale + cb * b + part);
                var t = TOps.Load(shift + cb * b + part);
                float* x = input + cb * plane * b + part;
                float* y = output + cb * plane * b + part;
                for (int p = first; p < last; p++)
                    TOps.Store(y + p * b, TOps.Activate<TActivation>(TOps.MultiplyAdd(TOps.Load(x + p * b), s, t)));
            }
        }
    }

    /// <summary>y = act(x) on the floats [start, end), whole vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Activate<TActivation>(float* input, float* output, int start, int end) where TActivation : struct, IActivation
    {
        for (int i = start; i < end; i += TOps.Lanes)
            TOps.Store(output + i, TOps.Activate<TActivation>(TOps.Load(input + i)));
    }

    /// <summary>y = act(a + b) on the floats [start, end), whole vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add<TActivation>(float* a, float* b, float* output, int start, int end) where TActivation : struct, IActivation
    {
        for (int i = start; i < end; i += TOps.Lanes)
            TOps.Store(output + i, TOps.Activate<TActivation>(TOps.Add(TOps.Load(a + i), TOps.Load(b + i))));
    }

    /// <summary>y = x * gate[c], gate an NCHWc C x 1 x 1 activation (squeeze-excite), on the block pixels [start, end) as in <see cref="ScaleShift"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ChannelScale<TShape>(float* input, float* gate, float* output, int start, int end) where TShape : struct, ITensorShape
    {
        int b = TOps.BlockSize;
        int plane = TShape.Height * TShape.Width;
        for (int cb = start / plane; cb * plane < end; cb++)
        {
            int first = Math.Max(start - cb * plane, 0), last = Math.Min(end - cb * plane, plane);
            for (int part = 0; part < b; part += TOps.Lanes)
            {
                var g = TOps.Load(gate + cb * b + part);
                float* x = input + cb * plane * b + part;
                float* y = output + cb * plane * b + part;
                for (int p = first; p < last; p++)
                    TOps.Store(y + p * b, TOps.Multiply(TOps.Load(x + p * b), g));
            }
        }
    }

    /// <summary>Matrix-vector product over the NCHWc input with weights packed by <see cref="DenseWeights"/>, for the output blocks [start, end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dense<TShape, TActivation>(float* input, float* weights, float* bias, float* output, int start, int end)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int b = TOps.BlockSize;
        int rows = Nchwc.Length(TShape.InChannels, TShape.InHeight, TShape.InWidth, b);
        for (int ub = start; ub < end; ub++)
        {
            float* w = weights + ub * rows * b;
            for (int part = 0; part < b; part += TOps.Lanes)
            {
                // Four partial sums hide the FMA latency; the loop streams the weights once.
                var s0 = TOps.Splat(0f);
                var s1 = s0;
                var s2 = s0;
                var s3 = s0;
                int r = 0;
                for (; r + 4 <= rows; r += 4)
                {
                    s0 = TOps.MultiplyAdd(TOps.Splat(input[r]), TOps.Load(w + r * b + part), s0);
                    s1 = TOps.MultiplyAdd(TOps.Splat(input[r + 1]), TOps.Load(w + (r + 1) * b + part), s1);
                    s2 = TOps.MultiplyAdd(TOps.Splat(input[r + 2]), TOps.Load(w + (r + 2) * b + part), s2);
                    s3 = TOps.MultiplyAdd(TOps.Splat(input[r + 3]), TOps.Load(w + (r + 3) * b + part), s3);
                }
                for (; r < rows; r++)
                    s0 = TOps.MultiplyAdd(TOps.Splat(input[r]), TOps.Load(w + r * b + part), s0);
                var sum = TOps.Add(TOps.Add(s0, s1), TOps.Add(s2, s3));
                TOps.Store(output + ub * b + part, TOps.Activate<TActivation>(TOps.Add(sum, TOps.Load(bias + ub * b + part))));
            }
        }
    }
}
