using System;

namespace ConvForge.Kernels;

/// <summary>
/// <see cref="IKernelFamily"/> implemented once for every family, over the family's operations
/// <typeparamref name="TOps"/>: checks lengths, pins, and calls the pointer kernels. A family's
/// public struct only names its operations (<c>struct Avx2Kernels : IFamilyKernels&lt;Vector256&lt;float&gt;, Avx2Ops&gt;;</c>)
/// and inherits these members as default implementations of the static abstract ones. Called through a
/// type parameter (<c>TKernels.Conv&lt;...&gt;</c>) on such a struct, each member is a direct call the JIT
/// compiles per type argument, exactly as if the struct had declared it.
/// </summary>
internal unsafe partial interface IFamilyKernels<TVector, TOps> : IKernelFamily
    where TVector : struct
    where TOps : struct, IFamilyOps<TVector>
{
    private static int B => TOps.BlockSize;

    static KernelFamily IKernelFamily.Family => TOps.Family;
    static int IKernelFamily.BlockSize => B;
    static bool IKernelFamily.IsSupported => KernelFamilies.IsSupported(TOps.Family);

    static int IKernelFamily.ActivationLength(int channels, int height, int width) => Nchwc.Length(channels, height, width, B);

    static int IKernelFamily.ConvWeightsLength<TShape>() => ConvWeights.PackedLength<TShape>(B);
    static void IKernelFamily.PackConvWeights<TShape>(ReadOnlySpan<float> weights, Span<float> packed) => ConvWeights.Pack<TShape>(B, weights, packed);
    static int IKernelFamily.ConvNchwWeightsLength<TShape>() => ConvWeights.PackedNchwLength<TShape>(B);
    static void IKernelFamily.PackConvNchwWeights<TShape>(ReadOnlySpan<float> weights, Span<float> packed) => ConvWeights.PackNchw<TShape>(B, weights, packed);
    static int IKernelFamily.DenseWeightsLength<TShape>() => DenseWeights.PackedLength<TShape>(B);
    static void IKernelFamily.PackDenseWeights<TShape>(ReadOnlySpan<float> weights, Span<float> packed) => DenseWeights.Pack<TShape>(B, weights, packed);
    static void IKernelFamily.PackChannels(ReadOnlySpan<float> values, Span<float> packed) => ConvWeights.PackChannels(B, values, packed);

    static void IKernelFamily.Conv<TShape, TEpilogue>(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual, Span<float> output, WorkSplit split)
    {
        Check(input.Length, Nchwc.Length(TShape.InChannels, TShape.InHeight, TShape.InWidth, B), nameof(input));
        Check(weights.Length, ConvWeights.PackedLength<TShape>(B), nameof(weights));
        CheckConvCommon<TShape, TEpilogue>(bias, residual, output);
        if (ConvPaths.Select<TShape>(B) == ConvPath.Winograd)
        {
            // Splits its own work and writes zeros into the padding lanes of its own tiles.
            fixed (float* i = input, w = weights, b = bias, r = residual, o = output)
                Winograd<TVector, TOps>.Run<TShape, TEpilogue>(i, w, b, r, o, split);
            return;
        }
        if (split.Worker != 0)
            return; // Until the kernel splits its work, worker 0 does all of it.
        fixed (float* i = input, w = weights, b = bias, r = residual, o = output)
        {
            ConvDriver<TVector, TOps>.Blocked<TShape, TEpilogue>(i, w, b, r, o);
            ZeroPaddingLanes(o, TShape.OutChannels, TShape.OutHeight * TShape.OutWidth);
        }
    }

    static void IKernelFamily.ConvNchw<TShape, TEpilogue>(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual, Span<float> output, WorkSplit split)
    {
        if (TShape.Groups != 1)
            throw new NotSupportedException("Convolutions with NCHW input take groups = 1.");
        Check(input.Length, TShape.InChannels * TShape.InHeight * TShape.InWidth, nameof(input));
        Check(weights.Length, ConvWeights.PackedNchwLength<TShape>(B), nameof(weights));
        CheckConvCommon<TShape, TEpilogue>(bias, residual, output);
        if (split.Worker != 0)
            return; // Until the kernel splits its work, worker 0 does all of it.
        fixed (float* i = input, w = weights, b = bias, r = residual, o = output)
        {
            ConvDriver<TVector, TOps>.Planar<TShape, TEpilogue>(i, w, b, r, o);
            ZeroPaddingLanes(o, TShape.OutChannels, TShape.OutHeight * TShape.OutWidth);
        }
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

    static void IKernelFamily.MaxPool<TShape>(ReadOnlySpan<float> input, Span<float> output, WorkSplit split)
    {
        CheckPool<TShape>(input, output);
        if (split.Worker != 0)
            return; // Until the kernel splits its work, worker 0 does all of it.
        fixed (float* i = input, o = output)
            Pooling<TVector, TOps>.Max<TShape>(i, o);
    }

    static void IKernelFamily.AvgPool<TShape>(ReadOnlySpan<float> input, Span<float> output, WorkSplit split)
    {
        CheckPool<TShape>(input, output);
        if (split.Worker != 0)
            return; // Until the kernel splits its work, worker 0 does all of it.
        fixed (float* i = input, o = output)
            Pooling<TVector, TOps>.Average<TShape>(i, o);
    }

    private static void CheckPool<TShape>(ReadOnlySpan<float> input, Span<float> output) where TShape : struct, IPoolShape
    {
        Check(input.Length, Nchwc.Length(TShape.Channels, TShape.InHeight, TShape.InWidth, B), nameof(input));
        Check(output.Length, Nchwc.Length(TShape.Channels, TShape.OutHeight, TShape.OutWidth, B), nameof(output));
    }

    static void IKernelFamily.GlobalAvgPool<TShape>(ReadOnlySpan<float> input, Span<float> output, WorkSplit split)
    {
        CheckGlobal<TShape>(input, output);
        if (split.Worker != 0)
            return; // Until the kernel splits its work, worker 0 does all of it.
        fixed (float* i = input, o = output)
            Pooling<TVector, TOps>.GlobalAverage<TShape>(i, o);
    }

    static void IKernelFamily.GlobalMaxPool<TShape>(ReadOnlySpan<float> input, Span<float> output, WorkSplit split)
    {
        CheckGlobal<TShape>(input, output);
        if (split.Worker != 0)
            return; // Until the kernel splits its work, worker 0 does all of it.
        fixed (float* i = input, o = output)
            Pooling<TVector, TOps>.GlobalMax<TShape>(i, o);
    }

    private static void CheckGlobal<TShape>(ReadOnlySpan<float> input, Span<float> output) where TShape : struct, ITensorShape
    {
        Check(input.Length, Length<TShape>(), nameof(input));
        Check(output.Length, Nchwc.PaddedChannels(TShape.Channels, B), nameof(output));
    }

    static void IKernelFamily.ScaleShift<TShape, TActivation>(ReadOnlySpan<float> input, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> output, WorkSplit split)
    {
        Check(input.Length, Length<TShape>(), nameof(input));
        Check(scale.Length, Nchwc.PaddedChannels(TShape.Channels, B), nameof(scale));
        Check(shift.Length, Nchwc.PaddedChannels(TShape.Channels, B), nameof(shift));
        Check(output.Length, Length<TShape>(), nameof(output));
        if (split.Worker != 0)
            return; // Until the kernel splits its work, worker 0 does all of it.
        fixed (float* i = input, s = scale, t = shift, o = output)
            Elementwise<TVector, TOps>.ScaleShift<TShape, TActivation>(i, s, t, o);
    }

    static void IKernelFamily.Activate<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, WorkSplit split)
    {
        Check(input.Length, Length<TShape>(), nameof(input));
        Check(output.Length, Length<TShape>(), nameof(output));
        if (split.Worker != 0)
            return; // Until the kernel splits its work, worker 0 does all of it.
        fixed (float* i = input, o = output)
            Elementwise<TVector, TOps>.Activate<TActivation>(i, o, output.Length);
    }

    static void IKernelFamily.Add<TShape, TActivation>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output, WorkSplit split)
    {
        Check(a.Length, Length<TShape>(), nameof(a));
        Check(b.Length, Length<TShape>(), nameof(b));
        Check(output.Length, Length<TShape>(), nameof(output));
        if (split.Worker != 0)
            return; // Until the kernel splits its work, worker 0 does all of it.
        fixed (float* pa = a, pb = b, o = output)
            Elementwise<TVector, TOps>.Add<TActivation>(pa, pb, o, output.Length);
    }

    static void IKernelFamily.ChannelScale<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> gate, Span<float> output, WorkSplit split)
    {
        Check(input.Length, Length<TShape>(), nameof(input));
        Check(gate.Length, Nchwc.PaddedChannels(TShape.Channels, B), nameof(gate));
        Check(output.Length, Length<TShape>(), nameof(output));
        if (split.Worker != 0)
            return; // Until the kernel splits its work, worker 0 does all of it.
        fixed (float* i = input, g = gate, o = output)
            Elementwise<TVector, TOps>.ChannelScale<TShape>(i, g, o);
    }

    static void IKernelFamily.ToNchwc<TShape>(ReadOnlySpan<float> nchw, Span<float> nchwc, WorkSplit split)
    {
        Check(nchw.Length, TShape.Channels * TShape.Height * TShape.Width, nameof(nchw));
        Check(nchwc.Length, Length<TShape>(), nameof(nchwc));
        if (split.Worker != 0)
            return; // Until the kernel splits its work, worker 0 does all of it.
        fixed (float* s = nchw, d = nchwc)
            Layout.ToNchwc<TShape>(B, s, d);
    }

    static void IKernelFamily.ToNchw<TShape>(ReadOnlySpan<float> nchwc, Span<float> nchw, WorkSplit split)
    {
        Check(nchwc.Length, Length<TShape>(), nameof(nchwc));
        Check(nchw.Length, TShape.Channels * TShape.Height * TShape.Width, nameof(nchw));
        if (split.Worker != 0)
            return; // Until the kernel splits its work, worker 0 does all of it.
        fixed (float* s = nchwc, d = nchw)
            Layout.ToNchw<TShape>(B, s, d);
    }

    static void IKernelFamily.CopyChannels<TShape>(ReadOnlySpan<float> source, Span<float> destination, int destinationChannels, int channelOffset, WorkSplit split)
    {
        if (channelOffset < 0 || channelOffset + TShape.Channels > destinationChannels)
            throw new ArgumentOutOfRangeException(nameof(channelOffset), $"Channels [{channelOffset}, {channelOffset + TShape.Channels}) do not fit in {destinationChannels} channels.");
        Check(source.Length, Length<TShape>(), nameof(source));
        Check(destination.Length, Nchwc.Length(destinationChannels, TShape.Height, TShape.Width, B), nameof(destination));
        if (split.Worker != 0)
            return; // Until the kernel splits its work, worker 0 does all of it.
        fixed (float* s = source, d = destination)
            Layout.CopyChannels<TShape>(B, s, d, destinationChannels, channelOffset);
    }

    static void IKernelFamily.Lrn<TShape>(ReadOnlySpan<float> input, Span<float> output, int size, float alpha, float beta, float k, WorkSplit split)
    {
        if (size < 1)
            throw new ArgumentOutOfRangeException(nameof(size), "The LRN window needs at least one channel.");
        Check(input.Length, Length<TShape>(), nameof(input));
        Check(output.Length, Length<TShape>(), nameof(output));
        if (split.Worker != 0)
            return; // Until the kernel splits its work, worker 0 does all of it.
        fixed (float* i = input, o = output)
            ChannelNormalization.Lrn<TShape>(B, i, o, size, alpha, beta, k);
    }

    static void IKernelFamily.Dense<TShape, TActivation>(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> output, WorkSplit split)
    {
        Check(input.Length, Nchwc.Length(TShape.InChannels, TShape.InHeight, TShape.InWidth, B), nameof(input));
        Check(weights.Length, DenseWeights.PackedLength<TShape>(B), nameof(weights));
        Check(bias.Length, Nchwc.PaddedChannels(TShape.Units, B), nameof(bias));
        Check(output.Length, Nchwc.PaddedChannels(TShape.Units, B), nameof(output));
        if (split.Worker != 0)
            return; // Until the kernel splits its work, worker 0 does all of it.
        fixed (float* i = input, w = weights, b = bias, o = output)
        {
            Elementwise<TVector, TOps>.Dense<TShape, TActivation>(i, w, b, o);
            ZeroPaddingLanes(o, TShape.Units, 1);
        }
    }

    static void IKernelFamily.Softmax<TShape>(ReadOnlySpan<float> input, Span<float> output, WorkSplit split)
    {
        int length = TShape.Channels * TShape.Height * TShape.Width;
        Check(input.Length, length, nameof(input));
        Check(output.Length, length, nameof(output));
        if (split.Worker != 0)
            return; // Until the kernel splits its work, worker 0 does all of it.
        fixed (float* i = input, o = output)
            ChannelNormalization.Softmax<TShape>(i, o);
    }

    /// <summary>
    /// Zeroes the padding lanes of a layer that mixes channels (conv, dense). Their weights are zero,
    /// but 0 x Inf and 0 x NaN are NaN: a non-finite input value would leave NaN there, and the next
    /// layer's zero weights for padding channels would carry it into real channels. Whether there are
    /// any padding lanes is a shape constant; the loop touches only the last block.
    /// </summary>
    private static void ZeroPaddingLanes(float* output, int channels, int plane)
    {
        int used = channels % B;
        if (used == 0)
            return;
        float* last = output + (Nchwc.Blocks(channels, B) - 1) * plane * B;
        for (int p = 0; p < plane; p++)
            for (int lane = used; lane < B; lane++)
                last[p * B + lane] = 0f;
    }

    private static int Length<TShape>() where TShape : struct, ITensorShape =>
        Nchwc.Length(TShape.Channels, TShape.Height, TShape.Width, B);

    private static void Check(int actual, int expected, string name)
    {
        if (actual != expected)
            throw new ArgumentException($"Expected {expected} floats, got {actual}.", name);
    }
}
