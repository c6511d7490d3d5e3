using System;
using ConvForge.Data;

namespace ConvForge.Samples.Training;

/// <summary>
/// Fashion-MNIST as the pretrained ResNet-18 (<see cref="ResNet18Cntk"/>) reads images: each 28 x 28 gray image
/// resized bilinearly to 224 x 224, replicated to 3 channels, scaled to 0..255, then put through the model's own
/// preprocessing (<see cref="ResNet18CntkPreprocessing"/>: BGR order and the mean image subtracted). Stratified
/// subsets of a stated size keep the data budget the same for both modes. No augmentation: feature extraction
/// caches the frozen trunk's outputs per image, which a random crop or flip would invalidate, and the
/// comparison needs both modes to see the same images.
/// </summary>
internal sealed record TransferData(DataLoader Train, DataLoader Test)
{
    public static TransferData Load(TransferSettings settings)
    {
        var preprocessing = ResNet18CntkPreprocessing.Load();
        IImageDataSet train = FashionMnist.LoadTrain(settings.DataDirectory);
        IImageDataSet test = FashionMnist.LoadTest(settings.DataDirectory);
        if (settings.TrainImages < train.Count)
            train = DataSplit.TrainValidation(train, settings.TrainImages, settings.Seed).Validation;
        if (settings.TestImages < test.Count)
            test = DataSplit.TrainValidation(test, settings.TestImages, settings.Seed).Validation;
        return new TransferData(
            new DataLoader(ForResNet18(train, preprocessing), settings.BatchSize, new DataLoaderOptions { Shuffle = true, Seed = settings.Seed }),
            new DataLoader(ForResNet18(test, preprocessing), settings.BatchSize));
    }

    /// <summary>The images of <paramref name="source"/> as <see cref="ResNet18Cntk"/>'s input.</summary>
    /// <summary>
    /// 28 x 28 gray to <see cref="ResNet18Fashion"/>'s 3 x 64 x 64 input on the 0 to 255 scale, minus the per-channel
    /// means of the model's mean image (it is 224 x 224, the input is not; the image is gray, so the model's BGR
    /// order changes nothing).
    /// </summary>
    public static IImageDataSet ForResNet18(IImageDataSet source, ResNet18CntkPreprocessing preprocessing) =>
        new ResizedDataSet(source, ResNet18Fashion.InputHeight, ResNet18Fashion.InputWidth, channels: ResNet18Fashion.InputChannels, pixelScale: 255,
            normalization: new ChannelStatistics(preprocessing.ChannelMeans, new[] { 1f, 1f, 1f }));
}
