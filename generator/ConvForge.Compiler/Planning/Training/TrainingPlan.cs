using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Planning.Training;

/// <summary>
/// One value the training program keeps for the backward pass: the network input, a step's output, or a dropout mask.
/// It has the same offset in every image's slice of the value arena and of the gradient arena.
/// </summary>
/// <param name="Id">Index in <see cref="TrainingPlan.Values"/>.</param>
/// <param name="Name">The node whose output it is; "{input}@blocked" for the converted input, "{node}.Mask" for a dropout mask.</param>
/// <param name="Shape">Its shape (of the value before a Flatten: a Flatten is an alias).</param>
/// <param name="Layout">Plain (the input) or blocked.</param>
/// <param name="Offset">Floats from the start of an image's slice.</param>
/// <param name="Length">Floats reserved: C*H*W plain, ceil(C/16)*16*H*W blocked (room for every family's blocks).</param>
/// <param name="Identifier">The constant naming its offset in the generated training code.</param>
public sealed record TrainingValue(int Id, string Name, Shape Shape, Layout Layout, int Offset, int Length, string Identifier);

/// <summary>What a packed tensor of the training program holds, which fixes its length per family.</summary>
public enum TrainingPackedKind
{
    /// <summary>Convolution weights for NCHWc input (ConvWeightsLength of the step's shape).</summary>
    ConvWeights,

    /// <summary>Convolution weights in the layout the input gradient reads (ConvTransposedWeightsLength).</summary>
    ConvTransposedWeights,

    /// <summary>Convolution weights for the plain input (ConvNchwWeightsLength).</summary>
    ConvNchwWeights,

    /// <summary>Dense weights (DenseWeightsLength).</summary>
    DenseWeights,

    /// <summary>A bias padded to whole blocks (ActivationLength(C, 1, 1)); zeros for a layer without one.</summary>
    Bias,
}

/// <summary>One tensor of the training program's packed-weight buffer; they follow each other in <see cref="TrainingPlan.Packed"/> order.</summary>
/// <param name="Id">Index in <see cref="TrainingPlan.Packed"/>.</param>
/// <param name="Identifier">The field holding its offset ("Conv1Weights"; "Conv1WeightsLength" its length).</param>
/// <param name="Kind">What it holds.</param>
/// <param name="Shape">Id in <see cref="TrainingPlan.Shapes"/> of the layer's shape struct.</param>
/// <param name="Channels">Channels of a bias (0 for weights).</param>
/// <param name="Step">The step it belongs to.</param>
public sealed record TrainingPackedTensor(int Id, string Identifier, TrainingPackedKind Kind, int Shape, int Channels, int Step);

/// <summary>One parameter tensor as the training code addresses it in the parameter buffer (ParameterLayout order).</summary>
/// <param name="Index">Index in the network's parameter list (the runtime's NetworkDefinition.Parameters).</param>
/// <param name="Name">"Conv1.Weight".</param>
/// <param name="Offset">Floats from the start of the parameter buffer.</param>
/// <param name="Length">Floats.</param>
/// <param name="Identifier">The constant naming its offset in generated code ("Conv1Weight"; "Conv1WeightLength" its length).</param>
public sealed record TrainingParameter(int Index, string Name, int Offset, int Length, string Identifier);

/// <summary>
/// One step of the training program, in forward order.
/// </summary>
/// <param name="Index">Index in <see cref="TrainingPlan.Steps"/>.</param>
/// <param name="Kind">What it computes.</param>
/// <param name="Node">The graph node (for ToBlocked: the input node).</param>
/// <param name="Inputs">Value ids read, in the node's input order.</param>
/// <param name="Output">Value id written.</param>
/// <param name="Parameters">Indices in <see cref="TrainingPlan.Parameters"/>: weight then bias; gamma, beta, running mean, running variance.</param>
/// <param name="Mask">Value id of a dropout mask, or -1.</param>
/// <param name="SavedOffset">A BatchNorm's offset in the saved-state buffer (batch mean, then inverse standard deviation), or -1.</param>
/// <param name="SavedLength">Floats of saved state (2 * C for a BatchNorm, else 0).</param>
/// <param name="Shapes">Ids in <see cref="TrainingPlan.Shapes"/> of the shape structs the kernels take (one per part for Concat).</param>
/// <param name="Packed">Ids in <see cref="TrainingPlan.Packed"/>: Conv weights, bias, transposed weights; ConvFromPlain and Dense weights, bias.</param>
/// <param name="Activation">The activation of an Activation step.</param>
/// <param name="SlopeType">Id in <see cref="TrainingPlan.Slopes"/> of a LeakyRelu's slope struct, or -1 (the default slope, or no LeakyRelu).</param>
public sealed record TrainingStep(
    int Index,
    TrainingStepKind Kind,
    Node Node,
    EquatableArray<int> Inputs,
    int Output,
    EquatableArray<int> Parameters,
    int Mask,
    int SavedOffset,
    int SavedLength,
    EquatableArray<int> Shapes,
    EquatableArray<int> Packed,
    Activation Activation,
    int SlopeType)
{
    /// <summary>True for a step that reads the whole batch at once in training mode (BatchNorm).</summary>
    public bool IsBatchLevel => Kind == TrainingStepKind.BatchNorm;
}

/// <summary>
/// The training program of a network: every value the backward pass needs, each at a fixed offset of one image's slice
/// (no value shares floats with another: backward reads them all), and the steps over the unfused graph in forward
/// order, each with the shape structs, parameters and packed weights its kernels take. Planned from the graph and the
/// forward plan, whose shape and slope structs it reuses: <see cref="Shapes"/> and <see cref="Slopes"/> start with the
/// forward plan's, in the same order, and add the training program's own.
/// </summary>
/// <param name="Values">Every value: the input first, then each step's output (and a dropout's mask after its output).</param>
/// <param name="Steps">The steps in forward order.</param>
/// <param name="ImageLength">Floats per image: the sum of the values' lengths.</param>
/// <param name="SavedLength">Floats of saved state (every BatchNorm's batch mean and inverse standard deviation).</param>
/// <param name="Input">Value id of the network input (plain).</param>
/// <param name="Logits">Value id the loss reads: the input of a final Softmax, else the output; C x 1 x 1.</param>
/// <param name="Parameters">Every parameter tensor, in ParameterLayout order.</param>
/// <param name="Shapes">The forward plan's shape structs, then the ones only training uses.</param>
/// <param name="Packed">The packed-weight tensors, in order (their lengths come from the family).</param>
/// <param name="Slopes">The forward plan's LeakyRelu slope structs, then the ones only training uses.</param>
/// <param name="Container">The name of the generated class holding the training code (inside the forward pass's container).</param>
public sealed record TrainingPlan(
    EquatableArray<TrainingValue> Values,
    EquatableArray<TrainingStep> Steps,
    int ImageLength,
    int SavedLength,
    int Input,
    int Logits,
    EquatableArray<TrainingParameter> Parameters,
    EquatableArray<KernelShape> Shapes,
    EquatableArray<TrainingPackedTensor> Packed,
    EquatableArray<SlopeType> Slopes,
    string Container);
