using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Planning;

namespace ConvForge.Generators.Emitting;

/// <summary>
/// Writes one execution plan as a nested class generic over the kernel family (<c>Blocked16&lt;TKernels&gt;</c>):
/// the arena offset of every tensor as constants, where each layer's packed weights sit, <c>Pack</c> (fold and
/// repack the parameters) and <c>Forward</c> (one kernel call per step, in plan order, with a comment naming the
/// graph nodes it computes).
/// </summary>
/// <remarks>
/// Construction walks the plan once to register the shape structs and names it needs (so the container can
/// declare them); <see cref="Write"/> then writes the class.
/// </remarks>
internal sealed class PlanEmitter
{
    private const string Kernels = "global::ConvForge.Kernels.";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    private const string Span = "global::System.Span<float>";

    /// <summary>Names the class uses itself: members, type parameter, parameters and locals.</summary>
    private static readonly string[] OwnNames =
    {
        "ArenaLength", "PackedLength", "Run", "Pack", "Forward", "TKernels",
        "input", "output", "arena", "packed", "parameters", "scratch", "execution", "batchSize", "image",
        "weights", "bias", "scale", "shift", "version",
    };

    private readonly ExecutionPlan _plan;
    private readonly GraphLayout _layout;
    private readonly ForwardNames _container;
    private readonly KernelShapes _shapes;
    private readonly ActivationTypes _activations;
    private readonly IdentifierSet _names;
    private readonly Dictionary<int, string> _tensorConstants = new();
    private readonly List<int> _arenaTensors = new();
    private readonly List<PackedItem> _packedItems = new();
    private readonly Dictionary<int, StepPlan> _steps = new();

    public PlanEmitter(ExecutionPlan plan, GraphLayout layout, ForwardNames container, IdentifierSet containerNames, KernelShapes shapes, ActivationTypes activations)
    {
        _plan = plan;
        _layout = layout;
        _container = container;
        _shapes = shapes;
        _activations = activations;
        ClassName = "Blocked" + Int(plan.BlockSize);
        _names = containerNames.Nested(OwnNames);
        foreach (var step in plan.Steps)
            _steps.Add(step.Index, Prepare(step));
    }

    /// <summary>"Blocked16".</summary>
    public string ClassName { get; }

    /// <summary>Floats of the scratch room its packing needs.</summary>
    public long ScratchLength { get; private set; }

    /// <summary>True when every offset and length of the plan fits the int constants of the generated code.</summary>
    public static bool Fits(ExecutionPlan plan)
    {
        if (plan.ArenaLength > MaxArrayLength)
            return false;
        foreach (var tensor in plan.Tensors)
        {
            if (tensor.Offset < 0 || tensor.Offset + tensor.Length > int.MaxValue)
                return false;
        }
        return true;
    }

    /// <summary>The largest float[] .NET allocates (Array.MaxLength).</summary>
    private const long MaxArrayLength = 0x7FFFFFC7;

    private int B => _plan.BlockSize;

    private Tensor T(int id) => _plan.Tensors[id];

    private StepPlan Prepare(Step step)
    {
        foreach (var id in Touched(step))
            NameTensor(T(id));

        var node = step.Node;
        var input = step.Inputs.Count > 0 ? T(step.Inputs[0]) : null;
        var output = T(step.Output);
        var shapes = new List<KernelShape>();
        PackedItem? weights = null, bias = null;
        switch (step.Kind)
        {
            case StepKind.Conv:
            case StepKind.ConvFromPlain:
            {
                var shape = _shapes.Conv(node, input!.Shape);
                shapes.Add(shape);
                var lengthMethod = step.Kind == StepKind.Conv ? "ConvWeightsLength" : "ConvNchwWeightsLength";
                weights = AddPacked(node, "Weights", $"TKernels.{lengthMethod}<{shape.Name}>()");
                bias = AddPacked(node, "Bias", Int(Padded(node.Output.Channels)));
                var weight = node.Parameters[0];
                if (step.FoldedBatchNorm is not null)
                    ScratchLength = Math.Max(ScratchLength, weight.Length + node.Output.Channels);
                break;
            }
            case StepKind.Dense:
            {
                var shape = _shapes.Dense(node, input!.Shape);
                shapes.Add(shape);
                weights = AddPacked(node, "Weights", $"TKernels.DenseWeightsLength<{shape.Name}>()");
                bias = AddPacked(node, "Bias", Int(Padded(node.Output.Channels)));
                break;
            }
            case StepKind.BatchNorm:
                shapes.Add(_shapes.Tensor(output.Shape, node));
                weights = AddPacked(node, "Scale", Int(Padded(output.Shape.Channels)));
                bias = AddPacked(node, "Shift", Int(Padded(output.Shape.Channels)));
                ScratchLength = Math.Max(ScratchLength, 2L * output.Shape.Channels);
                break;
            case StepKind.MaxPool:
            case StepKind.AvgPool:
                shapes.Add(_shapes.Pool(node, input!.Shape));
                break;
            case StepKind.GlobalAvgPool:
            case StepKind.GlobalMaxPool:
            case StepKind.ToBlocked:
            case StepKind.ToPlain:
                shapes.Add(_shapes.Tensor(input!.Shape, node));
                break;
            case StepKind.ConcatCopy:
                foreach (var part in step.Inputs)
                    shapes.Add(_shapes.Tensor(T(part).Shape, node));
                break;
            case StepKind.Copy:
                break;
            default:
                // Activation, Add, ChannelScale, Softmax, Lrn: the shape of the output.
                shapes.Add(_shapes.Tensor(output.Shape, node));
                break;
        }
        var activation = _activations.TypeOf(step.Activation, step.Slope, node);
        return new StepPlan(shapes, weights, bias, activation);
    }

    private static IEnumerable<int> Touched(Step step)
    {
        foreach (var id in step.Inputs)
            yield return id;
        if (step.Residual >= 0)
            yield return step.Residual;
        yield return step.Output;
    }

    private void NameTensor(Tensor tensor)
    {
        if (tensor.Storage != Storage.Arena || _tensorConstants.ContainsKey(tensor.Id))
            return;
        _tensorConstants.Add(tensor.Id, _names.Allocate(tensor.Name, "", "Length"));
        _arenaTensors.Add(tensor.Id);
    }

    private PackedItem AddPacked(Node node, string role, string length)
    {
        var item = new PackedItem(_names.Allocate(node.Name, role, "Length"), length);
        _packedItems.Add(item);
        return item;
    }

    private int Padded(int channels) => (channels + B - 1) / B * B;

    public void Write(IndentedTextWriter writer, CancellationToken cancellationToken)
    {
        var family = B == 16 ? "AVX-512" : "AVX2 and portable";
        writer.WriteLine("/// <summary>");
        writer.WriteLine($"/// The plan for {Int(B)}-channel blocks (the {family} kernels): {Int(_plan.Steps.Count)} kernel calls per image, every");
        writer.WriteLine($"/// activation in one arena of {CSharpNames.Grouped(_plan.ArenaLength)} floats.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine($"private static class {ClassName}<TKernels> where TKernels : struct, {Kernels}IKernelFamily");
        using (writer.OpenBlock())
        {
            WriteArena(writer);
            writer.WriteLine();
            WritePackedLayout(writer);
            writer.WriteLine();
            WriteRun(writer);
            writer.WriteLine();
            WritePack(writer, cancellationToken);
            writer.WriteLine();
            WriteForward(writer, cancellationToken);
        }
    }

    private void WriteArena(IndentedTextWriter writer)
    {
        writer.WriteLine($"// Where each activation lives in the arena, in floats. NCHWc tensors of C channels span ceil(C/{Int(B)})*{Int(B)} lanes");
        writer.WriteLine("// per pixel; tensors whose lifetimes do not overlap share floats, and a concatenation's parts are slices of it.");
        writer.WriteLine($"public const int ArenaLength = {Int((int)_plan.ArenaLength)};");
        foreach (var id in _arenaTensors)
        {
            var tensor = T(id);
            var name = _tensorConstants[id];
            writer.WriteLine($"private const int {name} = {Int((int)tensor.Offset)}, {name}Length = {LengthExpression(tensor)};{TensorComment(tensor)}");
        }
    }

    /// <summary>"16 * 55 * 55" (blocked, padded channels first) or "3 * 224 * 224" (plain).</summary>
    private string LengthExpression(Tensor tensor)
    {
        var s = tensor.Shape;
        var channels = tensor.Layout == Layout.Blocked ? Padded(s.Channels) : s.Channels;
        return $"{Int(channels)} * {Int(s.Height)} * {Int(s.Width)}";
    }

    private string TensorComment(Tensor tensor)
    {
        var layout = tensor.Layout == Layout.Blocked ? "" : ", plain";
        var text = $" // {tensor.Name}: {Shape(tensor.Shape)}{layout}";
        if (SliceOf(tensor) is { } slice)
            text += $", channels {slice.First}-{slice.Last} of {slice.Concat}";
        else if (tensor.Root != tensor.Id)
            text += $", the floats of {T(tensor.Root).Name}";
        return text;
    }

    /// <summary>For a part of a zero-copy concatenation: its channel range in the concatenation's tensor.</summary>
    private (string First, string Last, string Concat)? SliceOf(Tensor tensor)
    {
        if (tensor.Root == tensor.Id)
            return null;
        var root = T(tensor.Root);
        if (root.Shape.Height != tensor.Shape.Height || root.Shape.Width != tensor.Shape.Width || root.Shape.Channels <= tensor.Shape.Channels)
            return null;
        var first = (int)((tensor.Offset - root.Offset) / ((long)tensor.Shape.Height * tensor.Shape.Width));
        return (Int(first), Int(first + tensor.Shape.Channels - 1), root.Name);
    }

    private void WritePackedLayout(IndentedTextWriter writer)
    {
        writer.WriteLine("// Where each layer's packed weights sit: its weights in the layout TKernels reads, then its bias (or BatchNorm scale");
        writer.WriteLine("// and shift) padded to whole blocks. Weight lengths follow the family's packing, so offsets are computed once per family.");
        var previous = "0";
        foreach (var item in _packedItems)
        {
            writer.WriteLine($"private static readonly int {item.Name} = {previous}, {item.Name}Length = {item.Length};");
            previous = $"{item.Name} + {item.Name}Length";
        }
        writer.WriteLine($"public static readonly int PackedLength = {previous};");
    }

    private void WriteRun(IndentedTextWriter writer)
    {
        writer.WriteLine("/// <summary>Runs <paramref name=\"batchSize\"/> images, repacking the weights first when the parameters changed.</summary>");
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
            writer.WriteLine("var arena = execution.Arena;");
            writer.WriteLine("var packed = execution.PackedWeights;");
            writer.WriteLine("for (var image = 0; image < batchSize; image++)");
            using (writer.Indent())
                writer.WriteLine($"Forward(input.Slice(image * {_container.InputLength}, {_container.InputLength}), output.Slice(image * {_container.OutputLength}, {_container.OutputLength}), arena, packed);");
        }
    }

    private void WritePack(IndentedTextWriter writer, CancellationToken cancellationToken)
    {
        writer.WriteLine("/// <summary>");
        writer.WriteLine("/// Repacks the parameters for TKernels: each BatchNorm folded into the convolution before it (in scratch, in");
        writer.WriteLine("/// double precision), then every weight tensor in the kernels' layout and every channel vector padded to whole blocks.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine($"private static void Pack({ReadOnlySpan} parameters, {Span} packed, {Span} scratch)");
        using (writer.OpenBlock())
        {
            var first = true;
            foreach (var step in _plan.Steps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var info = _steps[step.Index];
                if (info.Weights is null || info.Bias is null)
                    continue;
                if (!first)
                    writer.WriteLine();
                first = false;
                WritePackStep(writer, step, info);
            }
            if (first)
                writer.WriteLine("// The network has no parameters.");
        }
    }

    private void WritePackStep(IndentedTextWriter writer, Step step, StepPlan info)
    {
        var node = step.Node;
        var weightsItem = info.Weights!;
        var biasItem = info.Bias!;
        var packedWeights = $"packed.Slice({weightsItem.Name}, {weightsItem.Name}Length)";
        var packedBias = $"packed.Slice({biasItem.Name}, {biasItem.Name}Length)";
        var channels = node.Output.Channels;

        if (step.Kind == StepKind.BatchNorm)
        {
            writer.WriteLine($"// {node.Name}: BatchNorm as a per-channel scale and shift.");
            using (writer.OpenBlock())
            {
                writer.WriteLine($"var scale = scratch.Slice(0, {Int(channels)});");
                writer.WriteLine($"var shift = scratch.Slice({Int(channels)}, {Int(channels)});");
                writer.WriteLine($"{Kernels}BatchNorm.ScaleShift(");
                using (writer.Indent())
                {
                    WriteBatchNormArguments(writer, node, ",");
                    writer.WriteLine("scale, shift);");
                }
                writer.WriteLine($"TKernels.PackChannels(scale, {packedWeights});");
                writer.WriteLine($"TKernels.PackChannels(shift, {packedBias});");
            }
            return;
        }

        var shape = info.Shapes[0].Name;
        var pack = step.Kind switch
        {
            StepKind.Conv => $"PackConvWeights<{shape}>",
            StepKind.ConvFromPlain => $"PackConvNchwWeights<{shape}>",
            _ => $"PackDenseWeights<{shape}>",
        };
        var weight = node.Parameters[0];
        var weightSlice = ParameterSlice(weight);
        var biasSlice = node.Parameters.Count > 1 ? ParameterSlice(node.Parameters[1]) : null;

        if (step.FoldedBatchNorm is { } bn)
        {
            var weightLength = Product(weight.Dimensions);
            writer.WriteLine($"// {node.Name}, with {bn.Name} folded into its weights and bias.");
            using (writer.OpenBlock())
            {
                writer.WriteLine($"var weights = scratch.Slice(0, {weightLength});");
                writer.WriteLine($"var bias = scratch.Slice({weightLength}, {Int(channels)});");
                writer.WriteLine($"{weightSlice}.CopyTo(weights);");
                if (biasSlice is null)
                    writer.WriteLine($"bias.Clear(); // {node.Name} has no bias of its own");
                else
                    writer.WriteLine($"{biasSlice}.CopyTo(bias);");
                writer.WriteLine($"{Kernels}BatchNorm.FoldInto(");
                using (writer.Indent())
                {
                    writer.WriteLine("weights, bias,");
                    WriteBatchNormArguments(writer, bn, ");");
                }
                writer.WriteLine($"TKernels.{pack}(weights, {packedWeights});");
                writer.WriteLine($"TKernels.PackChannels(bias, {packedBias});");
            }
            return;
        }

        writer.WriteLine($"// {node.Name}");
        writer.WriteLine($"TKernels.{pack}({weightSlice}, {packedWeights});");
        if (biasSlice is null)
            writer.WriteLine($"{packedBias}.Clear(); // no bias");
        else
            writer.WriteLine($"TKernels.PackChannels({biasSlice}, {packedBias});");
    }

    /// <summary>gamma, beta, mean, variance and epsilon of a BatchNorm node, as named arguments on three lines.</summary>
    private void WriteBatchNormArguments(IndentedTextWriter writer, Node bn, string end)
    {
        var p = bn.Parameters;
        writer.WriteLine($"gamma: {ParameterSlice(p[0])}, beta: {ParameterSlice(p[1])},");
        writer.WriteLine($"mean: {ParameterSlice(p[2])}, variance: {ParameterSlice(p[3])},");
        writer.WriteLine($"epsilon: {DefinitionEmitter.Double(bn.Scalar)}{end}");
    }

    /// <summary>"parameters.Slice(ParameterOffset.Conv1Weight, 64 * 3 * 3 * 3)".</summary>
    private string ParameterSlice(ParameterDef parameter)
        => $"parameters.Slice({_container.ParameterOffsetClass}.{_container.ParameterConstant(parameter.Name)}, {Product(parameter.Dimensions)})";

    private static string Product(IEnumerable<int> dimensions) => string.Join(" * ", dimensions.Select(d => Int(d)));

    private void WriteForward(IndentedTextWriter writer, CancellationToken cancellationToken)
    {
        writer.WriteLine("/// <summary>One image through the network: one kernel call per step of the plan, in order.</summary>");
        writer.WriteLine($"private static void Forward({ReadOnlySpan} input, {Span} output, {Span} arena, {ReadOnlySpan} packed)");
        using (writer.OpenBlock())
        {
            var first = true;
            foreach (var step in _plan.Steps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!first)
                    writer.WriteLine();
                first = false;
                writer.WriteLine("// " + StepComment(step));
                WriteStep(writer, step, _steps[step.Index]);
            }
        }
    }

    private void WriteStep(IndentedTextWriter writer, Step step, StepPlan info)
    {
        var node = step.Node;
        var output = T(step.Output);
        var outputSpan = SpanOf(output);
        string In(int i) => SpanOf(T(step.Inputs[i]));
        string Shape(int i) => info.Shapes[i].Name;
        string Packed(PackedItem item) => $"packed.Slice({item.Name}, {item.Name}Length)";

        switch (step.Kind)
        {
            case StepKind.Conv:
            case StepKind.ConvFromPlain:
            {
                var method = step.Kind == StepKind.Conv ? "Conv" : "ConvNchw";
                var residual = step.Residual >= 0 ? SpanOf(T(step.Residual)) : "default";
                var epilogue = step.Residual >= 0 ? "ResidualEpilogue" : "Epilogue";
                writer.WriteLine($"TKernels.{method}<{Shape(0)}, {Kernels}{epilogue}<{info.Activation}>>(");
                using (writer.Indent())
                {
                    writer.WriteLine($"{In(0)},");
                    writer.WriteLine($"{Packed(info.Weights!)}, {Packed(info.Bias!)},");
                    writer.WriteLine($"{residual}, {outputSpan});");
                }
                break;
            }
            case StepKind.MaxPool:
                writer.WriteLine($"TKernels.MaxPool<{Shape(0)}>({In(0)}, {outputSpan});");
                break;
            case StepKind.AvgPool:
                writer.WriteLine($"TKernels.AvgPool<{Shape(0)}>({In(0)}, {outputSpan});");
                break;
            case StepKind.GlobalAvgPool:
                writer.WriteLine($"TKernels.GlobalAvgPool<{Shape(0)}>({In(0)}, {outputSpan});");
                break;
            case StepKind.GlobalMaxPool:
                writer.WriteLine($"TKernels.GlobalMaxPool<{Shape(0)}>({In(0)}, {outputSpan});");
                break;
            case StepKind.BatchNorm:
                writer.WriteLine($"TKernels.ScaleShift<{Shape(0)}, {info.Activation}>({In(0)}, {Packed(info.Weights!)}, {Packed(info.Bias!)}, {outputSpan});");
                break;
            case StepKind.Activation:
                writer.WriteLine($"TKernels.Activate<{Shape(0)}, {info.Activation}>({In(0)}, {outputSpan});");
                break;
            case StepKind.Add:
                // The kernel adds two operands: more are summed into the output one at a time, the activation last.
                for (var i = 1; i < step.Inputs.Count; i++)
                {
                    var activation = i == step.Inputs.Count - 1 ? info.Activation : Kernels + "Identity";
                    var left = i == 1 ? In(0) : outputSpan;
                    writer.WriteLine($"TKernels.Add<{Shape(0)}, {activation}>({left}, {In(i)}, {outputSpan});");
                }
                break;
            case StepKind.ChannelScale:
                writer.WriteLine($"TKernels.ChannelScale<{Shape(0)}>({In(0)}, {In(1)}, {outputSpan});");
                break;
            case StepKind.ConcatCopy:
            {
                var channelOffset = 0;
                for (var i = 0; i < step.Inputs.Count; i++)
                {
                    var part = T(step.Inputs[i]);
                    writer.WriteLine($"TKernels.CopyChannels<{Shape(i)}>({In(i)}, {outputSpan}, destinationChannels: {Int(output.Shape.Channels)}, channelOffset: {Int(channelOffset)});");
                    channelOffset += part.Shape.Channels;
                }
                break;
            }
            case StepKind.ToBlocked:
                writer.WriteLine($"TKernels.ToNchwc<{Shape(0)}>({In(0)}, {outputSpan});");
                break;
            case StepKind.ToPlain:
                writer.WriteLine($"TKernels.ToNchw<{Shape(0)}>({In(0)}, {outputSpan});");
                break;
            case StepKind.Copy:
                writer.WriteLine($"{In(0)}.CopyTo({outputSpan});");
                break;
            case StepKind.Dense:
                writer.WriteLine($"TKernels.Dense<{Shape(0)}, {info.Activation}>({In(0)}, {Packed(info.Weights!)}, {Packed(info.Bias!)}, {outputSpan});");
                break;
            case StepKind.Softmax:
            {
                var input = T(step.Inputs[0]);
                var channels = output.Shape.Channels;
                if (output.Layout == Layout.Blocked)
                {
                    // One pixel: the NCHWc tensor starts with the plain vector; its padding lanes are cleared, not left stale.
                    writer.WriteLine($"TKernels.Softmax<{Shape(0)}>({SpanOf(input, channels)}, {SpanOf(output, channels)});");
                    if (Padded(channels) > channels)
                        writer.WriteLine($"{SpanOf(output, Padded(channels) - channels, channels)}.Clear();");
                }
                else
                {
                    writer.WriteLine($"TKernels.Softmax<{Shape(0)}>({In(0)}, {outputSpan});");
                }
                break;
            }
            case StepKind.Lrn:
                writer.WriteLine($"TKernels.Lrn<{Shape(0)}>({In(0)}, {outputSpan}, size: {Int(node.Size)}, alpha: {DefinitionEmitter.Float(node.Scalar)}, "
                    + $"beta: {DefinitionEmitter.Float(node.Scalar2)}, k: {DefinitionEmitter.Float(node.Scalar3)});");
                break;
            default:
                throw new InvalidOperationException($"No kernel call for step kind {step.Kind} ({node.Name}).");
        }
    }

    /// <summary>
    /// The span of a tensor: <c>input</c>, <c>output</c> or a slice of the arena by its constants; with
    /// <paramref name="length"/>, that many floats starting <paramref name="skip"/> floats in.
    /// </summary>
    private string SpanOf(Tensor tensor, int? length = null, int skip = 0)
    {
        switch (tensor.Storage)
        {
            case Storage.Arena:
            {
                var name = _tensorConstants[tensor.Id];
                var start = skip == 0 ? name : $"{name} + {Int(skip)}";
                return $"arena.Slice({start}, {(length is { } n ? Int(n) : name + "Length")})";
            }
            default:
            {
                var span = tensor.Storage == Storage.Input ? "input" : "output";
                var whole = tensor.Storage == Storage.Input ? _layout.Graph.Input.Output.Length : _layout.Graph.Output.Output.Length;
                var start = tensor.Offset + skip;
                var count = length ?? (int)tensor.Length;
                return start == 0 && count == whole ? span : $"{span}.Slice({Int((int)start)}, {Int(count)})";
            }
        }
    }

    /// <summary>"Fire2.Squeeze + Fire2.SqueezeRelu: Conv 1x1, Relu; 64x55x55 -> 16x55x55".</summary>
    private string StepComment(Step step)
    {
        var node = step.Node;
        var output = T(step.Output);
        var input = step.Inputs.Count > 0 ? T(step.Inputs[0]) : null;
        var activation = ActivationTypes.Describe(step.Activation, step.Slope);
        var what = step.Kind switch
        {
            StepKind.Conv or StepKind.ConvFromPlain => ConvDescription(step),
            StepKind.MaxPool or StepKind.AvgPool => node.Describe(),
            StepKind.BatchNorm => "BatchNorm as scale and shift",
            StepKind.Activation => activation,
            StepKind.Add => "Add " + string.Join(" + ", step.Inputs.Select(i => T(i).Name)),
            StepKind.ChannelScale => $"{T(step.Inputs[0]).Name} scaled per channel by {T(step.Inputs[1]).Name}",
            StepKind.ConcatCopy => $"Concat of {string.Join(", ", step.Inputs.Select(i => T(i).Name))}, copied (not every part ends on a block boundary)",
            StepKind.ToBlocked => "to NCHWc",
            StepKind.ToPlain => "to plain NCHW",
            StepKind.Copy => "copy",
            StepKind.Lrn => node.Describe(),
            _ => node.Kind.ToString(),
        };
        if (step.Kind is StepKind.BatchNorm or StepKind.Add && activation.Length > 0)
            what += ", " + activation;
        var nodes = string.Join(" + ", step.FusedNodes);
        var shapes = input is null ? Shape(output.Shape) : $"{Shape(input.Shape)} -> {Shape(output.Shape)}";
        if (step.Kind == StepKind.Dense)
            shapes = $"{Shape(input!.Shape)} (flattened) -> {Int(output.Shape.Channels)}";
        if (step.Kind == StepKind.ConcatCopy)
            shapes = $"{string.Join(" + ", step.Inputs.Select(i => Shape(T(i).Shape)))} -> {Shape(output.Shape)}";
        var destination = output.Storage == Storage.Output ? ", into the output" : "";
        if (SliceOf(output) is { } slice)
            destination = $", into channels {slice.First}-{slice.Last} of {slice.Concat}";
        return $"{nodes}: {what}; {shapes}{destination}";
    }

    private string ConvDescription(Step step)
    {
        var text = step.Node.Describe();
        if (step.Kind == StepKind.ConvFromPlain)
            text += " reading the plain input";
        if (step.FoldedBatchNorm is { } bn)
            text += $", {bn.Name} folded in";
        if (step.Residual >= 0)
            text += $", plus {T(step.Residual).Name}";
        var activation = ActivationTypes.Describe(step.Activation, step.Slope);
        if (activation.Length > 0)
            text += ", " + activation;
        return text;
    }

    private static string Shape(Shape shape) => $"{Int(shape.Channels)}x{Int(shape.Height)}x{Int(shape.Width)}";

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// What a step needs besides its tensors: shape structs (in argument order), its two packed items (weights and
    /// bias, or a BatchNorm's scale and shift), and the activation type argument.
    /// </summary>
    private sealed record StepPlan(List<KernelShape> Shapes, PackedItem? Weights, PackedItem? Bias, string Activation);

    /// <summary>A range of the packed buffer: its field name and its length expression.</summary>
    private sealed record PackedItem(string Name, string Length);
}
