using System.Collections.Generic;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.WeightFiles;

/// <summary>
/// Compares a network's parameters with a weight file's tensor table and says what would make loading
/// fail: CF0022 (parameters the file lacks), CF0023 (tensors the declaration lacks), CF0024 (a tensor of
/// the wrong shape or element type). Safetensors files are compared by name, ConvForge's parameter names
/// as SaveWeights writes them. ONNX files are compared by structure, as OnnxWeights loads them: the
/// declaration's weighted nodes (Conv, BatchNorm, Dense) in graph order against the file's Conv,
/// BatchNormalization, Gemm and MatMul nodes in graph order.
/// </summary>
public static class WeightFileCheck
{
    /// <summary>
    /// How many of the file's unmatched weighted nodes a declared node is tried against, in order: sibling
    /// branches (a shortcut listed before the main path, Inception's branches) may come in another order.
    /// </summary>
    private const int Lookahead = 8;

    private static readonly string[] ReadableSafeTensorsTypes = { "F32", "F16", "BF16", "F64" };
    private static readonly string[] ReadableOnnxTypes = { "FLOAT", "FLOAT16", "BFLOAT16", "DOUBLE" };

    /// <param name="graph">The compiled declaration.</param>
    /// <param name="file">The file as the user named it, for messages.</param>
    /// <param name="site">Where the problems go: the Weights argument, or the [Network] attribute.</param>
    public static IReadOnlyList<DiagnosticInfo> Check(NetworkGraph graph, WeightFileTable table, string file, Site site)
    {
        var problems = new List<DiagnosticInfo>();
        if (table.Format == WeightFileFormat.SafeTensors)
            CheckByName(graph, table, file, site, problems);
        else
            CheckByStructure(graph, table, file, site, problems);
        return problems;
    }

    /// <summary>CF0021 for a file that cannot be found or read.</summary>
    public static DiagnosticInfo Unreadable(string networkName, string file, string reason, Site site)
        => Info(DiagnosticIds.WeightFileUnreadable, site, $"The weight file '{file}' of {networkName} cannot be checked: {reason}");

    private static void CheckByName(NetworkGraph graph, WeightFileTable table, string file, Site site, List<DiagnosticInfo> problems)
    {
        var inFile = new Dictionary<string, WeightTensor>(System.StringComparer.Ordinal);
        foreach (var tensor in table.Tensors)
            inFile[tensor.Name] = tensor;

        var declared = new HashSet<string>(System.StringComparer.Ordinal);
        var missing = new List<string>();
        var mismatched = new List<string>();
        foreach (var parameter in graph.Parameters)
        {
            declared.Add(parameter.Name);
            if (!inFile.TryGetValue(parameter.Name, out var tensor))
            {
                missing.Add(parameter.Name);
                continue;
            }
            if (!SameShape(parameter.Dimensions, tensor.Shape))
                mismatched.Add($"{parameter.Name} is {WeightFileText.Shape(tensor.Shape)} in the file, {WeightFileText.Shape(parameter.Dimensions)} declared");
            else if (System.Array.IndexOf(ReadableSafeTensorsTypes, tensor.DataType) < 0)
                mismatched.Add($"{parameter.Name} is {tensor.DataType}, which ConvForge does not read (F32, F16, BF16 or F64)");
        }
        var extra = new List<string>();
        foreach (var tensor in table.Tensors)
        {
            if (!declared.Contains(tensor.Name))
                extra.Add(tensor.Name);
        }

        if (missing.Count > 0)
        {
            var message = $"The weight file '{file}' lacks {WeightFileText.Count(missing.Count, "parameter")} of {graph.Name}: {WeightFileText.List(missing)}";
            // Nothing in common: most likely another naming (a PyTorch state_dict), which only a name map at run time can pair.
            if (missing.Count == declared.Count && table.Tensors.Count > 0)
                message += $". None of its {WeightFileText.Count(table.Tensors.Count, "tensor")} has a ConvForge parameter name (it has '{table.Tensors[0].Name}'): the build checks names as SaveWeights writes them";
            problems.Add(Info(DiagnosticIds.WeightTensorMissing, site, message));
        }
        if (extra.Count > 0)
            problems.Add(Info(DiagnosticIds.WeightTensorExtra, site, $"The weight file '{file}' has {WeightFileText.Count(extra.Count, "tensor")} that {graph.Name} does not declare: {WeightFileText.List(extra)}"));
        if (mismatched.Count > 0)
            problems.Add(Info(DiagnosticIds.WeightTensorMismatch, site, $"The weight file '{file}' does not fit {graph.Name}: {WeightFileText.List(mismatched)}"));
    }

    private static void CheckByStructure(NetworkGraph graph, WeightFileTable table, string file, Site site, List<DiagnosticInfo> problems)
    {
        var onnx = table.OnnxNodes;
        var used = new bool[onnx.Count];
        var firstUnused = 0;
        var missing = new List<string>();
        // The ONNX convolutions whose bias may stand for a batch norm the exporter folded in, by declared node index.
        var foldedInto = new HashSet<int>();

        foreach (var node in graph.Nodes)
        {
            if (node.Parameters.Count == 0)
                continue;
            while (firstUnused < onnx.Count && used[firstUnused])
                firstUnused++;

            int? match = null;
            string? firstReason = null;
            OnnxWeightedNode? firstCandidate = null;
            var tried = 0;
            for (var i = firstUnused; i < onnx.Count && tried < Lookahead; i++)
            {
                if (used[i])
                    continue;
                tried++;
                var reason = Compare(node, onnx[i]);
                if (reason is null)
                {
                    match = i;
                    break;
                }
                // Report against the first candidate that is the same kind of operation, if any.
                if (firstCandidate is null || !SameKind(node.Kind, firstCandidate.OpType) && SameKind(node.Kind, onnx[i].OpType))
                {
                    firstCandidate = onnx[i];
                    firstReason = reason;
                }
            }

            if (match is { } found)
            {
                used[found] = true;
                if (node.Kind is OpKind.Conv or OpKind.Dense && !node.HasBias && onnx[found].Input(2) is not null)
                {
                    // As OnnxWeights loads: a batch norm declared next takes the bias in; without one it has nowhere to go.
                    if (!FollowedByBatchNorm(graph, node))
                    {
                        problems.Add(Info(DiagnosticIds.WeightTensorMismatch, site,
                            $"The weight file '{file}' does not fit {graph.Name}: its {onnx[found]} has a bias, which {node.Name} does not declare (Bias = false) and no BatchNorm after it takes in"));
                        return;
                    }
                    foldedInto.Add(node.Index);
                }
                else if (node.Kind == OpKind.Conv && node.HasBias && !FollowedByBatchNorm(graph, node))
                {
                    // A BatchNormalization after it that the declaration folded into the convolution's bias.
                    for (var i = 0; i < onnx.Count; i++)
                    {
                        if (!used[i] && onnx[i].OpType == "BatchNormalization" && onnx[i].DataInput == onnx[found].Output)
                            used[i] = true;
                    }
                }
                continue;
            }
            if (node.Kind == OpKind.BatchNorm && node.Inputs.Count == 1 && foldedInto.Remove(node.Inputs[0]))
                continue;
            if (firstCandidate is null)
            {
                missing.Add(node.Name);
                continue;
            }
            var next = SameKind(node.Kind, firstCandidate.OpType)
                ? $"the next one of its kind is {firstCandidate}, which {firstReason}"
                : $"the next weighted ONNX node is {firstCandidate}";
            problems.Add(Info(DiagnosticIds.WeightTensorMismatch, site,
                $"The weight file '{file}' does not fit {graph.Name}: {node.Name} ({Describe(node)}) matches no ONNX node in order; {next}"));
            // After the first mismatch the two sequences are out of step; what follows would be noise.
            return;
        }

        if (missing.Count > 0)
            problems.Add(Info(DiagnosticIds.WeightTensorMissing, site,
                $"The weight file '{file}' has no weights for {WeightFileText.Count(missing.Count, "node")} of {graph.Name}: {WeightFileText.List(missing)} (the ONNX model has {WeightFileText.Count(onnx.Count, "weighted node")}, all taken by earlier layers)"));

        var extra = new List<string>();
        for (var i = 0; i < onnx.Count; i++)
        {
            if (!used[i])
                extra.Add(onnx[i].ToString());
        }
        if (extra.Count > 0)
            problems.Add(Info(DiagnosticIds.WeightTensorExtra, site,
                $"The weight file '{file}' has {WeightFileText.Count(extra.Count, "weighted ONNX node")} that {graph.Name} does not declare: {WeightFileText.List(extra)}"));
    }

    /// <summary>Whether the only node that reads <paramref name="node"/> is a BatchNorm.</summary>
    private static bool FollowedByBatchNorm(NetworkGraph graph, Node node)
    {
        Node? reader = null;
        foreach (var candidate in graph.Nodes)
        {
            if (!candidate.Inputs.AsImmutableArray().Contains(node.Index))
                continue;
            if (reader is not null)
                return false;
            reader = candidate;
        }
        return reader?.Kind == OpKind.BatchNorm;
    }

    private static bool SameKind(OpKind kind, string opType) => kind switch
    {
        OpKind.Conv => opType == "Conv",
        OpKind.BatchNorm => opType == "BatchNormalization",
        OpKind.Dense => opType is "Gemm" or "MatMul",
        _ => false,
    };

    /// <summary>Null when <paramref name="onnx"/> carries the weights of <paramref name="node"/>; otherwise what differs.</summary>
    private static string? Compare(Node node, OnnxWeightedNode onnx)
    {
        if (!SameKind(node.Kind, onnx.OpType))
            return $"is {onnx.OpType}";
        switch (node.Kind)
        {
            case OpKind.Conv:
            {
                var weight = onnx.Input(1);
                if (weight is null)
                    return "has no constant weight";
                var problem = Differs(node.Parameters[0], weight, weight.Shape);
                if (problem is not null)
                    return problem;
                // A declared bias the model lacks loads as zeros; one the declaration lacks is the caller's question.
                var bias = onnx.Input(2);
                return bias is not null && node.HasBias ? Differs(node.Parameters[1], bias, bias.Shape) : null;
            }
            case OpKind.BatchNorm:
            {
                for (var i = 0; i < 4; i++)
                {
                    var tensor = onnx.Input(i + 1);
                    if (tensor is null)
                        return "has no constant " + node.Parameters[i].Name.Substring(node.Parameters[i].Name.LastIndexOf('.') + 1);
                    var problem = Differs(node.Parameters[i], tensor, tensor.Shape);
                    if (problem is not null)
                        return problem;
                }
                return null;
            }
            default:
            {
                var weight = onnx.Input(1);
                if (weight is null || weight.Shape.Count != 2)
                    return weight is null ? "has no constant weight" : $"has a weight of shape {WeightFileText.Shape(weight.Shape)}, not a matrix";
                // Dense is [units, features]; MatMul and Gemm without transB hold [features, units].
                var transposed = onnx.OpType == "Gemm" && onnx.TransposeB;
                var asDeclared = transposed ? weight.Shape : EquatableArray.Create(weight.Shape[1], weight.Shape[0]);
                var problem = Differs(node.Parameters[0], weight, asDeclared);
                if (problem is not null)
                    return problem;
                if (onnx.OpType != "Gemm")
                    return null;
                // C is one value per unit or one for all (broadcast).
                var bias = onnx.Input(2);
                return bias is not null && node.HasBias && Elements(bias.Shape) != node.Parameters[1].Length && Elements(bias.Shape) != 1
                    ? $"has a bias {bias.Name} of shape {WeightFileText.Shape(bias.Shape)}, {WeightFileText.Shape(node.Parameters[1].Dimensions)} declared"
                    : null;
            }
        }
    }

    private static string? Differs(ParameterDef parameter, WeightTensor tensor, EquatableArray<long> shape)
    {
        if (!SameShape(parameter.Dimensions, shape))
            return $"has {tensor.Name} of shape {WeightFileText.Shape(tensor.Shape)} where {parameter.Name} is {WeightFileText.Shape(parameter.Dimensions)}";
        if (System.Array.IndexOf(ReadableOnnxTypes, tensor.DataType) < 0)
            return $"has {tensor.Name} of type {tensor.DataType}, which ConvForge does not read";
        return null;
    }

    private static long Elements(EquatableArray<long> shape)
    {
        long count = 1;
        foreach (var d in shape)
            count *= d;
        return count;
    }

    private static bool SameShape(EquatableArray<int> declared, EquatableArray<long> file)
    {
        if (declared.Count != file.Count)
            return false;
        for (var i = 0; i < declared.Count; i++)
        {
            if (declared[i] != file[i])
                return false;
        }
        return true;
    }

    private static string Describe(Node node)
    {
        var weight = node.Parameters[0];
        return $"{node.Describe()}, {weight.Name.Substring(weight.Name.LastIndexOf('.') + 1).ToLowerInvariant()} {WeightFileText.Shape(weight.Dimensions)}";
    }

    private static DiagnosticInfo Info(DiagnosticRule rule, Site site, string message) => new(rule.Id, rule.Severity, site, message);
}
