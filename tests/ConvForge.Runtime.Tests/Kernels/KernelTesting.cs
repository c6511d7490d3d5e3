using System;
using System.Linq;
using ConvForge.Kernels;

namespace ConvForge.Runtime.Tests.Kernels;

/// <summary>A check written once, generic over the kernel family, and run for each family.</summary>
internal interface IFamilyCheck
{
    void Run<TKernels>() where TKernels : struct, IKernelFamily;
}

internal static class KernelTesting
{
    /// <summary>
    /// Every family, run in this process by calling its methods directly. Where the hardware lacks a
    /// family's instructions (AVX-512 on an AVX2 machine, say), the family still runs through .NET's
    /// software vectors: slower, but the same code paths and results.
    /// </summary>
    public static TheoryData<KernelFamily> Families => new() { KernelFamily.Portable, KernelFamily.Avx2, KernelFamily.Avx512 };

    public static void Run(KernelFamily family, IFamilyCheck check)
    {
        switch (family)
        {
            case KernelFamily.Avx512: check.Run<Avx512Kernels>(); break;
            case KernelFamily.Avx2: check.Run<Avx2Kernels>(); break;
            default: check.Run<PortableKernels>(); break;
        }
    }

    public static float[] RandomArray(int length, int seed, float low = -1f, float high = 1f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
            values[i] = low + (float)random.NextDouble() * (high - low);
        return values;
    }

    /// <summary>
    /// The tolerance of every kernel test: max |actual - expected| &lt;= 1e-4 * max |expected| over the
    /// finite expected values (float accumulation in a different order than the double reference).
    /// A NaN or infinite expected value must be matched exactly: NaN by NaN, +Inf by +Inf.
    /// </summary>
    public const double RelativeTolerance = 1e-4;

    public static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Where(float.IsFinite).DefaultIfEmpty(0f).Max(v => Math.Abs((double)v));
        Assert.True(scale > 0 || expected.Any(v => !float.IsFinite(v)), $"{what}: the reference is all zeros, so the comparison would prove nothing.");
        int worst = 0;
        double worstError = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (!float.IsFinite(expected[i]))
            {
                Assert.True(expected[i].Equals(actual[i]), $"{what}: element {i} is {actual[i]}, expected {expected[i]}.");
                continue;
            }
            double error = Math.Abs((double)actual[i] - expected[i]);
            if (!(error <= worstError))
            {
                worstError = error;
                worst = i;
            }
        }
        Assert.True(worstError <= RelativeTolerance * scale,
            $"{what}: element {worst} is {actual[worst]}, expected {expected[worst]} (error {worstError:g3}, allowed {RelativeTolerance * scale:g3}).");
    }

    /// <summary>
    /// Overwrites some of <paramref name="values"/> with NaN, +Inf and -Inf: every <paramref name="every"/>-th
    /// element from a seeded random start, cycling through the three, so they land in different lanes,
    /// window positions and pixels. Returns <paramref name="values"/>.
    /// </summary>
    public static float[] WithNonFinite(float[] values, int every, int seed = 0)
    {
        float[] specials = { float.NaN, float.PositiveInfinity, float.NegativeInfinity };
        int start = new Random(seed).Next(every);
        for (int i = start, k = 0; i < values.Length; i += every, k++)
            values[i] = specials[k % specials.Length];
        return values;
    }

    /// <summary>Asserts the reference output holds a NaN or an infinity, so a case about them is not vacuous.</summary>
    public static void AssertHasNonFinite(float[] expected) =>
        Assert.True(expected.Any(v => !float.IsFinite(v)), "The reference output holds no NaN or infinity.");

    /// <summary>NCHW to NCHWc by index arithmetic alone (independent of the layout kernels); padding lanes get <paramref name="padding"/>.</summary>
    public static float[] ToBlocked(float[] nchw, int channels, int height, int width, int block, float padding = 0f)
    {
        int plane = height * width;
        int blocks = (channels + block - 1) / block;
        var result = new float[blocks * plane * block];
        for (int c = 0; c < blocks * block; c++)
            for (int p = 0; p < plane; p++)
                result[((c / block) * plane + p) * block + c % block] = c < channels ? nchw[c * plane + p] : padding;
        return result;
    }

    /// <summary>NCHWc to NCHW by index arithmetic; also asserts every padding lane is finite.</summary>
    public static float[] FromBlocked(float[] blocked, int channels, int height, int width, int block)
    {
        int plane = height * width;
        int blocks = (channels + block - 1) / block;
        Assert.Equal(blocks * plane * block, blocked.Length);
        var result = new float[channels * plane];
        for (int c = 0; c < blocks * block; c++)
            for (int p = 0; p < plane; p++)
            {
                float v = blocked[((c / block) * plane + p) * block + c % block];
                if (c < channels)
                    result[c * plane + p] = v;
                else
                    Assert.True(float.IsFinite(v), $"Padding lane of channel {c} at pixel {p} holds {v}.");
            }
        return result;
    }
}
