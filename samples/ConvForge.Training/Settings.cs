using ConvForge.Data;

namespace ConvForge.Samples.Training;

/// <summary>The `fashion` command's options.</summary>
internal sealed record FashionSettings
{
    public int Epochs { get; init; } = 12;
    public int BatchSize { get; init; } = 128;
    public int Seed { get; init; } = 1;
    /// <summary>Training images held out for validation (stratified); 0 for none.</summary>
    public int ValidationCount { get; init; } = 5000;
    /// <summary>Use only this many training images (stratified), for short runs; null for all 60,000.</summary>
    public int? TrainLimit { get; init; }
    /// <summary>Evaluate on only this many test images (stratified); null for all 10,000.</summary>
    public int? TestLimit { get; init; }
    public string DataDirectory { get; init; } = FashionMnist.DebianDirectory;
    public string? CheckpointPath { get; init; }
    public bool Resume { get; init; }
    /// <summary>Stop once the validation accuracy reaches this; null to train all epochs.</summary>
    public double? TargetAccuracy { get; init; }
}

/// <summary>Feature extraction (trunk frozen) or fine-tuning (everything trains).</summary>
internal enum TransferMode
{
    FeatureExtraction,
    FineTuning,
}

/// <summary>The `transfer` command's options: the same data budget, input size and epochs for both modes.</summary>
internal sealed record TransferSettings
{
    public int Epochs { get; init; } = 3;
    public int BatchSize { get; init; } = 32;
    public int Seed { get; init; } = 1;
    /// <summary>Training images (stratified from the 60,000).</summary>
    public int TrainImages { get; init; } = 1000;
    /// <summary>Test images (stratified from the 10,000).</summary>
    public int TestImages { get; init; } = 1000;
    public string DataDirectory { get; init; } = FashionMnist.DebianDirectory;
    public string? CheckpointDirectory { get; init; }
    public bool Resume { get; init; }
}
