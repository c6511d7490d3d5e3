using System;
using System.Linq;
using ConvForge.Data;

namespace ConvForge.Training;

/// <summary>
/// The frozen trunk's outputs for a set of images (the values at <see cref="TrainingSchedule.FrozenBoundary"/>), from
/// <see cref="Trainer{TNetwork}.CacheFrozenFeatures(ReadOnlySpan{float})"/>: feature extraction then trains only the head.
/// Valid while the frozen parameters stay as they were when it was made.
/// </summary>
public sealed class FrozenFeatures
{
    internal FrozenFeatures(int count, int featureLength, float[] data)
    {
        Count = count;
        FeatureLength = featureLength;
        Data = data;
    }

    /// <summary>Images cached.</summary>
    public int Count { get; }

    /// <summary>Floats per image: the boundary values' slices, one after another.</summary>
    public int FeatureLength { get; }

    /// <summary>Image i's features: <see cref="FeatureLength"/> floats at i * FeatureLength.</summary>
    internal float[] Data { get; }

    /// <summary>Image <paramref name="index"/>'s features (the boundary values in the training program's layout).</summary>
    public ReadOnlySpan<float> Features(int index) => Data.AsSpan(checked(index * FeatureLength), FeatureLength);
}

public sealed unsafe partial class Trainer<TNetwork>
{
    /// <summary>
    /// Runs the frozen trunk (the steps no trainable parameter affects) once over <paramref name="images"/> (plain, InputLength
    /// floats each) and keeps the values the head reads. Train from them with <see cref="TrainCachedBatch"/>: only the head
    /// steps run, forward and backward, and the parameters come out as <see cref="TrainBatch"/> on the same images would leave them.
    /// </summary>
    /// <exception cref="InvalidOperationException">The trunk draws dropout masks (its outputs would change from epoch to epoch).</exception>
    public FrozenFeatures CacheFrozenFeatures(ReadOnlySpan<float> images)
    {
        CheckCacheable();
        if (images.Length == 0 || images.Length % InputLength != 0)
            throw new ArgumentException($"Images hold {images.Length} floats, not a positive multiple of the input's {InputLength}.", nameof(images));
        int count = images.Length / InputLength;
        var features = new FrozenFeatures(count, FeatureLength, new float[checked(count * FeatureLength)]);
        for (int start = 0; start < count; start += BatchSize)
        {
            int batch = Math.Min(BatchSize, count - start);
            ExtractFeatures(images.Slice(start * InputLength, batch * InputLength), features, start, batch);
        }
        return features;
    }

    /// <summary>Like <see cref="CacheFrozenFeatures(ReadOnlySpan{float})"/> over every image of <paramref name="data"/>, in order.</summary>
    public FrozenFeatures CacheFrozenFeatures(IImageDataSet data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckCacheable();
        if (data.ImageShape.Length != InputLength)
            throw new ArgumentException($"The data set's images are {data.ImageShape} ({data.ImageShape.Length} floats); the network takes {InputLength}.", nameof(data));
        var features = new FrozenFeatures(data.Count, FeatureLength, new float[checked(data.Count * FeatureLength)]);
        var chunk = new float[BatchSize * InputLength];
        for (int start = 0; start < data.Count; start += BatchSize)
        {
            int batch = Math.Min(BatchSize, data.Count - start);
            for (int i = 0; i < batch; i++)
                data.CopyImage(start + i, chunk.AsSpan(i * InputLength, InputLength));
            ExtractFeatures(chunk.AsSpan(0, batch * InputLength), features, start, batch);
        }
        return features;
    }

    /// <summary>
    /// One training step of the head on cached images <paramref name="indices"/> (rows of <paramref name="features"/>) with
    /// their <paramref name="labels"/>: the same step as <see cref="TrainBatch"/> on those images, without the trunk.
    /// </summary>
    public BatchResult TrainCachedBatch(FrozenFeatures features, ReadOnlySpan<int> indices, ReadOnlySpan<int> labels)
    {
        int batch = LoadFeatures(features, indices, labels);
        EnsurePacked();
        return Train(headForward, batch, labels);
    }

    /// <summary>Loss and correct count in inference mode from cached features (as <see cref="EvaluateBatch"/> would give on those images).</summary>
    public BatchResult EvaluateCachedBatch(FrozenFeatures features, ReadOnlySpan<int> indices, ReadOnlySpan<int> labels)
    {
        float lossSum = 0;
        int correct = 0;
        EnsurePacked();
        for (int start = 0; start < labels.Length; start += BatchSize)
        {
            int batch = Math.Min(BatchSize, labels.Length - start);
            LoadFeatures(features, indices.Slice(start, batch), labels.Slice(start, batch));
            fixed (float* parameters = network.Parameters.Values)
                runner.Run(headInference, parameters, batch, seed: 0);
            var (loss, right) = Loss(batch, labels.Slice(start, batch));
            lossSum += loss * batch;
            correct += right;
        }
        return new BatchResult(lossSum / labels.Length, correct, labels.Length);
    }

    /// <summary>Floats per image of the frozen boundary values.</summary>
    public int FeatureLength { get; }

    private void CheckCacheable()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        foreach (var step in Schedule.Steps)
        {
            if (!step.DependsOnTrainable && program.Steps[step.Step].Kind == TrainingStepKind.Dropout)
                throw new InvalidOperationException($"The frozen trunk of {TNetwork.Definition.Name} has dropout ({step.Node}): its outputs change with every batch, so they cannot be cached.");
        }
    }

    private void ExtractFeatures(ReadOnlySpan<float> images, FrozenFeatures features, int start, int batch)
    {
        EnsurePacked();
        LoadImages(images, batch);
        // The trunk has no batch-level step (a training-mode BatchNorm is trainable), so nothing in it writes the parameters.
        fixed (float* parameters = network.Parameters.Values)
            runner.Run(trunkForward, parameters, batch, seed: 0);
        var values = runner.Values;
        for (int i = 0; i < batch; i++)
        {
            var row = features.Data.AsSpan((start + i) * features.FeatureLength, features.FeatureLength);
            int at = 0;
            foreach (var (offset, length) in boundary)
            {
                values.AsSpan(i * program.ImageLength + offset, length).CopyTo(row.Slice(at, length));
                at += length;
            }
        }
    }

    private int LoadFeatures(FrozenFeatures features, ReadOnlySpan<int> indices, ReadOnlySpan<int> labels)
    {
        ArgumentNullException.ThrowIfNull(features);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (features.FeatureLength != FeatureLength)
            throw new ArgumentException($"The features hold {features.FeatureLength} floats per image; this trainer's frozen boundary has {FeatureLength} (were they cached by a trainer with another frozen set?).", nameof(features));
        int batch = labels.Length;
        if (batch < 1 || batch > BatchSize)
            throw new ArgumentException($"A batch holds 1 to {BatchSize} images; {batch} labels were given.", nameof(labels));
        if (indices.Length != batch)
            throw new ArgumentException($"{indices.Length} indices were given for {batch} labels.", nameof(indices));
        for (int i = 0; i < batch; i++)
        {
            if ((uint)labels[i] >= (uint)ClassCount)
                throw new ArgumentException($"Label at index {i} is {labels[i]}, outside [0, {ClassCount}).", nameof(labels));
            if ((uint)indices[i] >= (uint)features.Count)
                throw new ArgumentException($"Index {indices[i]} at {i} is outside the {features.Count} cached images.", nameof(indices));
        }
        var values = runner.Values;
        for (int i = 0; i < batch; i++)
        {
            var row = features.Data.AsSpan(indices[i] * features.FeatureLength, features.FeatureLength);
            int at = 0;
            foreach (var (offset, length) in boundary)
            {
                row.Slice(at, length).CopyTo(values.AsSpan(i * program.ImageLength + offset, length));
                at += length;
            }
        }
        return batch;
    }
}
