// Shared source: compiled into the compiler core (and so the generator) and, linked, into the runtime
// library (CONVFORGE_RUNTIME), so both sides agree on the op kinds by construction.
#if CONVFORGE_RUNTIME
namespace ConvForge;
#else
namespace ConvForge.Compiler.Graph;
#endif

/// <summary>The primitive operations a network's graph is made of, after modules are expanded.</summary>
public enum OpKind
{
    /// <summary>The network input; always node 0 and only there.</summary>
    Input,
    /// <summary>2-D convolution with optional groups, dilation and bias.</summary>
    Conv,
    /// <summary>Max pooling over a window.</summary>
    MaxPool,
    /// <summary>Average pooling over a window.</summary>
    AvgPool,
    /// <summary>Mean of each channel: C x H x W becomes C x 1 x 1.</summary>
    GlobalAvgPool,
    /// <summary>Maximum of each channel: C x H x W becomes C x 1 x 1.</summary>
    GlobalMaxPool,
    /// <summary>Batch normalization with running statistics (inference form).</summary>
    BatchNorm,
    /// <summary>max(x, 0).</summary>
    Relu,
    /// <summary>x for x &gt; 0, otherwise slope * x.</summary>
    LeakyRelu,
    /// <summary>min(max(x, 0), 6).</summary>
    Relu6,
    /// <summary>1 / (1 + exp(-x)).</summary>
    Sigmoid,
    /// <summary>The identity at inference.</summary>
    Dropout,
    /// <summary>Fully connected layer over the flattened input; outputs units x 1 x 1.</summary>
    Dense,
    /// <summary>C x H x W becomes (C*H*W) x 1 x 1.</summary>
    Flatten,
    /// <summary>Softmax over the channels, at each pixel.</summary>
    Softmax,
    /// <summary>Local response normalization across channels.</summary>
    Lrn,
    /// <summary>Stacks its inputs along the channels.</summary>
    Concat,
    /// <summary>Adds its inputs element by element.</summary>
    Add,
    /// <summary>Scales each channel of input 0 by the matching element of input 1 (C x 1 x 1): squeeze-and-excitation.</summary>
    ChannelScale,
}
