using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using ConvForge.Training;

namespace ConvForge.Runtime.Tests.Training.Loop;

/// <summary>
/// A trainer whose "loss" is the mean label of a batch and whose state is a number every batch changes in
/// an order-dependent way, so tests can predict its reports and tell whether two runs saw the same batches.
/// </summary>
internal sealed class FakeTrainer : ITrainer
{
    public FakeTrainer(int inputLength, int classCount = 3, int batchSize = 16)
    {
        InputLength = inputLength;
        ClassCount = classCount;
        BatchSize = batchSize;
    }

    public int InputLength { get; }

    public int ClassCount { get; }

    public int BatchSize { get; }

    public long Step { get; private set; }

    public int Epoch { get; set; }

    public double LearningRate => 0.1 / (1 + Step);

    /// <summary>Changed by every step from the batch's images and labels, in order.</summary>
    public double State { get; private set; }

    /// <summary>Throw <see cref="TrainingDivergedException"/> when asked to take this step.</summary>
    public long DivergeAtStep { get; init; } = -1;

    /// <summary>Runs when a training batch starts (a test cancels from here, say).</summary>
    public Action<FakeTrainer>? OnTrainBatch { get; init; }

    /// <summary>(epoch, digest of the batch) per training step.</summary>
    public List<(int Epoch, double Digest)> Trained { get; } = new();

    /// <summary>(path, epoch) per checkpoint written.</summary>
    public List<(string Path, int Epoch)> Saved { get; } = new();

    public int Evaluated { get; private set; }

    public BatchResult TrainBatch(ReadOnlySpan<float> images, ReadOnlySpan<int> labels)
    {
        if (images.Length != labels.Length * InputLength)
            throw new ArgumentException("images and labels disagree");
        OnTrainBatch?.Invoke(this);
        if (Step == DivergeAtStep)
            throw new TrainingDivergedException($"The loss is NaN at step {Step} (learning rate {LearningRate}).");
        var digest = Digest(images, labels);
        State = State * 0.5 + digest;
        Trained.Add((Epoch, digest));
        Step++;
        return Result(labels, lossOffset: 0, correctLabel: 0);
    }

    public BatchResult EvaluateBatch(ReadOnlySpan<float> images, ReadOnlySpan<int> labels)
    {
        Evaluated++;
        return Result(labels, lossOffset: 1, correctLabel: 1);
    }

    public void SaveCheckpoint(string path)
    {
        File.WriteAllText(path, string.Join(' ', Step, Epoch, BitConverter.DoubleToInt64Bits(State)));
        Saved.Add((path, Epoch));
    }

    public void LoadCheckpoint(string path)
    {
        var parts = File.ReadAllText(path).Split(' ');
        Step = long.Parse(parts[0], CultureInfo.InvariantCulture);
        Epoch = int.Parse(parts[1], CultureInfo.InvariantCulture);
        State = BitConverter.Int64BitsToDouble(long.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    // Loss: the mean label plus an offset; correct: the images labelled correctLabel.
    private static BatchResult Result(ReadOnlySpan<int> labels, float lossOffset, int correctLabel)
    {
        var sum = 0;
        var correct = 0;
        foreach (var label in labels)
        {
            sum += label;
            correct += label == correctLabel ? 1 : 0;
        }
        return new BatchResult((float)sum / labels.Length + lossOffset, correct, labels.Length);
    }

    private static double Digest(ReadOnlySpan<float> images, ReadOnlySpan<int> labels)
    {
        double digest = 0;
        for (var i = 0; i < images.Length; i++)
            digest += images[i] * (1 + i % 7);
        for (var i = 0; i < labels.Length; i++)
            digest += labels[i] * (i + 1);
        return digest;
    }
}
