using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Planning;

/// <summary>
/// Pass 5: the shape structs every kernel call takes, one per distinct geometry, named by that geometry so that
/// sharing is visible: "Conv3x3S1P1_64To64_56x56", "Conv1x1S2_256To512_56x56", "DwConv3x3S1P1_32_112x112",
/// "Conv3x3S1P1G4_64To64_28x28", "Conv3x3S1P2D2_...", "MaxPool3x3S2_64_111x111", "Dense_512x7x7To1000",
/// "Tensor64x55x55" (see <see cref="NameOf"/>). Two geometries that would get the same name (a difference the name
/// leaves out, such as the bottom padding a ceil-mode window adds) are told apart by "_2", "_3" in first-use order.
/// </summary>
internal static class ShapePass
{
    public static void Run(WorkProgram program)
    {
        var catalog = new ShapeCatalog(program.Shapes);
        foreach (var step in program.Steps)
        {
            var node = step.Node;
            var input = step.Inputs.Count > 0 ? step.Inputs[0].Shape : default;
            switch (step.Kind)
            {
                case StepKind.Conv:
                case StepKind.ConvFromPlain:
                    step.Shapes.Add(catalog.Conv(node, input));
                    break;
                case StepKind.MaxPool:
                case StepKind.AvgPool:
                    step.Shapes.Add(catalog.Pool(node, input));
                    break;
                case StepKind.Dense:
                    step.Shapes.Add(catalog.Dense(node, input));
                    break;
                case StepKind.GlobalAvgPool:
                case StepKind.GlobalMaxPool:
                case StepKind.ToBlocked:
                case StepKind.ToPlain:
                    step.Shapes.Add(catalog.Tensor(input, node));
                    break;
                case StepKind.ConcatCopy:
                    foreach (var part in step.Inputs)
                        step.Shapes.Add(catalog.Tensor(part.Shape, node));
                    break;
                case StepKind.Copy:
                    break;
                default:
                    // BatchNorm, Activation, Add, ChannelScale, Softmax, Lrn: the shape of the output.
                    step.Shapes.Add(catalog.Tensor(step.Output.Shape, node));
                    break;
            }
        }
        catalog.Finish();
    }

    /// <summary>The naming rule of a convolution: kind, kernel, stride, padding, groups, dilation, channels, input size.</summary>
    internal static string ConvName(Node node, Shape input)
    {
        var w = node.Window!;
        var groups = Math.Max(1, node.Groups);
        var depthwise = groups > 1 && groups == input.Channels;
        var name = (depthwise ? "DwConv" : "Conv") + Text.Size(w.KernelHeight, w.KernelWidth) + "S" + Text.Pair(w.StrideHeight, w.StrideWidth);
        if (w.PadTop != 0 || w.PadLeft != 0)
            name += "P" + Text.Pair(w.PadTop, w.PadLeft);
        if (groups > 1 && !depthwise)
            name += "G" + Int(groups);
        if (w.DilationHeight != 1 || w.DilationWidth != 1)
            name += "D" + Text.Pair(w.DilationHeight, w.DilationWidth);
        var channels = depthwise && node.Output.Channels == input.Channels
            ? Int(input.Channels)
            : Int(input.Channels) + "To" + Int(node.Output.Channels);
        return name + "_" + channels + "_" + Text.Size(input.Height, input.Width);
    }

    /// <summary>The naming rule of a pooling window: kind, kernel, stride, padding, ceil mode, excluded padding, channels, input size.</summary>
    internal static string PoolName(Node node, Shape input)
    {
        var w = node.Window!;
        var name = node.Kind + Text.Size(w.KernelHeight, w.KernelWidth) + "S" + Text.Pair(w.StrideHeight, w.StrideWidth);
        if (w.PadTop != 0 || w.PadLeft != 0 || w.PadBottom != 0 || w.PadRight != 0)
        {
            name += "P" + (w.PadTop == w.PadLeft && w.PadTop == w.PadBottom && w.PadTop == w.PadRight
                ? Int(w.PadTop)
                : $"{Int(w.PadTop)}x{Int(w.PadLeft)}x{Int(w.PadBottom)}x{Int(w.PadRight)}");
        }
        if (w.CeilMode)
            name += "Ceil";
        if (node.Kind == OpKind.AvgPool && !node.CountIncludePad)
            name += "ExcludePad";
        return name + "_" + Int(input.Channels) + "_" + Text.Size(input.Height, input.Width);
    }

    internal static ShapeMember[] ConvMembers(Node node, Shape input)
    {
        var w = node.Window!;
        var o = node.Output;
        return new[]
        {
            M("InChannels", input.Channels), M("InHeight", input.Height), M("InWidth", input.Width),
            M("OutChannels", o.Channels), M("OutHeight", o.Height), M("OutWidth", o.Width),
            M("KernelHeight", w.KernelHeight), M("KernelWidth", w.KernelWidth),
            M("StrideHeight", w.StrideHeight), M("StrideWidth", w.StrideWidth),
            M("PadTop", w.PadTop), M("PadLeft", w.PadLeft),
            M("DilationHeight", w.DilationHeight), M("DilationWidth", w.DilationWidth),
            M("Groups", Math.Max(1, node.Groups)),
        };
    }

    internal static ShapeMember[] PoolMembers(Node node, Shape input)
    {
        var w = node.Window!;
        var o = node.Output;
        return new[]
        {
            M("Channels", input.Channels), M("InHeight", input.Height), M("InWidth", input.Width),
            M("OutHeight", o.Height), M("OutWidth", o.Width),
            M("KernelHeight", w.KernelHeight), M("KernelWidth", w.KernelWidth),
            M("StrideHeight", w.StrideHeight), M("StrideWidth", w.StrideWidth),
            M("PadTop", w.PadTop), M("PadLeft", w.PadLeft), M("PadBottom", w.PadBottom), M("PadRight", w.PadRight),
            new ShapeMember("CountIncludePad", node.Kind == OpKind.AvgPool && node.CountIncludePad ? 1 : 0, IsFlag: true),
        };
    }

    internal static ShapeMember[] DenseMembers(Node node, Shape input) => new[]
    {
        M("InChannels", input.Channels), M("InHeight", input.Height), M("InWidth", input.Width), M("Units", node.Output.Channels),
    };

    internal static ShapeMember[] TensorMembers(Shape shape) => new[] { M("Channels", shape.Channels), M("Height", shape.Height), M("Width", shape.Width) };

    private static ShapeMember M(string name, int value) => new(name, value, IsFlag: false);

    internal static string Describe(Node node, Shape input) => $"{node.Describe()}, {Text.Shape(input)} -> {Text.Shape(node.Output)}";

    internal static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The shape structs of a plan while they are collected: one per distinct geometry (kind and member values), named by
/// <see cref="ShapePass"/>'s rules, "_2", "_3" for a second geometry of the same name. Seeded with the shapes a plan
/// already has, so a second plan (training) over the same graph reuses the forward plan's structs and adds only its own.
/// </summary>
internal sealed class ShapeCatalog
{
    private readonly List<KernelShape> _shapes;
    private readonly Dictionary<string, int> _byKey = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly List<List<string>> _users = new();

    /// <param name="shapes">The list to add to; the shapes already in it are reused.</param>
    public ShapeCatalog(List<KernelShape> shapes)
    {
        _shapes = shapes;
        foreach (var shape in shapes)
        {
            _byKey[Key(shape.Kind, shape.Members)] = shape.Id;
            _names.Add(shape.Name);
            _users.Add(shape.Users.ToList());
        }
    }

    public int Conv(Node node, Shape input)
        => Add(ShapeKind.Conv, ShapePass.ConvMembers(node, input), ShapePass.ConvName(node, input), ShapePass.Describe(node, input), node.Name);

    public int Pool(Node node, Shape input)
        => Add(ShapeKind.Pool, ShapePass.PoolMembers(node, input), ShapePass.PoolName(node, input), ShapePass.Describe(node, input), node.Name);

    public int Dense(Node node, Shape input)
        => Add(ShapeKind.Dense, ShapePass.DenseMembers(node, input), $"Dense_{Text.Shape(input)}To{ShapePass.Int(node.Output.Channels)}",
            $"Dense, {Text.Shape(input)} -> {ShapePass.Int(node.Output.Channels)} units", node.Name);

    public int Tensor(Shape shape, Node user)
        => Add(ShapeKind.Tensor, ShapePass.TensorMembers(shape), "Tensor" + Text.Shape(shape), Text.Shape(shape), user.Name);

    /// <summary>Writes every shape's users into the list.</summary>
    public void Finish()
    {
        for (var i = 0; i < _shapes.Count; i++)
            _shapes[i] = _shapes[i] with { Users = _users[i].ToEquatableArray() };
    }

    private int Add(ShapeKind kind, ShapeMember[] members, string name, string description, string user)
    {
        var key = Key(kind, members);
        if (!_byKey.TryGetValue(key, out var id))
        {
            var unique = name;
            for (var n = 2; !_names.Add(unique); n++)
                unique = name + "_" + n.ToString(CultureInfo.InvariantCulture);
            id = _shapes.Count;
            _shapes.Add(new KernelShape(id, unique, kind, members.ToEquatableArray(), description, EquatableArray<string>.Empty));
            _byKey.Add(key, id);
            _users.Add(new List<string>());
        }
        if (!_users[id].Contains(user))
            _users[id].Add(user);
        return id;
    }

    private static string Key(ShapeKind kind, IEnumerable<ShapeMember> members)
        => kind + ":" + string.Join(",", members.Select(m => m.Value.ToString(CultureInfo.InvariantCulture)));
}
