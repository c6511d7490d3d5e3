using System;

namespace ConvForge.Kernels;

/// <summary>
/// The span-level implementation of <see cref="IKernelFamily"/> shared by the families: checks
/// lengths, pins, and calls the pointer kernels. The public family structs forward to it.
/// </summary>
internal static unsafe class FamilyKernels<TVector, TOps>
    where TVector : struct
    where TOps : struct, IFamilyOps<TVector>
{
    private static int B => TOps.BlockSize;

    public static int ActivationLength(int channels, int height, int width) => Nchwc.Length(channels, height, width, B);

    public static void Conv<TShape, TEpilogue>(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual, Span<float> output)
        where TShape : struct, IConvShape
        where TEpilogue : struct, IEpilogue
    {
        Check(input.Length, Nchwc.Length(TShape.InChannels, TShape.InHeight, TShape.InWidth, B), nameof(input));
        Check(weights.Length, ConvWeights.PackedLength<TShape>(B), nameof(weights));
        CheckConvCommon<TShape, TEpilogue>(bias, residual, output);
        fixed (float* i = input, w = weights, b = bias, r = residual, o = output)
            ConvDriver<TVector, TOps>.Blocked<TShape, TEpilogue>(i, w, b, r, o);
    }

    public static void ConvNchw<TShape, TEpilogue>(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual, Span<float> output)
        where TShape : struct, IConvShape
        where TEpilogue : struct, IEpilogue
    {
        if (TShape.Groups != 1)
            throw new NotSupportedException("Convolutions with NCHW input take groups = 1.");
        Check(input.Length, TShape.InChannels * TShape.InHeight * TShape.InWidth, nameof(input));
        Check(weights.Length, ConvWeights.PackedNchwLength<TShape>(B), nameof(weights));
        CheckConvCommon<TShape, TEpilogue>(bias, residual, output);
        fixed (float* i = input, w = weights, b = bias, r = residual, o = output)
            ConvDriver<TVector, TOps>.Planar<TShape, TEpilogue>(i, w, b, r, o);
    }

    private static void CheckConvCommon<TShape, TEpilogue>(ReadOnlySpan<float> bias, ReadOnlySpan<float> residual, Span<float> output)
        where TShape : struct, IConvShape
        where TEpilogue : struct, IEpilogue
    {
        int outLength = Nchwc.Length(TShape.OutChannels, TShape.OutHeight, TShape.OutWidth, B);
        Check(bias.Length, Nchwc.PaddedChannels(TShape.OutChannels, B), nameof(bias));
        Check(output.Length, outLength, nameof(output));
        if (TEpilogue.AddsResidual)
            Check(residual.Length, outLength, nameof(residual));
    }

    public static void MaxPool<TShape>(ReadOnlySpan<float> input, Span<float> output) where TShape : struct, IPoolShape
    {
        CheckPool<TShape>(input, output);
        fixed (float* i = input, o = output)
            Pooling<TVector, TOps>.Max<TShape>(i, o);
    }

    public static void AvgPool<TShape>(ReadOnlySpan<float> input, Span<float> output) where TShape : struct, IPoolShape
    {
        CheckPool<TShape>(input, output);
        fixed (float* i = input, o = output)
            Pooling<TVector, TOps>.Average<TShape>(i, o);
    }

    private static void CheckPool<TShape>(ReadOnlySpan<float> input, Span<float> output) where TShape : struct, IPoolShape
    {
        Check(input.Length, Nchwc.Length(TShape.Channels, TShape.InHeight, TShape.InWidth, B), nameof(input));
        Check(output.Length, Nchwc.Length(TShape.Channels, TShape.OutHeight, TShape.OutWidth, B), nameof(output));
    }

    public static void GlobalAvgPool<TShape>(ReadOnlySpan<float> input, Span<float> output) where TShape : struct, ITensorShape
    {
        CheckGlobal<TShape>(input, output);
        fixed (float* i = input, o = output)
            Pooling<TVector, TOps>.GlobalAverage<TShape>(i, o);
    }

    public static void GlobalMaxPool<TShape>(ReadOnlySpan<float> input, Span<float> output) where TShape : struct, ITensorShape
    {
        CheckGlobal<TShape>(input, output);
        fixed (float* i = input, o = output)
            Pooling<TVector, TOps>.GlobalMax<TShape>(i, o);
    }

    private static void CheckGlobal<TShape>(ReadOnlySpan<float> input, Span<float> output) where TShape : struct, ITensorShape
    {
        Check(input.Length, Length<TShape>(), nameof(input));
        Check(output.Length, Nchwc.PaddedChannels(TShape.Channels, B), nameof(output));
    }

    public static void ScaleShift<TShape, TActivation>(ReadOnlySpan<float> input, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> output)
        where TShape : struct, ITensorShape
        where TActivation : struct, IActivation
    {
        Check(input.Length, Length<TShape>(), nameof(input));
        Check(scale.Length, Nchwc.PaddedChannels(TShape.Channels, B), nameof(scale));
        Check(shift.Length, Nchwc.PaddedChannels(TShape.Channels, B), nameof(shift));
        Check(output.Length, Length<TShape>(), nameof(output));
        fixed (float* i = input, s = scale, t = shift, o = output)
            Elementwise<TVector, TOps>.ScaleShift<TShape, TActivation>(i, s, t, o);
    }

    public static void Activate<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output)
        where TShape : struct, ITensorShape
        where TActivation : struct, IActivation
    {
        Check(input.Length, Length<TShape>(), nameof(input));
        Check(output.Length, Length<TShape>(), nameof(output));
        fixed (float* i = input, o = output)
            Elementwise<TVector, TOps>.Activate<TActivation>(i, o, output.Length);
    }

    public static void Add<TShape, TActivation>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output)
        where TShape : struct, ITensorShape
        where TActivation : struct, IActivation
    {
        Check(a.Length, Length<TShape>(), nameof(a));
        Check(b.Length, Length<TShape>(), nameof(b));
        Check(output.Length, Length<TShape>(), nameof(output));
        fixed (float* pa = a, pb = b, o = output)
            Elementwise<TVector, TOps>.Add<TActivation>(pa, pb, o, output.Length);
    }

    public static void ChannelScale<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> gate, Span<float> output) where TShape : struct, ITensorShape
    {
        Check(input.Length, Length<TShape>(), nameof(input));
        Check(gate.Length, Nchwc.PaddedChannels(TShape.Channels, B), nameof(gate));
        Check(output.Length, Length<TShape>(), nameof(output));
        fixed (float* i = input, g = gate, o = output)
            Elementwise<TVector, TOps>.ChannelScale<TShape>(i, g, o);
    }

    public static void ToNchwc<TShape>(ReadOnlySpan<float> nchw, Span<float> nchwc) where TShape : struct, ITensorShape
    {
        Check(nchw.Length, TShape.Channels * TShape.Height * TShape.Width, nameof(nchw));
        Check(nchwc.Length, Length<TShape>(), nameof(nchwc));
        fixed (float* s = nchw, d = nchwc)
            Layout.ToNchwc<TShape>(B, s, d);
    }

    public static void ToNchw<TShape>(ReadOnlySpan<float> nchwc, Span<float> nchw) where TShape : struct, ITensorShape
    {
        Check(nchwc.Length, Length<TShape>(), nameof(nchwc));
        Check(nchw.Length, TShape.Channels * TShape.Height * TShape.Width, nameof(nchw));
        fixed (float* s = nchwc, d = nchw)
            Layout.ToNchw<TShape>(B, s, d);
    }

    public static void CopyChannels<TShape>(ReadOnlySpan<float> source, Span<float> destination, int destinationChannels, int channelOffset) where TShape : struct, ITensorShape
    {
        if (channelOffset < 0 || channelOffset + TShape.Channels > destinationChannels)
            throw new ArgumentOutOfRangeException(nameof(channelOffset), $"Channels [{channelOffset}, {channelOffset + TShape.Channels}) do not fit in {destinationChannels} channels.");
        Check(source.Length, Length<TShape>(), nameof(source));
        Check(destination.Length, Nchwc.Length(destinationChannels, TShape.Height, TShape.Width, B), nameof(destination));
        fixed (float* s = source, d = destination)
            Layout.CopyChannels<TShape>(B, s, d, destinationChannels, channelOffset);
    }

    public static void Lrn<TShape>(ReadOnlySpan<float> input, Span<float> output, int size, float alpha, float beta, float k) where TShape : struct, ITensorShape
    {
        if (size < 1)
            throw new ArgumentOutOfRangeException(nameof(size), "The LRN window needs at least one channel.");
        Check(input.Length, Length<TShape>(), nameof(input));
        Check(output.Length, Length<TShape>(), nameof(output));
        fixed (float* i = input, o = output)
            ChannelNormalization.Lrn<TShape>(B, i, o, size, alpha, beta, k);
    }

    public static void Dense<TShape, TActivation>(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> output)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        Check(input.Length, Nchwc.Length(TShape.InChannels, TShape.InHeight, TShape.InWidth, B), nameof(input));
        Check(weights.Length, DenseWeights.PackedLength<TShape>(B), nameof(weights));
        Check(bias.Length, Nchwc.PaddedChannels(TShape.Units, B), nameof(bias));
        Check(output.Length, Nchwc.PaddedChannels(TShape.Units, B), nameof(output));
        fixed (float* i = input, w = weights, b = bias, o = output)
            Elementwise<TVector, TOps>.Dense<TShape, TActivation>(i, w, b, o);
    }

    public static void Softmax<TShape>(ReadOnlySpan<float> input, Span<float> output) where TShape : struct, ITensorShape
    {
        int length = TShape.Channels * TShape.Height * TShape.Width;
        Check(input.Length, length, nameof(input));
        Check(output.Length, length, nameof(output));
        fixed (float* i = input, o = output)
            ChannelNormalization.Softmax<TShape>(i, o);
    }

    private static int Length<TShape>() where TShape : struct, ITensorShape =>
        Nchwc.Length(TShape.Channels, TShape.Height, TShape.Width, B);

    private static void Check(int actual, int expected, string name)
    {
        if (actual != expected)
            throw new ArgumentException($"Expected {expected} floats, got {actual}.", name);
    }
}
