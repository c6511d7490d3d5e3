using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using ConvForge.Data;

namespace ConvForge.Training;

/// <summary>
/// The Keras-style <c>Fit</c> and <c>Evaluate</c> helpers over any <see cref="ITrainer"/>. They add
/// bookkeeping (epochs, progress, checkpoints, resume, stop conditions) around the loop one could write
/// oneself: <c>foreach (var batch in loader.Epoch(e)) trainer.TrainBatch(batch.Images, batch.Labels);</c>.
/// </summary>
public static class TrainingLoop
{
    // An evaluation image runs the forward pass only: about a third of a training image's work. Used to
    // estimate the validation time left until one validation has been timed.
    private const double EvaluationCostShare = 1.0 / 3;

    /// <summary>
    /// Trains from <c>trainer.Epoch</c> until <see cref="FitOptions.Epochs"/> epochs are complete: each epoch
    /// one optimizer step per batch of <paramref name="train"/>'s epoch, then an evaluation of
    /// <paramref name="validation"/>, then a checkpoint.
    /// </summary>
    /// <remarks>
    /// <para><c>trainer.Epoch</c> is set to e while epoch e trains and to e + 1 once it is complete, before the
    /// checkpoint is saved, so a checkpoint holds the epoch to continue with. Because the loader's batches
    /// depend only on (seed, epoch), a resumed run trains on exactly the batches the uninterrupted run would
    /// have; with a trainer that restores its state bit-identically, the weights match too.</para>
    /// <para>A checkpoint is written to <c>path + ".partial"</c> and then moved over <c>path</c>, so an
    /// interruption while saving leaves the previous checkpoint intact.</para>
    /// </remarks>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite; the message names the epoch and batch, then the trainer's report.</exception>
    /// <exception cref="OperationCanceledException">The cancellation token was cancelled.</exception>
    /// <exception cref="ArgumentException">The loaders' images or batch sizes do not fit the trainer, or the options are inconsistent.</exception>
    public static TrainingHistory Fit(this ITrainer trainer, DataLoader train, DataLoader? validation = null, FitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(train);
        options ??= new FitOptions();
        CheckFits(trainer, train, nameof(train));
        if (validation is not null)
            CheckFits(trainer, validation, nameof(validation));
        if (options.Epochs < 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"FitOptions.Epochs must be 0 or more; got {options.Epochs}.");
        if (options.Resume && options.CheckpointPath is null)
            throw new ArgumentException("FitOptions.Resume needs a CheckpointPath to resume from.", nameof(options));

        var history = new TrainingHistory();
        var started = Stopwatch.GetTimestamp();
        if (options.Resume && File.Exists(options.CheckpointPath))
        {
            trainer.LoadCheckpoint(options.CheckpointPath!);
            history.Resumed = true;
        }

        var clock = new Clock(started, train, validation, options.Epochs - trainer.Epoch);
        var cancel = options.CancellationToken;
        for (var epoch = trainer.Epoch; epoch < options.Epochs; epoch++)
        {
            trainer.Epoch = epoch;
            var epochStarted = Stopwatch.GetTimestamp();
            clock.StartEpoch();
            double lossSum = 0;
            long correct = 0, count = 0;
            var batches = train.BatchesPerEpoch;
            foreach (var batch in train.Epoch(epoch))
            {
                cancel.ThrowIfCancellationRequested();
                BatchResult result;
                try
                {
                    result = trainer.TrainBatch(batch.Images, batch.Labels);
                }
                catch (TrainingDivergedException e)
                {
                    throw new TrainingDivergedException(
                        $"Training diverged in epoch {epoch + 1} of {options.Epochs}, batch {batch.Index + 1} of {batches}: {e.Message}", e);
                }
                lossSum += (double)result.Loss * result.Count;
                correct += result.Correct;
                count += result.Count;
                clock.TrainBatchDone();
                if (options.Progress is { } progress)
                {
                    var seconds = Stopwatch.GetElapsedTime(epochStarted).TotalSeconds;
                    progress.Report(new TrainingProgress(TrainingPhase.Training, epoch, options.Epochs, batch.Index + 1, batches,
                        lossSum / count, (double)correct / count, seconds > 0 ? count / seconds : 0,
                        clock.Elapsed, clock.Remaining(), trainer.LearningRate, null));
                }
            }
            var trainSeconds = Stopwatch.GetElapsedTime(epochStarted).TotalSeconds;

            EvaluationResult? validated = null;
            if (validation is not null)
            {
                var validationStarted = Stopwatch.GetTimestamp();
                validated = Evaluate(trainer, validation, options.Progress is null ? null : new ValidationReporter(options.Progress, epoch, options.Epochs, validation.BatchesPerEpoch, clock, trainer), cancel);
                clock.ValidationDone(Stopwatch.GetElapsedTime(validationStarted).TotalSeconds);
            }

            trainer.Epoch = epoch + 1;
            if (options.CheckpointPath is { } path)
                SaveCheckpoint(trainer, path);

            var completed = new EpochResult(epoch,
                count == 0 ? double.NaN : lossSum / count, count == 0 ? 0 : (double)correct / count,
                validated?.Loss, validated?.Accuracy,
                trainSeconds, Stopwatch.GetElapsedTime(epochStarted).TotalSeconds,
                trainSeconds > 0 ? count / trainSeconds : 0, trainer.LearningRate);
            history.Add(completed);
            options.Progress?.Report(new TrainingProgress(TrainingPhase.EpochCompleted, epoch, options.Epochs, batches, batches,
                completed.TrainLoss, completed.TrainAccuracy, completed.ImagesPerSecond, clock.Elapsed, clock.Remaining(), trainer.LearningRate, completed));

            if (options.StopWhen?.Invoke(completed) == true)
            {
                history.Stop = FitStop.StopCondition;
                break;
            }
        }
        history.Elapsed = Stopwatch.GetElapsedTime(started);
        return history;
    }

    /// <summary>
    /// Loss and accuracy of <paramref name="trainer"/>'s network on every batch of <paramref name="loader"/>
    /// (epoch 0 of it: give it no shuffle or augmentation and no DropLast, so every image counts once), in
    /// inference mode, updating nothing.
    /// </summary>
    public static EvaluationResult Evaluate(this ITrainer trainer, DataLoader loader, IProgress<EvaluationResult>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(loader);
        CheckFits(trainer, loader, nameof(loader));
        var started = Stopwatch.GetTimestamp();
        double lossSum = 0;
        int correct = 0, count = 0;
        foreach (var batch in loader.Epoch(0))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = trainer.EvaluateBatch(batch.Images, batch.Labels);
            lossSum += (double)result.Loss * result.Count;
            correct += result.Correct;
            count += result.Count;
            progress?.Report(new EvaluationResult(lossSum / count, correct, count, Stopwatch.GetElapsedTime(started).TotalSeconds));
        }
        return new EvaluationResult(count == 0 ? double.NaN : lossSum / count, correct, count, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    private static void SaveCheckpoint(ITrainer trainer, string path)
    {
        var partial = path + ".partial";
        trainer.SaveCheckpoint(partial);
        File.Move(partial, path, overwrite: true);
    }

    private static void CheckFits(ITrainer trainer, DataLoader loader, string name)
    {
        if (loader.ImageLength != trainer.InputLength)
            throw new ArgumentException(
                $"The {name} loader's images are {loader.ImageShape} = {loader.ImageLength} floats; the trainer's network takes {trainer.InputLength}.", name);
        if (loader.BatchSize > trainer.BatchSize)
            throw new ArgumentException(
                $"The {name} loader makes batches of {loader.BatchSize}; the trainer takes at most {trainer.BatchSize}.", name);
        if (loader.DataSet.ClassCount > trainer.ClassCount)
            throw new ArgumentException(
                $"The {name} data set has {loader.DataSet.ClassCount} classes; the trainer's network outputs {trainer.ClassCount}.", name);
    }

    // Elapsed time and the estimate of what is left: the mean wall time per training batch so far times the
    // training batches left, plus the validations left at the last one's time (or estimated from the
    // training rate before one has run).
    private sealed class Clock
    {
        private readonly long started;
        private readonly int trainBatches;
        private readonly int validationImages;
        private readonly double trainImagesPerBatch;
        private long trainBatchesLeft;
        private int validationsLeft;
        private long trainBatchesDone;
        private long trainTicks;
        private long lastMark;
        private double? validationSeconds;

        public Clock(long started, DataLoader train, DataLoader? validation, int epochsToTrain)
        {
            this.started = started;
            trainBatches = train.BatchesPerEpoch;
            trainImagesPerBatch = trainBatches == 0 ? 0 : (double)train.ImagesPerEpoch / trainBatches;
            validationImages = validation?.ImagesPerEpoch ?? 0;
            var epochsLeft = Math.Max(epochsToTrain, 0);
            trainBatchesLeft = (long)epochsLeft * trainBatches;
            validationsLeft = validation is null ? 0 : epochsLeft;
        }

        public TimeSpan Elapsed => Stopwatch.GetElapsedTime(started);

        public void TrainBatchDone()
        {
            var now = Stopwatch.GetTimestamp();
            trainTicks += now - lastMark;
            lastMark = now;
            trainBatchesDone++;
            trainBatchesLeft--;
        }

        public void ValidationDone(double seconds)
        {
            validationSeconds = seconds;
            validationsLeft--;
        }

        // Restarts the per-batch timing, so validation and checkpoints do not count as training time.
        public void StartEpoch() => lastMark = Stopwatch.GetTimestamp();

        public TimeSpan? Remaining()
        {
            if (trainBatchesDone == 0)
                return null;
            var secondsPerBatch = (double)trainTicks / Stopwatch.Frequency / trainBatchesDone;
            var perValidation = validationSeconds
                ?? (trainImagesPerBatch == 0 ? 0 : validationImages / trainImagesPerBatch * secondsPerBatch * EvaluationCostShare);
            return TimeSpan.FromSeconds(Math.Max(trainBatchesLeft, 0) * secondsPerBatch + Math.Max(validationsLeft, 0) * perValidation);
        }
    }

    // Turns Evaluate's reports into TrainingProgress reports of the Validating phase.
    private sealed class ValidationReporter : IProgress<EvaluationResult>
    {
        private readonly IProgress<TrainingProgress> progress;
        private readonly int epoch;
        private readonly int epochs;
        private readonly Clock clock;
        private readonly ITrainer trainer;
        private readonly int batches;
        private int batch;

        public ValidationReporter(IProgress<TrainingProgress> progress, int epoch, int epochs, int batches, Clock clock, ITrainer trainer)
        {
            this.progress = progress;
            this.epoch = epoch;
            this.epochs = epochs;
            this.clock = clock;
            this.trainer = trainer;
            this.batches = batches;
        }

        public void Report(EvaluationResult value) =>
            progress.Report(new TrainingProgress(TrainingPhase.Validating, epoch, epochs, ++batch, batches,
                value.Loss, value.Accuracy, value.ImagesPerSecond, clock.Elapsed, clock.Remaining(), trainer.LearningRate, null));
    }
}
