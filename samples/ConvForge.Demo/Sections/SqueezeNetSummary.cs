using System;
using ConvForge.Samples;

namespace ConvForge.Demo.Sections;

/// <summary>The full summary table of SqueezeNet 1.1, as the generator wrote it into the class's doc comment.</summary>
internal static class SqueezeNetSummary
{
    public static void Print() => Console.WriteLine(SqueezeNet11.Summary.Text.TrimEnd());
}
