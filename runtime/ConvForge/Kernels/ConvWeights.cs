using System;

namespace ConvForge.Kernels;

/// <summary>
/// Repacks convolution weights from the standard layout [OC][IC / groups][KH][KW] (PyTorch and
/// ONNX) into the layout the kernels of one block size read. Padding channels get zero weights, so
/// whatever the padding lanes of the input hold never reaches a real output channel. Packing runs
/// once, when weights are set or loaded.
/// </summary>
/// <remarks>
/// Layouts by <see cref="ConvPath"/> (B = block size, OCB = ceil(OC / B)):
/// <list type="bullet">
/// <item>Direct and Pointwise: [OCB][ICB][KH][KW][B_in][B_out], ICB = ceil(IC / B); weight
/// (oc, ic, kh, kw) at <c>((((oc/B * ICB + ic/B) * KH + kh) * KW + kw) * B + ic%B) * B + oc%B</c>.</item>
/// <item>BlockGrouped: the same with ICB replaced by the input blocks of one group, (IC / G) / B;
/// output block ob reads the input blocks of its group.</item>
/// <item>Depthwise: [OCB][KH][KW][B].</item>
/// <item>Grouped: the standard layout, unchanged.</item>
/// <item>Winograd: the transformed weights U = G g G^T, [element][OCB][ICB][B_in][B_out] (<see cref="WinogradWeights"/>).</item>
/// <item>NCHW input (<see cref="PackNchw{TShape}"/>): [OCB][IC][KH][KW][B].</item>
/// </list>
/// </remarks>
public static class ConvWeights
{
    /// <summary>Floats of the standard layout: OC * (IC / groups) * KH * KW.</summary>
    public static int StandardLength<TShape>() where TShape : struct, IConvShape =>
        TShape.OutChannels * (TShape.InChannels / TShape.Groups) * TShape.KernelHeight * TShape.KernelWidth;

    /// <summary>Floats of the packed weights for a convolution with NCHWc input.</summary>
    public static int PackedLength<TShape>(int blockSize) where TShape : struct, IConvShape
    {
        int taps = TShape.KernelHeight * TShape.KernelWidth;
        int outBlocks = Nchwc.Blocks(TShape.OutChannels, blockSize);
        return ConvPaths.Select<TShape>(blockSize) switch
        {
            ConvPath.Direct or ConvPath.Pointwise => outBlocks * Nchwc.Blocks(TShape.InChannels, blockSize) * taps * blockSize * blockSize,
            ConvPath.BlockGrouped => outBlocks * (TShape.InChannels / TShape.Groups / blockSize) * taps * blockSize * blockSize,
            ConvPath.Depthwise => outBlocks * taps * blockSize,
            ConvPath.Winograd => WinogradWeights.PackedLength<TShape>(blockSize),
            _ => StandardLength<TShape>(),
        };
    }

    /// <summary>Packs standard-layout weights for a convolution with NCHWc input.</summary>
    public static void Pack<TShape>(int blockSize, ReadOnlySpan<float> weights, Span<float> packed) where TShape : struct, IConvShape
    {
        CheckLengths(weights.Length, StandardLength<TShape>(), packed.Length, PackedLength<TShape>(blockSize));
        int b = blockSize;
        int kh = TShape.KernelHeight, kw = TShape.KernelWidth, taps = kh * kw;
        int inPerGroup = TShape.InChannels / TShape.Groups;
        var path = ConvPaths.Select<TShape>(b);
        if (path == ConvPath.Grouped)
        {
            weights.CopyTo(packed);
            return;
        }

        if (path == ConvPath.Winograd)
        {
            WinogradWeights.Pack<TShape>(b, weights, packed);
            return;
        }

        packed.Clear();
        if (path == ConvPath.Depthwise)
        {
            for (int oc = 0; oc < TShape.OutChannels; oc++)
                for (int t = 0; t < taps; t++)
                    packed[((oc / b) * taps + t) * b + oc % b] = weights[oc * taps + t];
            return;
        }

        // Direct, Pointwise and BlockGrouped share one formula: input channels are counted within
        // the group (for groups = 1 the group is everything).
        int inBlocks = Nchwc.Blocks(inPerGroup, b);
        for (int oc = 0; oc < TShape.OutChannels; oc++)
        {
            for (int i = 0; i < inPerGroup; i++)
            {
                for (int t = 0; t < taps; t++)
                {
                    int target = ((((oc / b) * inBlocks + i / b) * taps + t) * b + i % b) * b + oc % b;
                    packed[target] = weights[(oc * inPerGroup + i) * taps + t];
                }
            }
        }
    }

    /// <summary>Floats of the packed weights for a convolution with plain NCHW input.</summary>
    public static int PackedNchwLength<TShape>(int blockSize) where TShape : struct, IConvShape =>
        Nchwc.Blocks(TShape.OutChannels, blockSize) * TShape.InChannels * TShape.KernelHeight * TShape.KernelWidth * blockSize;

    /// <summary>Packs standard-layout weights for a convolution with plain NCHW input (groups = 1).</summary>
    public static void PackNchw<TShape>(int blockSize, ReadOnlySpan<float> weights, Span<float> packed) where TShape : struct, IConvShape
    {
        if (TShape.Groups != 1)
            throw new NotSupportedException("Convolutions with NCHW input take groups = 1.");
        CheckLengths(weights.Length, StandardLength<TShape>(), packed.Length, PackedNchwLength<TShape>(blockSize));
        int b = blockSize;
        int perOut = TShape.InChannels * TShape.KernelHeight * TShape.KernelWidth;
        packed.Clear();
        for (int oc = 0; oc < TShape.OutChannels; oc++)
            for (int j = 0; j < perOut; j++)
                packed[((oc / b) * perOut + j) * b + oc % b] = weights[oc * perOut + j];
    }

    /// <summary>
    /// Pads a per-channel vector (bias, BatchNorm scale or shift) with zeros to whole blocks:
    /// <paramref name="packed"/> must hold <see cref="Nchwc.PaddedChannels"/> floats.
    /// </summary>
    public static void PackChannels(int blockSize, ReadOnlySpan<float> values, Span<float> packed)
    {
        int expected = Nchwc.PaddedChannels(values.Length, blockSize);
        if (packed.Length != expected)
            throw new ArgumentException($"Expected {expected} floats for {values.Length} channels in blocks of {blockSize}, got {packed.Length}.", nameof(packed));
        packed.Clear();
        values.CopyTo(packed);
    }

    internal static void CheckLengths(int weights, int expectedWeights, int packed, int expectedPacked)
    {
        if (weights != expectedWeights)
            throw new ArgumentException($"Expected {expectedWeights} weights, got {weights}.", "weights");
        if (packed != expectedPacked)
            throw new ArgumentException($"Expected a packed buffer of {expectedPacked} floats, got {packed}.", "packed");
    }
}
