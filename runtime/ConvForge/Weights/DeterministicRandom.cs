using System;

namespace ConvForge;

/// <summary>
/// A small random generator whose sequence is fixed for a given seed on every platform and .NET
/// version: SplitMix64 (Steele, Lea and Flood 2014) for the bits, and normal variates from
/// Marsaglia's polar method with a logarithm computed here from IEEE additions, multiplications
/// and divisions only (the platform's Math.Log may differ in the last bit between C libraries).
/// </summary>
/// <remarks>A mutable struct: pass it by reference. Not for cryptography.</remarks>
public struct DeterministicRandom
{
    private const double Ln2 = 0.6931471805599453;   // the double nearest ln 2
    private const double Sqrt2 = 1.4142135623730951;
    private ulong state;
    private double spareNormal;
    private bool hasSpareNormal;

    /// <summary>A generator that starts from <paramref name="seed"/>.</summary>
    public DeterministicRandom(ulong seed)
    {
        state = seed;
        spareNormal = 0;
        hasSpareNormal = false;
    }

    /// <summary>
    /// A generator for one named stream (a parameter tensor, say) under a seed: its sequence depends
    /// only on the seed and the name, so adding or renaming other streams leaves it unchanged.
    /// </summary>
    public static DeterministicRandom ForStream(ulong seed, string name)
    {
        if (name is null)
            throw new ArgumentNullException(nameof(name));
        // FNV-1a over the UTF-16 code units, then one SplitMix step to spread it.
        var hash = 14695981039346656037UL;
        foreach (var c in name)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        var mix = new DeterministicRandom(seed ^ hash);
        return new DeterministicRandom(mix.NextUInt64());
    }

    /// <summary>The next 64 random bits (SplitMix64).</summary>
    public ulong NextUInt64()
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform double in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double NextDouble(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>A uniform integer in [0, <paramref name="exclusiveMax"/>).</summary>
    public int NextInt(int exclusiveMax)
    {
        if (exclusiveMax <= 0)
            throw new ArgumentOutOfRangeException(nameof(exclusiveMax), "The bound must be positive.");
        // Lemire's multiply-shift; the bias is below 2^-32 for int bounds, irrelevant here.
        return (int)(((NextUInt64() >> 32) * (ulong)exclusiveMax) >> 32);
    }

    /// <summary>A standard normal variate (mean 0, standard deviation 1).</summary>
    public double NextGaussian()
    {
        if (hasSpareNormal)
        {
            hasSpareNormal = false;
            return spareNormal;
        }
        double u, v, s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        }
        while (s >= 1 || s == 0);
        var factor = Math.Sqrt(-2 * Log(s) / s);   // IEEE square root is correctly rounded everywhere
        spareNormal = v * factor;
        hasSpareNormal = true;
        return u * factor;
    }

    /// <summary>
    /// The natural logarithm of a positive normal double, from arithmetic alone so the result is the
    /// same on every platform: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), and
    /// ln m = 2 atanh((m - 1) / (m + 1)) summed as a series (|t| &lt; 0.172, 12 terms reach 1e-18).
    /// </summary>
    public static double Log(double x)
    {
        if (!(x > 0) || double.IsInfinity(x))
            throw new ArgumentOutOfRangeException(nameof(x), "Log is defined here for positive finite numbers.");
        var bits = BitConverter.DoubleToInt64Bits(x);
        var exponent = (int)((bits >> 52) & 0x7FF);
        if (exponent == 0)
        {
            // Subnormal: scale into the normal range first.
            return Log(x * 18014398509481984.0) - 54 * Ln2;   // 2^54
        }
        exponent -= 1023;
        var m = BitConverter.Int64BitsToDouble((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L);
        if (m >= Sqrt2)
        {
            m *= 0.5;
            exponent++;
        }
        var t = (m - 1) / (m + 1);
        var t2 = t * t;
        // Horner over 1 + t2/3 + t2^2/5 + ... + t2^11/23, highest term first.
        var series = 1.0 / 23;
        for (var k = 21; k >= 1; k -= 2)
            series = series * t2 + 1.0 / k;
        return 2 * t * series + exponent * Ln2;
    }
}
