using System;
using System.Collections.Generic;

namespace ConvForge.Training;

/// <summary>How a value of the training program is laid out in one image's slice of the value arena.</summary>
public enum TrainingLayout
{
    /// <summary>[C][H][W]: the network input.</summary>
    Plain,

    /// <summary>[ceil(C/B)][H][W][B] (NCHWc) with the kernel family's block B; room reserved for B = 16.</summary>
    Blocked,
}

/// <summary>
/// One value of the training program: a node's output, kept for the backward pass. Every value has the same
/// offset in each image's slice of the value arena and of the gradient arena (<see cref="TrainingProgram.ImageLength"/> floats per image).
/// </summary>
/// <param name="Id">Index in <see cref="TrainingProgram.Values"/>.</param>
/// <param name="Name">The node whose output it is ("Input" for the network input, "{node}.Mask" for a dropout mask).</param>
/// <param name="Channels">Channels.</param>
/// <param name="Height">Height.</param>
/// <param name="Width">Width.</param>
/// <param name="Layout">Plain or blocked.</param>
/// <param name="Offset">Floats from the start of an image's slice.</param>
/// <param name="Length">Floats reserved: C*H*W plain, ceil(C/16)*16*H*W blocked.</param>
public sealed record TrainingValue(int Id, string Name, int Channels, int Height, int Width, TrainingLayout Layout, int Offset, int Length);

/// <summary>One step of the training program, in forward order.</summary>
/// <param name="Index">Index in <see cref="TrainingProgram.Steps"/>.</param>
/// <param name="Kind">What it computes.</param>
/// <param name="Node">The graph node's name.</param>
/// <param name="NodeIndex">The node's index in <see cref="NetworkDefinition.Nodes"/>.</param>
/// <param name="Inputs">Value ids read.</param>
/// <param name="Output">Value id written.</param>
/// <param name="Parameters">Indices in <see cref="NetworkDefinition.Parameters"/> of the node's parameter tensors (weight, bias; gamma, beta, running mean, running variance).</param>
/// <param name="Mask">Value id of a dropout mask, or -1.</param>
/// <param name="SavedOffset">Offset in the saved-state buffer (a BatchNorm's batch mean then inverse standard deviation), or -1.</param>
/// <param name="SavedLength">Floats of saved state.</param>
public sealed record TrainingStep(
    int Index,
    TrainingStepKind Kind,
    string Node,
    int NodeIndex,
    IReadOnlyList<int> Inputs,
    int Output,
    IReadOnlyList<int> Parameters,
    int Mask,
    int SavedOffset,
    int SavedLength)
{
    /// <summary>True for a step that reads the whole batch at once (BatchNorm in training mode): never split across workers.</summary>
    public bool IsBatchLevel => Kind == TrainingStepKind.BatchNorm;
}

/// <summary>
/// The training program of a network, planned by the compiler core and emitted as a table: every value the backward
/// pass needs, where it lives, and the steps in forward order. The generated dispatch
/// (<see cref="ITrainableNetwork"/>) runs step i forward and backward with shape-specialized kernels.
/// </summary>
/// <param name="Values">Every value, the input first.</param>
/// <param name="Steps">The steps in forward order.</param>
/// <param name="ImageLength">Floats per image in the value arena (and the gradient arena).</param>
/// <param name="SavedLength">Floats of saved state for the whole batch-level program (BatchNorm statistics).</param>
/// <param name="Input">Value id of the network input (plain).</param>
/// <param name="Logits">Value id the loss reads: the input of a final Softmax, else the output; C x 1 x 1.</param>
public sealed record TrainingProgram(
    IReadOnlyList<TrainingValue> Values,
    IReadOnlyList<TrainingStep> Steps,
    int ImageLength,
    int SavedLength,
    int Input,
    int Logits);
