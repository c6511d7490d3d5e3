using System;
using System.Collections.Generic;
using System.Linq;
using ConvForge.Kernels;
using ConvForge.Parity.Tests.Infrastructure;
using ConvForge.Samples;

namespace ConvForge.Parity.Tests;

/// <summary>
/// Every sample network, on every kernel family this process runs (<see cref="OnnxParity.TestedFamilies"/>),
/// against ONNX Runtime on the same weights and input: max abs error &lt;= 1e-4 x max |ORT|
/// (<see cref="OnnxParity.RelativeTolerance"/>), for one image and for a batch of <see cref="OnnxParity.BatchSize"/>.
/// </summary>
public sealed class SampleParityTests
{
    private static readonly Dictionary<string, Type> s_samples = new[]
    {
        typeof(Nin), typeof(SqueezeNet11), typeof(GoogLeNet), typeof(ResNet18), typeof(ResNet50), typeof(TinyResidualNet), typeof(FashionNin), typeof(NinFashion), typeof(ResNet18Fashion),
    }.ToDictionary(type => type.Name);

    public static IEnumerable<object[]> Cases =>
        from sample in s_samples.Keys
        from family in OnnxParity.TestedFamilies
        select new object[] { sample, family };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sample_matches_onnx_runtime(string sample, KernelFamily family)
    {
        OnnxParity.AssertMatchesOnnxRuntime(s_samples[sample], family, seed: 2026, sample);
    }
}
