using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using ConvForge.Compiler;
using ConvForge.Compiler.Planning;

namespace ConvForge.Generators.Emitting;

/// <summary>Prints the plan's shape structs and LeakyRelu slope structs: a line of documentation, the declaration, the constants on one or two lines.</summary>
internal static class KernelShapes
{
    public static void Write(IndentedTextWriter writer, ExecutionPlan plan, CancellationToken cancellationToken)
        => Write(writer, plan.Shapes, plan.Slopes, cancellationToken);

    /// <summary>Prints <paramref name="shapes"/> and <paramref name="slopes"/> (the forward plan's, or the training plan's, which include them).</summary>
    public static void Write(IndentedTextWriter writer, EquatableArray<KernelShape> shapes, EquatableArray<SlopeType> slopes, CancellationToken cancellationToken)
    {
        writer.WriteLine("// The shapes the kernels are specialized for, named by geometry: one struct per distinct shape, each member a constant.");
        foreach (var shape in shapes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var users = shape.Kind == ShapeKind.Tensor ? "" : " (" + string.Join(", ", shape.Users) + ")";
            writer.WriteLine($"/// <summary>{CSharpNames.XmlEscape(shape.Description + users)}.</summary>");
            writer.WriteLine($"private readonly struct {shape.Name} : {Interface(shape.Kind)}");
            using (writer.OpenBlock())
            {
                foreach (var line in MemberLines(shape))
                    writer.WriteLine(line);
            }
        }
        foreach (var slope in slopes)
        {
            writer.WriteLine($"/// <summary>The LeakyRelu slope of {CSharpNames.XmlEscape(slope.Node)}.</summary>");
            writer.WriteLine($"private readonly struct {slope.Identifier} : global::ConvForge.Kernels.ILeakyReluSlope");
            using (writer.OpenBlock())
                writer.WriteLine($"public static float Slope => {DefinitionEmitter.Float(slope.Slope)};");
        }
    }

    private static string Interface(ShapeKind kind) => kind switch
    {
        ShapeKind.Conv => "global::ConvForge.Kernels.IConvShape",
        ShapeKind.Pool => "global::ConvForge.Kernels.IPoolShape",
        ShapeKind.Dense => "global::ConvForge.Kernels.IDenseShape",
        _ => "global::ConvForge.Kernels.ITensorShape",
    };

    /// <summary>The members: a convolution's or pooling's data sizes on one line, its window on the next; others on one line.</summary>
    private static IEnumerable<string> MemberLines(KernelShape shape)
    {
        var firstLine = shape.Kind switch
        {
            ShapeKind.Conv => 6,
            ShapeKind.Pool => 5,
            _ => shape.Members.Count,
        };
        var members = new List<string>();
        for (var i = 0; i < shape.Members.Count; i++)
        {
            if (i == firstLine)
            {
                yield return string.Join(" ", members);
                members.Clear();
            }
            var member = shape.Members[i];
            members.Add(member.IsFlag
                ? $"public static bool {member.Name} => {(member.Value != 0 ? "true" : "false")};"
                : $"public static int {member.Name} => {member.Value.ToString(CultureInfo.InvariantCulture)};");
        }
        yield return string.Join(" ", members);
    }
}
