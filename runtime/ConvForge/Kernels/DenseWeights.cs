using System;

namespace ConvForge.Kernels;

/// <summary>
/// Repacks dense weights [Units][C*H*W] (inputs in flattened NCHW order) so the kernel reads its
/// input straight from the NCHWc activation: packed layout [UB][CB*H*W*B][B], where row i of
/// output block ub is the NCHWc position of input feature i and lane u % B is unit u. Rows of
/// padding channels and lanes of padding units are zero.
/// </summary>
public static class DenseWeights
{
    /// <summary>Floats of the standard layout: Units * C * H * W.</summary>
    public static int StandardLength<TShape>() where TShape : struct, IDenseShape =>
        TShape.Units * TShape.InChannels * TShape.InHeight * TShape.InWidth;

    /// <summary>Floats of the packed layout.</summary>
    public static int PackedLength<TShape>(int blockSize) where TShape : struct, IDenseShape =>
        Nchwc.Blocks(TShape.Units, blockSize) * Nchwc.Length(TShape.InChannels, TShape.InHeight, TShape.InWidth, blockSize) * blockSize;

    /// <summary>Packs standard-layout dense weights.</summary>
    public static void Pack<TShape>(int blockSize, ReadOnlySpan<float> weights, Span<float> packed) where TShape : struct, IDenseShape
    {
        ConvWeights.CheckLengths(weights.Length, StandardLength<TShape>(), packed.Length, PackedLength<TShape>(blockSize));
        int b = blockSize;
        int plane = TShape.InHeight * TShape.InWidth;
        int features = TShape.InChannels * plane;
        int rows = Nchwc.Length(TShape.InChannels, TShape.InHeight, TShape.InWidth, b);
        packed.Clear();
        for (int u = 0; u < TShape.Units; u++)
        {
            for (int i = 0; i < features; i++)
            {
                int c = i / plane, p = i % plane;
                int row = ((c / b) * plane + p) * b + c % b;
                packed[((u / b) * rows + row) * b + u % b] = weights[u * features + i];
            }
        }
    }
}
