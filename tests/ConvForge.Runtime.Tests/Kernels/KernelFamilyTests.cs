using System;
using ConvForge.Kernels;

namespace ConvForge.Runtime.Tests.Kernels;

public class KernelFamilyTests
{
    [Fact]
    public void The_override_can_only_lower_the_choice()
    {
        var best = KernelFamilies.Choose(null);
        Assert.Equal(KernelFamily.Portable, KernelFamilies.Choose("portable"));
        Assert.Equal(best < KernelFamily.Avx2 ? best : KernelFamily.Avx2, KernelFamilies.Choose(" AVX2 "));
        Assert.Equal(best, KernelFamilies.Choose("avx512"));
        Assert.Equal(best, KernelFamilies.Choose("something else"));
    }

    [Fact]
    public void Best_follows_the_hardware_and_the_environment()
    {
        var expected = KernelFamilies.Choose(Environment.GetEnvironmentVariable(KernelFamilies.OverrideVariable));
        Assert.Equal(expected, KernelFamilies.Best);
        Assert.True(KernelFamilies.IsSupported(KernelFamilies.Best));
        // DOTNET_EnableAVX512=0 and DOTNET_EnableHWIntrinsic=0 reach here through IsSupported.
        if (Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0")
            Assert.Equal(KernelFamily.Portable, KernelFamilies.Best);
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
            Assert.NotEqual(KernelFamily.Avx512, KernelFamilies.Best);
    }

    [Fact]
    public void Each_family_struct_reports_its_own_family()
    {
        Check<Avx512Kernels>(KernelFamily.Avx512);
        Check<Avx2Kernels>(KernelFamily.Avx2);
        Check<PortableKernels>(KernelFamily.Portable);

        static void Check<TKernels>(KernelFamily family) where TKernels : struct, IKernelFamily
        {
            Assert.Equal(family, TKernels.Family);
            Assert.Equal(KernelFamilies.BlockSize(family), TKernels.BlockSize);
            Assert.Equal(KernelFamilies.IsSupported(family), TKernels.IsSupported);
        }
    }
}
