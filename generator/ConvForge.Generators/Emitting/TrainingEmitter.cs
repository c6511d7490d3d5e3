using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using ConvForge.Compiler;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Planning;
using ConvForge.Compiler.Planning.Training;

namespace ConvForge.Generators.Emitting;

/// <summary>
/// Prints the training plan: on the network class, the members of <c>ITrainableNetwork</c> (the <c>TrainingProgram</c>
/// table as data, and the static dispatch methods, which delegate to the class below); inside the forward pass's
/// container, the class generic over the kernel family that holds the offsets of every value, parameter and packed
/// tensor as constants and, per method, a switch over the step index with one kernel call per case (per image, or once
/// for the batch for a BatchNorm in training mode). Decides nothing: every offset, name and shape comes from the plan.
/// </summary>
internal sealed class TrainingEmitter
{
    private const string Kernels = "global::ConvForge.Kernels.";
    private const string Training = "global::ConvForge.Training.";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    private const string Span = "global::System.Span<float>";
    private const string Constraint = "where TKernels : struct, global::ConvForge.Kernels.IKernelFamily";

    /// <summary>The interface's members the generated code declares (the class must leave these names free).</summary>
    public static readonly string[] MemberNames =
    {
        "TrainingProgram", "TrainingPackedLength", "TrainingPack", "TrainingForward", "TrainingBackwardInput", "TrainingBackwardParameters",
    };

    /// <summary>The interface the network class implements.</summary>
    public const string Interface = Training + "ITrainableNetwork";

    private readonly TrainingPlan _plan;

    public TrainingEmitter(TrainingPlan plan) => _plan = plan;

    private TrainingValue V(int id) => _plan.Values[id];

    private string ShapeName(int id) => _plan.Shapes[id].Name;

    /// <summary>
    /// The interface's members on the network class; for a network that cannot be trained (<paramref name="plan"/> null),
    /// members that throw <see cref="NotSupportedException"/> with <paramref name="problem"/>.
    /// </summary>
    public static void WriteMembers(IndentedTextWriter writer, TrainingPlan? plan, string? problem, string className, string container, CancellationToken cancellationToken)
    {
        writer.WriteLine("/// <summary>");
        writer.WriteLine("/// The training program: every value the backward pass reads, at its offset in an image's slice of the value and gradient");
        writer.WriteLine("/// arenas, and the steps over the unfused graph in forward order (what the trainer runs, step by step, through the methods below).");
        writer.WriteLine("/// </summary>");
        if (plan is null)
        {
            var message = $"{className} cannot be trained: {problem ?? "it could not be planned."}";
            writer.WriteLine("/// <exception cref=\"global::System.NotSupportedException\">Always: the network cannot be trained (the message says why).</exception>");
            writer.WriteLine($"public static {Training}TrainingProgram TrainingProgram => throw new global::System.NotSupportedException({CSharpNames.Literal(message)});");
            var see = CSharpNames.Literal($"{className} cannot be trained; TrainingProgram says why.");
            writer.WriteLine();
            writer.WriteLine("/// <inheritdoc/>");
            writer.WriteLine($"public static int TrainingPackedLength<TKernels>() {Constraint} => throw new global::System.NotSupportedException({see});");
            writer.WriteLine();
            writer.WriteLine("/// <inheritdoc/>");
            writer.WriteLine($"public static void TrainingPack<TKernels>(int step, {ReadOnlySpan} parameters, {Span} packed) {Constraint} => throw new global::System.NotSupportedException({see});");
            foreach (var method in new[] { "TrainingForward", "TrainingBackwardInput", "TrainingBackwardParameters" })
            {
                writer.WriteLine();
                writer.WriteLine("/// <inheritdoc/>");
                writer.WriteLine($"public static void {method}<TKernels>(int step, ref {Training}TrainingStepArguments arguments) {Constraint} => throw new global::System.NotSupportedException({see});");
            }
            return;
        }

        new TrainingEmitter(plan).WriteTable(writer, cancellationToken);
        var nested = $"{container}.{plan.Container}<TKernels>";
        writer.WriteLine();
        writer.WriteLine("/// <inheritdoc/>");
        writer.WriteLine($"public static int TrainingPackedLength<TKernels>() {Constraint} => {nested}.PackedLength;");
        writer.WriteLine();
        writer.WriteLine("/// <inheritdoc/>");
        writer.WriteLine($"public static void TrainingPack<TKernels>(int step, {ReadOnlySpan} parameters, {Span} packed) {Constraint}");
        using (writer.Indent())
            writer.WriteLine($"=> {nested}.Pack(step, parameters, packed);");
        foreach (var (method, target) in new[] { ("TrainingForward", "Forward"), ("TrainingBackwardInput", "BackwardInput"), ("TrainingBackwardParameters", "BackwardParameters") })
        {
            writer.WriteLine();
            writer.WriteLine("/// <inheritdoc/>");
            writer.WriteLine($"public static void {method}<TKernels>(int step, ref {Training}TrainingStepArguments arguments) {Constraint}");
            using (writer.Indent())
                writer.WriteLine($"=> {nested}.{target}(step, ref arguments);");
        }
    }

    private void WriteTable(IndentedTextWriter writer, CancellationToken cancellationToken)
    {
        writer.WriteLine($"public static {Training}TrainingProgram TrainingProgram {{ get; }} = new(");
        using (writer.Indent())
        {
            writer.WriteLine($"new {Training}TrainingValue[]");
            using (writer.OpenBlock(","))
            {
                foreach (var value in _plan.Values)
                {
                    var s = value.Shape;
                    writer.WriteLine($"new({Int(value.Id)}, {CSharpNames.Literal(value.Name)}, {Int(s.Channels)}, {Int(s.Height)}, {Int(s.Width)}, "
                        + $"{Training}TrainingLayout.{value.Layout}, {Int(value.Offset)}, {Int(value.Length)}),");
                }
            }
            writer.WriteLine($"new {Training}TrainingStep[]");
            using (writer.OpenBlock(","))
            {
                foreach (var step in _plan.Steps)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    writer.WriteLine($"new({Int(step.Index)}, {Training}TrainingStepKind.{step.Kind}, {CSharpNames.Literal(step.Node.Name)}, {Int(step.Node.Index)}, "
                        + $"{Ints(step.Inputs)}, {Int(step.Output)}, {Ints(step.Parameters)}, {Int(step.Mask)}, {Int(step.SavedOffset)}, {Int(step.SavedLength)}),");
                }
            }
            writer.WriteLine($"ImageLength: {Int(_plan.ImageLength)}, SavedLength: {Int(_plan.SavedLength)}, Input: {Int(_plan.Input)}, Logits: {Int(_plan.Logits)});");
        }
    }

    private static string Ints(EquatableArray<int> items)
        => items.Count == 0 ? "global::System.Array.Empty<int>()" : "new[] { " + string.Join(", ", items.Select(i => Int(i))) + " }";

    /// <summary>The generic class inside the forward pass's container.</summary>
    public void WriteContainer(IndentedTextWriter writer, CancellationToken cancellationToken)
    {
        writer.WriteLine("/// <summary>");
        writer.WriteLine($"/// The training program for one kernel family: {Int(_plan.Steps.Count)} steps over the unfused graph (nothing folded, every output");
        writer.WriteLine("/// kept for the backward pass), each value of an image at a constant offset of its slice of the value and gradient arenas.");
        writer.WriteLine("/// Per step, one kernel call per image (a BatchNorm in training mode: one call for the batch); backward kernels accumulate.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine($"public static class {_plan.Container}<TKernels> {Constraint}");
        using (writer.OpenBlock())
        {
            writer.WriteLine("// Floats of one image's values (and of its gradients), floats of saved state (BatchNorm batch statistics), steps.");
            writer.WriteLine($"public const int ImageLength = {Int(_plan.ImageLength)}, SavedLength = {Int(_plan.SavedLength)}, StepCount = {Int(_plan.Steps.Count)};");
            writer.WriteLine();
            WriteValues(writer);
            writer.WriteLine();
            WriteParameters(writer);
            writer.WriteLine();
            WritePackedLayout(writer);
            writer.WriteLine();
            WritePack(writer, cancellationToken);
            writer.WriteLine();
            WriteMethod(writer, "Forward", "Runs step <paramref name=\"step\"/> forward on its images.", WriteBatchForward, WriteForward, gradients: false, cancellationToken);
            writer.WriteLine();
            WriteMethod(writer, "BackwardInput", "Accumulates the gradients of step <paramref name=\"step\"/>'s inputs from its output's gradient.",
                WriteBatchBackwardInput, WriteBackwardInput, gradients: true, cancellationToken);
            writer.WriteLine();
            WriteMethod(writer, "BackwardParameters", "Accumulates the gradients of step <paramref name=\"step\"/>'s parameters.",
                WriteBatchBackwardParameters, WriteBackwardParameters, gradients: true, cancellationToken);
            writer.WriteLine();
            writer.WriteLine("/// <summary>Throws for an index that is not a step's (a step without work of the kind asked for does nothing).</summary>");
            writer.WriteLine("private static void CheckStep(int step)");
            using (writer.OpenBlock())
            {
                writer.WriteLine("if ((uint)step >= StepCount)");
                using (writer.Indent())
                    writer.WriteLine("throw new global::System.ArgumentOutOfRangeException(nameof(step), step, \"Not a step of the training program.\");");
            }
        }
    }

    private void WriteValues(IndentedTextWriter writer)
    {
        writer.WriteLine($"// Where each value lives in an image's slice, in floats, for every family: NCHWc values get room for their channels padded");
        writer.WriteLine($"// to {Int(ExecutionPlan.LargestBlock)}; nothing is shared, since the backward pass reads every value. Lengths are the family's.");
        foreach (var value in _plan.Values)
        {
            var layout = value.Layout == Layout.Plain ? ", plain" : "";
            writer.WriteLine($"private const int {value.Identifier} = {Int(value.Offset)}; // {value.Name}: {Text(value.Shape)}{layout}");
        }
        foreach (var value in _plan.Values)
            writer.WriteLine($"private static readonly int {value.Identifier}Length = {FamilyLength(value)};");
    }

    private static string FamilyLength(TrainingValue value)
    {
        var s = value.Shape;
        return value.Layout == Layout.Blocked
            ? $"TKernels.ActivationLength({Int(s.Channels)}, {Int(s.Height)}, {Int(s.Width)})"
            : $"{Int(s.Channels)} * {Int(s.Height)} * {Int(s.Width)}";
    }

    private void WriteParameters(IndentedTextWriter writer)
    {
        writer.WriteLine("// Where each parameter tensor sits in the parameter buffer and its gradient (ParameterLayout), and its floats.");
        if (_plan.Parameters.Count == 0)
            writer.WriteLine("// The network has no parameters.");
        foreach (var parameter in _plan.Parameters)
            writer.WriteLine($"private const int {parameter.Identifier} = {Int(parameter.Offset)}, {parameter.Identifier}Length = {Int(parameter.Length)}; // {parameter.Name}");
    }

    private void WritePackedLayout(IndentedTextWriter writer)
    {
        writer.WriteLine("// Where each packed tensor sits: a layer's weights in the layout TKernels reads, its bias padded to whole blocks, and a");
        writer.WriteLine("// convolution's transposed weights for its input gradient. Lengths are the family's, so the offsets are computed once per family.");
        var previous = "0";
        foreach (var item in _plan.Packed)
        {
            writer.WriteLine($"private static readonly int {item.Identifier} = {previous}, {item.Identifier}Length = {PackedLength(item)};");
            previous = $"{item.Identifier} + {item.Identifier}Length";
        }
        writer.WriteLine("/// <summary>Floats of packed weights for TKernels.</summary>");
        writer.WriteLine($"public static readonly int PackedLength = {previous};");
    }

    private string PackedLength(TrainingPackedTensor item) => item.Kind switch
    {
        TrainingPackedKind.ConvWeights => $"TKernels.ConvWeightsLength<{ShapeName(item.Shape)}>()",
        TrainingPackedKind.ConvTransposedWeights => $"TKernels.ConvTransposedWeightsLength<{ShapeName(item.Shape)}>()",
        TrainingPackedKind.ConvNchwWeights => $"TKernels.ConvNchwWeightsLength<{ShapeName(item.Shape)}>()",
        TrainingPackedKind.DenseWeights => $"TKernels.DenseWeightsLength<{ShapeName(item.Shape)}>()",
        _ => $"TKernels.ActivationLength({Int(item.Channels)}, 1, 1)",
    };

    private void WritePack(IndentedTextWriter writer, CancellationToken cancellationToken)
    {
        writer.WriteLine("/// <summary>Packs step <paramref name=\"step\"/>'s weights and bias from the parameter buffer; other steps have nothing to pack.</summary>");
        writer.WriteLine($"public static void Pack(int step, {ReadOnlySpan} parameters, {Span} packed)");
        using (writer.OpenBlock())
        {
            writer.WriteLine("switch (step)");
            using (writer.OpenBlock())
            {
                foreach (var step in _plan.Steps)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (step.Packed.Count == 0)
                        continue;
                    writer.WriteLine($"case {Int(step.Index)}: // {StepComment(step)}");
                    using (writer.Indent())
                    {
                        var shape = ShapeName(step.Shapes[0]);
                        var weights = Parameter(step, 0, "parameters");
                        var pack = step.Kind switch
                        {
                            TrainingStepKind.Conv => "PackConvWeights",
                            TrainingStepKind.ConvFromPlain => "PackConvNchwWeights",
                            _ => "PackDenseWeights",
                        };
                        writer.WriteLine($"TKernels.{pack}<{shape}>({weights}, {Packed(step.Packed[0], "packed")});");
                        if (step.Node.HasBias)
                            writer.WriteLine($"TKernels.PackChannels({Parameter(step, 1, "parameters")}, {Packed(step.Packed[1], "packed")});");
                        else
                            writer.WriteLine($"{Packed(step.Packed[1], "packed")}.Clear(); // no bias: the kernel adds zeros");
                        if (step.Kind == TrainingStepKind.Conv)
                            writer.WriteLine($"TKernels.PackConvTransposedWeights<{shape}>({weights}, {Packed(step.Packed[2], "packed")});");
                        writer.WriteLine("break;");
                    }
                }
                writer.WriteLine("default:");
                using (writer.Indent())
                {
                    writer.WriteLine("CheckStep(step);");
                    writer.WriteLine("break;");
                }
            }
        }
    }

    /// <summary>What a case writer wrote: nothing (the step has no such work), statements, or statements declaring locals (the case gets braces).</summary>
    private enum CaseBody
    {
        None,
        Statements,
        Scoped,
    }

    private delegate CaseBody CaseWriter(IndentedTextWriter writer, TrainingStep step);

    /// <summary>
    /// A dispatch method: first, in training mode, the batch-level steps (one call for the whole batch, then return);
    /// then one loop over the call's images, with <c>values</c> and <c>gradients</c> the image's slices and a switch over
    /// the step inside it. A step for which a case writer writes nothing has no such work.
    /// </summary>
    private void WriteMethod(IndentedTextWriter writer, string name, string summary, CaseWriter? batchCase, CaseWriter imageCase, bool gradients,
        CancellationToken cancellationToken)
    {
        writer.WriteLine($"/// <summary>{summary}</summary>");
        writer.WriteLine($"public static void {name}(int step, ref {Training}TrainingStepArguments arguments)");
        using (writer.OpenBlock())
        {
            writer.WriteLine("CheckStep(step);");
            var batch = batchCase is null ? "" : Cases(batchCase, "return;", cancellationToken);
            if (batch.Length > 0)
            {
                writer.WriteLine($"if (arguments.Mode == {Training}StepMode.Training)");
                using (writer.OpenBlock())
                {
                    writer.WriteLine("// Batch-level steps: one call for the whole batch (the statistics are the batch's).");
                    writer.WriteLine("switch (step)");
                    using (writer.OpenBlock())
                        writer.WriteLines(batch);
                }
            }
            var images = Cases(imageCase, "break;", cancellationToken);
            if (images.Length == 0)
            {
                writer.WriteLine("// No step has work of this kind.");
                return;
            }
            writer.WriteLine("for (var image = arguments.ImageBegin; image < arguments.ImageEnd; image++)");
            using (writer.OpenBlock())
            {
                writer.WriteLine("var values = arguments.Values.Slice(image * ImageLength, ImageLength);");
                if (gradients)
                    writer.WriteLine("var gradients = arguments.Gradients.Slice(image * ImageLength, ImageLength);");
                writer.WriteLine("switch (step)");
                using (writer.OpenBlock())
                    writer.WriteLines(images);
            }
        }
    }

    /// <summary>The cases <paramref name="writeCase"/> writes, each ending in <paramref name="exit"/>, at indentation 0.</summary>
    private string Cases(CaseWriter writeCase, string exit, CancellationToken cancellationToken)
    {
        var writer = new IndentedTextWriter();
        foreach (var step in _plan.Steps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var body = new IndentedTextWriter();
            var kind = writeCase(body, step);
            if (kind == CaseBody.None)
                continue;
            writer.WriteLine($"case {Int(step.Index)}: // {StepComment(step)}");
            using (kind == CaseBody.Scoped ? writer.OpenBlock() : (IDisposable)writer.Indent())
            {
                writer.WriteLines(body.ToString());
                writer.WriteLine(exit);
            }
        }
        return writer.ToString();
    }

    private CaseBody WriteForward(IndentedTextWriter writer, TrainingStep step)
    {
        var node = step.Node;
        var output = V(step.Output);
        var outputSpan = Value(output, "values");
        string In(int i) => Value(V(step.Inputs[i]), "values");
        var shape = ShapeName(step.Shapes[0]);
        var identity = Kernels + "Identity";
        switch (step.Kind)
        {
            case TrainingStepKind.Conv:
            case TrainingStepKind.ConvFromPlain:
                writer.WriteLine($"TKernels.{(step.Kind == TrainingStepKind.Conv ? "Conv" : "ConvNchw")}<{shape}, {Kernels}Epilogue<{identity}>>(");
                using (writer.Indent())
                {
                    writer.WriteLine($"{In(0)}, {Packed(step.Packed[0], "arguments.Packed")}, {Packed(step.Packed[1], "arguments.Packed")},");
                    writer.WriteLine($"default, {outputSpan});");
                }
                return CaseBody.Statements;
            case TrainingStepKind.Dense:
                writer.WriteLine($"TKernels.Dense<{shape}, {identity}>(");
                using (writer.Indent())
                    writer.WriteLine($"{In(0)}, {Packed(step.Packed[0], "arguments.Packed")}, {Packed(step.Packed[1], "arguments.Packed")}, {outputSpan});");
                return CaseBody.Statements;
            case TrainingStepKind.ToBlocked:
                writer.WriteLine($"TKernels.ToNchwc<{shape}>({In(0)}, {outputSpan});");
                return CaseBody.Statements;
            case TrainingStepKind.MaxPool:
            case TrainingStepKind.AvgPool:
            case TrainingStepKind.GlobalAvgPool:
            case TrainingStepKind.GlobalMaxPool:
                writer.WriteLine($"TKernels.{step.Kind}<{shape}>({In(0)}, {outputSpan});");
                return CaseBody.Statements;
            case TrainingStepKind.BatchNorm:
                writer.WriteLine("// Inference mode: the running statistics.");
                BatchNormLocals(writer, step, "gamma", "beta", "runningMean", "runningVariance");
                writer.WriteLine($"TKernels.BatchNormInference<{shape}>({In(0)}, gamma, beta, runningMean, runningVariance, epsilon, {outputSpan});");
                return CaseBody.Scoped;
            case TrainingStepKind.Activation:
                writer.WriteLine($"TKernels.Activate<{shape}, {Activation(step)}>({In(0)}, {outputSpan});");
                return CaseBody.Statements;
            case TrainingStepKind.Add:
                // The kernel adds two operands: more are summed into the output one at a time.
                for (var i = 1; i < step.Inputs.Count; i++)
                    writer.WriteLine($"TKernels.Add<{shape}, {identity}>({(i == 1 ? In(0) : outputSpan)}, {In(i)}, {outputSpan});");
                return CaseBody.Statements;
            case TrainingStepKind.ChannelScale:
                writer.WriteLine($"TKernels.ChannelScale<{shape}>({In(0)}, {In(1)}, {outputSpan});");
                return CaseBody.Statements;
            case TrainingStepKind.Concat:
            {
                var channelOffset = 0;
                for (var i = 0; i < step.Inputs.Count; i++)
                {
                    writer.WriteLine($"TKernels.CopyChannels<{ShapeName(step.Shapes[i])}>({In(i)}, {outputSpan}, destinationChannels: {Int(output.Shape.Channels)}, channelOffset: {Int(channelOffset)});");
                    channelOffset += V(step.Inputs[i]).Shape.Channels;
                }
                return CaseBody.Statements;
            }
            case TrainingStepKind.Dropout:
                writer.WriteLine($"if (arguments.Mode == {Training}StepMode.Training)");
                using (writer.OpenBlock())
                {
                    writer.WriteLine("// Image i of the batch draws its mask from (Seed, step << 32 | i): the same masks whatever the family or the split into workers.");
                    writer.WriteLine($"TKernels.DropoutForward<{shape}>({In(0)}, {outputSpan}, {Value(V(step.Mask), "values")},");
                    using (writer.Indent())
                        writer.WriteLine($"rate: {DefinitionEmitter.Float(node.Scalar)}, arguments.Seed, stream: ((ulong)step << 32) | (uint)image);");
                }
                writer.WriteLine("else");
                using (writer.OpenBlock())
                    writer.WriteLine($"{In(0)}.CopyTo({outputSpan});");
                return CaseBody.Statements;
            case TrainingStepKind.Lrn:
                writer.WriteLine($"TKernels.Lrn<{shape}>({In(0)}, {outputSpan}, {LrnSettings(node)});");
                return CaseBody.Statements;
            case TrainingStepKind.Softmax:
            {
                // One pixel: the NCHWc value starts with the plain vector; its padding lanes are cleared, not left stale.
                var channels = Int(output.Shape.Channels);
                writer.WriteLine($"TKernels.Softmax<{shape}>({Value(V(step.Inputs[0]), "values", channels)}, {Value(output, "values", channels)});");
                writer.WriteLine($"values.Slice({output.Identifier} + {channels}, {output.Identifier}Length - {channels}).Clear();");
                return CaseBody.Statements;
            }
            default:
                throw new InvalidOperationException($"No training forward for {step.Kind} ({node.Name}).");
        }
    }

    /// <summary>The batch-level calls of training mode: a BatchNorm's forward with the batch statistics.</summary>
    private CaseBody WriteBatchForward(IndentedTextWriter writer, TrainingStep step)
    {
        if (!step.IsBatchLevel)
            return CaseBody.None;
        BatchNormLocals(writer, step, "gamma", "beta", "runningMean", "runningVariance");
        writer.WriteLine($"TKernels.BatchNormTrainingForward<{ShapeName(step.Shapes[0])}>(arguments.Values, ImageLength, arguments.Images, {V(step.Inputs[0]).Identifier}, {V(step.Output).Identifier},");
        using (writer.Indent())
            writer.WriteLine($"gamma, beta, runningMean, runningVariance, arguments.BatchNormMomentum, epsilon, {Saved(step, 0)}, {Saved(step, 1)});");
        return CaseBody.Scoped;
    }

    private CaseBody WriteBackwardInput(IndentedTextWriter writer, TrainingStep step)
    {
        var node = step.Node;
        var output = V(step.Output);
        string In(int i) => Value(V(step.Inputs[i]), "values");
        string InGradient(int i) => Value(V(step.Inputs[i]), "gradients");
        var outputGradient = Value(output, "gradients");
        var outputValue = Value(output, "values");
        var shape = ShapeName(step.Shapes[0]);
        switch (step.Kind)
        {
            case TrainingStepKind.ToBlocked:
            case TrainingStepKind.ConvFromPlain:
                return CaseBody.None; // they read the network input, which needs no gradient
            case TrainingStepKind.Conv:
                writer.WriteLine($"TKernels.ConvBackwardInput<{shape}>({outputGradient}, {Packed(step.Packed[2], "arguments.Packed")}, {InGradient(0)});");
                return CaseBody.Statements;
            case TrainingStepKind.Dense:
                writer.WriteLine($"TKernels.DenseBackwardInput<{shape}>({outputGradient}, {Parameter(step, 0, "arguments.Parameters")}, {InGradient(0)});");
                return CaseBody.Statements;
            case TrainingStepKind.MaxPool:
            case TrainingStepKind.GlobalMaxPool:
                writer.WriteLine($"TKernels.{step.Kind}Backward<{shape}>({In(0)}, {outputGradient}, {InGradient(0)});");
                return CaseBody.Statements;
            case TrainingStepKind.AvgPool:
            case TrainingStepKind.GlobalAvgPool:
                writer.WriteLine($"TKernels.{step.Kind}Backward<{shape}>({outputGradient}, {InGradient(0)});");
                return CaseBody.Statements;
            case TrainingStepKind.BatchNorm:
                writer.WriteLine("// Inference mode: the running statistics are constants.");
                BatchNormLocals(writer, step, "gamma", null, null, "runningVariance");
                writer.WriteLine($"TKernels.BatchNormInferenceBackwardInput<{shape}>({outputGradient}, gamma, runningVariance, epsilon, {InGradient(0)});");
                return CaseBody.Scoped;
            case TrainingStepKind.Activation:
                writer.WriteLine($"TKernels.ActivationBackward<{shape}, {Activation(step)}>({outputValue}, {outputGradient}, {InGradient(0)});");
                return CaseBody.Statements;
            case TrainingStepKind.Add:
                for (var i = 0; i < step.Inputs.Count; i++)
                    writer.WriteLine($"TKernels.AccumulateGradient<{shape}>({outputGradient}, {InGradient(i)});");
                return CaseBody.Statements;
            case TrainingStepKind.ChannelScale:
                writer.WriteLine($"TKernels.ChannelScaleBackward<{shape}>({In(0)}, {In(1)}, {outputGradient}, {InGradient(0)}, {InGradient(1)});");
                return CaseBody.Statements;
            case TrainingStepKind.Concat:
            {
                var channelOffset = 0;
                for (var i = 0; i < step.Inputs.Count; i++)
                {
                    writer.WriteLine($"TKernels.AccumulateChannels<{ShapeName(step.Shapes[i])}>({outputGradient}, concatChannels: {Int(output.Shape.Channels)}, channelOffset: {Int(channelOffset)}, {InGradient(i)});");
                    channelOffset += V(step.Inputs[i]).Shape.Channels;
                }
                return CaseBody.Statements;
            }
            case TrainingStepKind.Dropout:
                writer.WriteLine($"if (arguments.Mode == {Training}StepMode.Training)");
                using (writer.Indent())
                    writer.WriteLine($"TKernels.DropoutBackward<{shape}>({Value(V(step.Mask), "values")}, {outputGradient}, {InGradient(0)});");
                writer.WriteLine("else");
                using (writer.Indent())
                    writer.WriteLine($"TKernels.AccumulateGradient<{shape}>({outputGradient}, {InGradient(0)});");
                return CaseBody.Statements;
            case TrainingStepKind.Lrn:
                writer.WriteLine($"TKernels.LrnBackward<{shape}>({In(0)}, {outputValue}, {outputGradient}, {InGradient(0)}, {LrnSettings(node)});");
                return CaseBody.Statements;
            case TrainingStepKind.Softmax:
            {
                var channels = Int(output.Shape.Channels);
                writer.WriteLine($"TKernels.SoftmaxBackward<{shape}>({Value(output, "values", channels)}, {Value(output, "gradients", channels)}, {Value(V(step.Inputs[0]), "gradients", channels)});");
                return CaseBody.Statements;
            }
            default:
                throw new InvalidOperationException($"No training backward for {step.Kind} ({node.Name}).");
        }
    }

    /// <summary>The batch-level calls of training mode: a BatchNorm's input gradient through the batch statistics.</summary>
    private CaseBody WriteBatchBackwardInput(IndentedTextWriter writer, TrainingStep step)
    {
        if (!step.IsBatchLevel)
            return CaseBody.None;
        writer.WriteLine($"TKernels.BatchNormTrainingBackwardInput<{ShapeName(step.Shapes[0])}>(arguments.Values, arguments.Gradients, ImageLength, arguments.Images, {V(step.Inputs[0]).Identifier}, {V(step.Output).Identifier},");
        using (writer.Indent())
            writer.WriteLine($"{Parameter(step, 0, "arguments.Parameters")}, {Saved(step, 0)}, {Saved(step, 1)});");
        return CaseBody.Statements;
    }

    private CaseBody WriteBackwardParameters(IndentedTextWriter writer, TrainingStep step)
    {
        var shape = ShapeName(step.Shapes[0]);
        var outputGradient = Value(V(step.Output), "gradients");
        switch (step.Kind)
        {
            case TrainingStepKind.Conv:
            case TrainingStepKind.ConvFromPlain:
            case TrainingStepKind.Dense:
            {
                var method = step.Kind switch
                {
                    TrainingStepKind.Conv => "ConvBackwardWeights",
                    TrainingStepKind.ConvFromPlain => "ConvNchwBackwardWeights",
                    _ => "DenseBackwardWeights",
                };
                var bias = step.Node.HasBias ? ParameterGradient(step, 1) : "default";
                writer.WriteLine($"TKernels.{method}<{shape}>(");
                using (writer.Indent())
                {
                    writer.WriteLine($"{Value(V(step.Inputs[0]), "values")}, {outputGradient},");
                    writer.WriteLine($"{ParameterGradient(step, 0)}, {bias});");
                }
                return CaseBody.Statements;
            }
            case TrainingStepKind.BatchNorm:
                writer.WriteLine("// Inference mode: the running statistics are constants.");
                BatchNormLocals(writer, step, null, null, "runningMean", "runningVariance");
                writer.WriteLine($"TKernels.BatchNormInferenceBackwardParameters<{shape}>({Value(V(step.Inputs[0]), "values")}, {outputGradient},");
                using (writer.Indent())
                    writer.WriteLine($"runningMean, runningVariance, epsilon, {ParameterGradient(step, 0)}, {ParameterGradient(step, 1)});");
                return CaseBody.Scoped;
            default:
                return CaseBody.None;
        }
    }

    /// <summary>The batch-level calls of training mode: a BatchNorm's gamma and beta gradients over the batch.</summary>
    private CaseBody WriteBatchBackwardParameters(IndentedTextWriter writer, TrainingStep step)
    {
        if (!step.IsBatchLevel)
            return CaseBody.None;
        writer.WriteLine($"TKernels.BatchNormTrainingBackwardParameters<{ShapeName(step.Shapes[0])}>(arguments.Values, arguments.Gradients, ImageLength, arguments.Images, {V(step.Inputs[0]).Identifier}, {V(step.Output).Identifier},");
        using (writer.Indent())
            writer.WriteLine($"{Saved(step, 0)}, {Saved(step, 1)}, {ParameterGradient(step, 0)}, {ParameterGradient(step, 1)});");
        return CaseBody.Statements;
    }

    /// <summary>
    /// A BatchNorm case's locals: its epsilon and the parameter tensors named (null: not read), in the order gamma, beta,
    /// running mean, running variance.
    /// </summary>
    private void BatchNormLocals(IndentedTextWriter writer, TrainingStep step, params string?[] names)
    {
        writer.WriteLine($"const float epsilon = {DefinitionEmitter.Float(step.Node.Scalar)};");
        for (var i = 0; i < names.Length; i++)
        {
            if (names[i] is { } name)
                writer.WriteLine($"var {name} = {Parameter(step, i, "arguments.Parameters")};");
        }
    }

    /// <summary>The span of a value in an image's slice (<paramref name="slice"/>: "values" or "gradients"), the family's length or <paramref name="length"/>.</summary>
    private static string Value(TrainingValue value, string slice, string? length = null)
        => $"{slice}.Slice({value.Identifier}, {length ?? value.Identifier + "Length"})";

    /// <summary>The span of the step's <paramref name="index"/>-th parameter tensor in <paramref name="buffer"/> (parameters or their gradients).</summary>
    private string Parameter(TrainingStep step, int index, string buffer)
    {
        var parameter = _plan.Parameters[step.Parameters[index]];
        return $"{buffer}.Slice({parameter.Identifier}, {parameter.Identifier}Length)";
    }

    /// <summary>
    /// The gradient span of the step's <paramref name="index"/>-th parameter tensor: ParameterGradients starts at the first
    /// trainable parameter (<c>ParameterGradientOrigin</c>), so a frozen prefix has no gradient memory.
    /// </summary>
    private string ParameterGradient(TrainingStep step, int index)
    {
        var parameter = _plan.Parameters[step.Parameters[index]];
        return $"arguments.ParameterGradients.Slice({parameter.Identifier} - arguments.ParameterGradientOrigin, {parameter.Identifier}Length)";
    }

    private string Packed(int id, string buffer)
    {
        var item = _plan.Packed[id];
        return $"{buffer}.Slice({item.Identifier}, {item.Identifier}Length)";
    }

    /// <summary>A BatchNorm's saved batch mean (<paramref name="part"/> 0) or inverse standard deviation (1), C floats each.</summary>
    private static string Saved(TrainingStep step, int part)
    {
        var channels = step.SavedLength / 2;
        return $"arguments.Saved.Slice({Int(step.SavedOffset + part * channels)}, {Int(channels)})";
    }

    private string Activation(TrainingStep step) => ActivationTypes.TypeOf(step.Activation, step.SlopeType, _plan.Slopes);

    private static string LrnSettings(Node node)
        => $"size: {Int(node.Size)}, alpha: {DefinitionEmitter.Float(node.Scalar)}, beta: {DefinitionEmitter.Float(node.Scalar2)}, k: {DefinitionEmitter.Float(node.Scalar3)}";

    /// <summary>"Mlpconv1.Mlp1: Conv 1x1; 192x32x32 -> 160x32x32".</summary>
    private string StepComment(TrainingStep step)
    {
        var node = step.Node;
        var output = V(step.Output);
        var what = step.Kind switch
        {
            TrainingStepKind.Conv => node.Describe(),
            TrainingStepKind.ConvFromPlain => node.Describe() + " reading the plain input",
            TrainingStepKind.ToBlocked => "to NCHWc",
            TrainingStepKind.Activation => ActivationTypes.Describe(step.Activation, node.Scalar),
            TrainingStepKind.Add => "Add " + string.Join(" + ", step.Inputs.Select(i => V(i).Name)),
            TrainingStepKind.ChannelScale => $"{V(step.Inputs[0]).Name} scaled per channel by {V(step.Inputs[1]).Name}",
            TrainingStepKind.Concat => "Concat of " + string.Join(", ", step.Inputs.Select(i => V(i).Name)),
            TrainingStepKind.Dropout => "Dropout " + DefinitionEmitter.Double(node.Scalar),
            _ => node.Describe(),
        };
        var shapes = step.Kind == TrainingStepKind.Concat
            ? string.Join(" + ", step.Inputs.Select(i => Text(V(i).Shape)))
            : Text(V(step.Inputs[0]).Shape);
        var name = step.Kind == TrainingStepKind.ToBlocked ? output.Name : node.Name;
        return $"{name}: {what}; {shapes} -> {Text(output.Shape)}";
    }

    private static string Text(Shape shape) => Compiler.Text.Shape(shape);

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);
}
