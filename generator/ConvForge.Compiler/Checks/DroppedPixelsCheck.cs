using System.Collections.Generic;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Checks;

/// <summary>
/// CF0008: in floor mode, a window that does not fit the last (input + padding - kernel) % stride
/// pixels skips them. Only real pixels count (padding read by no window is harmless), and only when
/// windows otherwise cover the input (kernel at least the stride). A sliver under 1/64 of the axis
/// is not reported: SqueezeNet's and NIN's first convolutions lose one column of 224 by design, and
/// warning about them would be noise; losing a row of a 7x7 map is a design error.
/// </summary>
internal static class DroppedPixelsCheck
{
    /// <summary>Unread pixels are reported when unread * <see cref="ReportedFraction"/> >= the axis length.</summary>
    public const int ReportedFraction = 64;

    public static void Run(IReadOnlyList<NodeDraft> nodes, DiagnosticSink sink)
    {
        foreach (var node in nodes)
        {
            if (node.Kind is not (OpKind.Conv or OpKind.MaxPool or OpKind.AvgPool) || node.Output is null || node.Window is not Window window || window.CeilMode)
                continue;
            if (nodes[node.Inputs[0]].Output is not Shape x)
                continue;
            var rows = WindowMath.UnreadTail(x.Height, window.KernelHeight, window.StrideHeight, window.PadTop, window.PadBottom, window.DilationHeight);
            var columns = WindowMath.UnreadTail(x.Width, window.KernelWidth, window.StrideWidth, window.PadLeft, window.PadRight, window.DilationWidth);
            if (rows * ReportedFraction < x.Height)
                rows = 0;
            if (columns * ReportedFraction < x.Width)
                columns = 0;
            if (rows == 0 && columns == 0)
                continue;
            var lost = rows > 0 && columns > 0
                ? $"the last {Count(rows, "row")} and {Count(columns, "column")}"
                : rows > 0 ? "the last " + Count(rows, "row") : "the last " + Count(columns, "column");
            var remedy = node.Kind == OpKind.Conv
                ? "pad the input or change the stride"
                : "set CeilMode = true, pad the input or change the stride";
            sink.Report(DiagnosticIds.DroppedPixels, node.Sites.At("Stride"),
                $"{node.Name}: the {window} window never reads {lost} of its {Text.Size(x.Height, x.Width)} input; {remedy}");
        }
    }

    private static string Count(long count, string noun) => count == 1 ? noun : Text.Int(count) + " " + noun + "s";
}
