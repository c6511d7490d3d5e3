using System;
using System.Runtime.Intrinsics;

namespace ConvForge.Kernels;

/// <summary>
/// The AVX2 + FMA kernel family: NCHWc blocks of 8 channels, Vector256 and Fma, a 6-pixel x 2-block register tile.
/// Every member forwards to the code shared by all families; see <see cref="IKernelFamily"/> for the contract.
/// </summary>
public readonly struct Avx2Kernels : IKernelFamily
{
    private static int B => Avx2Ops.BlockSize;

    /// <inheritdoc/>
    public static KernelFamily Family => KernelFamily.Avx2;
    /// <inheritdoc/>
    public static int BlockSize => B;
    /// <inheritdoc/>
    public static bool IsSupported => KernelFamilies.IsSupported(KernelFamily.Avx2);

    /// <inheritdoc/>
    public static int ActivationLength(int channels, int height, int width) => Nchwc.Length(channels, height, width, B);

    /// <inheritdoc/>
    public static int ConvWeightsLength<TShape>() where TShape : struct, IConvShape => ConvWeights.PackedLength<TShape>(B);
    /// <inheritdoc/>
    public static void PackConvWeights<TShape>(ReadOnlySpan<float> weights, Span<float> packed) where TShape : struct, IConvShape =>
        ConvWeights.Pack<TShape>(B, weights, packed);
    /// <inheritdoc/>
    public static int ConvNchwWeightsLength<TShape>() where TShape : struct, IConvShape => ConvWeights.PackedNchwLength<TShape>(B);
    /// <inheritdoc/>
    public static void PackConvNchwWeights<TShape>(ReadOnlySpan<float> weights, Span<float> packed) where TShape : struct, IConvShape =>
        ConvWeights.PackNchw<TShape>(B, weights, packed);
    /// <inheritdoc/>
    public static int DenseWeightsLength<TShape>() where TShape : struct, IDenseShape => DenseWeights.PackedLength<TShape>(B);
    /// <inheritdoc/>
    public static void PackDenseWeights<TShape>(ReadOnlySpan<float> weights, Span<float> packed) where TShape : struct, IDenseShape =>
        DenseWeights.Pack<TShape>(B, weights, packed);
    /// <inheritdoc/>
    public static void PackChannels(ReadOnlySpan<float> values, Span<float> packed) => ConvWeights.PackChannels(B, values, packed);

    /// <inheritdoc/>
    public static void Conv<TShape, TEpilogue>(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual, Span<float> output)
        where TShape : struct, IConvShape
        where TEpilogue : struct, IEpilogue
        => FamilyKernels<Vector256<float>, Avx2Ops>.Conv<TShape, TEpilogue>(input, weights, bias, residual, output);
    /// <inheritdoc/>
    public static void ConvNchw<TShape, TEpilogue>(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual, Span<float> output)
        where TShape : struct, IConvShape
        where TEpilogue : struct, IEpilogue
        => FamilyKernels<Vector256<float>, Avx2Ops>.ConvNchw<TShape, TEpilogue>(input, weights, bias, residual, output);

    /// <inheritdoc/>
    public static void MaxPool<TShape>(ReadOnlySpan<float> input, Span<float> output) where TShape : struct, IPoolShape =>
        FamilyKernels<Vector256<float>, Avx2Ops>.MaxPool<TShape>(input, output);
    /// <inheritdoc/>
    public static void AvgPool<TShape>(ReadOnlySpan<float> input, Span<float> output) where TShape : struct, IPoolShape =>
        FamilyKernels<Vector256<float>, Avx2Ops>.AvgPool<TShape>(input, output);
    /// <inheritdoc/>
    public static void GlobalAvgPool<TShape>(ReadOnlySpan<float> input, Span<float> output) where TShape : struct, ITensorShape =>
        FamilyKernels<Vector256<float>, Avx2Ops>.GlobalAvgPool<TShape>(input, output);
    /// <inheritdoc/>
    public static void GlobalMaxPool<TShape>(ReadOnlySpan<float> input, Span<float> output) where TShape : struct, ITensorShape =>
        FamilyKernels<Vector256<float>, Avx2Ops>.GlobalMaxPool<TShape>(input, output);

    /// <inheritdoc/>
    public static void ScaleShift<TShape, TActivation>(ReadOnlySpan<float> input, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> output)
        where TShape : struct, ITensorShape
        where TActivation : struct, IActivation
        => FamilyKernels<Vector256<float>, Avx2Ops>.ScaleShift<TShape, TActivation>(input, scale, shift, output);
    /// <inheritdoc/>
    public static void Activate<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output)
        where TShape : struct, ITensorShape
        where TActivation : struct, IActivation
        => FamilyKernels<Vector256<float>, Avx2Ops>.Activate<TShape, TActivation>(input, output);
    /// <inheritdoc/>
    public static void Add<TShape, TActivation>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output)
        where TShape : struct, ITensorShape
        where TActivation : struct, IActivation
        => FamilyKernels<Vector256<float>, Avx2Ops>.Add<TShape, TActivation>(a, b, output);
    /// <inheritdoc/>
    public static void ChannelScale<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> gate, Span<float> output) where TShape : struct, ITensorShape =>
        FamilyKernels<Vector256<float>, Avx2Ops>.ChannelScale<TShape>(input, gate, output);

    /// <inheritdoc/>
    public static void ToNchwc<TShape>(ReadOnlySpan<float> nchw, Span<float> nchwc) where TShape : struct, ITensorShape =>
        FamilyKernels<Vector256<float>, Avx2Ops>.ToNchwc<TShape>(nchw, nchwc);
    /// <inheritdoc/>
    public static void ToNchw<TShape>(ReadOnlySpan<float> nchwc, Span<float> nchw) where TShape : struct, ITensorShape =>
        FamilyKernels<Vector256<float>, Avx2Ops>.ToNchw<TShape>(nchwc, nchw);
    /// <inheritdoc/>
    public static void CopyChannels<TShape>(ReadOnlySpan<float> source, Span<float> destination, int destinationChannels, int channelOffset) where TShape : struct, ITensorShape =>
        FamilyKernels<Vector256<float>, Avx2Ops>.CopyChannels<TShape>(source, destination, destinationChannels, channelOffset);

    /// <inheritdoc/>
    public static void Lrn<TShape>(ReadOnlySpan<float> input, Span<float> output, int size, float alpha, float beta, float k) where TShape : struct, ITensorShape =>
        FamilyKernels<Vector256<float>, Avx2Ops>.Lrn<TShape>(input, output, size, alpha, beta, k);
    /// <inheritdoc/>
    public static void Dense<TShape, TActivation>(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> output)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        => FamilyKernels<Vector256<float>, Avx2Ops>.Dense<TShape, TActivation>(input, weights, bias, output);
    /// <inheritdoc/>
    public static void Softmax<TShape>(ReadOnlySpan<float> input, Span<float> output) where TShape : struct, ITensorShape =>
        FamilyKernels<Vector256<float>, Avx2Ops>.Softmax<TShape>(input, output);
}
