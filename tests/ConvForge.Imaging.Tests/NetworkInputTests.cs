using System;
using System.Linq;

namespace ConvForge.Imaging.Tests;

/// <summary>A small network the generator completes in this assembly, to feed images to.</summary>
[Network(Channels = 3, Height = 32, Width = 32)]
public partial class TinyImageNet
{
    [Conv(8, Kernel = 3, Stride = 2, Padding = 1), Relu] public partial Layer Stem { get; }
    [GlobalAvgPool, Flatten]                              public partial Layer Pool { get; }
    [Dense(4)]                                            public partial Layer Output { get; }
}

public class NetworkInputTests
{
    [Fact]
    public void An_image_written_for_a_networks_shape_constants_runs_through_its_forward_pass()
    {
        // The example of docs/images.md, at a small size.
        var preprocess = ImagePreprocessing
            .ForInput(TinyImageNet.InputChannels, TinyImageNet.InputHeight, TinyImageNet.InputWidth)
            .ResizeShorterSide(40)
            .CenterCrop()
            .Normalize(ChannelNormalization.ImageNet);
        var net = new TinyImageNet();
        var dark = DecodedImage.Decode(TestImages.Png(TestImages.Pattern(60, 45, 3, (x, y, c) => 10 + c), 60, 45, 3));
        var bright = DecodedImage.Decode(TestImages.Png(TestImages.Pattern(60, 45, 3, (x, y, c) => 240 - c), 60, 45, 3));

        var input = new float[TinyImageNet.InputLength];
        var darkScores = new float[TinyImageNet.OutputLength];
        var brightScores = new float[TinyImageNet.OutputLength];
        preprocess.Write(dark, input);
        net.Forward(input, darkScores);
        preprocess.Write(bright, input);
        net.Forward(input, brightScores);

        Assert.Equal(3 * 32 * 32, preprocess.OutputLength);
        Assert.All(darkScores.Concat(brightScores), s => Assert.True(float.IsFinite(s)));
        Assert.NotEqual(darkScores, brightScores);

        // A batch of both gives the same scores as one at a time.
        var batch = new float[2 * TinyImageNet.InputLength];
        preprocess.WriteBatch(new[] { dark, bright }, batch);
        var batchScores = new float[2 * TinyImageNet.OutputLength];
        net.Forward(batch, batchScores, 2);
        Assert.Equal(darkScores.Concat(brightScores), batchScores);
    }
}
