using ConvForge.Data;

namespace ConvForge.Samples.Training;

/// <summary>
/// Fashion-MNIST prepared as the usual from-scratch recipe does: a stratified validation split held out of
/// the training set, mean and std computed from the remaining training images (and used for every split),
/// random crops with 2 pixels of zero padding and horizontal flips for training only.
/// </summary>
internal sealed record FashionData(DataLoader Train, DataLoader? Validation, DataLoader Test, ChannelStatistics Statistics)
{
    public const int CropPadding = 2;

    public static FashionData Load(FashionSettings settings)
    {
        IImageDataSet train = FashionMnist.LoadTrain(settings.DataDirectory);
        IImageDataSet test = FashionMnist.LoadTest(settings.DataDirectory);
        if (settings.TrainLimit is { } trainLimit && trainLimit < train.Count)
            train = DataSplit.TrainValidation(train, trainLimit, settings.Seed).Validation;
        if (settings.TestLimit is { } testLimit && testLimit < test.Count)
            test = DataSplit.TrainValidation(test, testLimit, settings.Seed).Validation;

        IImageDataSet? validation = null;
        if (settings.ValidationCount > 0)
            (train, validation) = DataSplit.TrainValidation(train, settings.ValidationCount, settings.Seed);

        var statistics = ChannelStatistics.Compute(train);
        var training = new DataLoaderOptions
        {
            Shuffle = true,
            Seed = settings.Seed,
            RandomCropPadding = CropPadding,
            RandomHorizontalFlip = true,
            Normalization = statistics,
        };
        var evaluation = new DataLoaderOptions { Normalization = statistics };
        return new FashionData(
            new DataLoader(train, settings.BatchSize, training),
            validation is null ? null : new DataLoader(validation, settings.BatchSize, evaluation),
            new DataLoader(test, settings.BatchSize, evaluation),
            statistics);
    }
}
