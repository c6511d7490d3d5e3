using System.Runtime.Intrinsics;

namespace ConvForge.Kernels;

/// <summary>
/// What the shared kernel code needs from one kernel family: its block size, vector operations on
/// <typeparamref name="TVector"/> (a whole block is <c>BlockSize / Lanes</c> vectors), and its
/// convolution microkernel. Implemented by <see cref="Avx512Ops"/>, <see cref="Avx2Ops"/> and
/// <see cref="ScalarOps"/>; the shared code is generic over the implementation, so every call below
/// is resolved and inlined by the JIT.
/// </summary>
internal unsafe interface IFamilyOps<TVector> : IBlockSize where TVector : struct
{
    /// <summary>Which family these operations make.</summary>
    static abstract KernelFamily Family { get; }
    /// <summary>Floats per <typeparamref name="TVector"/>.</summary>
    static abstract int Lanes { get; }
    /// <summary>Most output pixels in one microkernel call.</summary>
    static abstract int TilePixels { get; }
    /// <summary>Most output blocks in one microkernel call (1 or 2).</summary>
    static abstract int TileBlocks { get; }

    static abstract TVector Load(float* p);
    static abstract void Store(float* p, TVector value);
    static abstract TVector Splat(float value);
    static abstract TVector Add(TVector a, TVector b);
    static abstract TVector Multiply(TVector a, TVector b);
    /// <summary>a * b + c.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);
    /// <summary>max(a, b), NaN when either is NaN: max pooling propagates NaN as PyTorch does.</summary>
    static abstract TVector Max(TVector a, TVector b);
    static abstract TVector Activate<TActivation>(TVector x) where TActivation : struct, IActivation;
    /// <summary>The activation's derivative from its output (<see cref="IActivation.GradientFromOutput(float)"/>).</summary>
    static abstract TVector ActivationGradient<TActivation>(TVector y) where TActivation : struct, IActivation;
    /// <summary>
    /// One step of a first-maximum search, per lane: where <paramref name="value"/> exceeds <paramref name="max"/>, or is
    /// NaN while <paramref name="max"/> is not (a NaN wins, as in <see cref="Max"/>), max becomes value and
    /// <paramref name="index"/> becomes <paramref name="valueIndex"/>. Ties keep the earlier index.
    /// </summary>
    static abstract void TrackMax(ref TVector max, ref TVector index, TVector value, TVector valueIndex);

    /// <summary>
    /// The convolution microkernel: <typeparamref name="TPixels"/> horizontally adjacent output
    /// pixels times <typeparamref name="TBlocks"/> output blocks, summed over every input block and
    /// over kernel taps [khBegin, khEnd) x [kwBegin, kwEnd). <paramref name="input"/> points at the
    /// (possibly out-of-bounds) input position of the first pixel's tap (0, 0) in input block 0;
    /// only in-bounds taps are read. <paramref name="weights"/>, <paramref name="bias"/>,
    /// <paramref name="residual"/> and <paramref name="output"/> point at the first output block
    /// (output and residual at the first pixel). Call-free inside, so the accumulators stay in registers.
    /// </summary>
    static abstract void ConvTile<TGeometry, TPixels, TBlocks, TEpilogue>(
        float* input, float* weights, float* bias, float* residual, float* output,
        int khBegin, int khEnd, int kwBegin, int kwEnd)
        where TGeometry : struct, IConvGeometry
        where TPixels : struct, IConstant
        where TBlocks : struct, IConstant
        where TEpilogue : struct, IEpilogue;
}
