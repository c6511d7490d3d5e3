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
/// <param name="Offset">Float offset in its storage (slices start inside their concat's tensor).</param>
/// <param name="Length">Floats it spans: C*H*W plain, ceil(C/B)*B*H*W blocked.</param>
/// <param name="Root">The tensor that owns the floats: itself, or the concat or value it is a slice or alias of.</param>
public sealed record Tensor(int Id, string Name, Shape Shape, Layout Layout, Storage Storage, long Offset, long Length, int Root);

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
    EquatableArray<string> FusedNodes);

/// <summary>
/// What the forward pass does for one image, for one block size: steps in order, the tensors they read
/// and write, and the arena every intermediate lives in (its size is known at build time).
/// </summary>
/// <param name="BlockSize">Channels per block: 16 for AVX-512, 8 for AVX2 and the portable path.</param>
/// <param name="ArenaLength">Floats in the arena.</param>
public sealed record ExecutionPlan(int BlockSize, EquatableArray<Tensor> Tensors, EquatableArray<Step> Steps, long ArenaLength);
