using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using ConvForge.Samples;

namespace ConvForge.Demo.Sections;

/// <summary>
/// Every shape is a C# constant: usable in array sizes, switch cases and other constants, and checked by
/// the compiler. Each line below prints the expression as written in this file and its value.
/// </summary>
internal static class ShapeConstants
{
    // A constant computed from generated constants: the length of ResNet-50's pooled features.
    private const int ResNet50FeatureLength = ResNet50.Shapes.AvgPool.Channels * ResNet50.Shapes.AvgPool.Height * ResNet50.Shapes.AvgPool.Width;

    public static void Print()
    {
        Show(SqueezeNet11.InputLength);
        Show(SqueezeNet11.OutputLength);
        Show(SqueezeNet11.Shapes.Fire2.Squeeze.Channels);
        Show(SqueezeNet11.Shapes.Fire2.Channels);
        Show(SqueezeNet11.Shapes.Pool5.Height);
        Show(GoogLeNet.Shapes.Inception4e.Reduce5x5.Channels);
        Show(GoogLeNet.Shapes.Inception4e.Conv5x5.Channels);
        Show(ResNet50.Shapes.Res3a.Downsample.Conv.Height);
        Show(ResNet50FeatureLength);
        Show(Nin.Shapes.Mlpconv3.Channels);

        // Buffers sized by the network itself: a wrong size cannot be written by hand.
        var image = new float[SqueezeNet11.InputLength];
        var scores = new float[SqueezeNet11.OutputLength];
        Console.WriteLine();
        Console.WriteLine($"new float[SqueezeNet11.InputLength] has {image.Length:N0} floats; new float[SqueezeNet11.OutputLength] has {scores.Length:N0}.");
    }

    private static void Show(int value, [CallerArgumentExpression(nameof(value))] string expression = "")
        => Console.WriteLine($"{expression,-52} = {value.ToString("N0", CultureInfo.InvariantCulture)}");
}
