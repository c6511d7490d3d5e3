using System;
using System.Collections.Generic;
using ConvForge.Kernels;

namespace ConvForge.Training;

/// <summary>The optimizers a <see cref="TrainerOptions"/> can name.</summary>
public enum OptimizerKind
{
    /// <summary><see cref="Sgd"/> with <see cref="TrainerOptions.Momentum"/> and <see cref="TrainerOptions.Nesterov"/>.</summary>
    Sgd,
    /// <summary><see cref="Adam"/> (L2 weight decay added to the gradient).</summary>
    Adam,
    /// <summary><see cref="AdamW"/> (decoupled weight decay).</summary>
    AdamW,
}

/// <summary>The losses a trainer computes on the logits.</summary>
public enum LossKind
{
    /// <summary>Softmax cross-entropy with <see cref="TrainerOptions.LabelSmoothing"/>.</summary>
    SoftmaxCrossEntropy,
    /// <summary>The multiclass SVM hinge loss with <see cref="TrainerOptions.HingeMargin"/>.</summary>
    MulticlassHinge,
}

/// <summary>How a <see cref="Trainer{TNetwork}"/> trains: batch, optimizer, schedule, loss, what is frozen, threads, seed.</summary>
public sealed class TrainerOptions
{
    /// <summary>The largest batch (buffers are sized for it); 32 by default.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The learning rate per step; a constant 0.01 by default.</summary>
    public LearningRateSchedule Schedule { get; init; } = new ConstantSchedule(0.01);

    /// <summary>Which optimizer to build (ignored when <see cref="OptimizerFactory"/> is set).</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>SGD momentum; 0.9 by default.</summary>
    public float Momentum { get; init; } = 0.9f;

    /// <summary>SGD Nesterov momentum.</summary>
    public bool Nesterov { get; init; }

    /// <summary>Adam's beta1.</summary>
    public float Beta1 { get; init; } = 0.9f;

    /// <summary>Adam's beta2.</summary>
    public float Beta2 { get; init; } = 0.999f;

    /// <summary>Adam's epsilon.</summary>
    public float Epsilon { get; init; } = 1e-8f;

    /// <summary>
    /// Builds the optimizer instead of <see cref="Optimizer"/>: called with the gradient length (the trainable range,
    /// see <see cref="TrainingSchedule.GradientLength"/>) and the parameter groups over it.
    /// </summary>
    public Func<int, IReadOnlyList<ParameterGroup>, Optimizer>? OptimizerFactory { get; init; }

    /// <summary>The loss.</summary>
    public LossKind Loss { get; init; } = LossKind.SoftmaxCrossEntropy;

    /// <summary>Label smoothing of the cross-entropy, in [0, 1].</summary>
    public float LabelSmoothing { get; init; }

    /// <summary>The hinge loss's margin.</summary>
    public float HingeMargin { get; init; } = 1f;

    /// <summary>Weight decay of Conv and Dense weights (L2 for SGD and Adam, decoupled for AdamW).</summary>
    public float WeightDecay { get; init; }

    /// <summary>Also decay biases and BatchNorm's gamma and beta (not done by default, as is usual).</summary>
    public bool DecayBiasesAndNormalization { get; init; }

    /// <summary>
    /// Learning-rate scales by node name prefix (a new head often learns at 10x the trunk's rate); the longest
    /// matching prefix wins, unmatched tensors use 1. A prefix covers the node of that name and nodes under it ("Layer1.").
    /// </summary>
    public IReadOnlyDictionary<string, float> LearningRateScales { get; init; } = new Dictionary<string, float>();

    /// <summary>Clip the gradient's global L2 norm to this; null for no clipping.</summary>
    public float? MaxGradientNorm { get; init; }

    /// <summary>BatchNorm running-statistics momentum (PyTorch's 0.1).</summary>
    public float BatchNormMomentum { get; init; } = 0.1f;

    /// <summary>Worker threads (the calling thread counts); <see cref="Environment.ProcessorCount"/> by default.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Seed of the dropout masks (each batch's derive from it and the step).</summary>
    public ulong Seed { get; init; }

    /// <summary>Node name prefixes to freeze: no gradient memory, no optimizer state, no backward work.</summary>
    public IReadOnlyList<string> Frozen { get; init; } = Array.Empty<string>();

    /// <summary>Freeze this node and every node before it (feature extraction); null for none.</summary>
    public string? FreezeThrough { get; init; }

    /// <summary>The kernel family; the network instance's (<c>KernelFamily</c>, see its <c>UseKernels</c>) when null.</summary>
    public KernelFamily? Kernels { get; init; }
}
