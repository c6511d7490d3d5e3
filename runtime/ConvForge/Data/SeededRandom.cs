namespace ConvForge.Data;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a tiny generator whose whole state is one 64-bit word, so a
/// stream can be keyed by (seed, epoch, image) and recreated anywhere without carrying state along. Its
/// output depends only on this code, not on the .NET version (System.Random's seeded algorithm is not a
/// documented contract).
/// </summary>
internal struct SeededRandom
{
    private ulong state;

    public SeededRandom(ulong state) => this.state = state;

    /// <summary>A generator keyed by up to three numbers; different keys give unrelated streams.</summary>
    public static SeededRandom For(long a, long b = 0, long c = 0)
    {
        var key = Mix((ulong)a + 0x9E3779B97F4A7C15UL);
        key = Mix(key ^ (ulong)b);
        key = Mix(key ^ (ulong)c);
        return new SeededRandom(key);
    }

    public ulong NextUInt64()
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    /// <summary>Uniform in [0, <paramref name="bound"/>), by Lemire's multiply-shift (bias below 2^-32 for the bounds used here).</summary>
    public int Next(int bound) => (int)(((NextUInt64() >> 32) * (ulong)(uint)bound) >> 32);

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
