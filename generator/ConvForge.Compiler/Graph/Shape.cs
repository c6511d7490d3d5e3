namespace ConvForge.Compiler.Graph;

/// <summary>Channels x height x width of one image's activations.</summary>
public readonly record struct Shape(int Channels, int Height, int Width)
{
    public long Length => (long)Channels * Height * Width;

    public override string ToString() => $"{Channels}x{Height}x{Width}";
}
