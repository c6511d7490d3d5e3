using System.Threading.Tasks;
using ConvForge.CodeFixes;
using ConvForge.Generators.Analysis;
using ConvForge.Generators.Tests.Analysis;
using Microsoft.CodeAnalysis.Testing;

namespace ConvForge.Generators.Tests.CodeFixes;

public class MakePartialCodeFixTests
{
    private static DiagnosticResult NotPartial(int markupKey) => AnalyzerTestSetup.Diagnostic(DiagnosticDescriptors.NetworkNotPartial, markupKey);

    [Fact]
    public Task Adds_partial_after_the_other_modifiers() => ConvForgeCodeFixTest<MakePartialCodeFixProvider>.VerifyAsync("""
        using ConvForge;

        /// <summary>A small network.</summary>
        [Network(Channels = 3, Height = 32, Width = 32)]
        public sealed class {|#0:TinyNet|}
        {
            [Conv(16, Kernel = 3, Padding = 1), Relu] public Layer {|CF0003:Conv1|} => null!;
        }
        """, """
        using ConvForge;

        /// <summary>A small network.</summary>
        [Network(Channels = 3, Height = 32, Width = 32)]
        public sealed partial class TinyNet
        {
            [Conv(16, Kernel = 3, Padding = 1), Relu] public Layer {|CF0003:Conv1|} => null!;
        }
        """,
        NotPartial(0));

    [Fact]
    public Task Without_modifiers_partial_takes_the_keywords_place_and_its_comments() => ConvForgeCodeFixTest<MakePartialCodeFixProvider>.VerifyAsync("""
        using ConvForge;

        namespace Zoo
        {
            [NetworkModule]
            /* a module */ class {|#0:Block|}
            {
                [Relu] public partial Layer {|CS0751:Out|} { get; }
            }
        }
        """, """
        using ConvForge;

        namespace Zoo
        {
            [NetworkModule]
            /* a module */ partial class Block
            {
                [Relu] public partial Layer Out { get; }
            }
        }
        """,
        NotPartial(0));

    [Fact]
    public Task Fix_all_makes_every_class_partial_including_containers() => ConvForgeCodeFixTest<MakePartialCodeFixProvider>.VerifyAsync("""
        using ConvForge;

        internal static class {|#0:Zoo|}
        {
            [NetworkModule]
            internal class {|#1:Block|}
            {
                [Conv(WidthFactor = 1, Kernel = 3, Padding = 1), Relu] public partial Layer {|CS0751:Conv|} { get; }
            }

            [Network(Channels = 3, Height = 16, Width = 16)]
            public class {|#2:Net|}
            {
                [Module(typeof(Block), Width = 8)] public partial Layer {|CS0751:Block1|} { get; }
                [GlobalAvgPool]                    public partial Layer {|CS0751:Output|} { get; }
            }
        }
        """, """
        using ConvForge;

        internal static partial class Zoo
        {
            [NetworkModule]
            internal partial class Block
            {
                [Conv(WidthFactor = 1, Kernel = 3, Padding = 1), Relu] public partial Layer Conv { get; }
            }

            [Network(Channels = 3, Height = 16, Width = 16)]
            public partial class Net
            {
                [Module(typeof(Block), Width = 8)] public partial Layer Block1 { get; }
                [GlobalAvgPool]                    public partial Layer Output { get; }
            }
        }
        """,
        NotPartial(0), NotPartial(1), NotPartial(2));
}
