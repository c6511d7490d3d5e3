using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace ConvForge.Onnx.Import;

/// <summary>
/// Finds, for each node of a declared network, the ONNX node that computes the same thing, by structure:
/// the declaration is walked in its topological order, and each node is looked for among the ONNX nodes
/// that read the value its own input corresponds to. Candidates are tried in graph order; the first whose
/// operator, settings and weight shapes agree is taken, so sibling branches (a shortcut projection listed
/// before the main path, Inception's four branches) pair up by what they are, not by where they are listed.
/// Weights are written into a staging copy of the parameters; nothing reaches the store unless every
/// declared node found its match.
/// </summary>
internal sealed class OnnxStructureMatcher
{
    private const float MaxFloat = 3.0e38f;

    /// <summary>The operators a declared node can stand for (pass-through and shape operators are handled before).</summary>
    private static readonly HashSet<string> Understood = new(StringComparer.Ordinal)
    {
        "Conv", "BatchNormalization", "Relu", "Clip", "LeakyRelu", "Sigmoid", "MaxPool", "AveragePool", "GlobalAveragePool",
        "GlobalMaxPool", "Concat", "Add", "Sum", "Mul", "Gemm", "MatMul", "LRN", "Softmax",
    };

    private readonly NetworkDefinition network;
    private readonly OnnxGraphView graph;
    private readonly OnnxImportOptions options;
    private readonly float[] staging;
    private readonly HashSet<string> loaded = new(StringComparer.Ordinal);
    private readonly HashSet<OnnxNodeInfo> used = new();
    private readonly string?[] images;
    private readonly Dictionary<int, float[]> carriedBias = new();
    private readonly List<OnnxLayerMatch> matches = new();

    private OnnxStructureMatcher(NetworkDefinition network, OnnxGraphView graph, ReadOnlySpan<float> current, OnnxImportOptions options)
    {
        this.network = network;
        this.graph = graph;
        this.options = options;
        staging = current.ToArray();
        images = new string?[network.Nodes.Count];
    }

    /// <summary>Matches <paramref name="network"/> against <paramref name="model"/>; returns the new parameter values and what matched what.</summary>
    public static (float[] Values, List<OnnxLayerMatch> Matches) Match(NetworkDefinition network, OnnxModel model, ReadOnlySpan<float> current, OnnxImportOptions options)
    {
        var matcher = new OnnxStructureMatcher(network, new OnnxGraphView(model), current, options);
        matcher.Run();
        return (matcher.staging, matcher.matches);
    }

    private void Run()
    {
        var nodes = network.Nodes;
        CheckInput();
        images[0] = graph.DataInput.Name;

        for (var i = 1; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (node.Inputs.Any(input => images[input] is null))
            {
                Skip(i, "reads a layer that was not in the ONNX model");
                continue;
            }
            if (node.Kind is OpKind.Flatten or OpKind.Dropout)
            {
                // Layout and training-only nodes: the ONNX graph may or may not spell them out.
                images[i] = images[node.Inputs[0]];
                continue;
            }
            MatchNode(i);
        }

        var unloaded = network.Parameters.Where(p => !loaded.Contains(p.Name)).ToList();
        if (unloaded.Count > 0 && !options.AllowMissingLayers)
            throw Problem($"{unloaded.Count} parameter tensors found no weights: {string.Join(", ", unloaded.Take(10).Select(p => p.Name))}{(unloaded.Count > 10 ? " ..." : "")}");
        CheckNothingLeft();
    }

    private void CheckInput()
    {
        var input = graph.DataInput;
        var shape = input.Shape;
        var declared = network.InputShape;
        if (shape is null)
            return;
        if (shape.Count != 4)
            throw Problem($"the ONNX input {input} has {shape.Count} dimensions; ConvForge networks read N x C x H x W images");
        var expected = new long[] { declared.Channels, declared.Height, declared.Width };
        for (var d = 0; d < 3; d++)
        {
            if (shape[d + 1].Value is long size && size != expected[d])
                throw Problem($"the ONNX input {input} does not fit the declared input {declared} (expected [N, {declared.Channels}, {declared.Height}, {declared.Width}])");
        }
        if (input.ElementType is not (OnnxElementType.Float or OnnxElementType.Undefined))
            throw Problem($"the ONNX input {input} is not float");
    }

    private void MatchNode(int index)
    {
        var node = network.Nodes[index];
        var inputs = node.Inputs.Select(i => images[i]!).ToList();
        var reshaped = new HashSet<OnnxNodeInfo>();
        var candidates = graph.Consumers(inputs[0], null, reshaped).Where(c => !used.Contains(c)).ToList();
        var reasons = new List<string>();
        var unsupported = false;
        foreach (var candidate in candidates)
        {
            var attempt = new Attempt(this, index, candidate);
            string? reason;
            try
            {
                reason = attempt.Try(inputs, reshaped.Contains(candidate));
            }
            catch (NotSupportedException e)
            {
                reason = e.Message;
                unsupported = true;
            }
            if (reason is null)
            {
                attempt.Commit();
                return;
            }
            reasons.Add($"{Describe(candidate)}: {reason}");
        }

        // Declared nodes the ONNX graph may have folded away.
        if (node.Kind == OpKind.BatchNorm && carriedBias.TryGetValue(node.Inputs[0], out var bias))
        {
            // The exporter folded this batch norm into the convolution's bias: an identity batch norm whose beta is that bias.
            var variance = 1 - node.Epsilon;
            if (variance > 0)
            {
                Write(node.Gamma!, Enumerable.Repeat(1f, bias.Length).ToArray());
                Write(node.Beta!, bias);
                Write(node.RunningMean!, new float[bias.Length]);
                Write(node.RunningVar!, Enumerable.Repeat((float)variance, bias.Length).ToArray());
                images[index] = images[node.Inputs[0]];
                carriedBias.Remove(node.Inputs[0]);
                matches.Add(new OnnxLayerMatch(node.Name, Array.Empty<string>(), "no BatchNormalization in the ONNX model (folded into the convolution): identity, with the convolution's bias as beta"));
                return;
            }
        }

        if (options.AllowMissingLayers)
        {
            Skip(index, reasons.Count == 0 ? "nothing in the ONNX model reads its input" : "no ONNX node matches it");
            return;
        }
        var where = DescribeValue(inputs[0], node.Inputs[0]);
        if (reasons.Count == 0)
            throw Problem($"{DescribeDeclared(node)} has no counterpart: {where} is read by no ONNX node that is not matched already");
        var message = $"{DescribeDeclared(node)} matches none of the ONNX nodes that read {where}: {string.Join("; ", reasons)}";
        throw unsupported ? new NotSupportedException(Problem(message).Message) : Problem(message);
    }

    private void Skip(int index, string why)
    {
        images[index] = null;
        matches.Add(new OnnxLayerMatch(network.Nodes[index].Name, Array.Empty<string>(), "not loaded: " + why));
    }

    private void CheckNothingLeft()
    {
        // Pass-through nodes after the output (an Identity to the graph output) are part of it.
        var last = images[network.Nodes.Count - 1];
        var after = new List<OnnxNodeInfo>();
        if (last is not null)
            graph.Consumers(last, after, null);
        foreach (var node in after)
            used.Add(node);

        if (options.AllowExtraOnnxNodes)
            return;
        var left = graph.Nodes.Where(n => graph.IsCompute(n) && !used.Contains(n)).ToList();
        if (left.Count > 0)
            throw Problem($"the ONNX model has {left.Count} node{(left.Count == 1 ? "" : "s")} the declaration does not: {string.Join(", ", left.Take(10).Select(Describe))}{(left.Count > 10 ? " ..." : "")} (set AllowExtraOnnxNodes to load a network that ends earlier, such as a trunk without its classifier)");
    }

    private void Write(ParameterInfo parameter, float[] values)
    {
        if (values.Length != parameter.Length)
            throw new InvalidOperationException($"Internal error: {parameter} got {values.Length} values.");
        values.CopyTo(staging, parameter.Offset);
        loaded.Add(parameter.Name);
    }

    private string DescribeValue(string value, int declaredIndex)
    {
        var producer = graph.Producer(value);
        return producer is null
            ? $"{network.Nodes[declaredIndex].Name}'s output (ONNX value '{value}', the graph input)"
            : $"{network.Nodes[declaredIndex].Name}'s output (ONNX value '{value}' of {Describe(producer)})";
    }

    private static string Describe(OnnxNodeInfo node) => $"'{node.DisplayName}' ({node.OpType})";

    private static string DescribeDeclared(NodeDefinition node)
    {
        var text = node.ToString();
        if (node.Weight is { } weight)
            text += $", weight [{string.Join(", ", weight.Shape)}]";
        return "declared node " + text;
    }

    private InvalidDataException Problem(string problem) =>
        new($"The ONNX model does not fit network {network.Name}: {problem}.");

    private static string Shape(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";

    private static string Shape(IReadOnlyList<long> shape) => OnnxTensor.DescribeShape(shape);

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>One try at pairing a declared node with an ONNX node: checks everything, stages the weights, commits on success.</summary>
    private sealed class Attempt
    {
        private readonly OnnxStructureMatcher owner;
        private readonly int index;
        private readonly NodeDefinition node;
        private readonly OnnxNodeInfo onnx;
        private readonly List<(ParameterInfo Parameter, float[] Values)> writes = new();
        private readonly List<OnnxNodeInfo> consumed = new();
        private string output;
        private string? note;
        private float[]? biasToCarry;
        private bool biasCarryConsumed;

        public Attempt(OnnxStructureMatcher owner, int index, OnnxNodeInfo onnx)
        {
            this.owner = owner;
            this.index = index;
            node = owner.network.Nodes[index];
            this.onnx = onnx;
            consumed.Add(onnx);
            output = onnx.Outputs.Count > 0 ? onnx.Outputs[0] : "";
        }

        private OnnxGraphView Graph => owner.graph;
        private TensorShape InputShape => owner.network.Nodes[node.Inputs[0]].Output;

        /// <summary>Null when <see cref="onnx"/> computes what the declared node does; otherwise why not.</summary>
        public string? Try(List<string> inputs, bool reachedThroughReshape)
        {
            if (onnx.Domain.Length > 0 || !Understood.Contains(onnx.OpType))
                throw new NotSupportedException($"{onnx.OpType}{(onnx.Domain.Length > 0 ? " of domain " + onnx.Domain : "")} is not an operator ConvForge can import");
            if (reachedThroughReshape && !(InputShape.Height == 1 && InputShape.Width == 1) && node.Kind != OpKind.Dense)
                return $"it reads a Flatten or Reshape of a {InputShape} value, which only a dense layer may";
            var dataInputs = Graph.DataInputsOf(onnx);
            var expectedInputs = node.Kind is OpKind.Add or OpKind.ChannelScale
                ? SameItems(dataInputs, inputs)
                : dataInputs.SequenceEqual(inputs);
            if (!expectedInputs)
                return node.Inputs.Count == 1
                    ? $"it reads {dataInputs.Count} image values where the declared node reads one"
                    : "it does not read the same values as the declared node";
            var outputs = onnx.Outputs.Skip(1).Where(o => o.Length > 0 && Graph.Readers(o).Count > 0).ToList();
            if (outputs.Count > 0 && onnx.OpType != "Dropout")
                return $"its extra output {outputs[0]} is used (a training-mode node?)";

            return node.Kind switch
            {
                OpKind.Conv => Conv(),
                OpKind.MaxPool or OpKind.AvgPool or OpKind.GlobalAvgPool or OpKind.GlobalMaxPool => Pool(),
                OpKind.BatchNorm => BatchNorm(),
                OpKind.Relu => Activation("Relu", 0, double.PositiveInfinity),
                OpKind.Relu6 => Activation("Relu6", 0, 6),
                OpKind.LeakyRelu => LeakyRelu(),
                OpKind.Sigmoid => Expect("Sigmoid"),
                OpKind.Softmax => Softmax(),
                OpKind.Lrn => Lrn(),
                OpKind.Dense => Dense(),
                OpKind.Concat => Concat(),
                OpKind.Add => Expect(node.Inputs.Count == 2 ? "Add" : "Sum", "Add", "Sum"),
                OpKind.ChannelScale => Expect("Mul"),
                _ => $"ConvForge cannot import a declared {node.Kind}",
            };
        }

        public void Commit()
        {
            foreach (var (parameter, values) in writes)
                owner.Write(parameter, values);
            foreach (var consumedNode in consumed)
                owner.used.Add(consumedNode);
            // The pass-through nodes (Flatten, Dropout ...) in front of what matched belong to the match.
            var passedThrough = new List<OnnxNodeInfo>();
            foreach (var consumedNode in consumed)
            {
                foreach (var input in consumedNode.Inputs)
                {
                    var value = input;
                    while (value.Length > 0 && Graph.Producer(value) is { } producer && OnnxGraphView.IsPassThrough(producer) && !owner.used.Contains(producer))
                    {
                        passedThrough.Add(producer);
                        owner.used.Add(producer);
                        value = producer.Inputs[0];
                    }
                }
            }
            var all = passedThrough.Concat(consumed).Distinct().OrderBy(n => n.Index);
            if (biasToCarry is not null)
                owner.carriedBias[index] = biasToCarry;
            if (biasCarryConsumed)
                owner.carriedBias.Remove(node.Inputs[0]);
            owner.images[index] = Graph.Origin(output);
            owner.matches.Add(new OnnxLayerMatch(node.Name, all.Select(n => n.DisplayName).ToArray(), note));
        }

        private string? Expect(string name, params string[] accepted)
        {
            var ok = accepted.Length == 0 ? onnx.OpType == name : accepted.Contains(onnx.OpType);
            return ok ? null : $"expected {name}, found {onnx.OpType}";
        }

        private string? Conv()
        {
            if (onnx.OpType != "Conv")
                return $"expected Conv, found {onnx.OpType}";
            var weight = RequireConstant(1, "weight");
            if (weight.Dims.Count != 4)
                return $"weight {weight} is not 4-D: only 2-D convolutions are supported";
            var window = ReadWindow(weight.Dims, isConv: true, out var problem);
            if (problem is not null)
                return problem;
            var groups = Int("group", 1);
            if (groups != node.Groups)
                return Format($"groups: expected {node.Groups}, found {groups}");
            var windowProblem = CompareWindow(node.Window, window, InputShape, exactPadding: false);
            if (windowProblem is not null)
                return windowProblem;
            var declaredWeight = node.Weight!;
            if (!SameShape(declaredWeight.Shape, weight.Dims))
                return $"weight {declaredWeight.Name}: expected {Shape(declaredWeight.Shape)}, found {Shape(weight.Dims)} ({weight.Name})";

            var weights = weight.ToFloats();
            var outChannels = declaredWeight.Shape[0];
            float[]? bias = null;
            if (onnx.Inputs.Count > 2 && onnx.Inputs[2].Length > 0)
            {
                var biasTensor = RequireConstant(2, "bias");
                if (biasTensor.ElementCount != outChannels)
                    return Format($"bias: expected [{outChannels}], found {Shape(biasTensor.Dims)} ({biasTensor.Name})");
                bias = biasTensor.ToFloats();
            }
            bias = AbsorbFollowers(weights, bias, outChannels, out problem);
            if (problem is not null)
                return problem;
            writes.Add((declaredWeight, weights));
            return StoreBias(bias, outChannels);
        }

        private string? Dense()
        {
            var declaredWeight = node.Weight!;
            var units = declaredWeight.Shape[0];
            var features = declaredWeight.Shape[1];
            float[] weights;
            float[]? bias = null;
            switch (onnx.OpType)
            {
                case "Gemm":
                {
                    if (Int("transA", 0) != 0)
                        return "Gemm with transA = 1 transposes the image batch; ConvForge reads [N, features]";
                    var b = RequireConstant(1, "B");
                    var transB = Int("transB", 0) != 0;
                    var expected = transB ? new long[] { units, features } : new long[] { features, units };
                    if (!SameShape(b.Dims, expected))
                        return $"weight {declaredWeight.Name}: expected {Shape(expected)} (transB = {(transB ? 1 : 0)}), found {Shape(b.Dims)} ({b.Name})";
                    weights = b.ToFloats();
                    if (!transB)
                        weights = Transpose(weights, features, units);
                    var alpha = Float("alpha", 1f);
                    if (alpha != 1f)
                    {
                        for (var i = 0; i < weights.Length; i++)
                            weights[i] *= alpha;
                    }
                    if (onnx.Inputs.Count > 2 && onnx.Inputs[2].Length > 0)
                    {
                        var c = RequireConstant(2, "C");
                        var cValues = c.ToFloats();
                        if (cValues.Length != units && cValues.Length != 1)
                            return Format($"bias: expected [{units}] or [1, {units}], found {Shape(c.Dims)} ({c.Name})");
                        var beta = Float("beta", 1f);
                        bias = new float[units];
                        for (var i = 0; i < units; i++)
                            bias[i] = beta * cValues[cValues.Length == 1 ? 0 : i];
                    }
                    break;
                }
                case "MatMul":
                {
                    var b = RequireConstant(1, "B");
                    var expected = new long[] { features, units };
                    if (!SameShape(b.Dims, expected))
                        return $"weight {declaredWeight.Name}: expected {Shape(expected)} (MatMul's [in, out]), found {Shape(b.Dims)} ({b.Name})";
                    weights = Transpose(b.ToFloats(), features, units);
                    break;
                }
                default:
                    return $"expected Gemm or MatMul, found {onnx.OpType}";
            }
            bias = AbsorbFollowers(weights, bias, units, out var problem);
            if (problem is not null)
                return problem;
            writes.Add((declaredWeight, weights));
            return StoreBias(bias, units);
        }

        /// <summary>
        /// Takes in what follows the ONNX node and the declaration has no node for: an Add of a constant
        /// (a bias written separately) and a BatchNormalization after a convolution the declaration gives
        /// a bias instead (folded into the weights and the bias).
        /// </summary>
        private float[]? AbsorbFollowers(float[] weights, float[]? bias, int channels, out string? problem)
        {
            problem = null;
            var declaredNext = owner.network.Nodes.Where(n => n.Inputs.Contains(index)).ToList();
            var declaredBatchNormFollows = declaredNext.Any(n => n.Kind == OpKind.BatchNorm);
            while (true)
            {
                var readers = Graph.Consumers(output, null, null);
                if (readers.Count != 1)
                    return bias;
                var next = readers[0];
                if (owner.used.Contains(next))
                    return bias;
                if (next.OpType is "Add" or "Sum" && Graph.DataInputsOf(next).Count == 1)
                {
                    var constantInput = next.Inputs.FirstOrDefault(i => i.Length > 0 && Graph.Constant(i) is not null);
                    var constant = constantInput is null ? null : Graph.Constant(constantInput);
                    if (constant is null || constant.ElementCount != channels || !IsChannelVector(constant.Dims, channels))
                        return bias;
                    var values = constant.ToFloats();
                    bias ??= new float[channels];
                    for (var i = 0; i < channels; i++)
                        bias[i] += values[i];
                    Consume(next);
                    continue;
                }
                if (next.OpType == "BatchNormalization" && !declaredBatchNormFollows && node.Kind == OpKind.Conv)
                {
                    var (scale, shift, mean, variance, epsilon) = ReadBatchNorm(next, channels, out problem);
                    if (problem is not null)
                        return bias;
                    if (!node.HasBias)
                    {
                        problem = $"ONNX {Describe(next)} follows it, but the declared convolution has no bias and no [BatchNorm]; declare Bias = true (the batch norm is folded into it) or a [BatchNorm]";
                        return bias;
                    }
                    var perChannel = weights.Length / channels;
                    bias ??= new float[channels];
                    for (var c = 0; c < channels; c++)
                    {
                        var factor = scale[c] / Math.Sqrt(variance[c] + epsilon);
                        for (var k = 0; k < perChannel; k++)
                            weights[c * perChannel + k] = (float)(weights[c * perChannel + k] * factor);
                        bias[c] = (float)((bias[c] - mean[c]) * factor + shift[c]);
                    }
                    Consume(next);
                    note = $"{next.DisplayName} folded into the weights and bias";
                    continue;
                }
                return bias;
            }
        }

        private void Consume(OnnxNodeInfo next)
        {
            var passed = new List<OnnxNodeInfo>();
            Graph.Consumers(output, passed, null);
            consumed.AddRange(passed);
            consumed.Add(next);
            output = next.Outputs[0];
        }

        private string? StoreBias(float[]? bias, int channels)
        {
            if (node.Bias is { } declaredBias)
            {
                writes.Add((declaredBias, bias ?? new float[channels]));
                return null;
            }
            if (bias is null || bias.All(v => v == 0))
                return null;
            var followedByBatchNorm = owner.network.Nodes.Count(n => n.Inputs.Contains(index)) == 1
                && owner.network.Nodes.Single(n => n.Inputs.Contains(index)).Kind == OpKind.BatchNorm;
            if (!followedByBatchNorm)
                return Format($"the ONNX node has a bias [{channels}] but {node.Name} is declared without one (Bias = false) and no [BatchNorm] follows to take it in; declare Bias = true");
            biasToCarry = bias;
            return null;
        }

        private string? BatchNorm()
        {
            if (onnx.OpType != "BatchNormalization")
                return $"expected BatchNormalization, found {onnx.OpType}";
            var channels = InputShape.Channels;
            var (scale, shift, mean, variance, epsilon) = ReadBatchNorm(onnx, channels, out var problem);
            if (problem is not null)
                return problem;
            var gamma = scale.Select(v => (float)v).ToArray();
            var beta = shift.Select(v => (float)v).ToArray();
            var runningMean = new float[channels];
            var runningVar = new float[channels];
            owner.carriedBias.TryGetValue(node.Inputs[0], out var carried);
            biasCarryConsumed = carried is not null;
            for (var c = 0; c < channels; c++)
            {
                // A bias before the batch norm shifts the mean it subtracts.
                runningMean[c] = (float)(mean[c] - (carried?[c] ?? 0));
                // sqrt(var + eps_onnx) = sqrt(var' + eps_declared): the declared epsilon can differ without changing a result.
                var adjusted = SameEpsilon(epsilon, node.Epsilon) ? variance[c] : variance[c] + epsilon - node.Epsilon;
                if (!(adjusted >= 0))
                    return Format($"its epsilon {epsilon:G6} is smaller than the declared {node.Epsilon:G6} by more than the running variance {variance[c]:G6} of channel {c}; declare Epsilon = {epsilon:G6}");
                runningVar[c] = (float)adjusted;
            }
            writes.Add((node.Gamma!, gamma));
            writes.Add((node.Beta!, beta));
            writes.Add((node.RunningMean!, runningMean));
            writes.Add((node.RunningVar!, runningVar));
            if (carried is not null)
                note = "the convolution's bias taken into the running mean";
            return null;
        }

        private (double[] Scale, double[] Shift, double[] Mean, double[] Variance, double Epsilon) ReadBatchNorm(OnnxNodeInfo bn, int channels, out string? problem)
        {
            problem = null;
            var empty = Array.Empty<double>();
            if (bn.Inputs.Count < 5)
            {
                problem = $"{Describe(bn)} has {bn.Inputs.Count} inputs; BatchNormalization takes X, scale, B, mean and var";
                return (empty, empty, empty, empty, 0);
            }
            if (bn.FindAttribute("spatial") is { Int: 0 })
            {
                problem = $"{Describe(bn)} has spatial = 0 (statistics per pixel); ConvForge's batch norm is per channel";
                return (empty, empty, empty, empty, 0);
            }
            if (bn.FindAttribute("training_mode") is { Int: not 0 })
            {
                problem = $"{Describe(bn)} is in training mode; export the model in eval mode";
                return (empty, empty, empty, empty, 0);
            }
            var names = new[] { "scale", "B", "mean", "var" };
            var values = new double[4][];
            for (var k = 0; k < 4; k++)
            {
                var tensor = ConstantInput(bn, k + 1, names[k]);
                if (tensor.ElementCount != channels || !IsChannelVector(tensor.Dims, channels))
                {
                    problem = Format($"{Describe(bn)}'s {names[k]}: expected [{channels}], found {Shape(tensor.Dims)} ({tensor.Name})");
                    return (empty, empty, empty, empty, 0);
                }
                values[k] = tensor.ToFloats().Select(v => (double)v).ToArray();
            }
            var epsilon = (double)(bn.FindAttribute("epsilon")?.Float ?? 1e-5f);
            return (values[0], values[1], values[2], values[3], epsilon);
        }

        private string? Pool()
        {
            var input = InputShape;
            var declared = node.Kind switch
            {
                OpKind.GlobalAvgPool => (Average: true, Window: KernelWindow.Square(1) with { KernelHeight = input.Height, KernelWidth = input.Width }, CountIncludePad: false),
                OpKind.GlobalMaxPool => (Average: false, Window: KernelWindow.Square(1) with { KernelHeight = input.Height, KernelWidth = input.Width }, CountIncludePad: false),
                _ => (Average: node.Kind == OpKind.AvgPool, node.Window, node.CountIncludePad),
            };
            KernelWindow found;
            bool average, countIncludePad = false;
            switch (onnx.OpType)
            {
                case "GlobalAveragePool":
                case "GlobalMaxPool":
                    average = onnx.OpType == "GlobalAveragePool";
                    found = KernelWindow.Square(1) with { KernelHeight = input.Height, KernelWidth = input.Width };
                    break;
                case "MaxPool":
                case "AveragePool":
                {
                    average = onnx.OpType == "AveragePool";
                    if (onnx.Outputs.Count > 1 && Graph.Readers(onnx.Outputs[1]).Count > 0)
                        return "its Indices output is used";
                    if (Int("storage_order", 0) != 0)
                        return "storage_order = 1 is not supported";
                    var kernel = onnx.FindAttribute("kernel_shape")?.Ints;
                    if (kernel is null || kernel.Count != 2)
                        return "kernel_shape must give two sizes (2-D pooling)";
                    found = ReadWindow(new long[] { 0, 0, kernel[0], kernel[1] }, isConv: false, out var problem);
                    if (problem is not null)
                        return problem;
                    countIncludePad = average && Int("count_include_pad", 0) != 0;
                    break;
                }
                default:
                    return $"expected a {(declared.Average ? "average" : "max")} pooling, found {onnx.OpType}";
            }
            if (average != declared.Average)
                return $"expected a {(declared.Average ? "average" : "max")} pooling, found {onnx.OpType}";
            var windowProblem = CompareWindow(declared.Window, found, input, exactPadding: false);
            if (windowProblem is not null)
                return windowProblem;
            if (average && (ReadsPadding(declared.Window, input) || ReadsPadding(found, input)))
            {
                if (declared.CountIncludePad != countIncludePad)
                    return Format($"count_include_pad: expected {(declared.CountIncludePad ? 1 : 0)}, found {(countIncludePad ? 1 : 0)}");
                if (countIncludePad && declared.Window != found)
                    return $"window: expected {declared.Window}, found {found} (with count_include_pad = 1 the padding must agree exactly)";
            }
            return null;
        }

        private string? Activation(string name, double low, double high)
        {
            if (onnx.OpType == "Relu" && name == "Relu")
                return null;
            if (onnx.OpType != "Clip")
                return $"expected {(name == "Relu" ? "Relu" : "Clip(0, 6)")}, found {onnx.OpType}";
            // Opset 11 moved Clip's bounds from attributes to optional inputs.
            double min = onnx.FindAttribute("min")?.Float ?? float.MinValue;
            double max = onnx.FindAttribute("max")?.Float ?? float.MaxValue;
            if (onnx.Inputs.Count > 1 && onnx.Inputs[1].Length > 0)
                min = ConstantInput(onnx, 1, "min").ToScalar();
            if (onnx.Inputs.Count > 2 && onnx.Inputs[2].Length > 0)
                max = ConstantInput(onnx, 2, "max").ToScalar();
            var isMatch = min == low && (double.IsPositiveInfinity(high) ? max >= MaxFloat : max == high);
            return isMatch ? null : Format($"expected {name} (Clip to [{low}, {high}]), found Clip to [{min:G6}, {max:G6}]");
        }

        private string? LeakyRelu()
        {
            if (onnx.OpType != "LeakyRelu")
                return $"expected LeakyRelu, found {onnx.OpType}";
            var alpha = onnx.FindAttribute("alpha")?.Float ?? 0.01f;
            return Close(alpha, node.Slope) ? null : Format($"slope: expected {node.Slope:G6}, found alpha = {alpha:G6}");
        }

        private string? Softmax()
        {
            if (onnx.OpType != "Softmax")
                return $"expected Softmax, found {onnx.OpType}";
            // Before opset 13 Softmax flattened everything from the axis on (default 1); from 13 it takes one axis (default -1).
            var rank = Graph.Rank(onnx.Inputs[0]);
            var axis = Int("axis", Graph.Opset < 13 ? 1 : -1);
            if (axis < 0)
                axis += rank;
            var pixels = InputShape.Height * InputShape.Width;
            if (axis == 1 && (Graph.Opset >= 13 || rank == 2 || pixels == 1))
                return null;
            return Format($"softmax over axis {Int("axis", Graph.Opset < 13 ? 1 : -1)} of a rank-{rank} value (opset {Graph.Opset}) is not a softmax over the channels of {InputShape}");
        }

        private string? Lrn()
        {
            if (onnx.OpType != "LRN")
                return $"expected LRN, found {onnx.OpType}";
            var size = Int("size", 0);
            var alpha = onnx.FindAttribute("alpha")?.Float ?? 1e-4f;
            var beta = onnx.FindAttribute("beta")?.Float ?? 0.75f;
            var bias = onnx.FindAttribute("bias")?.Float ?? 1f;
            if (size != node.LrnSize || !Close(alpha, node.LrnAlpha) || !Close(beta, node.LrnBeta) || !Close(bias, node.LrnK))
                return Format($"expected size {node.LrnSize}, alpha {node.LrnAlpha:G6}, beta {node.LrnBeta:G6}, k {node.LrnK:G6}; found size {size}, alpha {alpha:G6}, beta {beta:G6}, bias {bias:G6}");
            return null;
        }

        private string? Concat()
        {
            if (onnx.OpType != "Concat")
                return $"expected Concat, found {onnx.OpType}";
            var axis = Int("axis", 1);
            return axis == 1 ? null : Format($"concatenates along axis {axis}; ConvForge concatenates channels (axis 1)");
        }

        private KernelWindow ReadWindow(IReadOnlyList<long> weightDims, bool isConv, out string? problem)
        {
            problem = null;
            var kernel = onnx.FindAttribute("kernel_shape")?.Ints ?? new[] { weightDims[2], weightDims[3] };
            if (kernel.Count != 2 || kernel[0] != weightDims[2] && isConv || kernel[1] != weightDims[3] && isConv)
            {
                problem = $"kernel_shape {Shape(kernel)} does not fit the weight's {Shape(weightDims)}";
                return default;
            }
            var strides = Ints("strides", 1, 1);
            var dilations = Ints("dilations", 1, 1);
            var pads = Ints("pads", 0, 0, 0, 0);
            if (strides.Length != 2 || dilations.Length != 2 || pads.Length != 4)
            {
                problem = "strides, dilations and pads must describe two spatial axes";
                return default;
            }
            var ceil = !isConv && Int("ceil_mode", 0) != 0;
            var autoPad = onnx.FindAttribute("auto_pad")?.String ?? "NOTSET";
            if (autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                // Output ceil(in / stride); the odd pixel goes at the end (UPPER) or the beginning (LOWER).
                var input = InputShape;
                var sizes = new long[] { input.Height, input.Width };
                for (var axis = 0; axis < 2; axis++)
                {
                    var span = dilations[axis] * (kernel[axis] - 1) + 1;
                    var outSize = (sizes[axis] + strides[axis] - 1) / strides[axis];
                    var total = Math.Max(0, (outSize - 1) * strides[axis] + span - sizes[axis]);
                    var small = total / 2;
                    pads[axis] = autoPad == "SAME_UPPER" ? small : total - small;
                    pads[axis + 2] = total - pads[axis];
                }
            }
            else if (autoPad == "VALID")
            {
                Array.Clear(pads);
            }
            else if (autoPad != "NOTSET" && autoPad.Length > 0)
            {
                problem = $"auto_pad \"{autoPad}\" is not an ONNX setting";
                return default;
            }
            if (!FitsInt(kernel) || !FitsInt(strides) || !FitsInt(dilations) || !FitsInt(pads) || pads.Any(p => p < 0))
            {
                problem = "its window settings are out of range";
                return default;
            }
            return new KernelWindow((int)kernel[0], (int)kernel[1], (int)strides[0], (int)strides[1],
                (int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3], (int)dilations[0], (int)dilations[1], ceil);
        }

        private OnnxTensor RequireConstant(int input, string role) => ConstantInput(onnx, input, role);

        private OnnxTensor ConstantInput(OnnxNodeInfo on, int input, string role)
        {
            if (on.Inputs.Count <= input || on.Inputs[input].Length == 0)
                throw new NotSupportedException($"{Describe(on)} has no {role} input");
            return Graph.Constant(on.Inputs[input])
                ?? throw new NotSupportedException($"{Describe(on)}'s {role} ({on.Inputs[input]}) is computed by the graph rather than stored; ConvForge loads stored weights only");
        }

        private long Int(string name, long fallback) => onnx.FindAttribute(name) is { } a ? a.Int : fallback;

        private float Float(string name, float fallback) => onnx.FindAttribute(name) is { } a ? a.Float : fallback;

        private long[] Ints(string name, params long[] fallback) => onnx.FindAttribute(name)?.Ints.ToArray() ?? fallback;

        private static bool FitsInt(IReadOnlyList<long> values) => values.All(v => v >= int.MinValue && v <= int.MaxValue);
    }

    /// <summary>
    /// Null when two windows pick the same input pixels for the same outputs on <paramref name="input"/>:
    /// the same kernel, stride, dilation and leading padding, and as many outputs. Trailing padding that
    /// no window reads (CNTK pads stride-2 layers on one side only) does not count, unless
    /// <paramref name="exactPadding"/>.
    /// </summary>
    private static string? CompareWindow(KernelWindow declared, KernelWindow found, TensorShape input, bool exactPadding)
    {
        var same = declared.KernelHeight == found.KernelHeight && declared.KernelWidth == found.KernelWidth
            && declared.StrideHeight == found.StrideHeight && declared.StrideWidth == found.StrideWidth
            && declared.DilationHeight == found.DilationHeight && declared.DilationWidth == found.DilationWidth
            && declared.PadTop == found.PadTop && declared.PadLeft == found.PadLeft
            && declared.OutputHeight(input.Height) == found.OutputHeight(input.Height)
            && declared.OutputWidth(input.Width) == found.OutputWidth(input.Width);
        if (exactPadding)
            same &= declared == found;
        if (same)
            return null;
        // A stride does not matter where one window covers everything (a 7x7 average pool on 7x7).
        var single = declared.OutputHeight(input.Height) == 1 && declared.OutputWidth(input.Width) == 1
            && found.OutputHeight(input.Height) == 1 && found.OutputWidth(input.Width) == 1
            && declared.KernelHeight == found.KernelHeight && declared.KernelWidth == found.KernelWidth
            && declared.DilationHeight == found.DilationHeight && declared.DilationWidth == found.DilationWidth
            && declared.PadTop == found.PadTop && declared.PadLeft == found.PadLeft;
        if (single && !exactPadding)
            return null;
        return Format($"window: expected {declared} ({declared.OutputHeight(input.Height)}x{declared.OutputWidth(input.Width)} from {input}), found {found} ({found.OutputHeight(input.Height)}x{found.OutputWidth(input.Width)})");
    }

    /// <summary>Whether some window of an average pooling reaches into padding, where count_include_pad matters.</summary>
    private static bool ReadsPadding(KernelWindow window, TensorShape input)
    {
        if (window.PadTop > 0 || window.PadLeft > 0)
            return true;
        var lastRow = (window.OutputHeight(input.Height) - 1) * window.StrideHeight + window.SpanHeight;
        var lastColumn = (window.OutputWidth(input.Width) - 1) * window.StrideWidth + window.SpanWidth;
        return lastRow > input.Height || lastColumn > input.Width;
    }

    private static bool SameItems(List<string> found, List<string> expected) =>
        found.Count == expected.Count && found.OrderBy(v => v, StringComparer.Ordinal).SequenceEqual(expected.OrderBy(v => v, StringComparer.Ordinal));

    private static bool SameShape(IReadOnlyList<int> declared, IReadOnlyList<long> found) =>
        declared.Count == found.Count && declared.Select(d => (long)d).SequenceEqual(found);

    private static bool SameShape(IReadOnlyList<long> a, IReadOnlyList<long> b) => a.SequenceEqual(b);

    /// <summary>[C], [1, C], [C, 1, 1] or [1, C, 1, 1]: one value per channel.</summary>
    private static bool IsChannelVector(IReadOnlyList<long> dims, int channels) =>
        dims.Count(d => d != 1) <= 1 && (channels == 1 || dims.Contains(channels));

    /// <summary>Epsilons that differ only by the float rounding of ONNX's attribute (1e-5f is not 1e-5).</summary>
    private static bool SameEpsilon(double onnx, double declared) => Math.Abs(onnx - declared) <= 1e-6 * declared;

    private static bool Close(double a, double b) => Math.Abs(a - b) <= 1e-6 * Math.Max(1, Math.Abs(b));

    private static float[] Transpose(float[] values, int rows, int columns)
    {
        var result = new float[values.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
                result[c * rows + r] = values[r * columns + c];
        }
        return result;
    }
}
