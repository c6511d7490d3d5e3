using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ConvForge.Parity.Tests.Infrastructure;
using ConvForge.Samples;

namespace ConvForge.Parity.Tests;

/// <summary>
/// Every sample network exported to ONNX (<c>ExportOnnx</c>) and read back by structure
/// (<see cref="OnnxWeights"/>) into a fresh instance: the parameters come back bit for bit, although the
/// exporter writes its own graph (Flatten before Gemm, Reshape before Mul, Clip for ReLU6, Identity for
/// Dropout) and the importer ignores the initializers' names.
/// </summary>
public sealed class OnnxImportRoundTripTests
{
    public static IEnumerable<object[]> Samples => new[]
    {
        typeof(Nin), typeof(SqueezeNet11), typeof(GoogLeNet), typeof(ResNet18), typeof(ResNet50), typeof(TinyResidualNet), typeof(FashionNin), typeof(NinFashion), typeof(ResNet18Cntk),
    }.Select(type => new object[] { type.Name });

    public static IEnumerable<object[]> Seeds => RandomNetworkSuite.Seeds.Select(seed => new object[] { seed });

    [Theory]
    [MemberData(nameof(Samples))]
    public void Exported_weights_load_back_into_a_fresh_instance_unchanged(string sample)
    {
        AssertRoundTrip(typeof(ResNet18).Assembly.GetType("ConvForge.Samples." + sample, throwOnError: true)!, sample);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_networks_round_trip_too(ulong seed)
    {
        var compiled = RandomNetworkSuite.Get(seed);
        if (compiled.Type is null)
            Assert.Fail($"{compiled.Network} does not compile:\n{compiled.Errors}");
        AssertRoundTrip(compiled.Type!, compiled.Network + "\n" + compiled.Network.Source);
    }

    private static void AssertRoundTrip(Type type, string sample)
    {
        var source = new GeneratedNetwork(type);
        OnnxParity.SetTestParameters(source, seed: 77);
        var model = source.ExportOnnx();

        var target = new GeneratedNetwork(type);
        Assert.False(target.Parameters.Values.SequenceEqual(source.Parameters.Values), "the fresh instance must start from other weights");
        var version = target.Parameters.Version;
        var matches = target.Parameters.LoadOnnx(new MemoryStream(model));

        Assert.Equal(version + 1, target.Parameters.Version);
        foreach (var parameter in source.Parameters.Parameters)
            Assert.True(source.Parameters.GetTensor(parameter).SequenceEqual(target.Parameters.GetTensor(parameter.Name)), $"{sample}: {parameter.Name} differs after the round trip.");
        Assert.All(matches, match => Assert.NotEmpty(match.OnnxNodes));
        Assert.All(matches, match => Assert.Null(match.Note));
    }
}
