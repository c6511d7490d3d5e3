using System;
using System.Collections.Generic;

namespace ConvForge.Compiler.Interpretation;

/// <summary>How an argument is read: the C# type of the attribute's property or constructor parameter, and its range.</summary>
internal enum ArgType
{
    /// <summary>int, at least 1 when written (a default of 0 means "not stated").</summary>
    Size,
    /// <summary>int, at least 0 (padding).</summary>
    Padding,
    /// <summary>double, finite.</summary>
    Real,
    /// <summary>bool.</summary>
    Flag,
    /// <summary>string (a layer name).</summary>
    Text,
    /// <summary>string[] (layer names).</summary>
    Texts,
    /// <summary>int[].</summary>
    Sizes,
    /// <summary>System.Type (typeof of a module class).</summary>
    Type,
}

/// <summary>One argument of a layer attribute.</summary>
/// <param name="Name">The property's name, or a constructor parameter's name with its first letter capitalized.</param>
/// <param name="Default">
/// The value the interpreter uses when the argument is not written; null when it is required, or derived from
/// other arguments by the interpreter (a pool's Stride is its kernel).
/// </param>
/// <param name="ClassDefault">
/// What a new attribute object holds for it when it is not written (checked against the attribute classes by
/// reflection): <paramref name="Default"/>, or 0 / false / null where the class leaves "not stated" to the interpreter.
/// </param>
internal sealed record ArgumentDef(string Name, ArgType Type, object? Default, object? ClassDefault);

/// <summary>A layer attribute ("Conv" for ConvAttribute) and its arguments.</summary>
internal sealed record AttributeDef(string Kind, IReadOnlyList<ArgumentDef> Arguments)
{
    public ArgumentDef? Find(string name)
    {
        foreach (var argument in Arguments)
        {
            if (argument.Name == name)
                return argument;
        }
        return null;
    }
}

/// <summary>
/// The attribute vocabulary: every layer attribute, its arguments, their types and defaults, in one table. The
/// interpreter reads names and defaults from here (Roslyn's AttributeData does not show property initializers,
/// so the defaults of runtime/ConvForge/Attributes are restated once, here, and a test compares them by reflection).
/// </summary>
internal static class AttributeVocabulary
{
    public static readonly IReadOnlyDictionary<string, AttributeDef> Attributes = Build();

    /// <summary>The default of <paramref name="name"/> on <paramref name="kind"/>, which the table must give.</summary>
    public static T Default<T>(string kind, string name)
    {
        if (Attributes.TryGetValue(kind, out var attribute) && attribute.Find(name) is { Default: T value })
            return value;
        throw new InvalidOperationException($"The vocabulary gives {kind}.{name} no default of type {typeof(T).Name}.");
    }

    // Written as the attribute classes declare them: a plain default is the property initializer; Unset is an
    // int or bool the class leaves at 0 / false for "not written", with the value the interpreter then uses.
    private static ArgumentDef Required(string name, ArgType type) => new(name, type, null, null);
    private static ArgumentDef Optional(string name, ArgType type, object value) => new(name, type, value, value);
    private static ArgumentDef Unset(string name, ArgType type, object? effective)
        => new(name, type, effective, type switch { ArgType.Flag => false, ArgType.Real => 0.0, ArgType.Size or ArgType.Padding => 0, _ => null });

    private static Dictionary<string, AttributeDef> Build()
    {
        // LayerAttribute: From. ChannelLayerAttribute adds In and WidthFactor (0: not stated).
        var common = new[] { Unset("From", ArgType.Text, null) };
        var channel = new[] { common[0], Unset("In", ArgType.Size, 0), Unset("WidthFactor", ArgType.Size, 0) };
        var window = new[]
        {
            Unset("KernelHeight", ArgType.Size, null), Unset("KernelWidth", ArgType.Size, null),
            Unset("Stride", ArgType.Size, 0), Unset("StrideHeight", ArgType.Size, null), Unset("StrideWidth", ArgType.Size, null),
            Unset("Padding", ArgType.Padding, 0),
            Unset("PadTop", ArgType.Padding, null), Unset("PadBottom", ArgType.Padding, null), Unset("PadLeft", ArgType.Padding, null), Unset("PadRight", ArgType.Padding, null),
        };

        var table = new Dictionary<string, AttributeDef>(StringComparer.Ordinal);
        void Add(string kind, ArgumentDef[] inherited, params ArgumentDef[] own)
        {
            var arguments = new List<ArgumentDef>(inherited);
            arguments.AddRange(own);
            table.Add(kind, new AttributeDef(kind, arguments));
        }

        var conv = new List<ArgumentDef>(window)
        {
            // Channels may be left out only by a depthwise convolution (it keeps the input's).
            Required("Channels", ArgType.Size), Unset("Kernel", ArgType.Size, 1), Unset("Same", ArgType.Flag, false),
            Unset("Dilation", ArgType.Size, 1), Unset("Groups", ArgType.Size, 1), Unset("Depthwise", ArgType.Flag, false),
            Optional("Bias", ArgType.Flag, true),
        };
        Add("Conv", channel, conv.ToArray());
        Add("Conv1x1", channel, Required("Channels", ArgType.Size), Unset("Stride", ArgType.Size, 1), Unset("Groups", ArgType.Size, 1), Optional("Bias", ArgType.Flag, true));
        Add("Dense", channel, Required("Units", ArgType.Size), Optional("Bias", ArgType.Flag, true), Unset("InFeatures", ArgType.Size, 0));
        var pool = new List<ArgumentDef>(window) { Required("Kernel", ArgType.Size), Unset("CeilMode", ArgType.Flag, false) };
        Add("MaxPool", common, pool.ToArray());
        pool.Add(Optional("CountIncludePad", ArgType.Flag, true));
        Add("AvgPool", common, pool.ToArray());
        Add("GlobalAvgPool", common);
        Add("GlobalMaxPool", common);
        Add("BatchNorm", common, Optional("Epsilon", ArgType.Real, 1e-5));
        Add("Relu", common);
        Add("LeakyRelu", common, Optional("Slope", ArgType.Real, 0.01));
        Add("Relu6", common);
        Add("Sigmoid", common);
        Add("Dropout", common, Optional("Rate", ArgType.Real, 0.5));
        Add("Flatten", common);
        Add("Softmax", common);
        Add("Lrn", common, Optional("Size", ArgType.Size, 5), Optional("Alpha", ArgType.Real, 1e-4), Optional("Beta", ArgType.Real, 0.75), Optional("K", ArgType.Real, 1.0));
        Add("Concat", common, Required("Inputs", ArgType.Texts));
        Add("Add", common, Required("Inputs", ArgType.Texts));
        Add("Inception", channel, Required("Conv1x1", ArgType.Size), Required("Reduce3x3", ArgType.Size), Required("Conv3x3", ArgType.Size),
            Required("Reduce5x5", ArgType.Size), Required("Conv5x5", ArgType.Size), Required("PoolProjection", ArgType.Size));
        // Fire(squeeze, expand) or Fire(squeeze, expand1x1, expand3x3): Expand is a constructor parameter only.
        Add("Fire", channel, Required("Squeeze", ArgType.Size), Required("Expand", ArgType.Size), Required("Expand1x1", ArgType.Size), Required("Expand3x3", ArgType.Size));
        Add("MlpConv", channel, Required("Channels", ArgType.Size), Required("Mlp", ArgType.Sizes),
            Unset("Kernel", ArgType.Size, 1), Unset("Stride", ArgType.Size, 1), Unset("Padding", ArgType.Padding, 0));
        Add("BasicBlock", channel, Required("Channels", ArgType.Size), Unset("Stride", ArgType.Size, 1));
        Add("Bottleneck", channel, Required("Channels", ArgType.Size), Unset("Stride", ArgType.Size, 1), Optional("Expansion", ArgType.Size, 4));
        Add("SqueezeExcite", channel, Optional("Reduction", ArgType.Size, 16), Unset("Squeeze", ArgType.Size, 0));
        Add("Module", channel, Required("Module", ArgType.Type), Optional("Width", ArgType.Size, 1));
        return table;
    }
}
