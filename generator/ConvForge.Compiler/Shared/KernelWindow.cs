// Shared source (see OpKind.cs): the runtime's public KernelWindow and the core's window geometry are this one type.
using System.Globalization;

#if CONVFORGE_RUNTIME
namespace ConvForge;
#else
namespace ConvForge.Compiler.Graph;
#endif

/// <summary>
/// Kernel size, stride, padding (per side) and dilation of a convolution or a pooling window.
/// Padding is zero for convolutions and ignored (not counted, never the maximum) for pooling,
/// except where an average pool counts it (CountIncludePad).
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

    /// <summary>Whether kernel, stride, padding and dilation are the same on both axes and all four sides.</summary>
    public bool IsSquare => KernelHeight == KernelWidth && StrideHeight == StrideWidth
        && PadTop == PadLeft && PadTop == PadBottom && PadTop == PadRight && DilationHeight == DilationWidth;

    /// <summary>Output rows for <paramref name="inputHeight"/> input rows; 0 when no window fits (or more than an int counts).</summary>
    public int OutputHeight(int inputHeight) =>
        Clamp(WindowMath.OutputSize(inputHeight, KernelHeight, StrideHeight, PadTop, PadBottom, DilationHeight, CeilMode));

    /// <summary>Output columns for <paramref name="inputWidth"/> input columns; 0 when no window fits (or more than an int counts).</summary>
    public int OutputWidth(int inputWidth) =>
        Clamp(WindowMath.OutputSize(inputWidth, KernelWidth, StrideWidth, PadLeft, PadRight, DilationWidth, CeilMode));

    /// <summary>"3x3/2 pad 1", "7x7/2 pad 3", "1x1", "1x3 pad 0,1,0,1", "3x3/2 ceil".</summary>
    public override string ToString()
    {
        var text = Int(KernelHeight) + "x" + Int(KernelWidth);
        if (StrideHeight != 1 || StrideWidth != 1)
            text += StrideHeight == StrideWidth ? "/" + Int(StrideHeight) : "/" + Int(StrideHeight) + "x" + Int(StrideWidth);
        if (PadTop != 0 || PadLeft != 0 || PadBottom != 0 || PadRight != 0)
            text += PadTop == PadLeft && PadTop == PadBottom && PadTop == PadRight
                ? " pad " + Int(PadTop)
                : " pad " + Int(PadTop) + "," + Int(PadLeft) + "," + Int(PadBottom) + "," + Int(PadRight);
        if (DilationHeight != 1 || DilationWidth != 1)
            text += DilationHeight == DilationWidth ? " dil " + Int(DilationHeight) : " dil " + Int(DilationHeight) + "x" + Int(DilationWidth);
        if (CeilMode)
            text += " ceil";
        return text;
    }

    private static int Clamp(long size) => size > int.MaxValue ? 0 : (int)size;

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
