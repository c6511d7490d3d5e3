using System.Threading.Tasks;
using ConvForge.Generators.Analysis;
using Microsoft.CodeAnalysis.Testing;

namespace ConvForge.Generators.Tests.Analysis;

/// <summary>
/// The compiler core's diagnostics (CF0004-CF0020) as the analyzer reports them: each on the argument at
/// fault when it was written, else on the attribute, the property, or the [Network] attribute.
/// </summary>
public class CoreDiagnosticsTests
{
    private static DiagnosticResult Expect(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, int markupKey, string message)
        => AnalyzerTestSetup.Diagnostic(descriptor, markupKey).WithMessage(message);

    [Fact]
    public Task CF0004_on_In_naming_both_layers_and_both_channel_counts() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 32, Width = 32)]
        public partial class Net
        {
            [Conv(32, Kernel = 3, Padding = 1), Relu]                public partial Layer Conv1 { get; }
            [Conv(64, Kernel = 3, Padding = 1, {|#0:In = 16|}), Relu] public partial Layer Conv2 { get; }
            [Fire(16, 64, {|#1:In = 32|})]                             public partial Layer Fire3 { get; }
            [Fire(16, 64, {|#2:In = 64|})]                             public partial Layer Fire4 { get; }
            [GlobalAvgPool]                                           public partial Layer Output { get; }
        }
        """,
        Expect(DiagnosticDescriptors.ChannelMismatch, 0, "Conv2.Conv expects 16 input channels but Conv1 produces 32"),
        Expect(DiagnosticDescriptors.ChannelMismatch, 1, "Fire3.Squeeze expects 32 input channels but Conv2 produces 64"),
        Expect(DiagnosticDescriptors.ChannelMismatch, 2, "Fire4.Squeeze expects 64 input channels but Fire3 produces 128 (64 + 64)"));

    [Fact]
    public Task CF0005_on_the_inputs_of_the_Concat() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 32, Width = 32)]
        public partial class Net
        {
            [Conv(16, Kernel = 3, Padding = 1), Relu]             public partial Layer Stem { get; }
            [Conv(16, Kernel = 3, Stride = 2, Padding = 1), Relu] public partial Layer Down { get; }
            [Conv(16, Kernel = 1, From = nameof(Stem))]           public partial Layer Side { get; }
            [Concat({|#0:nameof(Down), nameof(Side)|})]            public partial Layer Joined { get; }
        }
        """,
        Expect(DiagnosticDescriptors.ConcatSpatialMismatch, 0,
            "Concat Joined: input 2 (Side) is 32x32 but input 1 (Down) is 16x16; Concat needs inputs of the same height and width"));

    [Fact]
    public Task CF0006_names_both_paths_and_carries_what_the_projection_fix_needs()
    {
        var test = new NetworkAnalyzerTest
        {
            TestCode = """
                using ConvForge;

                [Network(Channels = 3, Height = 32, Width = 32)]
                public partial class Net
                {
                    [Conv(16, Kernel = 3, Padding = 1), Relu]                  public partial Layer Stem { get; }
                    [Conv(32, Kernel = 3, Stride = 2, Padding = 1), BatchNorm] public partial Layer Down { get; }
                    [Add({|#0:nameof(Stem)|}), Relu]                           public partial Layer Sum { get; }
                }
                """,
        };
        test.ExpectedDiagnostics.Add(Expect(DiagnosticDescriptors.AddShapeMismatch, 0,
            "Add Sum.Add: the main path Down has 32 channels at 16x16 but the shortcut Stem has 16 at 32x32; insert a 1x1 projection with stride 2 to 32 channels on the shortcut"));
        return test.RunAsync();
    }

    [Fact]
    public async Task CF0006_properties_reach_the_Roslyn_diagnostic()
    {
        var run = await AnalyzerRunner.RunAsync(new[]
        {
            """
            using ConvForge;

            [Network(Channels = 3, Height = 32, Width = 32)]
            public partial class Net
            {
                [Conv(16, Kernel = 3, Padding = 1), Relu]                  public partial Layer Stem { get; }
                [Conv(32, Kernel = 3, Stride = 2, Padding = 1), BatchNorm] public partial Layer Down { get; }
                [Add(nameof(Stem)), Relu]                                  public partial Layer Sum { get; }
            }
            """,
        });

        var diagnostic = Assert.Single(run.ConvForgeDiagnostics);
        Assert.Equal("CF0006", diagnostic.Id);
        Assert.Equal("Stem", diagnostic.Properties["Input"]);
        Assert.Equal("32", diagnostic.Properties["Channels"]);
        Assert.Equal("2", diagnostic.Properties["Stride"]);
    }

    [Fact]
    public Task CF0007_on_the_kernel_that_does_not_fit() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [Network(Channels = 1, Height = 8, Width = 8)]
        public partial class Net
        {
            [Conv(8, Kernel = 3), Relu]         public partial Layer Conv1 { get; }
            [MaxPool(2)]                        public partial Layer Pool1 { get; }
            [Conv(16, {|#0:Kernel = 5|})]        public partial Layer Conv2 { get; }
        }
        """,
        Expect(DiagnosticDescriptors.EmptyOutput, 0, "Conv2: kernel 5 with padding 0 does not fit the 3x3 input"));

    [Fact]
    public Task CF0008_on_the_stride_or_the_attribute_when_the_stride_is_implied() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 32, Width = 32)]
        public partial class Net
        {
            [Conv(16, Kernel = 3, {|#0:Stride = 2|}), Relu] public partial Layer Conv1 { get; }
            [{|#1:MaxPool(2)|}]                             public partial Layer Pool1 { get; }
        }
        """,
        Expect(DiagnosticDescriptors.DroppedPixels, 0,
            "Conv1.Conv: the 3x3/2 window never reads the last row and column of its 32x32 input; pad the input or change the stride"),
        Expect(DiagnosticDescriptors.DroppedPixels, 1,
            "Pool1: the 2x2/2 window never reads the last row and column of its 15x15 input; set CeilMode = true, pad the input or change the stride"));

    [Fact]
    public Task CF0009_on_InFeatures() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 8, Width = 8)]
        public partial class Net
        {
            [Conv(16, Kernel = 3, Padding = 1), Relu]          public partial Layer Conv1 { get; }
            [MaxPool(2)]                                       public partial Layer Pool1 { get; }
            [Flatten, Dense(10, {|#0:InFeatures = 128|})]      public partial Layer Output { get; }
        }
        """,
        Expect(DiagnosticDescriptors.DenseInputMismatch, 0, "Output expects 128 input features but Output.Flatten produces 256 (256x1x1)"));

    [Fact]
    public Task CF0010_on_From_or_on_the_join_inputs() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 8, Width = 8)]
        public partial class Net
        {
            [Conv(16, Kernel = 3, Padding = 1), Relu]             public partial Layer Conv1 { get; }
            [Conv(16, Kernel = 3, Padding = 1, {|#0:From = "conv1"|})] public partial Layer Conv2 { get; }
            [Concat({|#1:nameof(Conv2), "Conv9"|})]                 public partial Layer Joined { get; }
        }
        """,
        Expect(DiagnosticDescriptors.UnknownReference, 0, "Conv2: there is no layer named 'conv1' (did you mean Conv1?)"),
        Expect(DiagnosticDescriptors.UnknownReference, 1, "Joined: there is no layer named 'Conv9'"));

    [Fact]
    public Task CF0011_on_a_reference_to_a_later_layer() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 8, Width = 8)]
        public partial class Net
        {
            [Conv(16, Kernel = 3, Padding = 1), Relu] public partial Layer A { get; }
            [Concat({|#0:nameof(A), nameof(B)|})]      public partial Layer Joined { get; }
            [Conv(16, Kernel = 1, From = nameof(A))]  public partial Layer B { get; }
        }
        """,
        Expect(DiagnosticDescriptors.ForwardReference, 0,
            "Joined reads B, which is declared after it; layers run in declaration order, so declare B above Joined"));

    [Fact]
    public Task CF0012_on_a_layer_that_reads_itself_or_closes_a_cycle() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 8, Width = 8)]
        public partial class Net
        {
            [Conv(16, Kernel = 3, Padding = 1, {|#0:From = nameof(Conv1)|}), Relu] public partial Layer Conv1 { get; }
            [Conv(16, Kernel = 1, {|#1:From = nameof(C)|})]                        public partial Layer B { get; }
            [Conv(16, Kernel = 1, From = nameof(B))]                              public partial Layer C { get; }
        }
        """,
        Expect(DiagnosticDescriptors.CyclicReference, 0, "Conv1.Conv reads its own layer Conv1"),
        Expect(DiagnosticDescriptors.CyclicReference, 1, "B reads C, which depends on B: B -> C -> B is a cycle"));

    [Fact]
    public Task CF0013_on_the_property_named_Input() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 8, Width = 8)]
        public partial class Net
        {
            [Conv(16, Kernel = 3, Padding = 1), Relu] public partial Layer {|#0:Input|} { get; }
            [GlobalAvgPool]                           public partial Layer Output { get; }
        }
        """,
        Expect(DiagnosticDescriptors.DuplicateLayerName, 0, "A layer cannot be named Input: the name refers to the network's input (Layers.Input)"));

    [Fact]
    public Task CF0014_on_positional_and_named_arguments_and_on_the_Network_attribute() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 8, Width = 8)]
        public partial class Net
        {
            [Conv({|#0:0|}, Kernel = 3, Padding = 1), Relu] public partial Layer Conv1 { get; }
            [Conv(16, {|#1:Kernel = -3|})]                  public partial Layer Conv2 { get; }
            [Dropout({|#2:1.5|})]                           public partial Layer Drop { get; }
        }

        [{|#3:Network(Width = 8)|}]
        public partial class NoShape
        {
            [Conv(16, Kernel = 3, Padding = 1)] public partial Layer Conv1 { get; }
        }

        [Network(Channels = 3, {|#4:Height = 0|}, {|#5:Width = -8|})]
        public partial class BadShape
        {
            [Conv(16, Kernel = 3, Padding = 1)] public partial Layer Conv1 { get; }
        }
        """,
        Expect(DiagnosticDescriptors.InvalidArgument, 0, "Conv1.Conv: Channels must be at least 1, got 0"),
        Expect(DiagnosticDescriptors.InvalidArgument, 1, "Conv2: Kernel must be at least 1, got -3"),
        Expect(DiagnosticDescriptors.InvalidArgument, 2, "Drop: the dropout Rate must be at least 0 and below 1, got 1.5"),
        Expect(DiagnosticDescriptors.InvalidArgument, 3, "[Network] needs the input's Channels, e.g. [Network(Channels = 3, Height = 224, Width = 224)]"),
        Expect(DiagnosticDescriptors.InvalidArgument, 3, "[Network] needs the input's Height, e.g. [Network(Channels = 3, Height = 224, Width = 224)]"),
        Expect(DiagnosticDescriptors.InvalidArgument, 4, "[Network] Height must be at least 1, got 0"),
        Expect(DiagnosticDescriptors.InvalidArgument, 5, "[Network] Width must be at least 1, got -8"));

    [Fact]
    public Task CF0015_is_info_on_the_whole_convolution() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 56, Width = 56)]
        public partial class Net
        {
            [Conv(256, Kernel = 1), Relu]                    public partial Layer Wide { get; }
            [{|#0:Conv(256, Kernel = 3, Padding = 1)|}, Relu] public partial Layer Conv3 { get; }
        }
        """,
        Expect(DiagnosticDescriptors.BottleneckAdvice, 0,
            "Conv3.Conv (3x3, 256\u2192256) costs 1.85 GMACs; a 1x1 bottleneck to 64 channels would cut it about 3.6x"));

    [Fact]
    public Task CF0016_on_Groups() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 8, Width = 8)]
        public partial class Net
        {
            [Conv(32, Kernel = 3, Padding = 1), Relu]                   public partial Layer Conv1 { get; }
            [Conv(64, Kernel = 3, Padding = 1, {|#0:Groups = 3|}), Relu] public partial Layer Conv2 { get; }
        }
        """,
        Expect(DiagnosticDescriptors.GroupsMismatch, 0, "Conv2.Conv: 3 groups do not divide the 32 input channels (Conv1 produces 32)"));

    [Fact]
    public Task CF0017_on_module_misuse() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        public partial class NotAModule
        {
        }

        [NetworkModule]
        public partial class Loop
        {
            [Module(typeof(Loop))] public partial Layer Again { get; }
        }

        [Network(Channels = 3, Height = 8, Width = 8)]
        public partial class Net
        {
            [Conv({|#0:WidthFactor = 2|}, Kernel = 3, Padding = 1)] public partial Layer Conv1 { get; }
            [Module({|#1:typeof(NotAModule)|})]                      public partial Layer Block { get; }
            [{|#2:Module(typeof(Loop), Width = 4)|}]                 public partial Layer Block2 { get; }
        }
        """,
        Expect(DiagnosticDescriptors.InvalidModule, 0,
            "Conv1: WidthFactor only applies in a [NetworkModule] class, whose [Module] use gives the Width; give the channels here instead"),
        Expect(DiagnosticDescriptors.InvalidModule, 1, "Block: NotAModule is not a [NetworkModule] class of this compilation"),
        Expect(DiagnosticDescriptors.InvalidModule, 2, "Block2.Again: module Loop uses itself (Loop -> Loop)"));

    [Fact]
    public Task CF0018_on_the_argument_that_conflicts() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [Network(Channels = 3, Height = 8, Width = 8)]
        public partial class Net
        {
            [Conv(16, Kernel = 3, {|#0:KernelHeight = 5|})]                       public partial Layer Conv1 { get; }
            [Conv(16, Kernel = 3, Padding = 1, {|#1:Same = true|})]                public partial Layer Conv2 { get; }
            [Relu, Conv(16, {|#2:From = nameof(Conv1)|})]                          public partial Layer Conv3 { get; }
            [Concat(nameof(Conv1), nameof(Conv2), {|#3:From = nameof(Conv1)|})]   public partial Layer Joined { get; }
        }
        """,
        Expect(DiagnosticDescriptors.ConflictingArguments, 0, "Conv1: Kernel sets both axes; drop Kernel or KernelHeight/KernelWidth"),
        Expect(DiagnosticDescriptors.ConflictingArguments, 1, "Conv2: Same computes the padding; drop Same or the explicit padding"),
        Expect(DiagnosticDescriptors.ConflictingArguments, 2, "Conv3: only the first attribute of a layer may set From; Conv reads the attribute before it"),
        Expect(DiagnosticDescriptors.ConflictingArguments, 3, "Joined: Concat reads the layers it names; From does not apply"));

    [Fact]
    public Task CF0019_on_the_Network_or_NetworkModule_attribute() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [{|#0:Network(Channels = 3, Height = 8, Width = 8)|}]
        public partial class Net
        {
        }

        [{|#1:NetworkModule|}]
        public partial class EmptyModule
        {
        }
        """,
        Expect(DiagnosticDescriptors.EmptyNetwork, 0, "Net has no layers: declare partial Layer properties with layer attributes"),
        Expect(DiagnosticDescriptors.EmptyNetwork, 1, "Module EmptyModule has no layers"));

    [Fact]
    public Task CF0020_on_the_Network_attribute_or_the_size_over_the_limit() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [{|#0:Network(Channels = 3, Height = 100000, Width = 100000)|}]
        public partial class Huge
        {
            [Conv(64, Kernel = 3, Padding = 1)] public partial Layer Conv1 { get; }
        }

        [Network(Channels = 3, {|#1:Height = 2000000|}, Width = 8)]
        public partial class Tall
        {
            [Conv(64, Kernel = 3, Padding = 1)] public partial Layer Conv1 { get; }
        }
        """,
        Expect(DiagnosticDescriptors.TooLarge, 0, "The input 3x100000x100000 has more than 2,147,483,647 elements"),
        Expect(DiagnosticDescriptors.TooLarge, 1, "[Network] Height = 2,000,000 is over the limit of 1,048,576"));

    [Fact]
    public Task Module_problems_are_reported_in_the_module_and_where_it_is_used() => NetworkAnalyzerTest.VerifyAsync("""
        using ConvForge;

        [NetworkModule]
        public partial class Block
        {
            [Conv(WidthFactor = 2, Kernel = 3, Padding = 1), BatchNorm] public partial Layer Conv { get; }
            [Add({|#0:nameof(Conv), "Shortcut"|})]                       public partial Layer Sum { get; }
        }

        [Network(Channels = 3, Height = 8, Width = 8)]
        public partial class Net
        {
            [{|#1:Module(typeof(Block), Width = 4)|}] public partial Layer Block1 { get; }
        }
        """,
        Expect(DiagnosticDescriptors.UnknownReference, 0, "Block.Sum: there is no layer named 'Shortcut' in module Block"),
        Expect(DiagnosticDescriptors.UnknownReference, 1, "Block.Sum: there is no layer named 'Shortcut' in module Block (in module Block, used by Block1)"));
}
