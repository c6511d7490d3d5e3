using System;

namespace ConvForge.Kernels;

/// <summary>
/// The contract every kernel family (<see cref="Avx512Kernels"/>, <see cref="Avx2Kernels"/>,
/// <see cref="PortableKernels"/>) implements. Generated code can be written once as a method generic
/// over <c>TKernels : struct, IKernelFamily</c> and instantiated per family; each call below is then
/// a direct call. Activations are NCHWc with <see cref="BlockSize"/> channels per block unless a
/// method says "plain" (NCHW). Lengths are checked exactly: a span of the wrong length throws an
/// <see cref="ArgumentException"/> naming the expected length. Kernels are stateless and thread-safe.
/// Every forward kernel takes a trailing <see cref="WorkSplit"/>: the share of the call this worker computes
/// (<c>default</c>: all of it). Workers that split one call must all make it, and wait for each other before reading its output.
/// </summary>
public partial interface IKernelFamily
{
    /// <summary>Which family this is.</summary>
    static abstract KernelFamily Family { get; }
    /// <summary>Channels per NCHWc block: 16 (AVX-512) or 8.</summary>
    static abstract int BlockSize { get; }
    /// <summary>
    /// True when this machine runs the family with hardware acceleration. Elsewhere its methods still
    /// compute correct results through .NET's software vector fallback, only slowly: tests use that
    /// to check every family's logic on any machine.
    /// </summary>
    static abstract bool IsSupported { get; }

    /// <summary>Floats of an NCHWc activation of this family.</summary>
    static abstract int ActivationLength(int channels, int height, int width);

    /// <summary>Floats of <see cref="PackConvWeights{TShape}"/>'s output.</summary>
    static abstract int ConvWeightsLength<TShape>() where TShape : struct, IConvShape;
    /// <summary>Repacks standard weights [OC][IC/groups][KH][KW] for <see cref="Conv{TShape, TEpilogue}"/> (see <see cref="ConvWeights"/>).</summary>
    static abstract void PackConvWeights<TShape>(ReadOnlySpan<float> weights, Span<float> packed) where TShape : struct, IConvShape;
    /// <summary>Floats of <see cref="PackConvNchwWeights{TShape}"/>'s output.</summary>
    static abstract int ConvNchwWeightsLength<TShape>() where TShape : struct, IConvShape;
    /// <summary>Repacks standard weights [OC][IC][KH][KW] for <see cref="ConvNchw{TShape, TEpilogue}"/>.</summary>
    static abstract void PackConvNchwWeights<TShape>(ReadOnlySpan<float> weights, Span<float> packed) where TShape : struct, IConvShape;
    /// <summary>Floats of <see cref="PackDenseWeights{TShape}"/>'s output.</summary>
    static abstract int DenseWeightsLength<TShape>() where TShape : struct, IDenseShape;
    /// <summary>Repacks standard dense weights [Units][C*H*W] for <see cref="Dense{TShape, TActivation}"/>.</summary>
    static abstract void PackDenseWeights<TShape>(ReadOnlySpan<float> weights, Span<float> packed) where TShape : struct, IDenseShape;
    /// <summary>Pads a per-channel vector (bias, scale, shift) with zeros to whole blocks.</summary>
    static abstract void PackChannels(ReadOnlySpan<float> values, Span<float> packed);

    /// <summary>
    /// Convolution, NCHWc in and out, any kernel, stride, padding, dilation and groups (the path
    /// follows from the shape: <see cref="ConvPaths.Select{TShape}"/>). <paramref name="bias"/> is
    /// packed (<see cref="PackChannels"/>; zeros for none). <paramref name="residual"/> has the
    /// output's layout and is read only when <typeparamref name="TEpilogue"/> adds it (pass
    /// <c>default</c> otherwise); it may be the output itself. For a zero-copy concat pass the
    /// destination's block slice (<see cref="Nchwc.ChannelBlocks(Span{float}, int, int, int, int, int)"/>) as <paramref name="output"/>.
    /// </summary>
    static abstract void Conv<TShape, TEpilogue>(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual, Span<float> output, WorkSplit split = default)
        where TShape : struct, IConvShape
        where TEpilogue : struct, IEpilogue;

    /// <summary>Convolution from a plain NCHW input (a network's first layer, few channels) to NCHWc; groups = 1.</summary>
    static abstract void ConvNchw<TShape, TEpilogue>(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual, Span<float> output, WorkSplit split = default)
        where TShape : struct, IConvShape
        where TEpilogue : struct, IEpilogue;

    /// <summary>Max pooling; padded positions never win; a NaN in the window gives NaN (as PyTorch).</summary>
    static abstract void MaxPool<TShape>(ReadOnlySpan<float> input, Span<float> output, WorkSplit split = default) where TShape : struct, IPoolShape;
    /// <summary>Average pooling; the divisor follows <see cref="IPoolShape.CountIncludePad"/>.</summary>
    static abstract void AvgPool<TShape>(ReadOnlySpan<float> input, Span<float> output, WorkSplit split = default) where TShape : struct, IPoolShape;
    /// <summary>Mean of each channel: C x H x W to C x 1 x 1.</summary>
    static abstract void GlobalAvgPool<TShape>(ReadOnlySpan<float> input, Span<float> output, WorkSplit split = default) where TShape : struct, ITensorShape;
    /// <summary>Maximum of each channel: C x H x W to C x 1 x 1; NaN if the channel holds a NaN.</summary>
    static abstract void GlobalMaxPool<TShape>(ReadOnlySpan<float> input, Span<float> output, WorkSplit split = default) where TShape : struct, ITensorShape;

    /// <summary>y = act(x * scale[c] + shift[c]) (unfused BatchNorm; see <see cref="BatchNorm.ScaleShift"/>); scale and shift packed. In place allowed.</summary>
    static abstract void ScaleShift<TShape, TActivation>(ReadOnlySpan<float> input, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> output, WorkSplit split = default)
        where TShape : struct, ITensorShape
        where TActivation : struct, IActivation;
    /// <summary>y = act(x). In place allowed.</summary>
    static abstract void Activate<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, WorkSplit split = default)
        where TShape : struct, ITensorShape
        where TActivation : struct, IActivation;
    /// <summary>y = act(a + b) (a residual join that could not be fused). In place allowed.</summary>
    static abstract void Add<TShape, TActivation>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output, WorkSplit split = default)
        where TShape : struct, ITensorShape
        where TActivation : struct, IActivation;
    /// <summary>y = x * gate[c], gate an NCHWc C x 1 x 1 activation (squeeze-excite). In place allowed.</summary>
    static abstract void ChannelScale<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> gate, Span<float> output, WorkSplit split = default) where TShape : struct, ITensorShape;

    /// <summary>Plain NCHW to NCHWc (network input); padding lanes become zero.</summary>
    static abstract void ToNchwc<TShape>(ReadOnlySpan<float> nchw, Span<float> nchwc, WorkSplit split = default) where TShape : struct, ITensorShape;
    /// <summary>NCHWc to plain NCHW (network output).</summary>
    static abstract void ToNchw<TShape>(ReadOnlySpan<float> nchwc, Span<float> nchw, WorkSplit split = default) where TShape : struct, ITensorShape;
    /// <summary>
    /// Copies <typeparamref name="TShape"/>'s channels into channels [channelOffset, channelOffset + C)
    /// of an NCHWc buffer of <paramref name="destinationChannels"/> channels: the concat fallback
    /// when a producer cannot write its slice in place (offset not a multiple of the block size).
    /// </summary>
    static abstract void CopyChannels<TShape>(ReadOnlySpan<float> source, Span<float> destination, int destinationChannels, int channelOffset, WorkSplit split = default) where TShape : struct, ITensorShape;

    /// <summary>Local response normalization across channels (ONNX LRN semantics).</summary>
    static abstract void Lrn<TShape>(ReadOnlySpan<float> input, Span<float> output, int size, float alpha, float beta, float k, WorkSplit split = default) where TShape : struct, ITensorShape;
    /// <summary>
    /// Dense layer: reads the NCHWc input as flattened NCHW features (through the packed weights)
    /// and writes Units x 1 x 1 in NCHWc: the plain vector, then zeros in the padding lanes.
    /// </summary>
    static abstract void Dense<TShape, TActivation>(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> output, WorkSplit split = default)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation;
    /// <summary>Softmax over the channels of a plain NCHW activation (of a C x 1 x 1 NCHWc activation, pass its first C floats). In place allowed.</summary>
    static abstract void Softmax<TShape>(ReadOnlySpan<float> input, Span<float> output, WorkSplit split = default) where TShape : struct, ITensorShape;
}
