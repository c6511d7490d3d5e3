using System;
using System.Runtime.CompilerServices;

namespace ConvForge.Kernels;

/// <summary>
/// The portable family's operations: 8-channel blocks processed one float at a time, with no
/// hardware intrinsics, so it is correct wherever .NET runs (DOTNET_EnableHWIntrinsic=0 included).
/// The register tile is one pixel x one block: 8 scalar accumulators.
/// </summary>
internal readonly unsafe struct ScalarOps : IFamilyOps<float>
{
    private const int Block = 8;

    public static KernelFamily Family => KernelFamily.Portable;
    public static int BlockSize => Block;
    public static int Lanes => 1;
    public static int TilePixels => 1;
    public static int TileBlocks => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(float* p) => *p;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* p, float value) => *p = value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Splat(float value) => value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float a, float b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Multiply(float a, float b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float a, float b, float c) => a * b + c;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(float a, float b) => a > b || float.IsNaN(a) ? a : b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Activate<TActivation>(float x) where TActivation : struct, IActivation => TActivation.Apply(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ActivationGradient<TActivation>(float y) where TActivation : struct, IActivation => TActivation.GradientFromOutput(y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TrackMax(ref float max, ref float index, float value, float valueIndex)
    {
        if (value > max || (float.IsNaN(value) && !float.IsNaN(max)))
        {
            max = value;
            index = valueIndex;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Emit<TEpilogue>(float* output, float* residual, float value) where TEpilogue : struct, IEpilogue
    {
        if (TEpilogue.AddsResidual)
            value += *residual;
        *output = TEpilogue.Activate(value);
    }

    /// <inheritdoc cref="IFamilyOps{TVector}.ConvTile"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ConvTile<TGeometry, TPixels, TBlocks, TEpilogue>(
        float* input, float* weights, float* bias, float* residual, float* output,
        int khBegin, int khEnd, int kwBegin, int kwEnd)
        where TGeometry : struct, IConvGeometry
        where TPixels : struct, IConstant
        where TBlocks : struct, IConstant
        where TEpilogue : struct, IEpilogue
    {
        if (TPixels.Value != 1 || TBlocks.Value != 1)
            throw new NotSupportedException("The portable microkernel computes one pixel of one block.");

        // Read every geometry constant once, up front: the JIT inlines these first, before the large
        // body can exhaust its inline budget (a call left in the loop would spill every accumulator).
        int inputBlocks = TGeometry.InputBlocks;
        int inputBlockStride = TGeometry.InputBlockStride;
        int tapRowStride = TGeometry.TapRowStride;
        int tapColumnStride = TGeometry.TapColumnStride;
        int kernelHeight = TGeometry.KernelHeight;
        int kernelWidth = TGeometry.KernelWidth;
        int inputLanes = TGeometry.InputLanes;

        float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        for (int block = 0; block < inputBlocks; block++)
        {
            for (int kh = khBegin; kh < khEnd; kh++)
            {
                for (int kw = kwBegin; kw < kwEnd; kw++)
                {
                    float* x = input + block * inputBlockStride + kh * tapRowStride + kw * tapColumnStride;
                    float* w = weights + ((block * kernelHeight + kh) * kernelWidth + kw) * inputLanes * Block;
                    for (int lane = 0; lane < inputLanes; lane++, x++, w += Block)
                    {
                        float v = *x;
                        a0 += v * w[0];
                        a1 += v * w[1];
                        a2 += v * w[2];
                        a3 += v * w[3];
                        a4 += v * w[4];
                        a5 += v * w[5];
                        a6 += v * w[6];
                        a7 += v * w[7];
                    }
                }
            }
        }

        Emit<TEpilogue>(output + 0, residual + 0, a0 + bias[0]);
        Emit<TEpilogue>(output + 1, residual + 1, a1 + bias[1]);
        Emit<TEpilogue>(output + 2, residual + 2, a2 + bias[2]);
        Emit<TEpilogue>(output + 3, residual + 3, a3 + bias[3]);
        Emit<TEpilogue>(output + 4, residual + 4, a4 + bias[4]);
        Emit<TEpilogue>(output + 5, residual + 5, a5 + bias[5]);
        Emit<TEpilogue>(output + 6, residual + 6, a6 + bias[6]);
        Emit<TEpilogue>(output + 7, residual + 7, a7 + bias[7]);
    }
}
