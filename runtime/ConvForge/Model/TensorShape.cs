using System;

namespace ConvForge;

/// <summary>The shape of one image's activations: channels x height x width.</summary>
public readonly record struct TensorShape(int Channels, int Height, int Width)
{
    /// <summary>Number of floats: Channels * Height * Width.</summary>
    public int Length => Channels * Height * Width;

    /// <summary>"64x56x56".</summary>
    public override string ToString() => FormattableString.Invariant($"{Channels}x{Height}x{Width}");
}
