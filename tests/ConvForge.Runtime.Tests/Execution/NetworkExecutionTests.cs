using System;
using System.Collections.Generic;
using ConvForge.Execution;
using ConvForge.Kernels;

namespace ConvForge.Runtime.Tests.Execution;

/// <summary>The run-time glue on its own: buffers per family, staleness of packed weights, checks and the guard.</summary>
public class NetworkExecutionTests
{
    private static readonly NetworkDefinition Tiny = new("Tiny", new TensorShape(2, 3, 3), new NodeDefinition[]
    {
        new("Input", OpKind.Input, Array.Empty<int>(), new TensorShape(2, 3, 3)),
        new("Act", OpKind.Relu, new[] { 0 }, new TensorShape(2, 3, 3)),
    });

    private static ForwardBufferLengths Lengths(KernelFamily family) => family switch
    {
        KernelFamily.Avx512 => new(160, 16, 1),
        KernelFamily.Avx2 => new(80, 8, 1),
        _ => new(72, 4, 1),
    };

    [Fact]
    public void Buffers_follow_the_family_and_are_reallocated_only_when_it_changes()
    {
        var asked = new List<KernelFamily>();
        var execution = new NetworkExecution(Tiny, KernelFamily.Avx2, family => { asked.Add(family); return Lengths(family); });
        Assert.Equal(80, execution.Arena.Length);
        Assert.Equal(8, execution.PackedWeights.Length);

        execution.UseKernels(KernelFamily.Avx2);
        Assert.Equal(new[] { KernelFamily.Avx2 }, asked);

        execution.UseKernels(KernelFamily.Avx512);
        Assert.Equal(KernelFamily.Avx512, execution.Family);
        Assert.Equal(160, execution.Arena.Length);
        Assert.Equal(16, execution.PackedWeights.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => execution.UseKernels((KernelFamily)42));
    }

    [Fact]
    public void Packed_weights_go_stale_when_the_parameters_or_the_family_change()
    {
        var execution = new NetworkExecution(Tiny, KernelFamily.Portable, Lengths);
        Assert.True(execution.PackedWeightsAreStale);
        execution.MarkPacked(execution.Parameters.Version);
        Assert.False(execution.PackedWeightsAreStale);

        execution.Parameters.MarkChanged();
        Assert.True(execution.PackedWeightsAreStale);
        execution.MarkPacked(execution.Parameters.Version);

        execution.UseKernels(KernelFamily.Avx2);
        Assert.True(execution.PackedWeightsAreStale);
    }

    [Fact]
    public void Enter_checks_lengths_before_claiming_and_a_claim_blocks_other_entries()
    {
        var execution = new NetworkExecution(Tiny, KernelFamily.Portable, Lengths);
        var error = Assert.Throws<ArgumentException>(() => execution.Enter(18, 17, 1));
        Assert.Equal("output", error.ParamName);
        Assert.StartsWith("output has 17 floats; Tiny writes 2x3x3 = 18 per image.", error.Message);
        Assert.StartsWith("input has 18 floats; Tiny takes 2x3x3 = 18 per image, 54 for a batch of 3.",
            Assert.Throws<ArgumentException>(() => execution.Enter(18, 54, 3)).Message);

        execution.Enter(36, 36, 2);   // the failed calls did not claim the instance
        Assert.Contains("Tiny", Assert.Throws<InvalidOperationException>(() => execution.Enter(18, 18, 1)).Message);
        Assert.Throws<InvalidOperationException>(() => execution.InitializeParameters(3));
        execution.Exit();
        execution.InitializeParameters(3);
        execution.Enter(18, 18, 1);
        execution.Exit();
    }
}
