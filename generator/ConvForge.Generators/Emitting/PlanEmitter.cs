using System;
using System.Globalization;
using System.Threading;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Planning;

namespace ConvForge.Generators.Emitting;

/// <summary>
/// Prints the execution plan: the arena offset of every tensor as constants (one set for every family), and the class
/// generic over the kernel family, <c>Plan&lt;TKernels&gt;</c>, that holds where each packed tensor sits (computed once
/// per family from the family's lengths), <c>Run</c>, <c>Pack</c> (one packing call per layer) and the struct <c>Pass</c>
/// whose <c>Forward</c> the workers run (one kernel call per step, in plan order, taking the worker's split, under a comment
/// saying what the step computes, then the step's end). Every span length
/// handed to a kernel comes from the family (<c>TKernels.ActivationLength(C, H, W)</c> and the packed lengths), so the
/// one body serves 16- and 8-channel blocks.
/// </summary>
internal sealed class PlanEmitter
{
    private const string Kernels = "global::ConvForge.Kernels.";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    private const string Span = "global::System.Span<float>";
    // Every kernel call takes the calling worker's share of the step.
    private const string Split = "worker.Split";

    private readonly ExecutionPlan _plan;
    private readonly NetworkGraph _graph;
    private readonly ForwardNames _container;

    public PlanEmitter(ExecutionPlan plan, NetworkGraph graph, ForwardNames container)
    {
        _plan = plan;
        _graph = graph;
        _container = container;
    }

    private Tensor T(int id) => _plan.Tensors[id];

    private string ShapeName(int id) => _plan.Shapes[id].Name;

    /// <summary>The arena's length and the offset of each tensor a step touches there.</summary>
    public void WriteArena(IndentedTextWriter writer)
    {
        writer.WriteLine($"// Where each activation lives in the arena, in floats, for every family: NCHWc tensors get room for their channels");
        writer.WriteLine($"// padded to {Int(ExecutionPlan.LargestBlock)}, and families with smaller blocks use the front of it. Tensors whose lifetimes do not overlap share floats,");
        writer.WriteLine("// and a concatenation's parts are slices of it.");
        writer.WriteLine($"private const int ArenaLength = {Int(_plan.ArenaLength)};");
        foreach (var tensor in _plan.Tensors)
        {
            if (tensor.Identifier.Length > 0)
                writer.WriteLine($"private const int {tensor.Identifier} = {Int(tensor.Offset)};{TensorComment(tensor)}");
        }
    }

    private string TensorComment(Tensor tensor)
    {
        var layout = tensor.Layout == Layout.Blocked ? "" : ", plain";
        var text = $" // {tensor.Name}: {Text(tensor.Shape)}{layout}";
        if (SliceOf(tensor) is { } slice)
            text += $", channels {slice.First}-{slice.Last} of {slice.Concat}";
        else if (tensor.Root != tensor.Id)
            text += $", the floats of {T(tensor.Root).Name}";
        return text;
    }

    /// <summary>For a part of a zero-copy concatenation: its channel range in the concatenation's tensor.</summary>
    private (string First, string Last, string Concat)? SliceOf(Tensor tensor)
    {
        var root = T(tensor.Root);
        if (tensor.FirstChannelIn(root) is not { } first)
            return null;
        return (Int(first), Int(first + tensor.Shape.Channels - 1), root.Name);
    }

    /// <summary>The generic class: packed layout, Run, Pack, Pass.</summary>
    public void WriteGeneric(IndentedTextWriter writer, CancellationToken cancellationToken)
    {
        writer.WriteLine("/// <summary>");
        writer.WriteLine($"/// The plan for one kernel family: {Int(_plan.Steps.Count)} kernel calls per image. Every length the kernels check comes from TKernels,");
        writer.WriteLine("/// a constant once the JIT specializes the class for a family's struct.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine($"private static class Plan<TKernels> where TKernels : struct, {Kernels}IKernelFamily");
        using (writer.OpenBlock())
        {
            WritePackedLayout(writer);
            writer.WriteLine();
            WriteRun(writer);
            writer.WriteLine();
            WritePack(writer, cancellationToken);
            writer.WriteLine();
            WriteForward(writer, cancellationToken);
        }
    }

    private void WritePackedLayout(IndentedTextWriter writer)
    {
        writer.WriteLine("// Where each packed tensor sits: a layer's weights in the layout TKernels reads, then its bias (or a BatchNorm's scale and");
        writer.WriteLine("// shift) padded to whole blocks. Lengths are the family's, so the offsets are computed once per family.");
        var previous = "0";
        foreach (var item in _plan.Packed)
        {
            writer.WriteLine($"private static readonly int {item.Identifier} = {previous}, {item.Identifier}Length = {PackedLength(item)};");
            previous = $"{item.Identifier} + {item.Identifier}Length";
        }
        writer.WriteLine($"public static readonly int PackedLength = {previous};");
    }

    private string PackedLength(PackedTensor item) => item.Kind switch
    {
        PackedKind.ConvWeights => $"TKernels.ConvWeightsLength<{ShapeName(item.Shape)}>()",
        PackedKind.ConvNchwWeights => $"TKernels.ConvNchwWeightsLength<{ShapeName(item.Shape)}>()",
        PackedKind.DenseWeights => $"TKernels.DenseWeightsLength<{ShapeName(item.Shape)}>()",
        _ => $"TKernels.ActivationLength({Int(item.Channels)}, 1, 1)",
    };

    private void WriteRun(IndentedTextWriter writer)
    {
        writer.WriteLine("/// <summary>Runs <paramref name=\"batchSize\"/> images on the instance's workers, repacking the weights first when the parameters changed.</summary>");
        writer.WriteLine($"public static void Run(global::ConvForge.Execution.NetworkExecution execution, {ReadOnlySpan} input, {Span} output, int batchSize)");
        using (writer.OpenBlock())
        {
            writer.WriteLine("if (execution.PackedWeightsAreStale)");
            using (writer.OpenBlock())
            {
                writer.WriteLine("var version = execution.Parameters.Version;");
                writer.WriteLine("Pack(execution.Parameters.Values, execution.PackedWeights, execution.Scratch);");
                writer.WriteLine("execution.MarkPacked(version);");
            }
            writer.WriteLine($"execution.Run<Pass>(input, output, batchSize, {_container.InputLength}, {_container.OutputLength});");
        }
    }

    private void WritePack(IndentedTextWriter writer, CancellationToken cancellationToken)
    {
        writer.WriteLine("/// <summary>");
        writer.WriteLine("/// Repacks the parameters for TKernels, one layer per call: offsets in the parameter buffer are ParameterLayout's; a BatchNorm");
        writer.WriteLine("/// folded into a convolution is folded in scratch, in double precision.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine($"private static void Pack({ReadOnlySpan} parameters, {Span} packed, {Span} scratch)");
        using (writer.OpenBlock())
        {
            if (_plan.Packing.Count == 0)
                writer.WriteLine("// The network has no parameters.");
            foreach (var op in _plan.Packing)
            {
                cancellationToken.ThrowIfCancellationRequested();
                writer.WriteLine(PackCall(op) + (op.FoldedBatchNorm is { } bn ? $" // {bn} folded in" : ""));
            }
        }
    }

    private string PackCall(PackOperation op)
    {
        var packing = "global::ConvForge.Execution.WeightPacking<TKernels>.";
        var weights = _plan.Packed[op.Weights].Identifier;
        var bias = _plan.Packed[op.Bias].Identifier;
        if (op.Kind == PackKind.BatchNorm)
        {
            return $"{packing}BatchNorm(parameters, packed, scratch, {weights}, {bias}, batchNorm: {Int(op.BatchNormParameter)}, "
                + $"channels: {Int(op.Channels)}, epsilon: {DefinitionEmitter.Double(op.Epsilon)});";
        }
        var arguments = $"weights: {Int(op.WeightParameter)}";
        if (op.BiasParameter >= 0)
            arguments += $", bias: {Int(op.BiasParameter)}";
        if (op.BatchNormParameter >= 0)
            arguments += $", batchNorm: {Int(op.BatchNormParameter)}, epsilon: {DefinitionEmitter.Double(op.Epsilon)}";
        var shape = ShapeName(op.Shape);
        return op.Kind switch
        {
            PackKind.Conv => $"{packing}Conv<{shape}>(parameters, packed, scratch, {weights}, {bias}, {arguments});",
            PackKind.ConvNchw => $"{packing}ConvNchw<{shape}>(parameters, packed, scratch, {weights}, {bias}, {arguments});",
            _ => $"{packing}Dense<{shape}>(parameters, packed, {weights}, {bias}, {arguments});",
        };
    }

    private void WriteForward(IndentedTextWriter writer, CancellationToken cancellationToken)
    {
        writer.WriteLine("/// <summary>");
        writer.WriteLine("/// One image through the network, one step of the plan after another. Every worker that shares the image runs this with");
        writer.WriteLine("/// its own split of each kernel call, and the steps end at a barrier, so a step reads its inputs complete.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine("private readonly struct Pass : global::ConvForge.Execution.IForwardPass");
        using (writer.OpenBlock())
        {
            writer.WriteLine("/// <inheritdoc/>");
            writer.WriteLine($"public static void Forward({ReadOnlySpan} input, {Span} output, {Span} arena, {ReadOnlySpan} packed, in global::ConvForge.Execution.ForwardWorker worker)");
            using (writer.OpenBlock())
            {
                foreach (var step in _plan.Steps)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    writer.WriteLine("// " + step.Description);
                    WriteStep(writer, step);
                    writer.WriteLine($"worker.EndStep({Int(step.Index)});");
                }
            }
        }
    }

    private void WriteStep(IndentedTextWriter writer, Step step)
    {
        var node = step.Node;
        var output = T(step.Output);
        var outputSpan = SpanOf(output);
        var activation = ActivationTypes.TypeOf(_plan, step);
        string In(int i) => SpanOf(T(step.Inputs[i]));
        string Shape(int i) => ShapeName(step.Shapes[i]);
        string Packed(int id) => $"packed.Slice({_plan.Packed[id].Identifier}, {_plan.Packed[id].Identifier}Length)";

        switch (step.Kind)
        {
            case StepKind.Conv:
            case StepKind.ConvFromPlain:
            {
                var method = step.Kind == StepKind.Conv ? "Conv" : "ConvNchw";
                var residual = step.Residual >= 0 ? SpanOf(T(step.Residual)) : "default";
                var epilogue = step.Residual >= 0 ? "ResidualEpilogue" : "Epilogue";
                writer.WriteLine($"TKernels.{method}<{Shape(0)}, {Kernels}{epilogue}<{activation}>>(");
                using (writer.Indent())
                {
                    writer.WriteLine($"{In(0)}, {Packed(step.Weights)}, {Packed(step.Bias)},");
                    writer.WriteLine($"{residual}, {outputSpan}, {Split});");
                }
                break;
            }
            case StepKind.MaxPool:
            case StepKind.AvgPool:
            case StepKind.GlobalAvgPool:
            case StepKind.GlobalMaxPool:
                writer.WriteLine($"TKernels.{step.Kind}<{Shape(0)}>({In(0)}, {outputSpan}, {Split});");
                break;
            case StepKind.BatchNorm:
                writer.WriteLine($"TKernels.ScaleShift<{Shape(0)}, {activation}>({In(0)}, {Packed(step.Weights)}, {Packed(step.Bias)}, {outputSpan}, {Split});");
                break;
            case StepKind.Activation:
                writer.WriteLine($"TKernels.Activate<{Shape(0)}, {activation}>({In(0)}, {outputSpan}, {Split});");
                break;
            case StepKind.Add:
                // The kernel adds two operands: more are summed into the output one at a time, the activation last.
                for (var i = 1; i < step.Inputs.Count; i++)
                {
                    var last = i == step.Inputs.Count - 1 ? activation : Kernels + "Identity";
                    var left = i == 1 ? In(0) : outputSpan;
                    writer.WriteLine($"TKernels.Add<{Shape(0)}, {last}>({left}, {In(i)}, {outputSpan}, {Split});");
                }
                break;
            case StepKind.ChannelScale:
                writer.WriteLine($"TKernels.ChannelScale<{Shape(0)}>({In(0)}, {In(1)}, {outputSpan}, {Split});");
                break;
            case StepKind.ConcatCopy:
            {
                var channelOffset = 0;
                for (var i = 0; i < step.Inputs.Count; i++)
                {
                    writer.WriteLine($"TKernels.CopyChannels<{Shape(i)}>({In(i)}, {outputSpan}, destinationChannels: {Int(output.Shape.Channels)}, channelOffset: {Int(channelOffset)}, {Split});");
                    channelOffset += T(step.Inputs[i]).Shape.Channels;
                }
                break;
            }
            case StepKind.ToBlocked:
                writer.WriteLine($"TKernels.ToNchwc<{Shape(0)}>({In(0)}, {outputSpan}, {Split});");
                break;
            case StepKind.ToPlain:
                writer.WriteLine($"TKernels.ToNchw<{Shape(0)}>({In(0)}, {outputSpan}, {Split});");
                break;
            case StepKind.Copy:
                // A plain copy, too small to split: the first worker makes it.
                writer.WriteLine($"if ({Split}.Worker == 0)");
                using (writer.Indent())
                    writer.WriteLine($"{In(0)}.CopyTo({outputSpan});");
                break;
            case StepKind.Dense:
                writer.WriteLine($"TKernels.Dense<{Shape(0)}, {activation}>({In(0)}, {Packed(step.Weights)}, {Packed(step.Bias)}, {outputSpan}, {Split});");
                break;
            case StepKind.Softmax:
            {
                var channels = output.Shape.Channels;
                if (output.Layout == Layout.Blocked)
                {
                    // One pixel: the NCHWc tensor starts with the plain vector; its padding lanes are cleared, not left stale.
                    writer.WriteLine($"TKernels.Softmax<{Shape(0)}>({SpanOf(T(step.Inputs[0]), Int(channels))}, {SpanOf(output, Int(channels))}, {Split});");
                    if (output.HasPaddingLanes)
                    {
                        writer.WriteLine($"if ({Split}.Worker == 0)");
                        using (writer.Indent())
                            writer.WriteLine($"{SpanOf(output, $"TKernels.ActivationLength({Int(channels)}, 1, 1) - {Int(channels)}", channels)}.Clear();");
                    }
                }
                else
                {
                    writer.WriteLine($"TKernels.Softmax<{Shape(0)}>({In(0)}, {outputSpan}, {Split});");
                }
                break;
            }
            case StepKind.Lrn:
                writer.WriteLine($"TKernels.Lrn<{Shape(0)}>({In(0)}, {outputSpan}, size: {Int(node.Size)}, alpha: {DefinitionEmitter.Float(node.Scalar)}, "
                    + $"beta: {DefinitionEmitter.Float(node.Scalar2)}, k: {DefinitionEmitter.Float(node.Scalar3)}, {Split});");
                break;
            default:
                throw new InvalidOperationException($"No kernel call for step kind {step.Kind} ({node.Name}).");
        }
    }

    /// <summary>
    /// The span of a tensor: <c>input</c>, <c>output</c> or a slice of the arena at its constant, as long as the family's
    /// layout of it; with <paramref name="length"/>, that many floats starting <paramref name="skip"/> floats in.
    /// </summary>
    private string SpanOf(Tensor tensor, string? length = null, int skip = 0)
    {
        var s = tensor.Shape;
        if (tensor.Storage == Storage.Arena)
        {
            var start = skip == 0 ? tensor.Identifier : $"{tensor.Identifier} + {Int(skip)}";
            length ??= tensor.Layout == Layout.Blocked
                ? $"TKernels.ActivationLength({Int(s.Channels)}, {Int(s.Height)}, {Int(s.Width)})"
                : $"{Int(s.Channels)} * {Int(s.Height)} * {Int(s.Width)}";
            return $"arena.Slice({start}, {length})";
        }
        // The caller's spans are plain NCHW.
        var span = tensor.Storage == Storage.Input ? "input" : "output";
        var whole = tensor.Storage == Storage.Input ? _graph.Input.Output.Length : _graph.Output.Output.Length;
        var offset = tensor.Offset + skip;
        var count = length ?? Int(s.Length);
        return offset == 0 && count == Int(whole) ? span : $"{span}.Slice({Int(offset)}, {count})";
    }

    private static string Text(Shape shape) => Compiler.Text.Shape(shape);

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);
}
