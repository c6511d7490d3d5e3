using System.Linq;
using System.Threading;
using ConvForge.Compiler.Spec;
using ConvForge.Generators.Parsing;
using ConvForge.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace ConvForge.Generators.Tests.Parsing;

public class NetworkParserTests
{
    private static ParsedNetwork ParseNetwork(string metadataName, bool includeModules, params (string Path, string Text)[] files)
    {
        var compilation = TestCompilation.Create(files);
        var type = TestCompilation.GetType(compilation, metadataName);
        var attribute = type.GetAttributes().SingleOrDefault(a => a.AttributeClass?.ToDisplayString() == "ConvForge.NetworkAttribute");
        return NetworkParser.Parse(type, attribute, includeModules, CancellationToken.None);
    }

    private static ParsedNetwork ParseNetwork(string source, bool includeModules = false)
        => ParseNetwork("Test.Net", includeModules, ("Net.cs", source));

    private static ArgSpec Argument(OpSpec op, string name) => op.Arguments.Single(a => a.Name == name);

    [Fact]
    public void Reads_the_input_shape_from_the_network_attribute()
    {
        var parsed = ParseNetwork("""
            using ConvForge;
            namespace Test;
            [Network(Channels = 3, Height = 32, Width = 48)]
            public partial class Net { [Relu] public partial Layer A { get; } }
            """);

        Assert.Equal(("Net", 3, 32, 48), (parsed.Spec.Name, parsed.Spec.Channels, parsed.Spec.Height, parsed.Spec.Width));
    }

    [Fact]
    public void Missing_input_arguments_read_as_zero()
    {
        var parsed = ParseNetwork("""
            using ConvForge;
            namespace Test;
            [Network(Height = 7)]
            public partial class Net { }
            """);

        Assert.Equal(((int?)null, (int?)7, (int?)null), (parsed.Spec.Channels, parsed.Spec.Height, parsed.Spec.Width));
        Assert.Empty(parsed.Spec.Layers);
    }

    [Fact]
    public void Names_positional_arguments_after_the_capitalized_constructor_parameter()
    {
        var parsed = ParseNetwork("""
            using ConvForge;
            namespace Test;
            [Network(Channels = 3, Height = 32, Width = 32)]
            public partial class Net
            {
                [Conv(64, Kernel = 3, Bias = false)]       public partial Layer A { get; }
                [Inception(64, 96, 128, 16, 32, 32)]       public partial Layer B { get; }
                [Fire(16, 64, 32)]                         public partial Layer C { get; }
            }
            """);

        var conv = parsed.Spec.Layers[0].Ops.Single();
        Assert.Equal("Conv", conv.Kind);
        Assert.Equal(new ArgSpec("Channels", ArgValue.Int(64), IsPositional: true), conv.Arguments[0]);
        Assert.Equal(new ArgSpec("Kernel", ArgValue.Int(3), IsPositional: false), conv.Arguments[1]);
        Assert.Equal(new ArgSpec("Bias", ArgValue.Bool(false), IsPositional: false), conv.Arguments[2]);

        var inception = parsed.Spec.Layers[1].Ops.Single();
        Assert.Equal(new[] { "Conv1x1", "Reduce3x3", "Conv3x3", "Reduce5x5", "Conv5x5", "PoolProjection" }, inception.Arguments.Select(a => a.Name));
        Assert.Equal(new long[] { 64, 96, 128, 16, 32, 32 }, inception.Arguments.Select(a => a.Value.Integer));

        var fire = parsed.Spec.Layers[2].Ops.Single();
        Assert.Equal(new[] { "Squeeze", "Expand1x1", "Expand3x3" }, fire.Arguments.Select(a => a.Name));
    }

    [Fact]
    public void Reads_each_kind_of_constant()
    {
        var parsed = ParseNetwork("""
            using ConvForge;
            namespace Test;
            [NetworkModule] public partial class Blocks { public partial class Pair { } }
            [NetworkModule] public partial class Plain { }
            [Network(Channels = 3, Height = 32, Width = 32)]
            public partial class Net
            {
                [Dropout(0.25)]                                     public partial Layer Drop { get; }
                [Dropout(1)]                                        public partial Layer WholeDrop { get; }
                [LeakyRelu(Slope = 0.2, From = Layers.Input)]       public partial Layer Leaky { get; }
                [Concat(nameof(Drop), "Leaky")]                     public partial Layer Joined { get; }
                [Add]                                               public partial Layer NoInputs { get; }
                [MlpConv(96, 80, 60)]                               public partial Layer Mlp { get; }
                [MlpConv(96)]                                       public partial Layer MlpDefault { get; }
                [Module(typeof(Blocks.Pair), Width = 2)]            public partial Layer Nested { get; }
                [Module(typeof(Plain))]                             public partial Layer Top { get; }
                [MaxPool(3, CeilMode = true)]                       public partial Layer Pool { get; }
            }
            """);

        var ops = parsed.Spec.Layers.Select(l => l.Ops.Single()).ToArray();
        Assert.Equal(new ArgSpec("Rate", ArgValue.Double(0.25), true), ops[0].Arguments.Single());
        Assert.Equal(new ArgSpec("Rate", ArgValue.Double(1.0), true), ops[1].Arguments.Single());
        Assert.Equal(ArgValue.Double(0.2), Argument(ops[2], "Slope").Value);
        Assert.Equal(ArgValue.String("Input"), Argument(ops[2], "From").Value);
        Assert.Equal(ArgValue.StringArray("Drop", "Leaky"), Argument(ops[3], "Inputs").Value);
        Assert.Equal(ArgValue.StringArray(), Argument(ops[4], "Inputs").Value);
        Assert.Equal(ArgKind.StringArray, Argument(ops[4], "Inputs").Value.Kind);
        Assert.Equal(ArgValue.Int(96), Argument(ops[5], "Channels").Value);
        Assert.Equal(ArgValue.IntArray(80, 60), Argument(ops[5], "Mlp").Value);
        Assert.Equal(ArgValue.IntArray(), Argument(ops[6], "Mlp").Value);
        Assert.Equal(ArgKind.IntArray, Argument(ops[6], "Mlp").Value.Kind);
        Assert.Equal(new ArgSpec("Module", ArgValue.Type("Test.Blocks+Pair"), true), ops[7].Arguments[0]);
        Assert.Equal(ArgValue.Int(2), Argument(ops[7], "Width").Value);
        Assert.Equal(ArgValue.Type("Test.Plain"), Argument(ops[8], "Module").Value);
        Assert.Equal(ArgValue.Bool(true), Argument(ops[9], "CeilMode").Value);
        Assert.Equal(ArgValue.Int(3), Argument(ops[9], "Kernel").Value);
    }

    [Fact]
    public void Several_attributes_on_one_property_keep_the_order_written()
    {
        var parsed = ParseNetwork("""
            using ConvForge;
            namespace Test;
            [Network(Channels = 3, Height = 32, Width = 32)]
            public partial class Net
            {
                [Conv(8), BatchNorm(Epsilon = 0.001)]
                [Relu]
                public partial Layer Block { get; }
            }
            """);

        var layer = Assert.Single(parsed.Spec.Layers);
        Assert.Equal(new[] { "Conv", "BatchNorm", "Relu" }, layer.Ops.Select(o => o.Kind));
        Assert.Equal(ArgValue.Double(0.001), layer.Ops[1].Arguments.Single().Value);
        Assert.Equal(3, parsed.LayerAttributes.Single().Length);
        Assert.Equal("BatchNormAttribute", parsed.LayerAttributes[0][1].AttributeClass!.Name);
    }

    [Fact]
    public void Layers_follow_declaration_order_and_ignore_other_members()
    {
        var parsed = ParseNetwork("""
            using System;
            using ConvForge;
            namespace Test;
            [Network(Channels = 3, Height = 32, Width = 32)]
            public partial class Net
            {
                [Relu] public partial Layer Zeta { get; }
                public int NotALayer { get; set; }
                [Obsolete] public partial Layer Alpha { get; }
                [Sigmoid, Obsolete] public partial Layer Mid { get; }
                [Relu6] public partial Layer Beta { get; }
            }
            """);

        Assert.Equal(new[] { "Zeta", "Mid", "Beta" }, parsed.Spec.Layers.Select(l => l.Name));
        Assert.Equal(new[] { "Zeta", "Mid", "Beta" }, parsed.LayerProperties.Select(p => p.Name));
        Assert.Equal(new[] { "Sigmoid" }, parsed.Spec.Layers[1].Ops.Select(o => o.Kind));
    }

    [Fact]
    public void A_class_split_over_files_reads_in_file_path_order_whatever_the_compilation_order()
    {
        const string Second = """
            using ConvForge;
            namespace Test;
            public partial class Net
            {
                [Relu] public partial Layer C { get; }
                [Relu] public partial Layer D { get; }
            }
            """;
        const string First = """
            using ConvForge;
            namespace Test;
            [Network(Channels = 3, Height = 8, Width = 8)]
            public partial class Net
            {
                [Relu] public partial Layer A { get; }
                [Relu] public partial Layer B { get; }
            }
            """;

        var inOrder = ParseNetwork("Test.Net", false, ("a/Net.cs", First), ("b/Net.More.cs", Second));
        var reversed = ParseNetwork("Test.Net", false, ("b/Net.More.cs", Second), ("a/Net.cs", First));

        Assert.Equal(new[] { "A", "B", "C", "D" }, inOrder.Spec.Layers.Select(l => l.Name));
        Assert.Equal(inOrder.Spec, reversed.Spec);
    }

    [Fact]
    public void Arguments_that_do_not_bind_are_left_out_and_nothing_throws()
    {
        var parsed = ParseNetwork("""
            using ConvForge;
            namespace Test;
            [Network(Channels = "three", Height = 32, Width = 32)]
            public partial class Net
            {
                [Conv(64, Kernel = "3", Stride = 2)]           public partial Layer A { get; }
                [Conv(Unknown = 5, Padding = 1)]               public partial Layer B { get; }
                [Concat(null)]                                 public partial Layer C { get; }
                [Concat("A", null)]                            public partial Layer D { get; }
                [Module(typeof(DoesNotExist))]                 public partial Layer E { get; }
                [MaxPool(kernel: 2, Stride = )]                public partial Layer F { get; }
                [Relu(From = null)]                            public partial Layer G { get; }
            }
            """);

        Assert.Null(parsed.Spec.Channels);
        Assert.Equal(32, parsed.Spec.Height);
        var ops = parsed.Spec.Layers.Select(l => l.Ops.Single()).ToArray();
        Assert.Equal(7, ops.Length);
        Assert.DoesNotContain(ops[0].Arguments, a => a.Name == "Kernel");
        Assert.Contains(ops[0].Arguments, a => a.Name == "Stride" && a.Value == ArgValue.Int(2));
        Assert.DoesNotContain(ops[1].Arguments, a => a.Name == "Unknown");
        Assert.Empty(ops[2].Arguments);
        Assert.Empty(ops[3].Arguments);
        Assert.DoesNotContain(ops[4].Arguments, a => a.Name == "Module");
        Assert.DoesNotContain(ops[5].Arguments, a => a.Name == "Stride");
        Assert.Empty(ops[6].Arguments);
    }

    [Fact]
    public void Non_convforge_attributes_with_layer_names_are_ignored()
    {
        var parsed = ParseNetwork("""
            using System;
            using ConvForge;
            namespace Other { public sealed class ReluAttribute : Attribute { } }
            namespace Test
            {
                [Network(Channels = 3, Height = 8, Width = 8)]
                public partial class Net
                {
                    [Other.Relu] public partial Layer Fake { get; }
                    [ConvForge.Relu] public partial Layer Real { get; }
                }
            }
            """);

        Assert.Equal("Real", Assert.Single(parsed.Spec.Layers).Name);
    }

    [Fact]
    public void A_user_subclass_of_LayerAttribute_is_read_with_its_own_kind()
    {
        var parsed = ParseNetwork("""
            using ConvForge;
            namespace Test;
            public sealed class SwishAttribute : LayerAttribute { public SwishAttribute(double beta) { } }
            [Network(Channels = 3, Height = 8, Width = 8)]
            public partial class Net { [Swish(1.5)] public partial Layer A { get; } }
            """);

        var op = parsed.Spec.Layers.Single().Ops.Single();
        Assert.Equal("Swish", op.Kind);
        Assert.Equal(new ArgSpec("Beta", ArgValue.Double(1.5), true), op.Arguments.Single());
    }

    [Fact]
    public void Includes_used_modules_transitively_once_each_and_survives_cycles()
    {
        var parsed = ParseNetwork("""
            using ConvForge;
            namespace Test;
            [NetworkModule] public partial class Inner { [Conv(WidthFactor = 1)] public partial Layer A { get; } [Module(typeof(Outer))] public partial Layer Back { get; } }
            [NetworkModule] public partial class Outer { [Module(typeof(Inner))] public partial Layer I { get; } [Relu] public partial Layer R { get; } }
            [NetworkModule] public partial class Unused { [Relu] public partial Layer R { get; } }
            public class NotAModule { }
            [Network(Channels = 3, Height = 8, Width = 8)]
            public partial class Net
            {
                [Module(typeof(Outer))]      public partial Layer B1 { get; }
                [Module(typeof(Outer))]      public partial Layer B2 { get; }
                [Module(typeof(NotAModule))] public partial Layer B3 { get; }
            }
            """, includeModules: true);

        Assert.Equal(new[] { "Test.Outer", "Test.Inner" }, parsed.Spec.Modules.Select(m => m.TypeName));
        Assert.Equal(new[] { "Outer", "Inner" }, parsed.Spec.Modules.Select(m => m.Name));
        Assert.Equal(new[] { "I", "R" }, parsed.Spec.Modules[0].Layers.Select(l => l.Name));
    }

    [Fact]
    public void Without_includeModules_the_modules_list_is_empty()
    {
        var parsed = ParseNetwork("""
            using ConvForge;
            namespace Test;
            [NetworkModule] public partial class M { [Relu] public partial Layer R { get; } }
            [Network(Channels = 3, Height = 8, Width = 8)]
            public partial class Net { [Module(typeof(M))] public partial Layer B { get; } }
            """);

        Assert.Empty(parsed.Spec.Modules);
    }

    [Fact]
    public void ReadModule_names_a_nested_module_as_typeof_resolves_it()
    {
        var compilation = TestCompilation.Create("""
            using ConvForge;
            namespace Test.Deep;
            public static partial class Zoo
            {
                [NetworkModule]
                public partial class Pair<T> { [Conv(WidthFactor = 2), Relu] public partial Layer A { get; } }
            }
            """);
        var type = TestCompilation.GetType(compilation, "Test.Deep.Zoo+Pair`1");

        var module = NetworkParser.ReadModule(type, CancellationToken.None);

        Assert.Equal("Test.Deep.Zoo+Pair`1", module.TypeName);
        Assert.Equal("Pair", module.Name);
        Assert.Equal(new[] { "Conv", "Relu" }, module.Layers.Single().Ops.Select(o => o.Kind));
    }

    [Fact]
    public void IsLayerAttribute_accepts_ConvForge_layer_attributes_only()
    {
        var compilation = TestCompilation.Create("""
            namespace Other { public abstract class LayerAttribute : System.Attribute { } public sealed class FakeAttribute : LayerAttribute { } }
            """);

        Assert.True(NetworkParser.IsLayerAttribute(compilation.GetTypeByMetadataName("ConvForge.ConvAttribute")));
        Assert.True(NetworkParser.IsLayerAttribute(compilation.GetTypeByMetadataName("ConvForge.MaxPoolAttribute")));
        Assert.True(NetworkParser.IsLayerAttribute(compilation.GetTypeByMetadataName("ConvForge.ReluAttribute")));
        Assert.False(NetworkParser.IsLayerAttribute(compilation.GetTypeByMetadataName("ConvForge.NetworkAttribute")));
        Assert.False(NetworkParser.IsLayerAttribute(compilation.GetTypeByMetadataName("Other.FakeAttribute")));
        Assert.False(NetworkParser.IsLayerAttribute(compilation.GetTypeByMetadataName("System.ObsoleteAttribute")));
        Assert.False(NetworkParser.IsLayerAttribute(null));
    }

    [Fact]
    public void Parsed_properties_and_attributes_line_up_with_the_spec()
    {
        var parsed = ParseNetwork("""
            using ConvForge;
            namespace Test;
            [Network(Channels = 3, Height = 8, Width = 8)]
            public partial class Net
            {
                [Conv(4), Relu] public partial Layer A { get; }
                [MaxPool(2)]    public partial Layer B { get; }
            }
            """);

        Assert.Equal(parsed.Spec.Layers.Count, parsed.LayerProperties.Length);
        Assert.Equal(parsed.Spec.Layers.Count, parsed.LayerAttributes.Length);
        for (var i = 0; i < parsed.Spec.Layers.Count; i++)
        {
            Assert.Equal(parsed.Spec.Layers[i].Name, parsed.LayerProperties[i].Name);
            Assert.Equal(parsed.Spec.Layers[i].Ops.Count, parsed.LayerAttributes[i].Length);
        }
        Assert.NotNull(parsed.NetworkAttribute);
        Assert.Equal("Net", parsed.Type.Name);
    }
}
