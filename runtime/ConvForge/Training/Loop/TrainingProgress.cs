using System;

namespace ConvForge.Training;

/// <summary>What the loop is doing when it reports <see cref="TrainingProgress"/>.</summary>
public enum TrainingPhase
{
    /// <summary>Training: Batch of BatchesPerEpoch training batches are done.</summary>
    Training,

    /// <summary>Evaluating the validation set after an epoch: Batch of BatchesPerEpoch validation batches are done.</summary>
    Validating,

    /// <summary>An epoch is over (validated and checkpointed); <see cref="TrainingProgress.Completed"/> holds its numbers.</summary>
    EpochCompleted,
}

/// <summary>A report from <see cref="TrainingLoop.Fit"/>: where training is and how it is going.</summary>
/// <param name="Phase">Training, validating, or an epoch just completed.</param>
/// <param name="Epoch">The epoch, from 0 (display Epoch + 1 "of" <paramref name="Epochs"/>).</param>
/// <param name="Epochs">The epochs the fit trains up to (<see cref="FitOptions.Epochs"/>).</param>
/// <param name="Batch">Batches of the current phase done in this epoch (1 after the first).</param>
/// <param name="BatchesPerEpoch">Batches of the current phase in an epoch.</param>
/// <param name="Loss">Mean loss over the images of this phase so far in this epoch.</param>
/// <param name="Accuracy">Share of those images classified correctly.</param>
/// <param name="ImagesPerSecond">Images of this phase per second so far in this epoch.</param>
/// <param name="Elapsed">Wall time since the fit started.</param>
/// <param name="Remaining">Estimated wall time to the last epoch's end, from the time per batch so far; null before the first batch.</param>
/// <param name="LearningRate">The learning rate the next step uses.</param>
/// <param name="Completed">With <see cref="TrainingPhase.EpochCompleted"/>, the epoch's numbers; otherwise null.</param>
public readonly record struct TrainingProgress(
    TrainingPhase Phase,
    int Epoch,
    int Epochs,
    int Batch,
    int BatchesPerEpoch,
    double Loss,
    double Accuracy,
    double ImagesPerSecond,
    TimeSpan Elapsed,
    TimeSpan? Remaining,
    double LearningRate,
    EpochResult? Completed);
