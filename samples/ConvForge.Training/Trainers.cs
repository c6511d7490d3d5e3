using System.Collections.Generic;
using ConvForge.Training;

namespace ConvForge.Samples.Training;

/// <summary>The trainers the commands train: each network with its optimizer, schedule and what is frozen.</summary>
internal static class Trainers
{
    /// <summary>
    /// <see cref="FashionNin"/> from scratch: SGD with Nesterov momentum 0.9, weight decay 5e-4 on the weights (not on
    /// biases and BatchNorm), softmax cross-entropy with label smoothing 0.1, a one-cycle learning rate peaking at 0.1
    /// over all epochs, batches of
    /// <see cref="FashionSettings.BatchSize"/>; <paramref name="stepsPerEpoch"/> sizes the schedule.
    /// </summary>
    public static Trainer<FashionNin> Fashion(FashionSettings settings, int stepsPerEpoch) =>
        new(new FashionNin(), new TrainerOptions
        {
            BatchSize = settings.BatchSize,
            Optimizer = OptimizerKind.Sgd,
            Momentum = 0.9f,
            Nesterov = true,
            WeightDecay = 5e-4f,
            LabelSmoothing = 0.1f,
            Schedule = new OneCycleSchedule(0.1, (long)stepsPerEpoch * settings.Epochs),
            Seed = (ulong)settings.Seed,
        });

    /// <summary>
    /// <see cref="ResNet18Fashion"/> with the pretrained trunk of <see cref="ResNet18Cntk"/> (ResNet18Cntk.OnnxPath)
    /// and a fresh 512 -> 10 head. <see cref="TransferMode.FeatureExtraction"/> freezes everything through the
    /// global pool (<c>FreezeThrough = "Features"</c>), so only the head learns; <see cref="TransferMode.FineTuning"/>
    /// trains every layer, the pretrained trunk at a tenth of the new head's rate (0.001 and 0.01; feature extraction
    /// trains the head at 0.01: the trunk's features are large, on the model's 0..255 input scale). Both: SGD with momentum 0.9,
    /// cosine schedule, weight decay 1e-4.
    /// </summary>
    public static TransferTrainer Transfer(TransferMode mode, TransferSettings settings, int stepsPerEpoch)
    {
        var network = new ResNet18Fashion();
        var pretrained = new ResNet18Cntk();
        pretrained.Parameters.LoadOnnx(ResNet18Cntk.OnnxPath);
        network.Parameters.CopyMatchingTensors(pretrained.Parameters);

        var featureExtraction = mode == TransferMode.FeatureExtraction;
        var trainer = new Trainer<ResNet18Fashion>(network, new TrainerOptions
        {
            BatchSize = settings.BatchSize,
            Optimizer = OptimizerKind.Sgd,
            Momentum = 0.9f,
            WeightDecay = 1e-4f,
            Schedule = new CosineAnnealingSchedule(featureExtraction ? 0.01 : 0.001, (long)stepsPerEpoch * settings.Epochs),
            LearningRateScales = featureExtraction ? new Dictionary<string, float>() : new Dictionary<string, float> { ["Classifier"] = 10f },
            FreezeThrough = featureExtraction ? "Features" : null,
            Seed = (ulong)settings.Seed,
        });
        return new TransferTrainer(trainer, trainer.Schedule.TrainableParameterCount);
    }
}

/// <summary>A transfer trainer and what the results table reports about it.</summary>
/// <param name="Trainer">The trainer.</param>
/// <param name="TrainableParameters">Parameters the optimizer updates (the head's alone when the trunk is frozen).</param>
internal sealed record TransferTrainer(Trainer<ResNet18Fashion> Trainer, long TrainableParameters);
