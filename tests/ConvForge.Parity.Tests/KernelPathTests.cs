using System;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ConvForge.Kernels;
using ConvForge.Parity.Tests.Infrastructure;
using ConvForge.Samples;
using Xunit.Abstractions;

namespace ConvForge.Parity.Tests;

/// <summary>
/// Which paths the parity tests exercise: tests/run-all.sh runs this project three times, with the machine's
/// default (AVX-512 where the hardware has it), DOTNET_EnableAVX512=0 (AVX2) and DOTNET_EnableHWIntrinsic=0
/// (portable), and these tests check that each switch really selects the path it names, so a green run
/// means that path was tested. Each run prints its families in the test log.
/// </summary>
public sealed class KernelPathTests(ITestOutputHelper output)
{
    [Fact]
    public void A_new_instance_runs_the_best_family_the_runtime_allows()
    {
        var network = new GeneratedNetwork(typeof(TinyResidualNet));
        output.WriteLine($"Kernel families in this process: {string.Join(", ", OnnxParity.Families)}; a new instance runs {network.KernelFamily}.");
        Assert.Equal(KernelFamilies.Best, network.KernelFamily);
        // CONVFORGE_KERNELS may cap the default below what the hardware has.
        if (Environment.GetEnvironmentVariable(KernelFamilies.OverrideVariable) is null)
            Assert.Equal(OnnxParity.Families[0], network.KernelFamily);
    }

    [Fact]
    public void The_runtime_switches_select_the_path_they_name()
    {
        var avx2 = Avx2.IsSupported && Fma.IsSupported;
        output.WriteLine($"DOTNET_EnableAVX512={Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") ?? "(unset)"}, "
            + $"DOTNET_EnableHWIntrinsic={Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") ?? "(unset)"}: "
            + $"the parity tests run on {string.Join(", ", OnnxParity.Families)}"
            + (OnnxParity.EmulatedFamilies.Count > 0 ? $", and on {string.Join(", ", OnnxParity.EmulatedFamilies)} emulated in software." : "."));
        if (Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0")
            Assert.Equal(new[] { KernelFamily.Portable }, OnnxParity.TestedFamilies);
        else if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
            Assert.Equal(avx2 ? new[] { KernelFamily.Avx2, KernelFamily.Portable } : new[] { KernelFamily.Portable }, OnnxParity.TestedFamilies);
        else if (Avx512F.IsSupported && Vector512.IsHardwareAccelerated)
            Assert.Equal(new[] { KernelFamily.Avx512, KernelFamily.Avx2, KernelFamily.Portable }, OnnxParity.TestedFamilies);
        else if (avx2)
            Assert.Equal(new[] { KernelFamily.Avx2, KernelFamily.Portable, KernelFamily.Avx512 }, OnnxParity.TestedFamilies);
    }

    [Fact]
    public void UseKernels_forces_a_family_on_one_instance_only()
    {
        var family = KernelFamilies.Best == KernelFamily.Portable ? KernelFamily.Avx2 : KernelFamily.Portable;
        var forced = new GeneratedNetwork(typeof(TinyResidualNet));
        var other = new GeneratedNetwork(typeof(TinyResidualNet));
        forced.UseKernels(family);
        Assert.Equal(family, forced.KernelFamily);
        Assert.Equal(KernelFamilies.Best, other.KernelFamily);
    }
}
