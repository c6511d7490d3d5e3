using System;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ConvForge.Kernels;

/// <summary>The instruction-set families the kernels come in; all share one contract (<see cref="IKernelFamily"/>).</summary>
public enum KernelFamily
{
    /// <summary>Scalar code, blocks of 8 channels: runs anywhere (<see cref="PortableKernels"/>).</summary>
    Portable,
    /// <summary>AVX2 + FMA, Vector256, blocks of 8 channels (<see cref="Avx2Kernels"/>).</summary>
    Avx2,
    /// <summary>AVX-512F, Vector512, blocks of 16 channels (<see cref="Avx512Kernels"/>).</summary>
    Avx512,
}

// A family is its operations; the kernels themselves are IFamilyKernels' members, which each struct
// below inherits. Generated code and users name these structs as type arguments (TKernels).

/// <summary>The AVX-512 kernel family: NCHWc blocks of 16 channels, Vector512 and Avx512F, a 14-pixel x 2-block register tile. See <see cref="IKernelFamily"/> for the members.</summary>
public readonly struct Avx512Kernels : IFamilyKernels<Vector512<float>, Avx512Ops>;

/// <summary>The AVX2 + FMA kernel family: NCHWc blocks of 8 channels, Vector256 and Fma, a 6-pixel x 2-block register tile. See <see cref="IKernelFamily"/> for the members.</summary>
public readonly struct Avx2Kernels : IFamilyKernels<Vector256<float>, Avx2Ops>;

/// <summary>The portable kernel family: NCHWc blocks of 8 channels in plain scalar code, correct on any CPU and with hardware intrinsics off. See <see cref="IKernelFamily"/> for the members.</summary>
public readonly struct PortableKernels : IFamilyKernels<float, ScalarOps>;

/// <summary>Which family this process uses, decided once.</summary>
public static class KernelFamilies
{
    /// <summary>
    /// Environment variable that caps the family: "portable", "avx2" or "avx512". It can only lower
    /// the choice (asking for an unsupported family is ignored). The runtime's own switches work too:
    /// DOTNET_EnableAVX512=0 leaves AVX2, DOTNET_EnableHWIntrinsic=0 leaves the portable path.
    /// </summary>
    public const string OverrideVariable = "CONVFORGE_KERNELS";

    /// <summary>The fastest supported family, capped by <see cref="OverrideVariable"/>; read once per process.</summary>
    public static KernelFamily Best { get; } = Choose(Environment.GetEnvironmentVariable(OverrideVariable));

    /// <summary>True when this machine and runtime run <paramref name="family"/> with hardware acceleration.</summary>
    public static bool IsSupported(KernelFamily family) => family switch
    {
        KernelFamily.Avx512 => Avx512F.IsSupported && Vector512.IsHardwareAccelerated,
        KernelFamily.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        _ => true,
    };

    /// <summary>Channels per NCHWc block in <paramref name="family"/>: 16 for AVX-512, 8 otherwise.</summary>
    public static int BlockSize(KernelFamily family) => family == KernelFamily.Avx512 ? 16 : 8;

    /// <summary>The fastest supported family, lowered to <paramref name="cap"/> ("portable", "avx2", "avx512") when that is lower; other values are ignored.</summary>
    public static KernelFamily Choose(string? cap)
    {
        var best = IsSupported(KernelFamily.Avx512) ? KernelFamily.Avx512
            : IsSupported(KernelFamily.Avx2) ? KernelFamily.Avx2
            : KernelFamily.Portable;
        KernelFamily? limit = cap?.Trim().ToLowerInvariant() switch
        {
            "portable" => KernelFamily.Portable,
            "avx2" => KernelFamily.Avx2,
            "avx512" => KernelFamily.Avx512,
            _ => null,
        };
        return limit is { } l && l < best ? l : best;
    }
}
