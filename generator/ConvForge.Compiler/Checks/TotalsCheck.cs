using System.Collections.Generic;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Checks;

/// <summary>CF0020 for the network as a whole: the flat parameter buffer is indexed with int, and totals must not overflow.</summary>
internal static class TotalsCheck
{
    public static void Run(string networkName, IReadOnlyList<NodeDraft> nodes, DiagnosticSink sink)
    {
        long parameters = 0;
        long macs = 0;
        foreach (var node in nodes)
        {
            foreach (var parameter in node.Parameters)
                parameters = WindowMath.SaturatingAdd(parameters, parameter.Length);
            macs = WindowMath.SaturatingAdd(macs, node.Macs);
        }
        if (parameters > Limits.MaxElements)
        {
            sink.Report(DiagnosticIds.TooLarge, Site.Network,
                $"{networkName} has {Text.Count(parameters)} parameters, more than the {Text.Count(Limits.MaxElements)} one buffer can hold");
        }
        if (macs == long.MaxValue)
            sink.Report(DiagnosticIds.TooLarge, Site.Network, $"{networkName}'s multiply-accumulate count overflows a 64-bit integer");
    }
}
