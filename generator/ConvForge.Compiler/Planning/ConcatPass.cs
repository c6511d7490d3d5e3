using System.Collections.Generic;
using System.Linq;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Planning;

/// <summary>
/// Pass 3: zero-copy concat. When every part but the last has a multiple of 16 channels, each part starts
/// on a block boundary of the concat's NCHWc tensor for 16- and 8-channel blocks alike, at C*H*W floats per
/// channel before it, and the steps that produce the parts write there directly; the copy step goes away.
/// </summary>
internal static class ConcatPass
{
    public static void Run(WorkProgram program)
    {
        foreach (var step in program.Steps.ToList())
        {
            if (step.Kind != StepKind.ConcatCopy || !CanSlice(program, step))
                continue;
            long offset = 0;
            foreach (var part in step.Inputs)
            {
                part.Parent = step.Output;
                part.OffsetInParent = offset;
                offset += part.Length;
            }
            program.Steps.Remove(step);
        }
    }

    private static bool CanSlice(WorkProgram program, WorkStep concat)
    {
        var parts = concat.Inputs;
        if (parts.Distinct().Count() != parts.Count)
            return false;
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            if (part.Layout != Layout.Blocked || part.Parent is not null || part.Storage != Storage.Arena)
                return false;
            if (i < parts.Count - 1 && part.Shape.Channels % ExecutionPlan.LargestBlock != 0)
                return false;
            // The part must be written by exactly one step of this program (not an alias of something else).
            if (program.Steps.Count(s => s.Output == part) != 1)
                return false;
        }
        return true;
    }
}

