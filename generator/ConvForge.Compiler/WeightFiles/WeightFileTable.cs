namespace ConvForge.Compiler.WeightFiles;

/// <summary>The two weight file formats the build can check.</summary>
public enum WeightFileFormat
{
    /// <summary>Hugging Face safetensors: tensors by name, as ConvForge's SaveWeights writes them.</summary>
    SafeTensors,
    /// <summary>An ONNX model: initializers read by the nodes that use them, matched to the declaration by structure.</summary>
    Onnx,
}

/// <summary>One tensor a weight file lists: its name, element type as the file writes it, and dimensions.</summary>
/// <param name="DataType">"F32", "F16" ... for safetensors; "FLOAT", "FLOAT16" ... for ONNX.</param>
public sealed record WeightTensor(string Name, string DataType, EquatableArray<long> Shape)
{
    public override string ToString() => $"{Name} {DataType} {WeightFileText.Shape(Shape)}";
}

/// <summary>
/// An ONNX node that reads weights: Conv, BatchNormalization, Gemm or MatMul, with the constant tensors
/// among its inputs (initializers or Constant nodes' values), in graph order.
/// </summary>
/// <param name="Name">The node's name; when the file leaves it empty, its first output's name.</param>
/// <param name="OpType">"Conv", "BatchNormalization", "Gemm", "MatMul".</param>
/// <param name="Inputs">The node's inputs by position; null where an input is not a constant (the data) or absent.</param>
/// <param name="TransposeB">Gemm's transB attribute.</param>
/// <param name="DataInput">The name of the value it reads (its first input).</param>
/// <param name="Output">The name of its first output.</param>
public sealed record OnnxWeightedNode(string Name, string OpType, EquatableArray<WeightTensorSlot> Inputs, bool TransposeB, string DataInput, string Output)
{
    /// <summary>The constant at input <paramref name="position"/>, or null.</summary>
    public WeightTensor? Input(int position) => position < Inputs.Count ? Inputs[position].Tensor : null;

    public override string ToString() => $"'{Name}' ({OpType})";
}

/// <summary>One input of an <see cref="OnnxWeightedNode"/>: the constant it reads, or null.</summary>
public sealed record WeightTensorSlot(WeightTensor? Tensor);

/// <summary>
/// What a weight file's header says, without its data: every tensor for safetensors; for ONNX also the
/// nodes that read weights, which is what the declaration is compared with.
/// </summary>
/// <param name="Format">How the file was read.</param>
/// <param name="Tensors">Safetensors: every tensor, in header order. ONNX: every initializer, in file order.</param>
/// <param name="OnnxNodes">ONNX only: the weighted nodes in graph order; empty for safetensors.</param>
public sealed record WeightFileTable(WeightFileFormat Format, EquatableArray<WeightTensor> Tensors, EquatableArray<OnnxWeightedNode> OnnxNodes);
