// Shared source (see OpKind.cs): the one copy of the window arithmetic.
#if CONVFORGE_RUNTIME
namespace ConvForge;
#else
namespace ConvForge.Compiler.Graph;
#endif

/// <summary>Output-size arithmetic of sliding windows (convolutions and pools), in long so nothing overflows.</summary>
#if CONVFORGE_RUNTIME
internal
#else
public
#endif
static class WindowMath
{
    /// <summary>The span a dilated kernel covers: dilation * (kernel - 1) + 1.</summary>
    public static long EffectiveKernel(int kernel, int dilation) => (long)dilation * (kernel - 1) + 1;

    /// <summary>
    /// floor((input + padBegin + padEnd - effectiveKernel) / stride) + 1, or with <paramref name="ceilMode"/>
    /// ceil instead of floor, dropping a last window that would start at or after input + padBegin
    /// (it would read only padding; PyTorch and ONNX do the same). Zero means no window fits, or the
    /// window is malformed (a size below 1, a negative padding).
    /// </summary>
    public static long OutputSize(int input, int kernel, int stride, int padBegin, int padEnd, int dilation, bool ceilMode)
    {
        if (input < 1 || kernel < 1 || stride < 1 || dilation < 1 || padBegin < 0 || padEnd < 0)
            return 0;
        var span = (long)input + padBegin + padEnd - EffectiveKernel(kernel, dilation);
        if (span < 0)
            return 0;
        var steps = ceilMode ? (span + stride - 1) / stride : span / stride;
        var output = steps + 1;
        if (ceilMode && (output - 1) * stride >= (long)input + padBegin)
            output--;
        return output;
    }

    /// <summary>TensorFlow's SAME: the output is ceil(input / stride); returns the total padding, split with the odd pixel at the end.</summary>
    public static void SamePadding(int input, int kernel, int stride, int dilation, out int padBegin, out int padEnd)
    {
        var output = ((long)input + stride - 1) / stride;
        var total = (output - 1) * stride + EffectiveKernel(kernel, dilation) - input;
        if (total < 0)
            total = 0;
        // Bounded by the effective kernel, which the argument limits keep well inside int.
        padBegin = (int)(total / 2);
        padEnd = (int)(total - total / 2);
    }

    /// <summary>
    /// Input pixels at the end of an axis that no window reads in floor mode, beyond those that
    /// fall between windows by design (stride larger than the window). Padding read by no window is not counted.
    /// </summary>
    public static long UnreadTail(int input, int kernel, int stride, int padBegin, int padEnd, int dilation)
    {
        var effective = EffectiveKernel(kernel, dilation);
        if (effective < stride)
            return 0;
        var span = (long)input + padBegin + padEnd - effective;
        if (span < 0)
            return 0;
        var leftOver = span % stride;
        var unread = leftOver - padEnd;
        return unread > 0 ? unread : 0;
    }

    /// <summary>a * b, or long.MaxValue when it would overflow (operands are non-negative).</summary>
    public static long SaturatingMultiply(long a, long b)
    {
        if (a == 0 || b == 0)
            return 0;
        return a > long.MaxValue / b ? long.MaxValue : a * b;
    }

    /// <summary>a + b, or long.MaxValue when it would overflow (operands are non-negative).</summary>
    public static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;
}
