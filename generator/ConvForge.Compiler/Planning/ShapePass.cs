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
        var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var users = new List<List<string>>();

        int Add(ShapeKind kind, ShapeMember[] members, string name, string description, string user)
        {
            var key = kind + ":" + string.Join(",", members.Select(m => m.Value.ToString(CultureInfo.InvariantCulture)));
            if (!byKey.TryGetValue(key, out var id))
            {
                var unique = name;
                for (var n = 2; !names.Add(unique); n++)
                    unique = name + "_" + n.ToString(CultureInfo.InvariantCulture);
                id = program.Shapes.Count;
                program.Shapes.Add(new KernelShape(id, unique, kind, members.ToEquatableArray(), description, EquatableArray<string>.Empty));
                byKey.Add(key, id);
                users.Add(new List<string>());
            }
            if (!users[id].Contains(user))
                users[id].Add(user);
            return id;
        }

        int Tensor(Shape shape, Node user) =>
            Add(ShapeKind.Tensor, TensorMembers(shape), "Tensor" + Text.Shape(shape), Text.Shape(shape), user.Name);

        foreach (var step in program.Steps)
        {
            var node = step.Node;
            var input = step.Inputs.Count > 0 ? step.Inputs[0].Shape : default;
            switch (step.Kind)
            {
                case StepKind.Conv:
                case StepKind.ConvFromPlain:
                    step.Shapes.Add(Add(ShapeKind.Conv, ConvMembers(node, input), ConvName(node, input), Describe(node, input), node.Name));
                    break;
                case StepKind.MaxPool:
                case StepKind.AvgPool:
                    step.Shapes.Add(Add(ShapeKind.Pool, PoolMembers(node, input), PoolName(node, input), Describe(node, input), node.Name));
                    break;
                case StepKind.Dense:
                    step.Shapes.Add(Add(ShapeKind.Dense, DenseMembers(node, input), $"Dense_{Text.Shape(input)}To{Int(node.Output.Channels)}",
                        $"Dense, {Text.Shape(input)} -> {Int(node.Output.Channels)} units", node.Name));
                    break;
                case StepKind.GlobalAvgPool:
                case StepKind.GlobalMaxPool:
                case StepKind.ToBlocked:
                case StepKind.ToPlain:
                    step.Shapes.Add(Tensor(input, node));
                    break;
                case StepKind.ConcatCopy:
                    foreach (var part in step.Inputs)
                        step.Shapes.Add(Tensor(part.Shape, node));
                    break;
                case StepKind.Copy:
                    break;
                default:
                    // BatchNorm, Activation, Add, ChannelScale, Softmax, Lrn: the shape of the output.
                    step.Shapes.Add(Tensor(step.Output.Shape, node));
                    break;
            }
        }

        for (var i = 0; i < program.Shapes.Count; i++)
            program.Shapes[i] = program.Shapes[i] with { Users = users[i].ToEquatableArray() };
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

    private static ShapeMember[] ConvMembers(Node node, Shape input)
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

    private static ShapeMember[] PoolMembers(Node node, Shape input)
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

    private static ShapeMember[] DenseMembers(Node node, Shape input) => new[]
    {
        M("InChannels", input.Channels), M("InHeight", input.Height), M("InWidth", input.Width), M("Units", node.Output.Channels),
    };

    private static ShapeMember[] TensorMembers(Shape shape) => new[] { M("Channels", shape.Channels), M("Height", shape.Height), M("Width", shape.Width) };

    private static ShapeMember M(string name, int value) => new(name, value, IsFlag: false);

    private static string Describe(Node node, Shape input) => $"{node.Describe()}, {Text.Shape(input)} -> {Text.Shape(node.Output)}";

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
