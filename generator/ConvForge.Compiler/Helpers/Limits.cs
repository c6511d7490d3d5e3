namespace ConvForge.Compiler;

/// <summary>
/// The sizes the compiler accepts. Past these, generated code would overflow int indexing or take
/// absurd time to compile; such declarations get CF0020 instead of wrong arithmetic.
/// </summary>
public static class Limits
{
    /// <summary>Largest value of any written size: channels, kernel, stride, padding, units, image side.</summary>
    public const int MaxDimension = 1 << 20;

    /// <summary>Largest number of elements of one tensor (activations or parameters), and of all parameters together (offsets are int).</summary>
    public const long MaxElements = int.MaxValue;

    /// <summary>Largest number of nodes a network may expand into.</summary>
    public const int MaxNodes = 100_000;

    /// <summary>How deeply custom modules may nest.</summary>
    public const int MaxModuleDepth = 32;
}
