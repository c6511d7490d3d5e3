using System;
using System.Collections.Generic;

namespace ConvForge.Training;

/// <summary>The numbers of one training epoch.</summary>
/// <param name="Epoch">The epoch, from 0.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's images (each batch's mean weighted by its size), as the weights changed during the epoch.</param>
/// <param name="TrainAccuracy">Share of the epoch's training images classified correctly (while training: dropout on, batch statistics).</param>
/// <param name="ValidationLoss">Mean loss on the validation set after the epoch, in inference mode; null without a validation set.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation set after the epoch; null without one.</param>
/// <param name="TrainSeconds">Wall time of the training batches (including making them).</param>
/// <param name="Seconds">Wall time of the whole epoch: training, validation and the checkpoint.</param>
/// <param name="ImagesPerSecond">Training images per second of <paramref name="TrainSeconds"/>.</param>
/// <param name="LearningRate">The learning rate at the epoch's end.</param>
public sealed record EpochResult(
    int Epoch,
    double TrainLoss,
    double TrainAccuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    double TrainSeconds,
    double Seconds,
    double ImagesPerSecond,
    double LearningRate);

/// <summary>Why <see cref="TrainingLoop.Fit"/> returned.</summary>
public enum FitStop
{
    /// <summary>The trainer completed <see cref="FitOptions.Epochs"/> epochs (possibly before this call, when resuming a finished run).</summary>
    Completed,

    /// <summary><see cref="FitOptions.StopWhen"/> said stop.</summary>
    StopCondition,
}

/// <summary>What <see cref="TrainingLoop.Fit"/> did: one <see cref="EpochResult"/> per epoch it trained, in order.</summary>
public sealed class TrainingHistory
{
    private readonly List<EpochResult> epochs = new();

    /// <summary>The epochs this fit trained (after a resume, only those after the checkpoint).</summary>
    public IReadOnlyList<EpochResult> Epochs => epochs;

    /// <summary>The last epoch trained, or null if none was.</summary>
    public EpochResult? Last => epochs.Count == 0 ? null : epochs[^1];

    /// <summary>Why the fit returned.</summary>
    public FitStop Stop { get; internal set; }

    /// <summary>Whether the fit loaded a checkpoint before training.</summary>
    public bool Resumed { get; internal set; }

    /// <summary>Wall time of the whole fit.</summary>
    public TimeSpan Elapsed { get; internal set; }

    internal void Add(EpochResult epoch) => epochs.Add(epoch);
}

/// <summary>Loss and accuracy over a whole data set, from <see cref="TrainingLoop.Evaluate"/>.</summary>
/// <param name="Loss">Mean loss over the images.</param>
/// <param name="Correct">Images classified correctly.</param>
/// <param name="Count">Images evaluated.</param>
/// <param name="Seconds">Wall time.</param>
public readonly record struct EvaluationResult(double Loss, int Correct, int Count, double Seconds)
{
    /// <summary>Correct / Count.</summary>
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;

    /// <summary>Images per second.</summary>
    public double ImagesPerSecond => Seconds > 0 ? Count / Seconds : 0;
}
