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
    public static IImageDataSet ForResNet18(IImageDataSet source, ResNet18CntkPreprocessing preprocessing) =>
        new CntkInput(new ResizedDataSet(source, ResNet18Cntk.InputHeight, ResNet18Cntk.InputWidth, channels: 3, pixelScale: 255), preprocessing);

    // RGB 0..255 in, the CNTK model's input out (the channel reordering needs a second buffer).
    private sealed class CntkInput(IImageDataSet rgb, ResNet18CntkPreprocessing preprocessing) : IImageDataSet
    {
        [ThreadStatic]
        private static float[]? scratch;

        public int Count => rgb.Count;

        public TensorShape ImageShape => rgb.ImageShape;

        public int ClassCount => rgb.ClassCount;

        public int GetLabel(int index) => rgb.GetLabel(index);

        public void CopyImage(int index, Span<float> destination)
        {
            var buffer = scratch ??= new float[ResNet18Cntk.InputLength];
            rgb.CopyImage(index, buffer);
            preprocessing.Normalize(buffer, destination);
        }
    }
}
