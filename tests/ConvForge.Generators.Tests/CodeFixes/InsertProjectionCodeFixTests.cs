using System.Threading.Tasks;
using ConvForge.CodeFixes;
using ConvForge.Generators.Analysis;
using ConvForge.Generators.Tests.Analysis;
using Microsoft.CodeAnalysis.Testing;

namespace ConvForge.Generators.Tests.CodeFixes;

/// <summary>
/// CF0006's "Insert a 1x1 projection". Each test's fixed code goes back through the analyzer and the compiler,
/// so a projection that left the network inconsistent (or a name that clashed) would fail it.
/// </summary>
public class InsertProjectionCodeFixTests
{
    private static DiagnosticResult AddMismatch(int markupKey = 0) => AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.AddShapeMismatch, markupKey);

    private static Task VerifyAsync(string source, string fixedSource, params DiagnosticResult[] expected)
        => ConvForgeCodeFixTest<InsertProjectionCodeFixProvider>.VerifyAsync(source, fixedSource, expected);

    [Fact]
    public Task Projects_the_named_shortcut_of_a_two_name_Add() => VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 32, Width = 32)]
        public partial class ResidualNet
        {
            [Conv(16, Kernel = 3, Padding = 1), Relu]      public partial Layer Stem { get; }
            [Conv(32, Kernel = 3, Padding = 1), BatchNorm] public partial Layer Conv2 { get; }
            [Add({|#0:nameof(Conv2), nameof(Stem)|}), Relu]      public partial Layer Sum { get; }
            [GlobalAvgPool]                                public partial Layer Output { get; }
        }
        """, """
        using ConvForge;

        [Network(Channels = 3, Height = 32, Width = 32)]
        public partial class ResidualNet
        {
            [Conv(16, Kernel = 3, Padding = 1), Relu]      public partial Layer Stem { get; }
            [Conv(32, Kernel = 3, Padding = 1), BatchNorm] public partial Layer Conv2 { get; }
            [Conv1x1(32, From = nameof(Stem)), BatchNorm] public partial Layer StemProjection { get; }
            [Add(nameof(Conv2), nameof(StemProjection)), Relu]      public partial Layer Sum { get; }
            [GlobalAvgPool]                                public partial Layer Output { get; }
        }
        """,
        AddMismatch());

    [Fact]
    public Task A_one_name_Add_names_both_inputs_and_the_projection_is_strided_when_the_size_halves() => VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 32, Width = 32)]
        public partial class ResidualNet
        {
            [Conv(16, Kernel = 3, Padding = 1), Relu]                  public partial Layer Stem { get; }
            [Conv(32, Kernel = 3, Stride = 2, Padding = 1), BatchNorm] public partial Layer Down { get; }

            // The shortcut.
            [Add({|#0:nameof(Stem)|}), Relu]                                 public partial Layer Sum { get; }
        }
        """, """
        using ConvForge;

        [Network(Channels = 3, Height = 32, Width = 32)]
        public partial class ResidualNet
        {
            [Conv(16, Kernel = 3, Padding = 1), Relu]                  public partial Layer Stem { get; }
            [Conv(32, Kernel = 3, Stride = 2, Padding = 1), BatchNorm] public partial Layer Down { get; }

            [Conv1x1(32, From = nameof(Stem), Stride = 2), BatchNorm] public partial Layer StemProjection { get; }
            // The shortcut.
            [Add(nameof(Down), nameof(StemProjection)), Relu]                                 public partial Layer Sum { get; }
        }
        """,
        AddMismatch());

    [Fact]
    public Task An_Add_after_other_attributes_keeps_the_property_reading_the_layer_before_it() => VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 16, Width = 16)]
        public partial class ResidualNet
        {
            [Conv(8, Kernel = 3, Padding = 1), Relu] public partial Layer Stem { get; }
            [Conv(16, Kernel = 3, Padding = 1), BatchNorm, Add({|#0:nameof(Stem)|}), Relu] public partial Layer Block { get; }
        }
        """, """
        using ConvForge;

        [Network(Channels = 3, Height = 16, Width = 16)]
        public partial class ResidualNet
        {
            [Conv(8, Kernel = 3, Padding = 1), Relu] public partial Layer Stem { get; }
            [Conv1x1(16, From = nameof(Stem)), BatchNorm] public partial Layer StemProjection { get; }
            [Conv(16, Kernel = 3, Padding = 1, From = nameof(Stem)), BatchNorm, Add(nameof(StemProjection)), Relu] public partial Layer Block { get; }
        }
        """,
        AddMismatch());

    [Fact]
    public Task Projecting_the_network_input_uses_Layers_Input() => VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 16, Width = 16)]
        public partial class ResidualNet
        {
            [Conv(8, Kernel = 3, Padding = 1), BatchNorm] public partial Layer Conv1 { get; }
            [Add({|#0:nameof(Conv1), Layers.Input|})]          public partial Layer Sum { get; }
        }
        """, """
        using ConvForge;

        [Network(Channels = 3, Height = 16, Width = 16)]
        public partial class ResidualNet
        {
            [Conv(8, Kernel = 3, Padding = 1), BatchNorm] public partial Layer Conv1 { get; }
            [Conv1x1(8, From = Layers.Input), BatchNorm] public partial Layer InputProjection { get; }
            [Add(nameof(Conv1), nameof(InputProjection))]          public partial Layer Sum { get; }
        }
        """,
        AddMismatch());

    [Fact]
    public Task A_one_name_join_before_the_Add_names_the_layer_it_read() => VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 16, Width = 16)]
        public partial class Net
        {
            [Conv(8, Kernel = 3, Padding = 1), Relu]             public partial Layer Stem { get; }
            [Conv(8, Kernel = 3, Padding = 1), Relu]             public partial Layer Branch { get; }
            [Concat(nameof(Stem)), Add({|#0:nameof(Stem)|})]     public partial Layer Joined { get; }
        }
        """, """
        using ConvForge;

        [Network(Channels = 3, Height = 16, Width = 16)]
        public partial class Net
        {
            [Conv(8, Kernel = 3, Padding = 1), Relu]             public partial Layer Stem { get; }
            [Conv(8, Kernel = 3, Padding = 1), Relu]             public partial Layer Branch { get; }
            [Conv1x1(16, From = nameof(Stem)), BatchNorm] public partial Layer StemProjection { get; }
            [Concat(nameof(Branch), nameof(Stem)), Add(nameof(StemProjection))]     public partial Layer Joined { get; }
        }
        """,
        AddMismatch());

    [Fact]
    public Task Qualified_attribute_names_stay_qualified() => VerifyAsync("""
        [ConvForge.Network(Channels = 3, Height = 16, Width = 16)]
        public partial class Net
        {
            [ConvForge.Conv(8, Kernel = 3, Padding = 1), ConvForge.BatchNorm] public partial ConvForge.Layer Conv1 { get; }
            [ConvForge.Add({|#0:nameof(Conv1), ConvForge.Layers.Input|})]     public partial ConvForge.Layer Sum { get; }
        }
        """, """
        [ConvForge.Network(Channels = 3, Height = 16, Width = 16)]
        public partial class Net
        {
            [ConvForge.Conv(8, Kernel = 3, Padding = 1), ConvForge.BatchNorm] public partial ConvForge.Layer Conv1 { get; }
            [ConvForge.Conv1x1(8, From = ConvForge.Layers.Input), ConvForge.BatchNorm] public partial ConvForge.Layer InputProjection { get; }
            [ConvForge.Add(nameof(Conv1), nameof(InputProjection))]     public partial ConvForge.Layer Sum { get; }
        }
        """,
        AddMismatch());

    [Fact]
    public Task Fix_all_gives_each_projection_its_own_name() => VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 16, Width = 16)]
        public partial class TwoShortcuts
        {
            [Conv(8, Kernel = 3, Padding = 1), Relu]       public partial Layer Stem { get; }
            [Conv(16, Kernel = 3, Padding = 1), BatchNorm] public partial Layer A { get; }
            [Add({|#0:nameof(Stem)|})]                            public partial Layer SumA { get; }
            [Conv(32, Kernel = 3, Padding = 1, From = nameof(Stem)), BatchNorm] public partial Layer B { get; }
            [Add({|#1:nameof(Stem)|})]                            public partial Layer SumB { get; }
            public int StemProjection2 => 2;
        }

        [Network(Channels = 3, Height = 16, Width = 16)]
        public partial class Other
        {
            [Conv(8, Kernel = 3, Padding = 1), Relu]       public partial Layer Stem { get; }
            [Conv(16, Kernel = 3, Padding = 1), BatchNorm] public partial Layer A { get; }
            [Add({|#2:nameof(Stem)|})]                            public partial Layer SumA { get; }
        }
        """, """
        using ConvForge;

        [Network(Channels = 3, Height = 16, Width = 16)]
        public partial class TwoShortcuts
        {
            [Conv(8, Kernel = 3, Padding = 1), Relu]       public partial Layer Stem { get; }
            [Conv(16, Kernel = 3, Padding = 1), BatchNorm] public partial Layer A { get; }
            [Conv1x1(16, From = nameof(Stem)), BatchNorm] public partial Layer StemProjection { get; }
            [Add(nameof(A), nameof(StemProjection))]                            public partial Layer SumA { get; }
            [Conv(32, Kernel = 3, Padding = 1, From = nameof(Stem)), BatchNorm] public partial Layer B { get; }
            [Conv1x1(32, From = nameof(Stem)), BatchNorm] public partial Layer StemProjection3 { get; }
            [Add(nameof(B), nameof(StemProjection3))]                            public partial Layer SumB { get; }
            public int StemProjection2 => 2;
        }

        [Network(Channels = 3, Height = 16, Width = 16)]
        public partial class Other
        {
            [Conv(8, Kernel = 3, Padding = 1), Relu]       public partial Layer Stem { get; }
            [Conv(16, Kernel = 3, Padding = 1), BatchNorm] public partial Layer A { get; }
            [Conv1x1(16, From = nameof(Stem)), BatchNorm] public partial Layer StemProjection { get; }
            [Add(nameof(A), nameof(StemProjection))]                            public partial Layer SumA { get; }
        }
        """,
        AddMismatch(0), AddMismatch(1), AddMismatch(2));

    [Fact]
    public Task No_fix_when_the_mismatch_is_inside_a_module()
    {
        // The Add that fails is the module's, reported where the network uses the module: there is no Add here to rewrite.
        const string source = """
            using ConvForge;

            [NetworkModule]
            public partial class Block
            {
                [Conv(WidthFactor = 2, Kernel = 3, Padding = 1), BatchNorm] public partial Layer Conv { get; }
                [Add(Layers.Input)]                                         public partial Layer Sum { get; }
            }

            [Network(Channels = 3, Height = 16, Width = 16)]
            public partial class Net
            {
                [Conv(8, Kernel = 3, Padding = 1), Relu]   public partial Layer Stem { get; }
                [{|#0:Module(typeof(Block), Width = 8)|}]  public partial Layer Block1 { get; }
            }
            """;
        return VerifyAsync(source, source, AddMismatch());
    }
}
