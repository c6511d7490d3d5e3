using ConvForge.Training;

namespace ConvForge.Samples.Training;

/// <summary>
/// LEAD: THE ONE PLACE TO FILL IN. Builds the trainers the commands train; everything around them (data,
/// loaders, Fit, progress, checkpoints, tables) is written. Until these return a trainer, the commands stop
/// after preparing the data and say so.
/// </summary>
internal static class Trainers
{
    /// <summary>
    /// The from-scratch network of the seed's family (NIN- or SqueezeNet-style) with its optimizer and schedule,
    /// for 1 x 28 x 28 inputs, 10 classes, batches of at most <see cref="FashionSettings.BatchSize"/>;
    /// <paramref name="stepsPerEpoch"/> sizes the learning-rate schedule.
    /// </summary>
    public static ITrainer? Fashion(FashionSettings settings, int stepsPerEpoch) => null; // LEAD: new Trainer<...>(...)

    /// <summary>
    /// The pretrained ResNet-18 (<see cref="ResNet18Cntk"/>, weights from ResNet18Cntk.OnnxPath) with a new
    /// 512 -> 10 head: <see cref="TransferMode.FeatureExtraction"/> freezes the whole trunk,
    /// <see cref="TransferMode.FineTuning"/> trains everything (the head at 10x the trunk's rate).
    /// </summary>
    public static TransferTrainer? Transfer(TransferMode mode, TransferSettings settings, int stepsPerEpoch) => null; // LEAD
}

/// <summary>A transfer trainer and what the results table reports about it.</summary>
/// <param name="Trainer">The trainer.</param>
/// <param name="TrainableParameters">Parameters the optimizer updates (the head's alone when the trunk is frozen).</param>
internal sealed record TransferTrainer(ITrainer Trainer, long TrainableParameters);
