using System.Runtime.CompilerServices;

namespace ConvForge.Kernels;

/// <summary>
/// One Winograd algorithm F(m x m, 3 x 3): an input tile of <see cref="Alpha"/> x <see cref="Alpha"/>
/// pixels gives <see cref="TileSize"/> x <see cref="TileSize"/> outputs through
/// Y = A^T [(G g G^T) ⊙ (B^T d B)] A (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks",
/// 2016: correlation, as convolution layers compute). The 2-D transforms run as the 1-D ones below on
/// columns, then on rows.
/// </summary>
internal unsafe interface IWinogradTransform
{
    /// <summary>Input tile side = transformed elements per side: m + 2.</summary>
    static abstract int Alpha { get; }
    /// <summary>Output tile side m.</summary>
    static abstract int TileSize { get; }
    /// <summary>Row <paramref name="row"/>, column <paramref name="tap"/> of G (Alpha x 3), for packing the weights.</summary>
    static abstract double G(int row, int tap);
    /// <summary>B^T d on Alpha vectors <paramref name="source"/>[i * sourceStride] into <paramref name="destination"/>[i * destinationStride].</summary>
    static abstract void Input<TVector, TOps>(float* source, int sourceStride, float* destination, int destinationStride)
        where TVector : struct
        where TOps : struct, IFamilyOps<TVector>;
    /// <summary>A^T m on Alpha vectors into TileSize vectors.</summary>
    static abstract void Output<TVector, TOps>(float* source, int sourceStride, float* destination, int destinationStride)
        where TVector : struct
        where TOps : struct, IFamilyOps<TVector>;
}

/// <summary>Subtraction for the transforms. IFamilyOps has none; a fused multiply-add by -1 rounds once, exactly as a subtraction.</summary>
internal static class TransformMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Subtract<TVector, TOps>(TVector a, TVector b)
        where TVector : struct
        where TOps : struct, IFamilyOps<TVector>
        => TOps.MultiplyAdd(TOps.Splat(-1f), b, a);
}

/// <summary>
/// F(2 x 2, 3 x 3): 4 x 4 input tiles, 16 elements, 2.25 times fewer multiplications than direct; the
/// transforms use only additions, and G only halves, so its rounding error is close to direct convolution's.
/// </summary>
internal readonly unsafe struct WinogradF2 : IWinogradTransform
{
    public static int Alpha => 4;
    public static int TileSize => 2;

    private static readonly double[,] s_g = { { 1, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.5, -0.5, 0.5 }, { 0, 0, 1 } };
    public static double G(int row, int tap) => s_g[row, tap];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Input<TVector, TOps>(float* source, int sourceStride, float* destination, int destinationStride)
        where TVector : struct
        where TOps : struct, IFamilyOps<TVector>
    {
        var d0 = TOps.Load(source);
        var d1 = TOps.Load(source + sourceStride);
        var d2 = TOps.Load(source + 2 * sourceStride);
        var d3 = TOps.Load(source + 3 * sourceStride);
        TOps.Store(destination, TransformMath.Subtract<TVector, TOps>(d0, d2));
        TOps.Store(destination + destinationStride, TOps.Add(d1, d2));
        TOps.Store(destination + 2 * destinationStride, TransformMath.Subtract<TVector, TOps>(d2, d1));
        TOps.Store(destination + 3 * destinationStride, TransformMath.Subtract<TVector, TOps>(d1, d3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Output<TVector, TOps>(float* source, int sourceStride, float* destination, int destinationStride)
        where TVector : struct
        where TOps : struct, IFamilyOps<TVector>
    {
        var m0 = TOps.Load(source);
        var m1 = TOps.Load(source + sourceStride);
        var m2 = TOps.Load(source + 2 * sourceStride);
        var m3 = TOps.Load(source + 3 * sourceStride);
        TOps.Store(destination, TOps.Add(TOps.Add(m0, m1), m2));
        TOps.Store(destination + destinationStride, TransformMath.Subtract<TVector, TOps>(TransformMath.Subtract<TVector, TOps>(m1, m2), m3));
    }
}

/// <summary>
/// F(4 x 4, 3 x 3): 6 x 6 input tiles, 36 elements, 4 times fewer multiplications than direct; the
/// transforms scale by up to 8 (and G by 1/24), so the rounding error is several times direct's.
/// </summary>
internal readonly unsafe struct WinogradF4 : IWinogradTransform
{
    public static int Alpha => 6;
    public static int TileSize => 4;

    private static readonly double[,] s_g =
    {
        { 1.0 / 4, 0, 0 },
        { -1.0 / 6, -1.0 / 6, -1.0 / 6 },
        { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
        { 1.0 / 24, 1.0 / 12, 1.0 / 6 },
        { 1.0 / 24, -1.0 / 12, 1.0 / 6 },
        { 0, 0, 1 },
    };
    public static double G(int row, int tap) => s_g[row, tap];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Input<TVector, TOps>(float* source, int sourceStride, float* destination, int destinationStride)
        where TVector : struct
        where TOps : struct, IFamilyOps<TVector>
    {
        // B^T rows: [4 0 -5 0 1 0], [0 -4 -4 1 1 0], [0 4 -4 -1 1 0], [0 -2 -1 2 1 0], [0 2 -1 -2 1 0], [0 4 0 -5 0 1].
        var d0 = TOps.Load(source);
        var d1 = TOps.Load(source + sourceStride);
        var d2 = TOps.Load(source + 2 * sourceStride);
        var d3 = TOps.Load(source + 3 * sourceStride);
        var d4 = TOps.Load(source + 4 * sourceStride);
        var d5 = TOps.Load(source + 5 * sourceStride);
        var four = TOps.Splat(4f);
        var minusFour = TOps.Splat(-4f);
        var minusFive = TOps.Splat(-5f);
        var two = TOps.Splat(2f);
        var minusTwo = TOps.Splat(-2f);
        var d3PlusD4 = TOps.Add(d3, d4);
        var d4MinusD3 = TransformMath.Subtract<TVector, TOps>(d4, d3);
        var d4MinusD2 = TransformMath.Subtract<TVector, TOps>(d4, d2);
        var d3MinusD1 = TransformMath.Subtract<TVector, TOps>(d3, d1);
        TOps.Store(destination, TOps.MultiplyAdd(four, d0, TOps.MultiplyAdd(minusFive, d2, d4)));
        TOps.Store(destination + destinationStride, TOps.MultiplyAdd(minusFour, TOps.Add(d1, d2), d3PlusD4));
        TOps.Store(destination + 2 * destinationStride, TOps.MultiplyAdd(four, TransformMath.Subtract<TVector, TOps>(d1, d2), d4MinusD3));
        TOps.Store(destination + 3 * destinationStride, TOps.MultiplyAdd(two, d3MinusD1, d4MinusD2));
        TOps.Store(destination + 4 * destinationStride, TOps.MultiplyAdd(minusTwo, d3MinusD1, d4MinusD2));
        TOps.Store(destination + 5 * destinationStride, TOps.MultiplyAdd(four, d1, TOps.MultiplyAdd(minusFive, d3, d5)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Output<TVector, TOps>(float* source, int sourceStride, float* destination, int destinationStride)
        where TVector : struct
        where TOps : struct, IFamilyOps<TVector>
    {
        // A^T rows: [1 1 1 1 1 0], [0 1 -1 2 -2 0], [0 1 1 4 4 0], [0 1 -1 8 -8 1].
        var m0 = TOps.Load(source);
        var m1 = TOps.Load(source + sourceStride);
        var m2 = TOps.Load(source + 2 * sourceStride);
        var m3 = TOps.Load(source + 3 * sourceStride);
        var m4 = TOps.Load(source + 4 * sourceStride);
        var m5 = TOps.Load(source + 5 * sourceStride);
        var sum12 = TOps.Add(m1, m2);
        var difference12 = TransformMath.Subtract<TVector, TOps>(m1, m2);
        var sum34 = TOps.Add(m3, m4);
        var difference34 = TransformMath.Subtract<TVector, TOps>(m3, m4);
        TOps.Store(destination, TOps.Add(TOps.Add(m0, sum12), sum34));
        TOps.Store(destination + destinationStride, TOps.MultiplyAdd(TOps.Splat(2f), difference34, difference12));
        TOps.Store(destination + 2 * destinationStride, TOps.MultiplyAdd(TOps.Splat(4f), sum34, sum12));
        TOps.Store(destination + 3 * destinationStride, TOps.Add(TOps.MultiplyAdd(TOps.Splat(8f), difference34, difference12), m5));
    }
}
