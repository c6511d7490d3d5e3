using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Threading;
using ConvForge.Compiler;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Summary;
using ConvForge.Generators.Parsing;
using ConvForge.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace ConvForge.Generators.Tests.Generator;

/// <summary>
/// What the generated code does when it runs, checked against what the compiler core computes for the same
/// declaration, and how the generator treats declarations it must not (or cannot fully) generate.
/// </summary>
public class GeneratedCodeBehaviourTests
{
    private static readonly Lazy<(Assembly Assembly, Compilation Compilation)> s_ownNetworks = new(() =>
    {
        var run = OwnNetworkBaselineTests.Run();
        return (RuntimeAssembly.Load(run.OutputCompilation), run.OutputCompilation);
    });

    /// <summary>The core's graph for a network of the compilation, computed the way the analyzer does.</summary>
    private static NetworkGraph CoreGraph(Compilation compilation, string metadataName)
    {
        var type = TestCompilation.GetType(compilation, metadataName);
        var attribute = type.GetAttributes().Single(a => a.AttributeClass?.Name == "NetworkAttribute");
        var parsed = NetworkParser.Parse(type, attribute, includeModules: true, CancellationToken.None);
        var result = NetworkCompiler.Compile(parsed.Spec);
        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));
        return result.Graph!;
    }

    [Fact]
    public void The_constants_are_the_core_s_shapes_and_totals()
    {
        var (assembly, compilation) = s_ownNetworks.Value;
        var graph = CoreGraph(compilation, "ConvForge.Tests.Networks.TinyNet");
        var type = assembly.GetType("ConvForge.Tests.Networks.TinyNet")!;

        Assert.Equal(graph.Input.Output.Channels, RuntimeAssembly.Static(type, "InputChannels"));
        Assert.Equal(graph.Input.Output.Height, RuntimeAssembly.Static(type, "InputHeight"));
        Assert.Equal(graph.Input.Output.Width, RuntimeAssembly.Static(type, "InputWidth"));
        Assert.Equal((int)graph.Input.Output.Length, RuntimeAssembly.Static(type, "InputLength"));
        Assert.Equal(graph.Output.Output.Channels, RuntimeAssembly.Static(type, "OutputChannels"));
        Assert.Equal((int)graph.Output.Output.Length, RuntimeAssembly.Static(type, "OutputLength"));
        Assert.Equal(graph.TrainableParameterCount, RuntimeAssembly.Static(type, "TrainableParameterCount"));
        Assert.Equal((int)graph.Parameters.Sum(p => p.Length), RuntimeAssembly.Static(type, "ParameterLength"));
        Assert.Equal(graph.Macs, RuntimeAssembly.Static(type, "Macs"));
    }

    [Fact]
    public void Every_node_has_a_shape_class_with_its_output_shape()
    {
        var (assembly, compilation) = s_ownNetworks.Value;
        var graph = CoreGraph(compilation, "ConvForge.Tests.Networks.TinyNet");
        var shapes = assembly.GetType("ConvForge.Tests.Networks.TinyNet")!.GetNestedType("Shapes")!;

        // Names that clash with their class or with the constants get a '_': "Paths.Paths.Concat" is
        // Shapes.Paths.Paths_.Concat, "Length" is Shapes.Length_.
        var renamed = new Dictionary<string, string[]>
        {
            ["Paths.Paths.Concat"] = new[] { "Paths", "Paths_", "Concat" },
            ["Length.GlobalAvgPool"] = new[] { "Length_", "GlobalAvgPool" },
            ["Length"] = new[] { "Length_" },
        };
        foreach (var node in graph.Nodes)
        {
            var path = renamed.TryGetValue(node.Name, out var segments) ? segments : node.Name.Split('.');
            var type = path.Aggregate(shapes, (parent, name) => parent.GetNestedType(name) ?? throw new InvalidOperationException($"No Shapes class {string.Join(".", path)} for node {node.Name}"));
            Assert.Equal(node.Output.Channels, RuntimeAssembly.Static(type, "Channels"));
            Assert.Equal(node.Output.Height, RuntimeAssembly.Static(type, "Height"));
            Assert.Equal(node.Output.Width, RuntimeAssembly.Static(type, "Width"));
            Assert.Equal((int)node.Output.Length, RuntimeAssembly.Static(type, "Length"));
        }
    }

    [Fact]
    public void The_parameter_layout_is_contiguous_in_graph_order()
    {
        var (assembly, compilation) = s_ownNetworks.Value;
        var graph = CoreGraph(compilation, "ConvForge.Tests.Networks.TinyNet");
        var type = assembly.GetType("ConvForge.Tests.Networks.TinyNet")!;

        var layout = (IReadOnlyList<ParameterInfo>)RuntimeAssembly.Static(type, "ParameterLayout")!;

        Assert.Equal(graph.Parameters.Select(p => p.Name), layout.Select(p => p.Name));
        Assert.Equal(graph.Parameters.Select(p => p.Trainable), layout.Select(p => p.Trainable));
        Assert.Equal(graph.Parameters.Select(p => string.Join("x", p.Dimensions)), layout.Select(p => string.Join("x", p.Shape)));
        var offset = 0;
        foreach (var parameter in layout)
        {
            Assert.Equal(offset, parameter.Offset);
            offset += parameter.Length;
        }
        Assert.Equal(RuntimeAssembly.Static(type, "ParameterLength"), offset);
        Assert.Throws<NotSupportedException>(() => ((IList<ParameterInfo>)layout)[0] = layout[1]);
    }

    [Fact]
    public void The_summary_has_one_row_per_node_and_the_core_s_table()
    {
        var (assembly, compilation) = s_ownNetworks.Value;
        var graph = CoreGraph(compilation, "ConvForge.Tests.Networks.TinyNet");
        var type = assembly.GetType("ConvForge.Tests.Networks.TinyNet")!;

        var summary = (NetworkSummary)RuntimeAssembly.Static(type, "Summary")!;

        Assert.Equal("TinyNet", summary.NetworkName);
        Assert.Equal(new TensorShape(graph.Input.Output.Channels, graph.Input.Output.Height, graph.Input.Output.Width), summary.InputShape);
        Assert.Equal(graph.Nodes.Select(n => n.Name), summary.Rows.Select(r => r.Name));
        Assert.Equal(graph.Nodes.Select(n => n.Describe()), summary.Rows.Select(r => r.Operation));
        Assert.Equal(graph.Nodes.Select(n => n.Macs), summary.Rows.Select(r => r.Macs));
        Assert.Equal(graph.Nodes.Select(n => n.ActivationBytes), summary.Rows.Select(r => r.ActivationBytes));
        Assert.Equal(graph.TrainableParameterCount, summary.TotalParameters);
        Assert.Equal(graph.Macs, summary.TotalMacs);
        Assert.Equal(SummaryFormatter.Format(graph), summary.Text);
    }

    [Fact]
    public void The_layer_properties_describe_their_nodes()
    {
        var (assembly, compilation) = s_ownNetworks.Value;
        var graph = CoreGraph(compilation, "ConvForge.Tests.Networks.TinyNet");
        var network = Activator.CreateInstance(assembly.GetType("ConvForge.Tests.Networks.TinyNet")!)!;

        long macs = 0;
        var parameters = new List<string>();
        foreach (var output in graph.LayerOutputs)
        {
            var layer = (Layer)RuntimeAssembly.Instance(network, output.Name)!;
            var node = graph.Nodes[output.OutputNode];

            Assert.Equal(output.Name, layer.Name);
            Assert.Equal(new TensorShape(node.Output.Channels, node.Output.Height, node.Output.Width), layer.OutputShape);
            Assert.Same(layer, RuntimeAssembly.Instance(network, output.Name));
            var nodes = graph.Nodes.Skip(output.FirstNode).Take(output.OutputNode - output.FirstNode + 1).ToList();
            Assert.Equal(nodes.SelectMany(n => n.Parameters).Select(p => p.Name), layer.Parameters.Select(p => p.Name));
            Assert.Equal(nodes.Sum(n => n.Macs), layer.Macs);
            macs += layer.Macs;
            parameters.AddRange(layer.Parameters.Select(p => p.Name));
        }

        Assert.Equal(graph.Macs, macs);
        Assert.Equal(graph.Parameters.Select(p => p.Name), parameters);
    }

    [Fact]
    public void Keyword_and_non_public_layer_names_work()
    {
        var (assembly, _) = s_ownNetworks.Value;
        var nested = Activator.CreateInstance(assembly.GetType("ConvForge.Tests.Networks.Zoo+Nested")!, nonPublic: true)!;

        Assert.Equal("class", ((Layer)RuntimeAssembly.Instance(nested, "class")!).Name);
        Assert.Equal("Head", ((Layer)RuntimeAssembly.Instance(nested, "Head")!).Name);
        var property = nested.GetType().GetProperty("Head", BindingFlags.Instance | BindingFlags.NonPublic)!;
        Assert.True(property.GetMethod!.IsFamilyOrAssembly);
    }

    [Fact]
    public void A_module_s_own_layer_properties_say_where_its_layers_are()
    {
        var (assembly, _) = s_ownNetworks.Value;
        var module = Activator.CreateInstance(assembly.GetType("ConvForge.Tests.Networks.TwoPaths")!)!;

        var exception = Assert.Throws<NotSupportedException>(() => RuntimeAssembly.Instance(module, "Left"));

        Assert.Contains("TwoPaths is a [NetworkModule]", exception.Message);
        Assert.Contains("'{Layer}.Left'", exception.Message);
    }

    [Fact]
    public void A_declaration_with_errors_gets_placeholder_layers_and_nothing_else()
    {
        var run = GeneratorHarness.Run("""
            using ConvForge;
            namespace App;
            [Network(Channels = 3, Height = 8, Width = 8)]
            public partial class Broken
            {
                [Conv(4, Kernel = 3)]       public partial Layer A { get; }
                [Conv(4, Kernel = 3, In = 5)] public partial Layer B { get; }
            }
            """);

        var text = run.Source("App.Broken.g.cs");
        Assert.Contains("CF0004", text);
        Assert.DoesNotContain("Shapes", text);
        Assert.DoesNotContain("InputChannels", text);
        Assert.DoesNotContain("/// <summary>\n    /// <para>", text);
        var problems = TestCompilation.ErrorsAndWarnings(run.OutputCompilation);
        Assert.True(problems.IsEmpty, TestCompilation.Describe(problems));

        var network = Activator.CreateInstance(RuntimeAssembly.Load(run.OutputCompilation).GetType("App.Broken")!)!;
        var layer = (Layer)RuntimeAssembly.Instance(network, "B")!;
        Assert.Equal("B", layer.Name);
        Assert.Equal(default, layer.OutputShape);
        Assert.Empty(layer.Parameters);
    }

    [Fact]
    public void Classes_that_are_not_partial_throughout_get_nothing()
    {
        var run = GeneratorHarness.Run("""
            using ConvForge;
            namespace App;
            [Network(Channels = 3, Height = 8, Width = 8)]
            public class NotPartial { [Relu] public Layer A { get; } = null!; }
            public class Outer
            {
                [Network(Channels = 3, Height = 8, Width = 8)]
                public partial class Inner { [Relu] public partial Layer A { get; } }
            }
            [NetworkModule]
            public class ModuleNotPartial { }
            """);

        Assert.Null(run.GeneratorResult.Exception);
        Assert.Empty(run.GeneratorResult.GeneratedSources);
    }

    [Fact]
    public void Hint_names_stay_unique_when_names_differ_only_in_case_or_nest()
    {
        var run = GeneratorHarness.Run("""
            using ConvForge;
            namespace App;
            [Network(Channels = 1, Height = 4, Width = 4)] public partial class Net { [Relu] public partial Layer A { get; } }
            [Network(Channels = 1, Height = 4, Width = 4)] public partial class NET { [Relu] public partial Layer A { get; } }
            public static partial class Outer
            {
                [Network(Channels = 1, Height = 4, Width = 4)]
                public partial class Net<T> { [Relu] public partial Layer A { get; } }
            }
            """);

        Assert.Null(run.GeneratorResult.Exception);
        Assert.Equal(new[] { "App.NET.g.cs", "App.Net.2.g.cs", "App.Outer+Net_1.g.cs" }, run.Sources.Keys.OrderBy(k => k, StringComparer.Ordinal));
        var problems = TestCompilation.ErrorsAndWarnings(run.OutputCompilation);
        Assert.True(problems.IsEmpty, TestCompilation.Describe(problems));
    }

    [Fact]
    public void Members_the_class_already_has_are_not_declared_again()
    {
        var run = GeneratorHarness.Run("""
            using ConvForge;
            namespace App;
            public class Base { public static int Macs => 0; }
            [Network(Channels = 1, Height = 4, Width = 4)]
            public partial class Net : Base
            {
                public const int InputChannels = 1;
                [Relu]    public partial Layer Summary { get; }
                [Sigmoid] public partial Layer Shapes { get; }
            }
            """);

        var text = run.Source("App.Net.g.cs");
        Assert.DoesNotContain("const int InputChannels", text);
        Assert.DoesNotContain("const long Macs", text);
        Assert.DoesNotContain("NetworkSummary Summary", text);
        Assert.DoesNotContain("static class Shapes", text);
        Assert.Contains("const int InputHeight", text);
        Assert.Contains("partial global::ConvForge.Layer Summary =>", text);
        var problems = TestCompilation.ErrorsAndWarnings(run.OutputCompilation);
        Assert.True(problems.IsEmpty, TestCompilation.Describe(problems));
    }

    [Fact]
    public void A_class_that_takes_a_training_member_s_name_keeps_it_and_does_not_implement_the_training_interface()
    {
        var run = GeneratorHarness.Run("""
            using ConvForge;
            namespace App;
            [Network(Channels = 1, Height = 4, Width = 4)]
            public partial class Net
            {
                public static string TrainingProgram => "mine";
                [Conv(2, Kernel = 1)] public partial Layer Conv { get; }
                [GlobalAvgPool]       public partial Layer Pool { get; }
            }
            """);

        var text = run.Source("App.Net.g.cs");
        Assert.DoesNotContain("ITrainableNetwork", text);
        Assert.DoesNotContain("TrainingForward", text);
        Assert.Contains("public void Forward(", text);
        var problems = TestCompilation.ErrorsAndWarnings(run.OutputCompilation);
        Assert.True(problems.IsEmpty, TestCompilation.Describe(problems));
    }

    [Fact]
    public void Layers_named_like_the_training_code_s_members_get_other_identifiers()
    {
        var run = GeneratorHarness.Run("""
            using ConvForge;
            namespace App;
            [Network(Channels = 1, Height = 4, Width = 4)]
            public partial class Net
            {
                [Conv(2, Kernel = 1)] public partial Layer Training { get; }
                [MaxPool(1)]          public partial Layer ImageLength { get; }
                [Dropout(0.5)]        public partial Layer Pack { get; }
                [GlobalAvgPool]       public partial Layer CheckStep { get; }
            }
            """);

        var text = run.Source("App.Net.g.cs");
        Assert.Contains("partial class Net : global::ConvForge.Training.ITrainableNetwork", text);
        // The forward pass names the convolution's tensor Training, so the training class moves aside; inside it, the values
        // named like its own members do.
        Assert.Contains("private const int Training = ", text);
        Assert.Contains("public static class Training_2<TKernels>", text);
        Assert.Contains("private const int ImageLength_2 = ", text);
        Assert.Contains("private const int CheckStep_2 = ", text);
        var problems = TestCompilation.ErrorsAndWarnings(run.OutputCompilation);
        Assert.True(problems.IsEmpty, TestCompilation.Describe(problems));
    }

    [Fact]
    public void Only_valid_layer_declarations_are_implemented()
    {
        var run = GeneratorHarness.Run("""
            using ConvForge;
            namespace App;
            [Network(Channels = 1, Height = 4, Width = 4)]
            public partial class Net
            {
                [Relu]    public partial Layer Good { get; }
                [Relu]    public partial Layer WithSetter { get; set; }
                [Sigmoid] public Layer NotPartial { get; } = null!;
                [Relu]    public static partial Layer Static { get; }
                [Relu]    public partial Layer Implemented { get; }
                public partial Layer Implemented => null!;
            }
            """);

        var text = run.Source("App.Net.g.cs");
        Assert.Contains("partial global::ConvForge.Layer Good =>", text);
        foreach (var name in new[] { "WithSetter", "NotPartial", "Static", "Implemented" })
            Assert.DoesNotContain($"global::ConvForge.Layer {name} =>", text);
        Assert.DoesNotContain(TestCompilation.ErrorsAndWarnings(run.OutputCompilation), d => d.Location.SourceTree?.FilePath != "Source0.cs");
    }

    [Fact]
    public void A_class_marked_network_and_module_is_generated_once_as_a_network()
    {
        var run = GeneratorHarness.Run("""
            using ConvForge;
            namespace App;
            [Network(Channels = 1, Height = 4, Width = 4), NetworkModule]
            public partial class Both { [Relu] public partial Layer A { get; } }
            """);

        Assert.Null(run.GeneratorResult.Exception);
        Assert.Contains("InputChannels", Assert.Single(run.Sources).Value);
    }

    [Fact]
    public void The_user_s_doc_comment_keeps_the_summary_and_the_table_goes_to_remarks()
    {
        var run = GeneratorHarness.Run("""
            using ConvForge;
            namespace App;
            [Network(Channels = 1, Height = 4, Width = 4)]
            public partial class Plain { [Relu] public partial Layer A { get; } }
            /// <summary>Mine.</summary>
            [Network(Channels = 1, Height = 4, Width = 4)]
            public partial class Documented { [Relu] public partial Layer A { get; } }
            """);

        Assert.Contains("    /// <summary>\n    /// <para>Compiled by ConvForge", run.Source("App.Plain.g.cs"));
        Assert.Contains("    /// <remarks>\n    /// <para>Compiled by ConvForge", run.Source("App.Documented.g.cs"));
    }

    [Fact]
    public void A_module_from_a_referenced_assembly_is_expanded_in_the_network()
    {
        var library = TestCompilation.Create(new[] { ("Library.cs", """
            using ConvForge;
            namespace Library;
            [NetworkModule]
            public partial class Block
            {
                [Conv(WidthFactor = 2, Kernel = 3, Padding = 1), Relu] public partial Layer A { get; }
                [Conv(WidthFactor = 1, Kernel = 1)]                    public partial Layer B { get; }
            }
            """) }, assemblyName: "Library");
        var libraryReference = RuntimeAssembly.Reference(GeneratorHarness.Run(library).OutputCompilation);

        var app = TestCompilation.Create(("App.cs", """
            using ConvForge;
            namespace App;
            [Network(Channels = 3, Height = 8, Width = 8)]
            public partial class UsesLibrary { [Module(typeof(Library.Block), Width = 4)] public partial Layer Body { get; } }
            """)).AddReferences(libraryReference);
        var run = GeneratorHarness.Run(app);

        var text = run.Source("App.UsesLibrary.g.cs");
        Assert.Contains("\"Body.A.Weight\"", text);
        Assert.Matches(@"new\(""Body"", global::ConvForge\.OpKind\.Conv, \[\d+\], new\(4, 8, 8\)", text);
        var problems = TestCompilation.ErrorsAndWarnings(run.OutputCompilation);
        Assert.True(problems.IsEmpty, TestCompilation.Describe(problems));
    }
}
