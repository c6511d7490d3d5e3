using System;
using ConvForge.Kernels;

namespace ConvForge.Training;

/// <summary>Whether a step runs as in training (batch statistics, dropout on) or as in inference.</summary>
public enum StepMode
{
    /// <summary>BatchNorm uses and updates batch statistics; dropout masks are drawn.</summary>
    Training,

    /// <summary>BatchNorm uses its running statistics (also how a frozen BatchNorm runs); dropout copies.</summary>
    Inference,
}

/// <summary>
/// The buffers one call of a generated training step works on. Values and Gradients hold
/// <see cref="TrainingProgram.ImageLength"/> floats per image, images one after another; a per-image step
/// touches images [<see cref="ImageBegin"/>, <see cref="ImageEnd"/>), a batch-level step all
/// <see cref="Images"/>.
/// </summary>
public ref struct TrainingStepArguments
{
    /// <summary>Every value of every image of the batch.</summary>
    public Span<float> Values;

    /// <summary>d(loss)/d(value), same layout as <see cref="Values"/>; backward kernels accumulate (+=) into it.</summary>
    public Span<float> Gradients;

    /// <summary>The parameter buffer (ParameterStore layout); a BatchNorm in training mode updates its running statistics here.</summary>
    public Span<float> Parameters;

    /// <summary>
    /// d(loss)/d(parameters), ParameterStore layout shifted by <see cref="ParameterGradientOrigin"/>: the gradient of the
    /// parameter at offset p is ParameterGradients[p - ParameterGradientOrigin]. Weight-gradient kernels accumulate (+=).
    /// </summary>
    public Span<float> ParameterGradients;

    /// <summary>
    /// The parameter offset <see cref="ParameterGradients"/>[0] stands for: the first trainable parameter, so a frozen
    /// trunk (a prefix of the parameter buffer) gets no gradient memory at all.
    /// </summary>
    public int ParameterGradientOrigin;

    /// <summary>The packed weights of the family (<see cref="ITrainableNetwork.TrainingPack{TKernels}"/>).</summary>
    public ReadOnlySpan<float> Packed;

    /// <summary>Saved state of batch-level steps (<see cref="TrainingStep.SavedOffset"/>).</summary>
    public Span<float> Saved;

    /// <summary>First image this call handles.</summary>
    public int ImageBegin;

    /// <summary>One past the last image this call handles.</summary>
    public int ImageEnd;

    /// <summary>Images in the batch.</summary>
    public int Images;

    /// <summary>Training or inference behaviour of BatchNorm and Dropout.</summary>
    public StepMode Mode;

    /// <summary>BatchNorm running-statistics momentum (PyTorch's default 0.1).</summary>
    public float BatchNormMomentum;

    /// <summary>Seed of this batch's dropout masks; image i of the batch draws from (Seed, step, i).</summary>
    public ulong Seed;
}

/// <summary>
/// Implemented by the generated code of every network: its training program as data and the shape-specialized
/// kernel calls of each step. The runtime's trainer decides which steps run forward, which run backward and
/// which compute parameter gradients (from what is frozen); a step never listed is never entered.
/// </summary>
public interface ITrainableNetwork
{
    /// <summary>The network's graph.</summary>
    static abstract NetworkDefinition Definition { get; }

    /// <summary>The training program (values, steps).</summary>
    static abstract TrainingProgram TrainingProgram { get; }

    /// <summary>The instance's parameters (training updates them in place).</summary>
    ParameterStore Parameters { get; }

    /// <summary>The kernel family the instance runs (a trainer runs the same one unless told otherwise).</summary>
    KernelFamily KernelFamily { get; }

    /// <summary>The fused inference forward pass of the instance (plain NCHW in and out), used for evaluation.</summary>
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize);

    /// <summary>Floats of packed weights <typeparamref name="TKernels"/> needs for the whole program.</summary>
    static abstract int TrainingPackedLength<TKernels>() where TKernels : struct, IKernelFamily;

    /// <summary>
    /// Packs step <paramref name="step"/>'s parameters (a Conv's, ConvFromPlain's or Dense's weights and bias, and the
    /// transposed weights its input gradient reads) into its place in <paramref name="packed"/>; other steps do nothing.
    /// </summary>
    static abstract void TrainingPack<TKernels>(int step, ReadOnlySpan<float> parameters, Span<float> packed) where TKernels : struct, IKernelFamily;

    /// <summary>Runs step <paramref name="step"/> forward on its images.</summary>
    static abstract void TrainingForward<TKernels>(int step, ref TrainingStepArguments arguments) where TKernels : struct, IKernelFamily;

    /// <summary>Accumulates the gradients of step <paramref name="step"/>'s inputs from its output's gradient.</summary>
    static abstract void TrainingBackwardInput<TKernels>(int step, ref TrainingStepArguments arguments) where TKernels : struct, IKernelFamily;

    /// <summary>Accumulates the gradients of step <paramref name="step"/>'s parameters (steps with parameters only).</summary>
    static abstract void TrainingBackwardParameters<TKernels>(int step, ref TrainingStepArguments arguments) where TKernels : struct, IKernelFamily;
}
