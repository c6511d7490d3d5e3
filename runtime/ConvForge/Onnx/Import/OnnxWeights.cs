using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ConvForge.Onnx.Import;

namespace ConvForge;

/// <summary>What <see cref="OnnxWeights.Load(ParameterStore, OnnxModel, OnnxImportOptions?)"/> tolerates, and how it pairs tensors.</summary>
public sealed class OnnxImportOptions
{
    /// <summary>
    /// Declared parameter name to ONNX initializer name ("Conv1.Weight" to "conv1.weight"). When given, the
    /// weights are taken by these names instead of by structure: every declared parameter must be in the map
    /// (or <see cref="AllowMissingLayers"/> set), and each initializer must have the parameter's shape.
    /// </summary>
    public IReadOnlyDictionary<string, string>? NameMap { get; init; }

    /// <summary>
    /// Accept ONNX nodes the declaration has nothing for (default: an error listing them). For a network
    /// that ends earlier than the model, such as a trunk declared without the model's classifier.
    /// </summary>
    public bool AllowExtraOnnxNodes { get; init; }

    /// <summary>
    /// Keep the current parameters of declared layers that have no counterpart in the model, and of every
    /// layer after them (default: an error). For transfer learning: load a trunk, keep a new head.
    /// </summary>
    public bool AllowMissingLayers { get; init; }
}

/// <summary>Which ONNX nodes a declared node's weights came from.</summary>
/// <param name="Layer">The declared node's name ("Res3a.Conv1").</param>
/// <param name="OnnxNodes">The ONNX nodes it stands for, in order; empty when nothing matched.</param>
/// <param name="Note">How the weights were changed on the way (a folded batch norm), or why none were loaded; null for a plain copy.</param>
public sealed record OnnxLayerMatch(string Layer, IReadOnlyList<string> OnnxNodes, string? Note)
{
    /// <summary>"Res3a.Conv1 &lt;- Convolution285 + BatchNormalization287 (folded ...)".</summary>
    public override string ToString() =>
        $"{Layer} <- {(OnnxNodes.Count == 0 ? "nothing" : string.Join(" + ", OnnxNodes))}" + (Note is null ? "" : $" ({Note})");
}

/// <summary>
/// Loads weights from an ONNX model into a declared network. The declaration says what the network is;
/// the model supplies the numbers. Weights are paired by structure, not by tensor names: the declaration
/// and the ONNX graph are walked together from the input, and each declared node takes the weights of the
/// ONNX node that computes the same thing on the corresponding value, so a model exported by PyTorch,
/// CNTK, Keras or ConvForge itself loads without any naming convention.
/// </summary>
/// <remarks>
/// <para>
/// Understood: Conv (bias or not, asymmetric pads, auto_pad, groups, dilation), BatchNormalization (into a
/// declared [BatchNorm], or folded into a declared convolution with a bias; the old <c>spatial</c>
/// attribute; a different epsilon is absorbed into the running variance), Relu, Clip (bounds as attributes
/// before opset 11, as inputs from 11), LeakyRelu, Sigmoid, MaxPool, AveragePool (ceil_mode,
/// count_include_pad, auto_pad), GlobalAveragePool, GlobalMaxPool, Concat, Add, Sum, Mul (a
/// squeeze-and-excitation scale), Gemm (transB 0 or 1, alpha, beta) and MatMul followed by Add, LRN,
/// Softmax; Identity, Dropout (ratio as attribute or input), Flatten and Reshape pass data through, and
/// shape arithmetic (Shape, Gather, Concat of sizes ...) is ignored. Operator sets 7 to 21.
/// </para>
/// <para>
/// Every problem is an exception naming the declared node, the ONNX node (name and operator), and what
/// differs, with both shapes: <see cref="InvalidDataException"/> for a malformed file or a model that does
/// not fit the declaration, <see cref="NotSupportedException"/> for an operator, element type or storage
/// ConvForge cannot read. Nothing changes unless everything matched: the weights are staged in a copy
/// and replace the store's in one step; the store's version increases once.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var net = new ResNet18Cntk();
/// net.Parameters.LoadOnnx("ResNet18.onnx");               // by structure
/// foreach (var match in OnnxWeights.Load(net.Parameters, OnnxModel.Load("ResNet18.onnx")))
///     Console.WriteLine(match);                           // "Conv1.Conv &lt;- Convolution249"
/// </code>
/// </example>
public static class OnnxWeights
{
    /// <summary>Loads the weights of the ONNX model at <paramref name="path"/> into <paramref name="store"/>; see <see cref="OnnxWeights"/>.</summary>
    /// <returns>Which ONNX nodes each declared node took its weights from.</returns>
    /// <exception cref="InvalidDataException">The file is malformed or does not fit the network; the message says where and how.</exception>
    /// <exception cref="NotSupportedException">The model uses an operator, element type or external data ConvForge cannot read.</exception>
    public static IReadOnlyList<OnnxLayerMatch> LoadOnnx(this ParameterStore store, string path, OnnxImportOptions? options = null)
    {
        if (store is null)
            throw new ArgumentNullException(nameof(store));
        var model = OnnxModel.Load(path);
        try
        {
            return Load(store, model, options);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException(path + ": " + e.Message, e);
        }
        catch (NotSupportedException e)
        {
            throw new NotSupportedException(path + ": " + e.Message, e);
        }
    }

    /// <summary>Loads the weights of the ONNX model read from <paramref name="source"/> into <paramref name="store"/>.</summary>
    public static IReadOnlyList<OnnxLayerMatch> LoadOnnx(this ParameterStore store, Stream source, OnnxImportOptions? options = null) =>
        Load(store, OnnxModel.Load(source), options);

    /// <summary>Loads the weights of <paramref name="model"/> into <paramref name="store"/>; see <see cref="OnnxWeights"/>.</summary>
    /// <returns>Which ONNX nodes each declared node took its weights from.</returns>
    public static IReadOnlyList<OnnxLayerMatch> Load(ParameterStore store, OnnxModel model, OnnxImportOptions? options = null)
    {
        if (store is null)
            throw new ArgumentNullException(nameof(store));
        if (model is null)
            throw new ArgumentNullException(nameof(model));
        options ??= new OnnxImportOptions();
        var (values, matches) = options.NameMap is { } map
            ? LoadByName(store, model, map, options)
            : OnnxStructureMatcher.Match(store.Network, model, store.Values, options);
        store.ReplaceAll(values);
        return matches;
    }

    private static (float[] Values, List<OnnxLayerMatch> Matches) LoadByName(ParameterStore store, OnnxModel model, IReadOnlyDictionary<string, string> map, OnnxImportOptions options)
    {
        var network = store.Network;
        var staging = store.Values.ToArray();
        var problems = new List<string>();
        foreach (var name in map.Keys)
        {
            if (network.FindParameter(name) is null)
                problems.Add($"the name map lists {name}, which network {network.Name} does not have");
        }
        var matches = new List<OnnxLayerMatch>();
        foreach (var parameter in network.Parameters)
        {
            if (!map.TryGetValue(parameter.Name, out var onnxName))
            {
                if (!options.AllowMissingLayers)
                    problems.Add($"{parameter.Name} is not in the name map");
                continue;
            }
            var tensor = model.Graph.FindInitializer(onnxName);
            if (tensor is null)
            {
                problems.Add($"{parameter.Name} maps to {onnxName}, which is not an initializer of the model");
                continue;
            }
            if (!tensor.Dims.Select(d => d).SequenceEqual(parameter.Shape.Select(d => (long)d)))
            {
                problems.Add($"{parameter.Name} has shape [{string.Join(", ", parameter.Shape)}] but {onnxName} has {OnnxTensor.DescribeShape(tensor.Dims)}");
                continue;
            }
            tensor.ToFloats().CopyTo(staging, parameter.Offset);
            matches.Add(new OnnxLayerMatch(parameter.Name, new[] { onnxName }, null));
        }
        if (problems.Count > 0)
            throw new InvalidDataException($"The ONNX model does not fit network {network.Name} by the name map: {string.Join("; ", problems.Take(20))}{(problems.Count > 20 ? " ..." : "")}.");
        return (staging, matches);
    }
}
