using System.Collections.Generic;
using System.Linq;

namespace ConvForge.Runtime.Tests.Onnx;

/// <summary>
/// Random convolution and pooling geometries (seeded, so failures reproduce): kernel, stride,
/// per-side padding, dilation, groups, pooling ceil mode and count_include_pad drawn at random, channel
/// counts that are not multiples of 8, odd and even sizes. Each network is exported and compared
/// with the reference interpreter within <see cref="OnnxRuntimeHarness.RelativeTolerance"/>.
/// </summary>
public sealed class RandomWindowParityTests
{
    public static IEnumerable<object[]> Seeds => Enumerable.Range(1, 40).Select(seed => new object[] { seed });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_conv_and_pool_geometry_matches_the_reference(int seed)
    {
        var network = RandomNetwork((ulong)seed, out var description);
        var parameters = OnnxRuntimeHarness.TestParameters(network, (ulong)seed);
        try
        {
            OnnxRuntimeHarness.AssertMatchesReference(network, parameters, batch: 2, inputSeed: (ulong)seed * 31);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException(description + ": " + e.Message);
        }
    }

    private static NetworkDefinition RandomNetwork(ulong seed, out string description)
    {
        var random = new DeterministicRandom(seed);
        int Between(int low, int high) => low + random.NextInt(high - low + 1);

        while (true)
        {
            var groups = new[] { 1, 1, 2, 3 }[random.NextInt(4)];
            var inChannels = groups * Between(1, 3);
            var outChannels = groups * Between(1, 4);
            var input = new TensorShape(inChannels, Between(6, 15), Between(6, 15));
            var conv = new KernelWindow(
                Between(1, 4), Between(1, 4), Between(1, 3), Between(1, 3),
                Between(0, 2), Between(0, 2), Between(0, 2), Between(0, 2),
                Between(1, 2), Between(1, 2), CeilMode: false);
            var convOut = new TensorShape(outChannels, conv.OutputHeight(input.Height), conv.OutputWidth(input.Width));
            if (convOut.Height < 2 || convOut.Width < 2)
                continue;

            var max = random.NextInt(2) == 0;
            var kernelHeight = Between(2, 3);
            var kernelWidth = Between(2, 3);
            // Pooling padding at most half the kernel (PyTorch's rule; ONNX Runtime wants less than the kernel).
            var pool = new KernelWindow(
                kernelHeight, kernelWidth, Between(1, 3), Between(1, 3),
                random.NextInt(kernelHeight / 2 + 1), random.NextInt(kernelWidth / 2 + 1),
                random.NextInt(kernelHeight / 2 + 1), random.NextInt(kernelWidth / 2 + 1),
                max ? Between(1, 2) : 1, max ? Between(1, 2) : 1, random.NextInt(2) == 0);
            if (pool.OutputHeight(convOut.Height) < 1 || pool.OutputWidth(convOut.Width) < 1
                || pool.SpanHeight > convOut.Height || pool.SpanWidth > convOut.Width)
                continue;
            var countIncludePad = random.NextInt(2) == 0;

            var builder = new NetworkBuilder("Random" + seed, input);
            var c = builder.Conv("Conv", builder.Input, outChannels, conv, groups, bias: random.NextInt(2) == 0);
            if (max)
                builder.MaxPool("Pool", c, pool);
            else
                builder.AvgPool("Pool", c, pool, countIncludePad);
            description = $"input {input}, conv {conv} g{groups} -> {outChannels}, {(max ? "max" : "avg")} pool {pool}{(max ? "" : countIncludePad ? " include pad" : " exclude pad")}";
            return builder.Build();
        }
    }
}
