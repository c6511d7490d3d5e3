using System.Collections.Generic;
using System.Linq;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Planning;

/// <summary>
/// Pass 8: each step in words (<see cref="StepDescription"/>) and its multiply-accumulates, stated once here for the
/// comment above its kernel call and for the network's step table that profiling reports against.
/// </summary>
internal static class DescriptionPass
{
    /// <summary>Multiply-accumulates per image of <paramref name="step"/>: only convolutions and Dense layers have any.</summary>
    public static long Macs(WorkStep step)
        => step.Kind is StepKind.Conv or StepKind.ConvFromPlain or StepKind.Dense ? step.Node.Macs : 0;

    /// <summary><paramref name="step"/> in words, with the names and shapes of the planned <paramref name="tensors"/>.</summary>
    public static StepDescription Describe(IReadOnlyList<Tensor> tensors, WorkStep step)
    {
        Tensor T(WorkTensor tensor) => tensors[tensor.Id];
        var node = step.Node;
        var output = T(step.Output);
        var input = step.Inputs.Count > 0 ? T(step.Inputs[0]) : null;
        var activation = StepDescription.ActivationText(step.Activation, step.Slope);
        var what = step.Kind switch
        {
            StepKind.Conv or StepKind.ConvFromPlain => Conv(step, activation),
            StepKind.MaxPool or StepKind.AvgPool or StepKind.Lrn => node.Describe(),
            StepKind.BatchNorm => "BatchNorm as scale and shift",
            StepKind.Activation => activation,
            StepKind.Add => "Add " + string.Join(" + ", step.Inputs.Select(i => T(i).Name)),
            StepKind.ChannelScale => $"{T(step.Inputs[0]).Name} scaled per channel by {T(step.Inputs[1]).Name}",
            StepKind.ConcatCopy => $"Concat of {string.Join(", ", step.Inputs.Select(i => T(i).Name))}, copied (a part before the last does not fill whole 16-channel blocks)",
            StepKind.ToBlocked => "to NCHWc",
            StepKind.ToPlain => "to plain NCHW",
            StepKind.Copy => "copy",
            _ => node.Kind.ToString(),
        };
        if (step.Kind is StepKind.BatchNorm or StepKind.Add && activation.Length > 0)
            what += ", " + activation;
        if (output.Storage == Storage.Output)
            what += ", into the output";
        else if (output.FirstChannelIn(tensors[output.Root]) is { } first)
            what += $", into channels {Text.Int(first)}-{Text.Int(first + output.Shape.Channels - 1)} of {tensors[output.Root].Name}";

        var shapes = step.Kind switch
        {
            _ when input is null => Text.Shape(output.Shape),
            StepKind.Dense => $"{Text.Shape(input.Shape)} (flattened) -> {Text.Int(output.Shape.Channels)}",
            StepKind.ConcatCopy => $"{string.Join(" + ", step.Inputs.Select(i => Text.Shape(T(i).Shape)))} -> {Text.Shape(output.Shape)}",
            _ => $"{Text.Shape(input.Shape)} -> {Text.Shape(output.Shape)}",
        };
        return new StepDescription(string.Join(" + ", step.FusedNodes), what, shapes);

        string Conv(WorkStep conv, string epilogue)
        {
            var text = conv.Node.Describe();
            if (conv.Kind == StepKind.ConvFromPlain)
                text += " reading the plain input";
            if (conv.FoldedBatchNorm is { } bn)
                text += $", {bn.Name} folded in";
            if (conv.Residual is { } residual)
                text += $", plus {T(residual).Name}";
            return epilogue.Length > 0 ? text + ", " + epilogue : text;
        }
    }
}
