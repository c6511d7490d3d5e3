namespace ConvForge.Compiler.Diagnostics;

/// <summary>
/// Where in the declaration a problem is, as plain data: the Roslyn layer turns it into a location.
/// </summary>
/// <param name="LayerIndex">Index of the Layer property in <c>NetworkSpec.Layers</c>; -1 for the network attribute itself.</param>
/// <param name="OpIndex">Index of the attribute on that property; -1 for the property as a whole.</param>
/// <param name="Argument">
/// The argument at fault, named as in <c>ArgSpec.Name</c> ("Kernel", "Channels", "From" ...); null for the
/// whole attribute. When the argument was not written, the Roslyn layer falls back to the attribute.
/// </param>
public sealed record Site(int LayerIndex, int OpIndex, string? Argument)
{
    /// <summary>The [Network] attribute on the class.</summary>
    public static readonly Site Network = new(-1, -1, null);

    /// <summary>An argument of the [Network] attribute ("Channels", "Height", "Width").</summary>
    public static Site NetworkArgument(string argument) => new(-1, -1, argument);

    /// <summary>The whole attribute <paramref name="opIndex"/> of layer <paramref name="layerIndex"/>.</summary>
    public static Site Op(int layerIndex, int opIndex) => new(layerIndex, opIndex, null);

    /// <summary>One argument of one attribute.</summary>
    public static Site Arg(int layerIndex, int opIndex, string argument) => new(layerIndex, opIndex, argument);
}
