using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ConvForge.Kernels;

/// <summary>Vector helpers: fast min/max, and exp for the sigmoid (Cephes' expf: range reduction by ln 2, degree-6 polynomial, relative error about 2e-7).</summary>
internal static class VectorMath
{
    // maxps/minps directly: Vector256.Max/Min follow IEEE rules for NaN and signed zero, which
    // costs four extra instructions per call on x86. With a NaN operand these return the SECOND one
    // (the software fallback returns NaN), so Max(constant, x) keeps a NaN x: callers put x second.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Avx.IsSupported ? Avx.Max(a, b) : Vector256.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Avx.IsSupported ? Avx.Min(a, b) : Vector256.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Avx512F.IsSupported ? Avx512F.Max(a, b) : Vector512.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Avx512F.IsSupported ? Avx512F.Min(a, b) : Vector512.Min(a, b);

    /// <summary>max(a, b), NaN when either is NaN (PyTorch's max pooling).</summary>
    // Each maxps order keeps the NaN of one operand; when neither is NaN both give the same value
    // (up to the sign of a zero), so OR-ing their bits yields that value or a NaN (a NaN's bits OR
    // anything stay a NaN: exponent all ones, mantissa non-zero).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MaxPropagatingNaN(Vector256<float> a, Vector256<float> b) => Max(a, b) | Max(b, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MaxPropagatingNaN(Vector512<float> a, Vector512<float> b) => Max(a, b) | Max(b, a);

    private const float MaxInput = 88.0f; // keeps 2^n finite after rounding
    private const float MinInput = -87.3365447504f; // exp of this is the smallest normal float
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693359375f;
    private const float Ln2Low = -2.12194440e-4f;
    private const float P0 = 1.9875691500e-4f;
    private const float P1 = 1.3981999507e-3f;
    private const float P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f;
    private const float P4 = 1.6666665459e-1f;
    private const float P5 = 5.0000001201e-1f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        x = Min(Vector256.Create(MaxInput), Max(Vector256.Create(MinInput), x)); // a NaN x stays NaN
        var n = Vector256.Floor(x * Log2E + Vector256.Create(0.5f));
        var r = x - n * Ln2High - n * Ln2Low;
        var p = Vector256.Create(P0);
        p = p * r + Vector256.Create(P1);
        p = p * r + Vector256.Create(P2);
        p = p * r + Vector256.Create(P3);
        p = p * r + Vector256.Create(P4);
        p = p * r + Vector256.Create(P5);
        p = p * (r * r) + r + Vector256<float>.One;
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        return p * scale;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        x = Min(Vector512.Create(MaxInput), Max(Vector512.Create(MinInput), x));
        var n = Vector512.Floor(x * Log2E + Vector512.Create(0.5f));
        var r = x - n * Ln2High - n * Ln2Low;
        var p = Vector512.Create(P0);
        p = p * r + Vector512.Create(P1);
        p = p * r + Vector512.Create(P2);
        p = p * r + Vector512.Create(P3);
        p = p * r + Vector512.Create(P4);
        p = p * r + Vector512.Create(P5);
        p = p * (r * r) + r + Vector512<float>.One;
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
        return p * scale;
    }
}
