using System;

namespace ConvForge.Compiler.Spec;

// The declaration as written, before any interpretation: what the Roslyn parser reads off the
// attributes, as plain equatable data. Interpreting and checking it is the compiler's job, so the
// generator, the analyzer and the tests all go through the same code.

/// <summary>A class marked [Network] (or, in <see cref="ModuleSpec"/>, [NetworkModule]).</summary>
/// <param name="Name">The class name, e.g. "SqueezeNet11".</param>
/// <param name="Channels">Input channels from [Network]; null when not written (0 written is 0, reported as out of range).</param>
/// <param name="Height">Input height; null when not written.</param>
/// <param name="Width">Input width; null when not written.</param>
/// <param name="Layers">The Layer properties in declaration order.</param>
/// <param name="Modules">Every [NetworkModule] class the layers use, directly or through other modules.</param>
public sealed record NetworkSpec(
    string Name,
    int? Channels,
    int? Height,
    int? Width,
    EquatableArray<LayerSpec> Layers,
    EquatableArray<ModuleSpec> Modules);

/// <summary>A class marked [NetworkModule].</summary>
/// <param name="TypeName">Fully qualified metadata name, as [Module(typeof(...))] refers to it.</param>
/// <param name="Name">Simple class name, for messages.</param>
/// <param name="Layers">Its Layer properties in declaration order.</param>
public sealed record ModuleSpec(string TypeName, string Name, EquatableArray<LayerSpec> Layers);

/// <summary>One Layer property and the layer attributes on it, in the order written.</summary>
public sealed record LayerSpec(string Name, EquatableArray<OpSpec> Ops);

/// <summary>
/// One layer attribute. <paramref name="Kind"/> is the attribute's name without "Attribute"
/// ("Conv", "Fire", "MaxPool" ...).
/// </summary>
public sealed record OpSpec(string Kind, EquatableArray<ArgSpec> Arguments);

/// <summary>
/// One attribute argument. <paramref name="Name"/> is the property name for a named argument and the
/// constructor parameter's name with its first letter capitalized for a positional one
/// (so "channels" becomes "Channels"). Arguments the compiler could not bind are left out.
/// </summary>
public sealed record ArgSpec(string Name, ArgValue Value, bool IsPositional);

/// <summary>The kinds of constant an attribute argument can hold.</summary>
public enum ArgKind
{
    Int,
    Double,
    Bool,
    String,
    IntArray,
    StringArray,
    /// <summary>A typeof(...) argument; <see cref="ArgValue.Text"/> holds the type's metadata name.</summary>
    Type,
}

/// <summary>An attribute argument's constant value.</summary>
public sealed record ArgValue(ArgKind Kind, long Integer, double Real, string? Text, EquatableArray<long> Integers, EquatableArray<string> Texts)
{
    public static ArgValue Int(long value) => new(ArgKind.Int, value, 0, null, EquatableArray<long>.Empty, EquatableArray<string>.Empty);
    public static ArgValue Double(double value) => new(ArgKind.Double, 0, value, null, EquatableArray<long>.Empty, EquatableArray<string>.Empty);
    public static ArgValue Bool(bool value) => new(ArgKind.Bool, value ? 1 : 0, 0, null, EquatableArray<long>.Empty, EquatableArray<string>.Empty);
    public static ArgValue String(string? value) => new(ArgKind.String, 0, 0, value, EquatableArray<long>.Empty, EquatableArray<string>.Empty);
    public static ArgValue Type(string metadataName) => new(ArgKind.Type, 0, 0, metadataName, EquatableArray<long>.Empty, EquatableArray<string>.Empty);
    public static ArgValue IntArray(params long[] values) => new(ArgKind.IntArray, 0, 0, null, EquatableArray.Create(values), EquatableArray<string>.Empty);
    public static ArgValue StringArray(params string[] values) => new(ArgKind.StringArray, 0, 0, null, EquatableArray<long>.Empty, EquatableArray.Create(values));

    public override string ToString() => Kind switch
    {
        ArgKind.Int => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ArgKind.Double => Real.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        ArgKind.Bool => Integer != 0 ? "true" : "false",
        ArgKind.String or ArgKind.Type => Text ?? "null",
        ArgKind.IntArray => "[" + string.Join(", ", Integers) + "]",
        ArgKind.StringArray => "[" + string.Join(", ", Texts) + "]",
        _ => throw new InvalidOperationException(),
    };
}
