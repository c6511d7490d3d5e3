using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ConvForge.Kernels;

/// <summary>
/// An elementwise activation, as a struct type argument: kernels call its static members, and the
/// JIT inlines them into each instantiation. One overload per vector width the kernel families use.
/// </summary>
public interface IActivation
{
    /// <summary>True when <see cref="Apply(float)"/> returns its argument (kernels then skip the pass).</summary>
    static abstract bool IsIdentity { get; }
    /// <summary>The activation of one value.</summary>
    static abstract float Apply(float x);
    /// <summary>The activation of 8 values (AVX2 family).</summary>
    static abstract Vector256<float> Apply(Vector256<float> x);
    /// <summary>The activation of 16 values (AVX-512 family).</summary>
    static abstract Vector512<float> Apply(Vector512<float> x);
    /// <summary>The derivative at the input that produced <paramref name="y"/>, from the output alone (backward keeps only outputs).</summary>
    static abstract float GradientFromOutput(float y);
    /// <summary><see cref="GradientFromOutput(float)"/> of 8 values.</summary>
    static abstract Vector256<float> GradientFromOutput(Vector256<float> y);
    /// <summary><see cref="GradientFromOutput(float)"/> of 16 values.</summary>
    static abstract Vector512<float> GradientFromOutput(Vector512<float> y);
}

/// <summary>The slope of <see cref="LeakyRelu{TSlope}"/> for negative inputs, as a constant.</summary>
public interface ILeakyReluSlope
{
    /// <summary>The slope, e.g. 0.01.</summary>
    static abstract float Slope { get; }
}

/// <summary>No activation: y = x.</summary>
public readonly struct Identity : IActivation
{
    /// <inheritdoc/>
    public static bool IsIdentity => true;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float x) => x;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> x) => x;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x) => x;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GradientFromOutput(float y) => 1f;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GradientFromOutput(Vector256<float> y) => Vector256<float>.One;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GradientFromOutput(Vector512<float> y) => Vector512<float>.One;
}

/// <summary>y = max(x, 0); NaN stays NaN (as in PyTorch and ONNX Runtime).</summary>
public readonly struct Relu : IActivation
{
    /// <inheritdoc/>
    public static bool IsIdentity => false;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float x) => x < 0f ? 0f : x;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> x) => VectorMath.Max(Vector256<float>.Zero, x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x) => VectorMath.Max(Vector512<float>.Zero, x);
    /// <inheritdoc/>
    // 1 where y > 0: a zero output came from x <= 0.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GradientFromOutput(float y) => y > 0f ? 1f : 0f;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GradientFromOutput(Vector256<float> y) => Vector256.GreaterThan(y, Vector256<float>.Zero) & Vector256<float>.One;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GradientFromOutput(Vector512<float> y) => Vector512.GreaterThan(y, Vector512<float>.Zero) & Vector512<float>.One;
}

/// <summary>y = min(max(x, 0), 6); NaN stays NaN.</summary>
public readonly struct Relu6 : IActivation
{
    /// <inheritdoc/>
    public static bool IsIdentity => false;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float x) => x < 0f ? 0f : x > 6f ? 6f : x;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> x) =>
        VectorMath.Min(Vector256.Create(6f), VectorMath.Max(Vector256<float>.Zero, x));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x) =>
        VectorMath.Min(Vector512.Create(6f), VectorMath.Max(Vector512<float>.Zero, x));
    /// <inheritdoc/>
    // 1 where 0 < y < 6: an output at either bound came from a clipped input.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GradientFromOutput(float y) => y > 0f && y < 6f ? 1f : 0f;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GradientFromOutput(Vector256<float> y) =>
        Vector256.GreaterThan(y, Vector256<float>.Zero) & Vector256.LessThan(y, Vector256.Create(6f)) & Vector256<float>.One;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GradientFromOutput(Vector512<float> y) =>
        Vector512.GreaterThan(y, Vector512<float>.Zero) & Vector512.LessThan(y, Vector512.Create(6f)) & Vector512<float>.One;
}

/// <summary>y = x for x &gt; 0, otherwise <c>TSlope.Slope * x</c>.</summary>
/// <typeparam name="TSlope">A struct whose static <see cref="ILeakyReluSlope.Slope"/> is the constant slope.</typeparam>
public readonly struct LeakyRelu<TSlope> : IActivation where TSlope : struct, ILeakyReluSlope
{
    /// <inheritdoc/>
    public static bool IsIdentity => false;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float x) => x > 0f ? x : x * TSlope.Slope;
    /// <inheritdoc/>
    // For 0 <= slope <= 1, max(x, slope*x) is the leaky ReLU (a NaN x makes both operands NaN);
    // other slopes need the select, whose false branch carries a NaN through.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> x) =>
        TSlope.Slope is >= 0f and <= 1f
            ? VectorMath.Max(x, x * TSlope.Slope)
            : Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, x * TSlope.Slope);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x) =>
        TSlope.Slope is >= 0f and <= 1f
            ? VectorMath.Max(x, x * TSlope.Slope)
            : Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, x * TSlope.Slope);
    /// <inheritdoc/>
    // The output's sign is the input's for a positive slope (the DSL's); y = 0 takes the slope, as x = 0 does.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GradientFromOutput(float y) => y > 0f ? 1f : TSlope.Slope;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GradientFromOutput(Vector256<float> y) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<float>.Zero), Vector256<float>.One, Vector256.Create(TSlope.Slope));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GradientFromOutput(Vector512<float> y) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(y, Vector512<float>.Zero), Vector512<float>.One, Vector512.Create(TSlope.Slope));
}

/// <summary>The default leaky ReLU slope, 0.01 (the DSL's default).</summary>
public readonly struct DefaultLeakyReluSlope : ILeakyReluSlope
{
    /// <inheritdoc/>
    public static float Slope => 0.01f;
}

/// <summary>y = 1 / (1 + exp(-x)).</summary>
public readonly struct Sigmoid : IActivation
{
    /// <inheritdoc/>
    public static bool IsIdentity => false;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float x) => 1f / (1f + MathF.Exp(-x));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + VectorMath.Exp(-x));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + VectorMath.Exp(-x));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GradientFromOutput(float y) => y * (1f - y);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GradientFromOutput(Vector256<float> y) => y * (Vector256<float>.One - y);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GradientFromOutput(Vector512<float> y) => y * (Vector512<float>.One - y);
}

/// <summary>
/// What a convolution or dense kernel does to each accumulated value before storing it: the bias is
/// always added (a zero bias when the layer has none); then, when <see cref="AddsResidual"/>, the
/// element of the residual input at the same position; then the activation.
/// </summary>
public interface IEpilogue
{
    /// <summary>True to add a residual input (same layout as the output) before the activation.</summary>
    static abstract bool AddsResidual { get; }
    /// <summary>True when the activation is the identity.</summary>
    static abstract bool IsLinear { get; }
    /// <summary>The activation of one value.</summary>
    static abstract float Activate(float x);
    /// <summary>The activation of 8 values.</summary>
    static abstract Vector256<float> Activate(Vector256<float> x);
    /// <summary>The activation of 16 values.</summary>
    static abstract Vector512<float> Activate(Vector512<float> x);
}

/// <summary>Bias, then <typeparamref name="TActivation"/>. <c>Epilogue&lt;Identity&gt;</c> is bias only.</summary>
public readonly struct Epilogue<TActivation> : IEpilogue where TActivation : struct, IActivation
{
    /// <inheritdoc/>
    public static bool AddsResidual => false;
    /// <inheritdoc/>
    public static bool IsLinear => TActivation.IsIdentity;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Activate(float x) => TActivation.Apply(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Activate(Vector256<float> x) => TActivation.Apply(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Activate(Vector512<float> x) => TActivation.Apply(x);
}

/// <summary>Bias, plus the residual input, then <typeparamref name="TActivation"/> (ResNet's add-then-ReLU).</summary>
public readonly struct ResidualEpilogue<TActivation> : IEpilogue where TActivation : struct, IActivation
{
    /// <inheritdoc/>
    public static bool AddsResidual => true;
    /// <inheritdoc/>
    public static bool IsLinear => TActivation.IsIdentity;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Activate(float x) => TActivation.Apply(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Activate(Vector256<float> x) => TActivation.Apply(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Activate(Vector512<float> x) => TActivation.Apply(x);
}
