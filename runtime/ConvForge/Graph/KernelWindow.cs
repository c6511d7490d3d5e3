using System;

namespace ConvForge;

/// <summary>
/// Kernel size, stride, padding (per side) and dilation of a convolution or a pooling window.
/// Padding is zero for convolutions and ignored (not counted, never the maximum) for pooling,
/// except where <see cref="NodeDefinition.CountIncludePad"/> says otherwise.
/// </summary>
public readonly record struct KernelWindow(
    int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth,
    int PadTop, int PadLeft, int PadBottom, int PadRight,
    int DilationHeight, int DilationWidth,
    bool CeilMode)
{
    /// <summary>A square window with the same stride, padding and dilation on both axes.</summary>
    public static KernelWindow Square(int kernel, int stride = 1, int padding = 0, int dilation = 1, bool ceilMode = false) =>
        new(kernel, kernel, stride, stride, padding, padding, padding, padding, dilation, dilation, ceilMode);

    /// <summary>Rows the window spans in the input, dilation included.</summary>
    public int SpanHeight => DilationHeight * (KernelHeight - 1) + 1;

    /// <summary>Columns the window spans in the input, dilation included.</summary>
    public int SpanWidth => DilationWidth * (KernelWidth - 1) + 1;

    /// <summary>Output rows for <paramref name="inputHeight"/> input rows; 0 when no window fits.</summary>
    public int OutputHeight(int inputHeight) =>
        OutputSize(inputHeight, KernelHeight, StrideHeight, PadTop, PadBottom, DilationHeight, CeilMode);

    /// <summary>Output columns for <paramref name="inputWidth"/> input columns; 0 when no window fits.</summary>
    public int OutputWidth(int inputWidth) =>
        OutputSize(inputWidth, KernelWidth, StrideWidth, PadLeft, PadRight, DilationWidth, CeilMode);

    /// <summary>
    /// floor((in + padBegin + padEnd - span) / stride) + 1, or with <paramref name="ceilMode"/> ceil
    /// instead of floor, dropping a last window that would start at or after in + padBegin (PyTorch
    /// and ONNX do the same, so that every window sees at least one real pixel).
    /// </summary>
    public static int OutputSize(int input, int kernel, int stride, int padBegin, int padEnd, int dilation, bool ceilMode)
    {
        if (input <= 0 || kernel <= 0 || stride <= 0 || dilation <= 0 || padBegin < 0 || padEnd < 0)
            return 0;
        long span = (long)dilation * (kernel - 1) + 1;
        long room = (long)input + padBegin + padEnd - span;
        if (room < 0)
            return 0;
        long output = ceilMode ? (room + stride - 1) / stride + 1 : room / stride + 1;
        if (ceilMode && (output - 1) * stride >= (long)input + padBegin)
            output--;
        return output > int.MaxValue ? 0 : (int)output;
    }

    /// <summary>"3x3/2 pad 1", "1x3 pad 0,1,0,1", "3x3/2 ceil".</summary>
    public override string ToString()
    {
        var text = FormattableString.Invariant($"{KernelHeight}x{KernelWidth}");
        if (StrideHeight != 1 || StrideWidth != 1)
            text += StrideHeight == StrideWidth
                ? FormattableString.Invariant($"/{StrideHeight}")
                : FormattableString.Invariant($"/{StrideHeight}x{StrideWidth}");
        if (PadTop != 0 || PadLeft != 0 || PadBottom != 0 || PadRight != 0)
            text += PadTop == PadLeft && PadTop == PadBottom && PadTop == PadRight
                ? FormattableString.Invariant($" pad {PadTop}")
                : FormattableString.Invariant($" pad {PadTop},{PadLeft},{PadBottom},{PadRight}");
        if (DilationHeight != 1 || DilationWidth != 1)
            text += DilationHeight == DilationWidth
                ? FormattableString.Invariant($" dil {DilationHeight}")
                : FormattableString.Invariant($" dil {DilationHeight}x{DilationWidth}");
        if (CeilMode)
            text += " ceil";
        return text;
    }
}
