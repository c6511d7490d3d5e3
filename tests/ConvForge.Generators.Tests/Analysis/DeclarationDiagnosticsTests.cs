using System.Threading.Tasks;
using ConvForge.Generators.Analysis;
using Microsoft.CodeAnalysis.Testing;

namespace ConvForge.Generators.Tests.Analysis;

/// <summary>CF0001, CF0002 and CF0003: how the C# is written, checked by the analyzer itself.</summary>
public class DeclarationDiagnosticsTests
{
    private const string Layers = """
            [Conv(16, Kernel = 3, Padding = 1), Relu] public partial Layer Conv1 { get; }
            [MaxPool(2)]                              public partial Layer Pool1 { get; }
            [Flatten, Dense(10), Softmax]             public partial Layer Output { get; }
        """;

    [Fact]
    public Task A_valid_network_has_no_diagnostics() => NetworkAnalyzerTest.VerifyAsync($$"""
        using ConvForge;

        [Network(Channels = 3, Height = 32, Width = 32)]
        public partial class TinyNet
        {
        {{Layers}}
        }
        """);

    [Fact]
    public Task CF0001_on_the_identifier_of_a_network_class_that_is_not_partial() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 32, Width = 32)]
        public class {|#0:TinyNet|}
        {
            // A partial member in a class that is not partial: the compiler's own complaint about the same thing.
            [Conv(16, Kernel = 3, Padding = 1), Relu] public partial Layer {|CS0751:Conv1|} { get; }
            [GlobalAvgPool]                           public partial Layer {|CS0751:Output|} { get; }
        }
        """,
        AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.NetworkNotPartial)
            .WithMessage("Network class 'TinyNet' must be partial: the generator implements its layers in another part of the class"));

    [Fact]
    public Task CF0001_without_any_modifier_and_on_a_module() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 8, Width = 8)]
        class {|#0:Net|}
        {
            [GlobalAvgPool] public Layer {|#2:Output|} => null!;
        }

        [NetworkModule]
        public sealed class {|#1:Block|}
        {
            [Relu] public partial Layer {|CS0751:Out|} { get; }
        }
        """,
        AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.NetworkNotPartial, 0)
            .WithMessage("Network class 'Net' must be partial: the generator implements its layers in another part of the class"),
        AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.NetworkNotPartial, 1)
            .WithMessage("Module class 'Block' must be partial: the generator implements its layers in another part of the class"),
        AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.InvalidLayerProperty, 2));

    [Fact]
    public Task CF0001_on_a_class_that_contains_a_network_without_being_partial() => NetworkAnalyzerTest.VerifyAsync($$"""
        using ConvForge;

        public static class {|#0:Zoo|}
        {
            [Network(Channels = 3, Height = 32, Width = 32)]
            public partial class TinyNet
            {
            {{Layers}}
            }
        }
        """,
        AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.NetworkNotPartial)
            .WithMessage("Class 'Zoo' must be partial: it contains 'TinyNet', and the generator declares the classes around a network again"));

    [Fact]
    public Task CF0002_once_per_class_on_its_first_layer_attribute() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        public partial class Forgotten
        {
            public int Unrelated { get; set; }
            [{|#0:Conv(16, Kernel = 3)|}, Relu] public partial Layer Conv1 { get; }
            [MaxPool(2)]                        public partial Layer Pool1 { get; }
        }
        """,
        AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.LayerOutsideNetwork)
            .WithMessage("'Forgotten' has 2 layer properties (Conv1, Pool1) but neither [Network] nor [NetworkModule], so no layer is ever built: mark the class [Network(Channels = ..., Height = ..., Width = ...)] or [NetworkModule]"));

    [Fact]
    public Task CF0002_lists_at_most_three_layers() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        public partial class Forgotten
        {
            [{|#0:Relu|}] public partial Layer A { get; }
            [Relu] public partial Layer B { get; }
            [Relu] public partial Layer C { get; }
            [Relu] public partial Layer D { get; }
        }
        """,
        AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.LayerOutsideNetwork)
            .WithMessage("'Forgotten' has 4 layer properties (A, B, C, ...) but neither [Network] nor [NetworkModule], so no layer is ever built: mark the class [Network(Channels = ..., Height = ..., Width = ...)] or [NetworkModule]"));

    [Fact]
    public Task Classes_without_layer_attributes_are_left_alone() => NetworkAnalyzerTest.VerifyAsync("""
        using System;
        using ConvForge;

        public class Plain
        {
            [Obsolete] public Layer? Conv1 { get; set; }
            public int Width { get; set; }
        }
        """);

    [Fact]
    public Task CF0003_on_each_property_that_is_not_a_partial_get_only_Layer() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 32, Width = 32)]
        public partial class Net
        {
            [Conv(16, Kernel = 3, Padding = 1)] public Layer {|#0:Conv1|} { get; set; } = null!;
            [Relu]                              public partial int {|#1:Relu1|} { get; }
            [MaxPool(2)]                        public static partial Layer {|#2:Pool1|} { get; }
            [Conv(32, Kernel = 3, Padding = 1)] public Layer {|#3:Conv2|} => null!;
            [Relu]                              public partial Layer {|#4:Relu2|} { get; set; }
            [Relu]                              public partial Layer {|#5:Relu3|} { get; init; }
            [GlobalAvgPool]                     public partial Layer Output { get; }
        }
        """,
        AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.InvalidLayerProperty, 0)
            .WithMessage("Layer property 'Conv1' must be declared 'partial Layer Conv1 { get; }': it is not partial; it has an initializer; it has a set accessor"),
        AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.InvalidLayerProperty, 1)
            .WithMessage("Layer property 'Relu1' must be declared 'partial Layer Relu1 { get; }': its type is 'int', not 'Layer'"),
        AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.InvalidLayerProperty, 2)
            .WithMessage("Layer property 'Pool1' must be declared 'partial Layer Pool1 { get; }': it is static"),
        AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.InvalidLayerProperty, 3)
            .WithMessage("Layer property 'Conv2' must be declared 'partial Layer Conv2 { get; }': it is not partial; it has a body (the generator writes it)"),
        AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.InvalidLayerProperty, 4)
            .WithMessage("Layer property 'Relu2' must be declared 'partial Layer Relu2 { get; }': it has a set accessor"),
        AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.InvalidLayerProperty, 5)
            .WithMessage("Layer property 'Relu3' must be declared 'partial Layer Relu3 { get; }': it has an init accessor"));

    [Fact]
    public Task CF0003_in_a_module() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [NetworkModule]
        public partial class Block
        {
            [Conv(WidthFactor = 1, Kernel = 3, Padding = 1)] public Layer {|#0:Conv|} { get; } = null!;
            [Relu]                                           public partial Layer Out { get; }
        }
        """,
        AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.InvalidLayerProperty)
            .WithMessage("Layer property 'Conv' must be declared 'partial Layer Conv { get; }': it is not partial; it has an initializer"));
}
