using System;

namespace ConvForge.Training;

/// <summary>What one batch gave: the mean loss and how many images the network classified correctly.</summary>
/// <param name="Loss">Mean loss over the batch.</param>
/// <param name="Correct">Images whose highest logit is their label.</param>
/// <param name="Count">Images in the batch.</param>
public readonly record struct BatchResult(float Loss, int Correct, int Count)
{
    /// <summary>Correct / Count.</summary>
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;
}

/// <summary>
/// A trainer as the training loop sees it (the <c>Fit</c> helper, progress displays, checkpoints per epoch):
/// one optimizer step per batch, evaluation without updates, and the position in training.
/// </summary>
public interface ITrainer
{
    /// <summary>Floats of one input image.</summary>
    int InputLength { get; }

    /// <summary>Classes of the logits.</summary>
    int ClassCount { get; }

    /// <summary>Largest batch <see cref="TrainBatch"/> takes (buffers are sized for it).</summary>
    int BatchSize { get; }

    /// <summary>Optimizer steps taken so far (it indexes the learning-rate schedule).</summary>
    long Step { get; }

    /// <summary>The epoch the loop is in; saved in checkpoints (the loop sets it).</summary>
    int Epoch { get; set; }

    /// <summary>The learning rate the next step uses.</summary>
    double LearningRate { get; }

    /// <summary>
    /// Forward, loss, backward and one optimizer step on labels.Length images (images.Length = labels.Length * InputLength).
    /// Throws <see cref="TrainingDivergedException"/> when the loss is NaN or infinite (parameters are left as before the step).
    /// </summary>
    BatchResult TrainBatch(ReadOnlySpan<float> images, ReadOnlySpan<int> labels);

    /// <summary>Loss and correct count in inference mode (running BatchNorm statistics, no dropout), without updating anything.</summary>
    BatchResult EvaluateBatch(ReadOnlySpan<float> images, ReadOnlySpan<int> labels);

    /// <summary>Writes parameters, optimizer state and the trainer's position (step, epoch, seeds) to a safetensors file.</summary>
    void SaveCheckpoint(string path);

    /// <summary>Restores what <see cref="SaveCheckpoint"/> wrote, so training continues bit-identically.</summary>
    void LoadCheckpoint(string path);
}

/// <summary>Thrown when the loss becomes NaN or infinite: training has diverged.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception with a message that names the step, epoch and learning rate.</summary>
    public TrainingDivergedException(string message) : base(message) { }

    /// <summary>Wraps <paramref name="innerException"/> (the trainer's report) with where in the loop it happened.</summary>
    public TrainingDivergedException(string message, Exception innerException) : base(message, innerException) { }
}
