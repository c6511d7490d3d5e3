// Shared source: compiled into the compiler core (which plans the training program) and, linked, into the
// runtime library (CONVFORGE_RUNTIME, where the trainer reads the generated table), so both name the steps alike.
#if CONVFORGE_RUNTIME
namespace ConvForge.Training;
#else
namespace ConvForge.Compiler.Graph;
#endif

/// <summary>What a training step computes: one step per node of the unfused graph that does work.</summary>
public enum TrainingStepKind
{
    /// <summary>Convolution, NCHWc in and out; weights and optional bias.</summary>
    Conv,

    /// <summary>Convolution reading the plain network input (fewer than 16 input channels, groups 1); its input needs no gradient.</summary>
    ConvFromPlain,

    /// <summary>The plain network input to NCHWc, for consumers that read it blocked.</summary>
    ToBlocked,

    /// <summary>Dense layer (weights [Units][C*H*W], optional bias).</summary>
    Dense,

    /// <summary>Max pooling.</summary>
    MaxPool,

    /// <summary>Average pooling.</summary>
    AvgPool,

    /// <summary>Mean of each channel.</summary>
    GlobalAvgPool,

    /// <summary>Maximum of each channel.</summary>
    GlobalMaxPool,

    /// <summary>BatchNorm: batch statistics in training mode (one call for the whole batch), running statistics in inference mode or when frozen.</summary>
    BatchNorm,

    /// <summary>Relu, Relu6, LeakyRelu or Sigmoid (the node's kind says which).</summary>
    Activation,

    /// <summary>Elementwise sum of two values.</summary>
    Add,

    /// <summary>Input 0 times the per-channel gate in input 1 (squeeze-and-excitation).</summary>
    ChannelScale,

    /// <summary>Copies each input into its channel range of the output.</summary>
    Concat,

    /// <summary>Inverted dropout with a seeded mask (training); a copy in inference mode.</summary>
    Dropout,

    /// <summary>Local response normalization.</summary>
    Lrn,

    /// <summary>Softmax inside the network, over one pixel (a final Softmax is not a step: the loss reads its input, the logits).</summary>
    Softmax,
}
