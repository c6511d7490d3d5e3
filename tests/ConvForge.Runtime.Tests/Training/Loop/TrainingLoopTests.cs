using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using ConvForge.Data;
using ConvForge.Runtime.Tests.Data;
using ConvForge.Training;

namespace ConvForge.Runtime.Tests.Training.Loop;

public sealed class TrainingLoopTests : IDisposable
{
    private static readonly TensorShape Shape = new(1, 4, 4);
    private readonly string directory = Directory.CreateTempSubdirectory("convforge-fit-").FullName;
    private readonly ArrayDataSet trainSet = ArrayDataSet.Random(50, Shape, seed: 1);
    private readonly ArrayDataSet validationSet = ArrayDataSet.Random(21, Shape, seed: 2);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private DataLoader TrainLoader() => new(trainSet, 16, new DataLoaderOptions { Shuffle = true, Seed = 7, RandomCropPadding = 1, RandomHorizontalFlip = true });

    private DataLoader ValidationLoader() => new(validationSet, 8);

    private string Checkpoint => Path.Combine(directory, "run.safetensors");

    // An ordinary recorder: System.Progress<T> would report on the thread pool, out of order.
    private sealed class Recorder<T> : IProgress<T>
    {
        public List<T> Reports { get; } = new();

        public void Report(T value) => Reports.Add(value);
    }

    [Fact]
    public void Fit_trains_each_epoch_on_its_batches_and_reports_the_weighted_means()
    {
        var trainer = new FakeTrainer(Shape.Length);
        var history = trainer.Fit(TrainLoader(), ValidationLoader(), new FitOptions { Epochs = 3 });

        Assert.Equal(3, history.Epochs.Count);
        Assert.Equal(FitStop.Completed, history.Stop);
        Assert.Equal(3 * 4, trainer.Trained.Count); // 50 images in batches of 16: 4 per epoch
        Assert.Equal(3 * 3, trainer.Evaluated);     // 21 in batches of 8: 3
        Assert.Equal(3, trainer.Epoch);
        Assert.Equal(new[] { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2 }, trainer.Trained.Select(t => t.Epoch));

        // The fake's loss is the mean label, so an epoch's weighted mean is the mean label of the whole set.
        var labels = Enumerable.Range(0, trainSet.Count).Select(trainSet.GetLabel).ToArray();
        var validationLabels = Enumerable.Range(0, validationSet.Count).Select(validationSet.GetLabel).ToArray();
        foreach (var epoch in history.Epochs)
        {
            Assert.Equal(labels.Average(), epoch.TrainLoss, 1e-6);
            Assert.Equal(labels.Count(l => l == 0) / 50.0, epoch.TrainAccuracy, 1e-12);
            Assert.Equal(validationLabels.Average() + 1, epoch.ValidationLoss!.Value, 1e-6);
            Assert.Equal(validationLabels.Count(l => l == 1) / 21.0, epoch.ValidationAccuracy!.Value, 1e-12);
            Assert.True(epoch.Seconds >= epoch.TrainSeconds && epoch.TrainSeconds > 0);
            Assert.Equal(50 / epoch.TrainSeconds, epoch.ImagesPerSecond, 1e-6);
        }
        Assert.Equal(new[] { 0, 1, 2 }, history.Epochs.Select(e => e.Epoch));
        Assert.Equal(trainer.LearningRate, history.Last!.LearningRate);
    }

    [Fact]
    public void A_checkpoint_is_saved_after_every_epoch_holding_the_next_epoch()
    {
        var trainer = new FakeTrainer(Shape.Length);
        trainer.Fit(TrainLoader(), null, new FitOptions { Epochs = 3, CheckpointPath = Checkpoint });
        Assert.Equal(new[] { 1, 2, 3 }, trainer.Saved.Select(s => s.Epoch));
        Assert.All(trainer.Saved, s => Assert.Equal(Checkpoint + ".partial", s.Path));
        Assert.True(File.Exists(Checkpoint));
        Assert.False(File.Exists(Checkpoint + ".partial"));
    }

    [Fact]
    public void A_resumed_fit_continues_at_the_checkpoint_epoch_and_sees_the_batches_of_an_uninterrupted_run()
    {
        var uninterrupted = new FakeTrainer(Shape.Length);
        uninterrupted.Fit(TrainLoader(), ValidationLoader(), new FitOptions { Epochs = 4 });

        var first = new FakeTrainer(Shape.Length);
        var before = first.Fit(TrainLoader(), ValidationLoader(), new FitOptions { Epochs = 2, CheckpointPath = Checkpoint, Resume = true });
        Assert.False(before.Resumed); // no checkpoint yet: a fresh start

        var resumed = new FakeTrainer(Shape.Length);
        var history = resumed.Fit(TrainLoader(), ValidationLoader(), new FitOptions { Epochs = 4, CheckpointPath = Checkpoint, Resume = true });

        Assert.True(history.Resumed);
        Assert.Equal(new[] { 2, 3 }, history.Epochs.Select(e => e.Epoch));
        Assert.Equal(uninterrupted.Trained.Skip(8), resumed.Trained);
        Assert.Equal(uninterrupted.Step, resumed.Step);
        Assert.Equal(uninterrupted.State, resumed.State); // bit for bit: same batches in the same order

        var done = new FakeTrainer(Shape.Length);
        var nothingLeft = done.Fit(TrainLoader(), null, new FitOptions { Epochs = 4, CheckpointPath = Checkpoint, Resume = true });
        Assert.Empty(nothingLeft.Epochs);
        Assert.Empty(done.Trained);
    }

    [Fact]
    public void Progress_reports_every_batch_the_validation_and_each_completed_epoch()
    {
        var trainer = new FakeTrainer(Shape.Length);
        var recorder = new Recorder<TrainingProgress>();
        var history = trainer.Fit(TrainLoader(), ValidationLoader(), new FitOptions { Epochs = 2, Progress = recorder });

        var reports = recorder.Reports;
        Assert.Equal(2 * (4 + 3 + 1), reports.Count);
        var training = reports.Where(r => r.Phase == TrainingPhase.Training).ToList();
        Assert.Equal(new[] { 1, 2, 3, 4, 1, 2, 3, 4 }, training.Select(r => r.Batch));
        Assert.All(training, r => Assert.Equal(4, r.BatchesPerEpoch));
        Assert.All(reports, r => Assert.Equal(2, r.Epochs));
        Assert.All(training, r => Assert.NotNull(r.Remaining));
        Assert.Equal(TimeSpan.Zero, reports[^1].Remaining);
        var validating = reports.Where(r => r.Phase == TrainingPhase.Validating).ToList();
        Assert.Equal(new[] { 1, 2, 3, 1, 2, 3 }, validating.Select(r => r.Batch));
        Assert.All(validating, r => Assert.Equal(3, r.BatchesPerEpoch));
        var completed = reports.Where(r => r.Phase == TrainingPhase.EpochCompleted).Select(r => r.Completed!).ToList();
        Assert.Equal(history.Epochs, completed);

        // The last training report of an epoch carries the epoch's mean loss and accuracy.
        Assert.Equal(history.Epochs[0].TrainLoss, training[3].Loss, 1e-12);
        Assert.Equal(history.Epochs[0].TrainAccuracy, training[3].Accuracy, 1e-12);
        Assert.True(reports.Select(r => r.Elapsed).SequenceEqual(reports.Select(r => r.Elapsed).OrderBy(e => e)));
    }

    [Fact]
    public void Stop_when_ends_training_after_the_epoch_that_meets_it()
    {
        var trainer = new FakeTrainer(Shape.Length);
        var history = trainer.Fit(TrainLoader(), ValidationLoader(), new FitOptions
        {
            Epochs = 10, CheckpointPath = Checkpoint, StopWhen = epoch => epoch.Epoch == 1 && epoch.ValidationAccuracy is not null,
        });
        Assert.Equal(FitStop.StopCondition, history.Stop);
        Assert.Equal(2, history.Epochs.Count);
        Assert.Equal(2, trainer.Saved.Count); // the stopping epoch is checkpointed too
        Assert.Equal(2, trainer.Epoch);
    }

    [Fact]
    public void Divergence_propagates_with_the_epoch_and_batch_added()
    {
        var trainer = new FakeTrainer(Shape.Length) { DivergeAtStep = 6 }; // epoch 2, batch 3
        var error = Assert.Throws<TrainingDivergedException>(() =>
            trainer.Fit(TrainLoader(), null, new FitOptions { Epochs = 3, CheckpointPath = Checkpoint }));
        Assert.StartsWith("Training diverged in epoch 2 of 3, batch 3 of 4: The loss is NaN at step 6", error.Message);
        Assert.IsType<TrainingDivergedException>(error.InnerException);
        Assert.Equal(new[] { 1 }, trainer.Saved.Select(s => s.Epoch)); // epoch 1's checkpoint is what is left
    }

    [Fact]
    public void Cancellation_stops_before_the_next_batch()
    {
        using var cancel = new CancellationTokenSource();
        var trainer = new FakeTrainer(Shape.Length) { OnTrainBatch = t => { if (t.Step == 5) cancel.Cancel(); } };
        Assert.ThrowsAny<OperationCanceledException>(() =>
            trainer.Fit(TrainLoader(), null, new FitOptions { Epochs = 3, CancellationToken = cancel.Token }));
        Assert.Equal(6, trainer.Step);
    }

    [Fact]
    public void Evaluate_weights_each_batch_by_its_size_and_counts_every_image_once()
    {
        var trainer = new FakeTrainer(Shape.Length);
        var result = trainer.Evaluate(ValidationLoader());
        var labels = Enumerable.Range(0, validationSet.Count).Select(validationSet.GetLabel).ToArray();
        Assert.Equal(21, result.Count);
        Assert.Equal(labels.Count(l => l == 1), result.Correct);
        Assert.Equal(labels.Average() + 1, result.Loss, 1e-6);
        Assert.Equal(0, trainer.Step);
    }

    [Fact]
    public void Loaders_that_do_not_fit_the_trainer_are_refused_with_the_reason()
    {
        var trainer = new FakeTrainer(Shape.Length + 1);
        var error = Assert.Throws<ArgumentException>(() => trainer.Fit(TrainLoader()));
        Assert.Contains("1x4x4 = 16 floats; the trainer's network takes 17", error.Message);
        var small = new FakeTrainer(Shape.Length, batchSize: 8);
        Assert.Contains("batches of 16; the trainer takes at most 8", Assert.Throws<ArgumentException>(() => small.Fit(TrainLoader())).Message);
        Assert.Throws<ArgumentException>(() => small.Fit(ValidationLoader(), null, new FitOptions { Resume = true }));
    }
}
