using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Interpretation;

// Stage 1's output: each layer attribute as a typed, validated description with the attribute
// classes' defaults applied. Widths may still be relative (WidthFactor): the module use supplies Width.

/// <summary>A layer reference resolved inside its scope: a layer index, or the scope's input (-1).</summary>
internal readonly record struct LayerRef(int LayerIndex)
{
    public static readonly LayerRef ScopeInput = new(-1);

    public bool IsScopeInput => LayerIndex < 0;
}

/// <summary>One interpreted layer attribute.</summary>
internal abstract class LayerOp
{
    /// <summary>The attribute kind as written ("Conv", "Fire").</summary>
    public string Kind { get; set; } = "";

    /// <summary>From, when written on the first attribute.</summary>
    public string? From { get; set; }

    /// <summary>Stated input channels; 0 when not stated.</summary>
    public int In { get; set; }

    /// <summary>Set by reference resolution: what From names.</summary>
    public LayerRef? FromRef { get; set; }

    /// <summary>Set by reference resolution when a name this attribute uses does not resolve.</summary>
    public bool HasBadReference { get; set; }

    /// <summary>True for the attributes that expand into several nodes.</summary>
    public virtual bool IsModule => false;

    /// <summary>True when the attribute owns parameters (for parameter naming).</summary>
    public virtual bool HasParameters => false;
}

/// <summary>A channel count written directly or as a multiple of the module's width.</summary>
internal readonly record struct Width(int Fixed, int Factor)
{
    public bool IsGiven => Fixed > 0 || Factor > 0;
}

internal sealed class ConvOp : LayerOp
{
    /// <summary>Output channels; not given for a depthwise convolution that keeps its channels.</summary>
    public Width Channels { get; set; }
    public int KernelHeight { get; set; } = 1;
    public int KernelWidth { get; set; } = 1;
    public int StrideHeight { get; set; } = 1;
    public int StrideWidth { get; set; } = 1;
    public int PadTop { get; set; }
    public int PadLeft { get; set; }
    public int PadBottom { get; set; }
    public int PadRight { get; set; }
    public bool Same { get; set; }
    public int DilationHeight { get; set; } = 1;
    public int DilationWidth { get; set; } = 1;
    public int Groups { get; set; } = 1;
    public bool Depthwise { get; set; }
    public bool Bias { get; set; } = true;
    public override bool HasParameters => true;
}

internal sealed class PoolOp : LayerOp
{
    public OpKind PoolKind { get; set; }
    public int KernelHeight { get; set; }
    public int KernelWidth { get; set; }
    public int StrideHeight { get; set; }
    public int StrideWidth { get; set; }
    public int PadTop { get; set; }
    public int PadLeft { get; set; }
    public int PadBottom { get; set; }
    public int PadRight { get; set; }
    public bool CeilMode { get; set; }
    public bool CountIncludePad { get; set; } = true;
}

internal sealed class DenseOp : LayerOp
{
    public Width Units { get; set; }
    public bool Bias { get; set; } = true;
    /// <summary>Stated flattened input size; 0 when not stated.</summary>
    public int InFeatures { get; set; }
    public override bool HasParameters => true;
}

/// <summary>The one-input, shape-keeping or shape-collapsing operations with scalar settings.</summary>
internal sealed class ElementwiseOp : LayerOp
{
    public OpKind Op { get; set; }
    /// <summary>Epsilon (BatchNorm), Slope (LeakyRelu), Rate (Dropout), Alpha (Lrn).</summary>
    public double Scalar { get; set; }
    /// <summary>Beta (Lrn).</summary>
    public double Scalar2 { get; set; }
    /// <summary>K (Lrn).</summary>
    public double Scalar3 { get; set; }
    /// <summary>Size (Lrn).</summary>
    public int Size { get; set; }
    public override bool HasParameters => Op == OpKind.BatchNorm;
}

internal sealed class JoinOp : LayerOp
{
    public OpKind Op { get; set; }
    public string[] Inputs { get; set; } = new string[0];
    /// <summary>Set by reference resolution, parallel to <see cref="Inputs"/>.</summary>
    public LayerRef[] InputRefs { get; set; } = new LayerRef[0];
}

internal sealed class FireOp : LayerOp
{
    public int Squeeze { get; set; }
    public int Expand1x1 { get; set; }
    public int Expand3x3 { get; set; }
    public override bool IsModule => true;
}

internal sealed class InceptionOp : LayerOp
{
    public int Conv1x1 { get; set; }
    public int Reduce3x3 { get; set; }
    public int Conv3x3 { get; set; }
    public int Reduce5x5 { get; set; }
    public int Conv5x5 { get; set; }
    public int PoolProjection { get; set; }
    public override bool IsModule => true;
}

internal sealed class MlpConvOp : LayerOp
{
    public Width Channels { get; set; }
    /// <summary>Output channels of each 1x1 convolution; empty means two of <see cref="Channels"/>.</summary>
    public int[] Mlp { get; set; } = new int[0];
    public int Kernel { get; set; } = 1;
    public int Stride { get; set; } = 1;
    public int Padding { get; set; }
    public override bool IsModule => true;
}

internal sealed class BasicBlockOp : LayerOp
{
    public Width Channels { get; set; }
    public int Stride { get; set; } = 1;
    public override bool IsModule => true;
}

internal sealed class BottleneckOp : LayerOp
{
    public Width Channels { get; set; }
    public int Stride { get; set; } = 1;
    public int Expansion { get; set; } = 4;
    public override bool IsModule => true;
}

internal sealed class SqueezeExciteOp : LayerOp
{
    public int Reduction { get; set; } = 16;
    /// <summary>Bottleneck width; 0 means max(1, channels / Reduction).</summary>
    public int Squeeze { get; set; }
    public override bool IsModule => true;
}

internal sealed class ModuleOp : LayerOp
{
    /// <summary>Metadata name of the [NetworkModule] class.</summary>
    public string TypeName { get; set; } = "";
    /// <summary>The width its WidthFactor layers multiply (default 1).</summary>
    public int Width { get; set; } = 1;
    /// <summary>
    /// Inside another module: the width as a multiple of the enclosing module's width (takes the
    /// place of <see cref="Width"/>), so nested modules scale with their parent.
    /// </summary>
    public int WidthFactor { get; set; }
    public override bool IsModule => true;
}
