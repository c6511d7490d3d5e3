using System;
using System.Threading;

namespace ConvForge.Training;

/// <summary>What <see cref="TrainingLoop.Fit"/> does besides training: how long, checkpoints, progress, when to stop.</summary>
public sealed class FitOptions
{
    /// <summary>
    /// Train until the trainer has completed this many epochs in all (Keras's <c>epochs</c> with
    /// <c>initial_epoch</c>): a fresh trainer trains this many; one resumed after 3 trains <c>Epochs - 3</c> more.
    /// </summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Where a checkpoint (parameters, optimizer state, step and epoch) is saved after every epoch; null for none.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>
    /// Load <see cref="CheckpointPath"/> first if the file exists, and continue from the epoch it holds;
    /// without a file, start afresh. Needs <see cref="CheckpointPath"/>.
    /// </summary>
    public bool Resume { get; init; }

    /// <summary>Told after every batch and at the end of every epoch (a console progress bar, say).</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>
    /// Asked after every epoch (after validation); true stops training there, after the checkpoint is saved.
    /// E.g. <c>StopWhen = epoch => epoch.ValidationAccuracy >= 0.93</c>.
    /// </summary>
    public Func<EpochResult, bool>? StopWhen { get; init; }

    /// <summary>Checked before every batch; cancelling throws <see cref="OperationCanceledException"/> (the last epoch's checkpoint stays).</summary>
    public CancellationToken CancellationToken { get; init; }
}
