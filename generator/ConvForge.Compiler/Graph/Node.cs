using ConvForge.Compiler.Diagnostics;

namespace ConvForge.Compiler.Graph;

/// <summary>Kernel, stride, padding and dilation of a convolution or a pooling window.</summary>
public sealed record Window(
    int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth,
    int PadTop, int PadLeft, int PadBottom, int PadRight,
    int DilationHeight, int DilationWidth,
    bool CeilMode)
{
    /// <summary>The same geometry as the shared <see cref="KernelWindow"/>, which the shape rules and the runtime use.</summary>
    public KernelWindow Kernel => new(KernelHeight, KernelWidth, StrideHeight, StrideWidth, PadTop, PadLeft, PadBottom, PadRight, DilationHeight, DilationWidth, CeilMode);

    public bool IsSquare => Kernel.IsSquare;

    /// <summary>"3x3/2 pad 1", "7x7/2 pad 3", "1x1", "3x3/2 ceil".</summary>
    public override string ToString() => Kernel.ToString();
}

/// <summary>A named parameter tensor of a node ("Conv1.Weight", [64, 3, 3, 3]).</summary>
/// <param name="Trainable">False for BatchNorm's running statistics.</param>
public sealed record ParameterDef(string Name, EquatableArray<int> Dimensions, bool Trainable)
{
    public long Length
    {
        get
        {
            long length = 1;
            foreach (var d in Dimensions)
                length *= d;
            return length;
        }
    }
}

/// <summary>
/// One primitive node of the expanded graph, with its inferred output shape and cost.
/// Fields that do not apply to <see cref="Kind"/> hold their defaults.
/// </summary>
/// <param name="Index">Position in <see cref="NetworkGraph.Nodes"/> (a topological order: inputs come first).</param>
/// <param name="Name">Stable name: the property's name for a layer's output, "Fire2.Squeeze" inside modules.</param>
/// <param name="Layer">The property the node comes from ("Fire2"); "Input" for the input node.</param>
/// <param name="Inputs">Indexes of the nodes it reads, in order.</param>
/// <param name="Output">Output shape for one image.</param>
/// <param name="Channels">Output channels (Conv) or units (Dense).</param>
/// <param name="Window">Kernel geometry of Conv, MaxPool and AvgPool.</param>
/// <param name="Groups">Channel groups of Conv.</param>
/// <param name="HasBias">Conv and Dense: whether a bias is learned.</param>
/// <param name="Scalar">Epsilon (BatchNorm), Slope (LeakyRelu), Rate (Dropout), Alpha (Lrn).</param>
/// <param name="Scalar2">Beta (Lrn).</param>
/// <param name="Scalar3">K (Lrn).</param>
/// <param name="Size">Size (Lrn).</param>
/// <param name="CountIncludePad">AvgPool: whether padded zeros count in the divisor.</param>
/// <param name="Parameters">The node's parameter tensors, named "{Name}.Weight" etc.</param>
/// <param name="Macs">Multiply-accumulates for one image (Conv, Dense; 0 for the rest).</param>
/// <param name="Site">The attribute it comes from, for diagnostics.</param>
public sealed record Node(
    int Index,
    string Name,
    string Layer,
    OpKind Kind,
    EquatableArray<int> Inputs,
    Shape Output,
    int Channels,
    Window? Window,
    int Groups,
    bool HasBias,
    double Scalar,
    double Scalar2,
    double Scalar3,
    int Size,
    bool CountIncludePad,
    EquatableArray<ParameterDef> Parameters,
    long Macs,
    Site Site)
{
    /// <summary>Trainable parameter count.</summary>
    public long TrainableParameterCount
    {
        get
        {
            long count = 0;
            foreach (var p in Parameters)
            {
                if (p.Trainable)
                    count += p.Length;
            }
            return count;
        }
    }

    /// <summary>Output bytes for one image (fp32).</summary>
    public long ActivationBytes => Output.Length * sizeof(float);

    /// <summary>What the node computes, for summaries: "Conv 3x3/2 pad 1", "Concat", "Dense".</summary>
    public string Describe() => ShapeRules.Describe(Kind, Window?.Kernel ?? default, Groups, Size);
}
