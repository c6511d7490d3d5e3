using System;
using System.Linq;

namespace ConvForge.Runtime.Tests.Weights;

public sealed class DeterministicRandomTests
{
    [Fact]
    public void SplitMix64_gives_the_reference_sequence_for_seed_1234567()
    {
        // The first outputs of Vigna's reference splitmix64.c seeded with 1234567.
        var random = new DeterministicRandom(1234567);
        var expected = new[] { 6457827717110365317UL, 3203168211198807973UL, 9817491932198370423UL, 4593380528125082431UL, 16408922859458223821UL };
        Assert.Equal(expected, expected.Select(_ => random.NextUInt64()).ToArray());
    }

    [Theory]
    [InlineData(1e-300)]
    [InlineData(1e-20)]
    [InlineData(0.001)]
    [InlineData(0.5)]
    [InlineData(0.70710678)]
    [InlineData(0.70710679)]
    [InlineData(0.999999)]
    [InlineData(1.0)]
    [InlineData(1.4142135)]
    [InlineData(2.0)]
    [InlineData(12345.678)]
    [InlineData(4.9e-324)]   // the smallest subnormal
    public void Log_agrees_with_Math_Log_to_1e_15_relative(double x)
    {
        var ours = DeterministicRandom.Log(x);
        var platform = Math.Log(x);
        Assert.True(Math.Abs(ours - platform) <= 1e-15 * Math.Max(Math.Abs(platform), 1),
            $"Log({x}) = {ours:R}, Math.Log = {platform:R}.");
    }

    [Fact]
    public void Log_is_accurate_across_many_random_arguments()
    {
        var random = new DeterministicRandom(99);
        double worst = 0;
        for (var i = 0; i < 100_000; i++)
        {
            var x = Math.Pow(2, random.NextDouble(-60, 60));
            var error = Math.Abs(DeterministicRandom.Log(x) - Math.Log(x)) / Math.Max(Math.Abs(Math.Log(x)), 1);
            worst = Math.Max(worst, error);
        }
        Assert.True(worst < 1e-15, $"Worst relative error {worst:G3}.");
    }

    [Fact]
    public void Gaussian_variates_have_mean_0_and_variance_1()
    {
        var random = new DeterministicRandom(2024);
        const int count = 400_000;
        double sum = 0, squares = 0, fourth = 0;
        for (var i = 0; i < count; i++)
        {
            var z = random.NextGaussian();
            sum += z;
            squares += z * z;
            fourth += z * z * z * z;
        }
        var mean = sum / count;
        var variance = squares / count - mean * mean;
        // Standard errors: mean 1/sqrt(n) = 0.0016, variance sqrt(2/n) = 0.0022; allow 4 of them.
        Assert.InRange(mean, -0.0064, 0.0064);
        Assert.InRange(variance, 1 - 0.009, 1 + 0.009);
        Assert.InRange(fourth / count, 3 - 0.1, 3 + 0.1);   // kurtosis of a normal distribution
    }

    [Fact]
    public void Uniform_doubles_stay_in_range_and_integers_cover_their_range()
    {
        var random = new DeterministicRandom(5);
        var seen = new bool[7];
        for (var i = 0; i < 10_000; i++)
        {
            var u = random.NextDouble();
            Assert.InRange(u, 0.0, 0.9999999999999999);
            seen[random.NextInt(7)] = true;
        }
        Assert.All(seen, Assert.True);
    }

    [Fact]
    public void Streams_depend_on_seed_and_name_only()
    {
        var a = DeterministicRandom.ForStream(1, "Conv1.Weight");
        var b = DeterministicRandom.ForStream(1, "Conv1.Weight");
        var otherName = DeterministicRandom.ForStream(1, "Conv2.Weight");
        var otherSeed = DeterministicRandom.ForStream(2, "Conv1.Weight");
        var first = a.NextUInt64();
        Assert.Equal(first, b.NextUInt64());
        Assert.NotEqual(first, otherName.NextUInt64());
        Assert.NotEqual(first, otherSeed.NextUInt64());
    }
}
