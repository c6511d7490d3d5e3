using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using ConvForge.Kernels;
using ConvForge.Parity.Tests.Infrastructure;

namespace ConvForge.Parity.Tests;

/// <summary>
/// Failures the random networks found, each minimised by hand to the smallest declaration that still fails,
/// and kept here so they stay checked whatever seeds a run uses. Same check as the other parity tests:
/// max abs error &lt;= 1e-4 x max |ORT| (<see cref="OnnxParity.RelativeTolerance"/>), one image and a batch.
/// </summary>
public sealed class RegressionNetworkTests
{
    private const string Namespace = "ConvForge.Parity.Regressions";

    /// <summary>Name, what the random search found it with, declaration.</summary>
    private static readonly (string Name, string FoundBy, string Declaration)[] s_cases =
    {
        // 5 + 1 + 1 - 2 = 5 and ceil(5 / 2) + 1 = 4 windows, but the 4th would start at 6 = 5 + 1, in the end
        // padding, so it is dropped (PyTorch's and ONNX Runtime's kernels agree): 3x3. ONNX's shape inference
        // says 4x4; once ONNX Runtime's Conv + BatchNormalization fusion (ORT_ENABLE_BASIC and above) re-infers
        // the shapes, the Add's inputs disagree and the session refused the exported model ("Incompatible
        // dimensions"); the same layers on a 3x10x20 input, where no window is dropped, loaded. The exporter
        // now writes such a pool in floor mode with just enough end padding.
        ("CeilMaxPoolDroppingItsLastWindowThenConvBatchNormAdd", "seeds 3037, 4034 and 16020", """
            [Network(Channels = 1, Height = 5, Width = 5)]
            public partial class CeilMaxPoolDroppingItsLastWindowThenConvBatchNormAdd
            {
                [MaxPool(2, Padding = 1, CeilMode = true)]                 public partial Layer Pool { get; }
                [Conv(1, Kernel = 1, Bias = false), BatchNorm, Relu]       public partial Layer Branch { get; }
                [Add(nameof(Pool))]                                        public partial Layer Sum { get; }
            }
            """),
        // The same with average pooling, found inside a ResNet bottleneck.
        ("CeilAvgPoolDroppingItsLastWindowThenConvBatchNormAdd", "seed 13018", """
            [Network(Channels = 1, Height = 5, Width = 5)]
            public partial class CeilAvgPoolDroppingItsLastWindowThenConvBatchNormAdd
            {
                [AvgPool(2, Padding = 1, CeilMode = true)]                 public partial Layer Pool { get; }
                [Conv(1, Kernel = 1, Bias = false), BatchNorm, Relu]       public partial Layer Branch { get; }
                [Add(nameof(Pool))]                                        public partial Layer Sum { get; }
            }
            """),
    };

    private static readonly Lazy<(Assembly? Assembly, string Errors)> s_compiled = new(() => TestTimeCompiler.Compile(
        s_cases.Select(c => (c.Name + ".cs", "using ConvForge;\n\nnamespace " + Namespace + ";\n\n" + c.Declaration)).ToList(),
        Namespace));

    public static IEnumerable<object[]> Cases =>
        from c in s_cases
        from family in OnnxParity.TestedFamilies
        select new object[] { c.Name, family };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Minimised_network_matches_onnx_runtime(string name, KernelFamily family)
    {
        var (assembly, errors) = s_compiled.Value;
        Assert.True(assembly is not null, "The regression networks do not compile:\n" + errors);
        var found = s_cases.Single(c => c.Name == name);
        OnnxParity.AssertMatchesOnnxRuntime(assembly!.GetType(Namespace + "." + name, throwOnError: true)!, family, seed: 1,
            $"{name} (found by {found.FoundBy})\n{found.Declaration}");
    }
}
