using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Planning;

/// <summary>How a tensor is laid out in memory.</summary>
public enum Layout
{
    /// <summary>[C][H][W]: the network's input and output, and Softmax over more than one pixel.</summary>
    Plain,

    /// <summary>[ceil(C/B)][H][W][B] (NCHWc): everything the SIMD kernels touch inside the network.</summary>
    Blocked,
}

/// <summary>Where a tensor's floats live.</summary>
public enum Storage
{
    /// <summary>The caller's input span.</summary>
    Input,

    /// <summary>The caller's output span.</summary>
    Output,

    /// <summary>The network's arena, at <see cref="Tensor.Offset"/>.</summary>
    Arena,
}

/// <summary>
/// A tensor of the execution plan: a node's output, or a layout conversion of one.
/// Several tensors may share floats: a Concat input is a channel slice of the Concat's tensor,
/// and Dropout and Flatten outputs alias their input.
/// </summary>
/// <param name="Id">Index in <see cref="ExecutionPlan.Tensors"/>.</param>
/// <param name="Name">The node it holds ("Fire2.Squeeze"), or "{node}@blocked"/"{node}@plain" for conversions.</param>
/// <param name="Shape">Logical shape.</param>
/// <param name="Layout">Memory layout.</param>
/// <param name="Storage">Input, output or arena.</param>
/// <param name="Offset">Float offset in its storage (slices start inside their concat's tensor); the same for every block size.</param>
/// <param name="Length">
/// Floats reserved for it: C*H*W plain, ceil(C/16)*16*H*W blocked. A family with smaller blocks uses a prefix of that
/// room (<see cref="LengthFor"/>).
/// </param>
/// <param name="Root">The tensor that owns the floats: itself, or the concat or value it is a slice or alias of.</param>
/// <param name="Identifier">The constant that names its arena offset in generated code; empty when no step touches it in the arena.</param>
public sealed record Tensor(int Id, string Name, Shape Shape, Layout Layout, Storage Storage, long Offset, long Length, int Root, string Identifier)
{
    /// <summary>Floats a family with <paramref name="blockSize"/>-channel blocks reads or writes.</summary>
    public long LengthFor(int blockSize) => Layout == Layout.Plain
        ? Shape.Length
        : (long)((Shape.Channels + blockSize - 1) / blockSize) * blockSize * Shape.Height * Shape.Width;

    /// <summary>True for a blocked tensor whose last block has lanes past its channels under some family.</summary>
    public bool HasPaddingLanes => Layout == Layout.Blocked && Shape.Channels % ExecutionPlan.LargestBlock != 0;

    /// <summary>
    /// For a part of a zero-copy concatenation whose floats belong to <paramref name="root"/> (its <see cref="Root"/>):
    /// the first of its channels in the concatenation's tensor; null for a root or an alias of one.
    /// </summary>
    public int? FirstChannelIn(Tensor root)
    {
        if (root.Id == Id || root.Shape.Height != Shape.Height || root.Shape.Width != Shape.Width || root.Shape.Channels <= Shape.Channels)
            return null;
        return (int)((Offset - root.Offset) / ((long)Shape.Height * Shape.Width));
    }
}

/// <summary>
/// A step in words, set by <see cref="DescriptionPass"/>: what the generated code's comment above its kernel call says,
/// and what the network's step table (for profiling) holds.
/// </summary>
/// <param name="Nodes">The graph nodes it computes: "Res2a.Conv1 + Res2a.Bn1 + Res2a.Relu1".</param>
/// <param name="Operation">What its kernel does, and where it writes when that is not its own tensor: "Conv 3x3 pad 1, Res2a.Bn1 folded in, Relu".</param>
/// <param name="Shapes">Input and output shapes: "64x56x56 -> 64x56x56".</param>
public sealed record StepDescription(string Nodes, string Operation, string Shapes)
{
    /// <summary>"Res2a.Conv1 + Res2a.Bn1 + Res2a.Relu1: Conv 3x3 pad 1, Res2a.Bn1 folded in, Relu; 64x56x56 -> 64x56x56".</summary>
    public override string ToString() => Nodes + ": " + Operation + "; " + Shapes;

    /// <summary>"Relu", "LeakyRelu 0.2" (the slope as a C# literal reads); empty for none.</summary>
    public static string ActivationText(Activation activation, double slope)
    {
        if (activation == Activation.None)
            return "";
        if (activation != Activation.LeakyRelu)
            return activation.ToString();
        var text = slope.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        return "LeakyRelu " + (text.IndexOfAny(new[] { '.', 'E', 'e' }) < 0 ? text + ".0" : text);
    }
}

/// <summary>The kernels a step runs.</summary>
public enum StepKind
{
    /// <summary>Direct convolution, NCHWc in and out (1x1, depthwise and grouped are told apart by the node).</summary>
    Conv,

    /// <summary>Convolution reading the plain network input (few input channels) and writing NCHWc.</summary>
    ConvFromPlain,

    MaxPool,
    AvgPool,
    GlobalAvgPool,
    GlobalMaxPool,

    /// <summary>Per-channel scale and shift (a BatchNorm that could not be folded into a convolution).</summary>
    BatchNorm,

    /// <summary>A standalone activation (<see cref="Step.Activation"/>).</summary>
    Activation,

    /// <summary>Elementwise sum of two tensors, then <see cref="Step.Activation"/>.</summary>
    Add,

    /// <summary>Input 0 times the per-channel gate in input 1 (squeeze-and-excitation).</summary>
    ChannelScale,

    /// <summary>Copies inputs into channel ranges of the output (when zero-copy concat was not possible).</summary>
    ConcatCopy,

    /// <summary>Plain to NCHWc.</summary>
    ToBlocked,

    /// <summary>NCHWc to plain.</summary>
    ToPlain,

    /// <summary>Copies floats (e.g. an aliased tensor into the caller's output).</summary>
    Copy,

    Dense,
    Softmax,
    Lrn,
}

/// <summary>The activation applied in a kernel's epilogue.</summary>
public enum Activation
{
    None,
    Relu,
    Relu6,
    LeakyRelu,
    Sigmoid,
}

/// <summary>
/// One kernel call. Convolutions carry what was fused into them: a folded BatchNorm (its parameters are
/// folded into the packed weights when weights are set), a residual input added before the activation,
/// and the activation itself.
/// </summary>
/// <param name="Index">Position in <see cref="ExecutionPlan.Steps"/>.</param>
/// <param name="Kind">The kernel.</param>
/// <param name="Node">The graph node computed (for conversions and copies: the node whose value moves).</param>
/// <param name="Inputs">Tensor ids read (for Add and ChannelScale: both operands; for ConcatCopy: every part).</param>
/// <param name="Output">Tensor id written.</param>
/// <param name="FoldedBatchNorm">The BatchNorm node folded into this convolution, or null.</param>
/// <param name="Residual">Tensor id added before the activation, or -1.</param>
/// <param name="Activation">Epilogue activation.</param>
/// <param name="Slope">LeakyRelu slope.</param>
/// <param name="FusedNodes">Names of every graph node this step computes, in order (for summaries and tests).</param>
/// <param name="Shapes">Ids in <see cref="ExecutionPlan.Shapes"/> of the shape structs the kernel call takes, in argument order (one per part for ConcatCopy).</param>
/// <param name="Weights">Id in <see cref="ExecutionPlan.Packed"/> of its packed weights (a BatchNorm's scale), or -1.</param>
/// <param name="Bias">Id in <see cref="ExecutionPlan.Packed"/> of its packed bias (a BatchNorm's shift), or -1.</param>
/// <param name="SlopeType">Id in <see cref="ExecutionPlan.Slopes"/> of its LeakyRelu slope struct, or -1 (no LeakyRelu, or the default slope).</param>
/// <param name="Description">The step in words (<see cref="DescriptionPass"/>).</param>
/// <param name="Macs">
/// Multiply-accumulates per image: its convolution's or Dense layer's (<see cref="Node.Macs"/>), 0 for every other kind, so
/// the steps' sum is the graph's <see cref="NetworkGraph.Macs"/>.
/// </param>
public sealed record Step(
    int Index,
    StepKind Kind,
    Node Node,
    EquatableArray<int> Inputs,
    int Output,
    Node? FoldedBatchNorm,
    int Residual,
    Activation Activation,
    double Slope,
    EquatableArray<string> FusedNodes,
    EquatableArray<int> Shapes,
    int Weights,
    int Bias,
    int SlopeType,
    StepDescription Description,
    long Macs);

/// <summary>Which of the kernels' shape interfaces a shape struct implements.</summary>
public enum ShapeKind
{
    Conv,
    Pool,
    Tensor,
    Dense,
}

/// <summary>A constant of a shape struct: "InChannels" = 64; flags (CountIncludePad) are bools.</summary>
public sealed record ShapeMember(string Name, int Value, bool IsFlag);

/// <summary>
/// One shape struct of the generated code: the kernels' type argument that makes every loop bound a constant.
/// Named by its geometry ("Conv3x3S1P1_64To64_56x56"), so two layers that share one are visibly the same kernel.
/// </summary>
/// <param name="Id">Index in <see cref="ExecutionPlan.Shapes"/>.</param>
/// <param name="Name">The struct's identifier.</param>
/// <param name="Kind">The interface it implements.</param>
/// <param name="Members">Its constants, in the order the interface declares them.</param>
/// <param name="Description">"Conv 3x3/2 pad 3, 3x224x224 -> 64x112x112".</param>
/// <param name="Users">The graph nodes whose steps use it, in first-use order.</param>
public sealed record KernelShape(int Id, string Name, ShapeKind Kind, EquatableArray<ShapeMember> Members, string Description, EquatableArray<string> Users);

/// <summary>What a packed tensor holds, which fixes its length per family.</summary>
public enum PackedKind
{
    /// <summary>Convolution weights for NCHWc input, of <see cref="PackedTensor.Shape"/> (ConvWeightsLength).</summary>
    ConvWeights,

    /// <summary>Convolution weights for a plain input, of <see cref="PackedTensor.Shape"/> (ConvNchwWeightsLength).</summary>
    ConvNchwWeights,

    /// <summary>Dense weights, of <see cref="PackedTensor.Shape"/> (DenseWeightsLength).</summary>
    DenseWeights,

    /// <summary>A per-channel vector (bias, BatchNorm scale or shift) of <see cref="PackedTensor.Channels"/>, padded to whole blocks.</summary>
    Channels,
}

/// <summary>One tensor of the packed-weight buffer; they follow each other in <see cref="ExecutionPlan.Packed"/> order.</summary>
/// <param name="Id">Index in <see cref="ExecutionPlan.Packed"/>.</param>
/// <param name="Identifier">The field holding its offset in generated code: "Res2aConv1Weights".</param>
/// <param name="Kind">What it holds.</param>
/// <param name="Shape">The shape struct id for weights, -1 for channel vectors.</param>
/// <param name="Channels">Channels of a channel vector (0 for weights).</param>
/// <param name="Node">The node it belongs to.</param>
public sealed record PackedTensor(int Id, string Identifier, PackedKind Kind, int Shape, int Channels, string Node);

/// <summary>How a packing operation turns parameters into packed tensors.</summary>
public enum PackKind
{
    /// <summary>Convolution weights for NCHWc input and bias.</summary>
    Conv,

    /// <summary>Convolution weights for a plain input and bias.</summary>
    ConvNchw,

    /// <summary>Dense weights and bias.</summary>
    Dense,

    /// <summary>A standalone BatchNorm's per-channel scale and shift.</summary>
    BatchNorm,
}

/// <summary>
/// One call of the weight packing: the parameters of a node (with a BatchNorm folded in, or a BatchNorm alone)
/// into its two packed tensors. Offsets are floats in the parameter buffer.
/// </summary>
/// <param name="Kind">What is packed.</param>
/// <param name="Node">The node.</param>
/// <param name="FoldedBatchNorm">The BatchNorm folded into the weights, or null.</param>
/// <param name="Shape">The weights' shape struct id (-1 for a BatchNorm).</param>
/// <param name="Weights">Packed tensor id of the weights (a BatchNorm's scale).</param>
/// <param name="Bias">Packed tensor id of the bias (a BatchNorm's shift).</param>
/// <param name="WeightParameter">Offset of the weight tensor (-1 for a BatchNorm).</param>
/// <param name="BiasParameter">Offset of the bias tensor, or -1 when the node has none.</param>
/// <param name="BatchNormParameter">Offset of the BatchNorm's gamma (beta, mean and variance follow), or -1.</param>
/// <param name="Epsilon">The BatchNorm's epsilon (0 without one).</param>
/// <param name="Channels">Output channels.</param>
public sealed record PackOperation(
    PackKind Kind,
    string Node,
    string? FoldedBatchNorm,
    int Shape,
    int Weights,
    int Bias,
    int WeightParameter,
    int BiasParameter,
    int BatchNormParameter,
    double Epsilon,
    int Channels);

/// <summary>A LeakyRelu slope other than the kernels' default (0.01), as a struct the kernels take as a type argument.</summary>
/// <param name="Identifier">"Conv1Slope".</param>
/// <param name="Slope">The slope.</param>
/// <param name="Node">The first node that uses it.</param>
public sealed record SlopeType(string Identifier, float Slope, string Node);

/// <summary>
/// What the forward pass does for one image, for every kernel family at once: steps in order, the tensors they read
/// and write, the arena every intermediate lives in, the packed weights and how to fill them, and the shape structs
/// the kernel calls take. Offsets are planned with every blocked tensor padded to <see cref="LargestBlock"/> channels,
/// so they serve 8-channel blocks too (C padded to 16 is at least C padded to 8); only lengths depend on the family.
/// </summary>
/// <param name="Parameters">Where each parameter tensor sits in the flat parameter buffer.</param>
/// <param name="ArenaLength">Floats in the arena (every family).</param>
/// <param name="Packed">The packed-weight buffer's tensors, in order (their lengths come from the family).</param>
/// <param name="Packing">How to fill <see cref="Packed"/> from the parameters, in order.</param>
/// <param name="ScratchLength">Floats of scratch room packing needs (folding one BatchNorm, or one BatchNorm's scale and shift).</param>
public sealed record ExecutionPlan(
    ParameterLayout Parameters,
    EquatableArray<Tensor> Tensors,
    EquatableArray<Step> Steps,
    long ArenaLength,
    EquatableArray<KernelShape> Shapes,
    EquatableArray<PackedTensor> Packed,
    EquatableArray<PackOperation> Packing,
    EquatableArray<SlopeType> Slopes,
    long ScratchLength)
{
    /// <summary>The largest block size of any family (AVX-512): the arena is planned for it.</summary>
    public const int LargestBlock = 16;

    /// <summary>The block sizes of the kernel families: AVX-512 (16), AVX2 and portable (8).</summary>
    public static readonly System.Collections.Immutable.ImmutableArray<int> BlockSizes = System.Collections.Immutable.ImmutableArray.Create(16, 8);
}
