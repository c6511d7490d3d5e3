using System;
using System.Collections.Generic;
using System.Globalization;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Planning;

namespace ConvForge.Generators.Emitting;

/// <summary>Which of the kernels' shape interfaces a shape struct implements.</summary>
internal enum ShapeKind
{
    Conv,
    Pool,
    Tensor,
    Dense,
}

/// <summary>
/// One shape struct of the generated code: the kernels' type argument that makes every loop bound a constant.
/// <see cref="Members"/> are (name, value) pairs in the order the interface declares them.
/// </summary>
internal sealed class KernelShape
{
    public KernelShape(ShapeKind kind, string key, IReadOnlyList<(string Name, string Value)> members, string description)
    {
        Kind = kind;
        Key = key;
        Members = members;
        Description = description;
    }

    public ShapeKind Kind { get; }

    /// <summary>The members as text: two shapes with the same key are the same struct.</summary>
    public string Key { get; }

    public IReadOnlyList<(string Name, string Value)> Members { get; }

    /// <summary>"Conv 3x3/2, 3x224x224 -> 64x111x111".</summary>
    public string Description { get; }

    /// <summary>The struct's identifier; set when the catalog names it.</summary>
    public string Name { get; set; } = "";

    /// <summary>The graph nodes whose steps use it, in first-use order.</summary>
    public List<string> Users { get; } = new();

    public string Interface => Kind switch
    {
        ShapeKind.Conv => "global::ConvForge.Kernels.IConvShape",
        ShapeKind.Pool => "global::ConvForge.Kernels.IPoolShape",
        ShapeKind.Dense => "global::ConvForge.Kernels.IDenseShape",
        _ => "global::ConvForge.Kernels.ITensorShape",
    };
}

/// <summary>
/// The shape structs of a network's forward pass, shared by its plans: one per distinct shape (two layers of the
/// same geometry share one), named after the first node that uses it, or after its dimensions for the plain
/// C x H x W shapes of elementwise and layout kernels ("Tensor64x55x55").
/// </summary>
internal sealed class KernelShapes
{
    private readonly Dictionary<string, KernelShape> _byKey = new(StringComparer.Ordinal);
    private readonly List<KernelShape> _all = new();
    private readonly IdentifierSet _names;

    public KernelShapes(IdentifierSet names) => _names = names;

    /// <summary>Every shape, in first-use order.</summary>
    public IReadOnlyList<KernelShape> All => _all;

    /// <summary>The convolution computed by <paramref name="node"/> on an input of shape <paramref name="input"/>.</summary>
    public KernelShape Conv(Node node, Shape input)
    {
        var w = node.Window!;
        var o = node.Output;
        var members = new[]
        {
            ("InChannels", Int(input.Channels)), ("InHeight", Int(input.Height)), ("InWidth", Int(input.Width)),
            ("OutChannels", Int(o.Channels)), ("OutHeight", Int(o.Height)), ("OutWidth", Int(o.Width)),
            ("KernelHeight", Int(w.KernelHeight)), ("KernelWidth", Int(w.KernelWidth)),
            ("StrideHeight", Int(w.StrideHeight)), ("StrideWidth", Int(w.StrideWidth)),
            ("PadTop", Int(w.PadTop)), ("PadLeft", Int(w.PadLeft)),
            ("DilationHeight", Int(w.DilationHeight)), ("DilationWidth", Int(w.DilationWidth)),
            ("Groups", Int(Math.Max(1, node.Groups))),
        };
        return Add(ShapeKind.Conv, members, node, node.Name, "Shape", $"{node.Describe()}, {Text(input)} -> {Text(o)}");
    }

    /// <summary>The max or average pooling of <paramref name="node"/> on an input of shape <paramref name="input"/>.</summary>
    public KernelShape Pool(Node node, Shape input)
    {
        var w = node.Window!;
        var o = node.Output;
        var members = new[]
        {
            ("Channels", Int(input.Channels)), ("InHeight", Int(input.Height)), ("InWidth", Int(input.Width)),
            ("OutHeight", Int(o.Height)), ("OutWidth", Int(o.Width)),
            ("KernelHeight", Int(w.KernelHeight)), ("KernelWidth", Int(w.KernelWidth)),
            ("StrideHeight", Int(w.StrideHeight)), ("StrideWidth", Int(w.StrideWidth)),
            ("PadTop", Int(w.PadTop)), ("PadLeft", Int(w.PadLeft)), ("PadBottom", Int(w.PadBottom)), ("PadRight", Int(w.PadRight)),
            ("CountIncludePad", node.Kind == OpKind.AvgPool && node.CountIncludePad ? "true" : "false"),
        };
        return Add(ShapeKind.Pool, members, node, node.Name, "Shape", $"{node.Describe()}, {Text(input)} -> {Text(o)}");
    }

    /// <summary>A dense layer of <paramref name="node"/> reading an input of shape <paramref name="input"/>.</summary>
    public KernelShape Dense(Node node, Shape input)
    {
        var members = new[]
        {
            ("InChannels", Int(input.Channels)), ("InHeight", Int(input.Height)), ("InWidth", Int(input.Width)),
            ("Units", Int(node.Output.Channels)),
        };
        return Add(ShapeKind.Dense, members, node, node.Name, "Shape", $"Dense, {Text(input)} -> {Int(node.Output.Channels)} units");
    }

    /// <summary>An activation of shape <paramref name="shape"/>, for elementwise, pooling-to-one-pixel and layout kernels.</summary>
    public KernelShape Tensor(Shape shape, Node user)
    {
        var members = new[] { ("Channels", Int(shape.Channels)), ("Height", Int(shape.Height)), ("Width", Int(shape.Width)) };
        return Add(ShapeKind.Tensor, members, user, "Tensor" + Text(shape), "", Text(shape));
    }

    private KernelShape Add(ShapeKind kind, (string Name, string Value)[] members, Node user, string nameStem, string nameSuffix, string description)
    {
        var key = kind + ":" + string.Join(",", Array.ConvertAll(members, m => m.Value));
        if (!_byKey.TryGetValue(key, out var shape))
        {
            shape = new KernelShape(kind, key, members, description) { Name = _names.Allocate(nameStem, nameSuffix) };
            _byKey.Add(key, shape);
            _all.Add(shape);
        }
        if (!shape.Users.Contains(user.Name))
            shape.Users.Add(user.Name);
        return shape;
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(Shape shape) => $"{Int(shape.Channels)}x{Int(shape.Height)}x{Int(shape.Width)}";
}
