using System;
using System.Linq;
using ConvForge.Kernels;
using ConvForge.Runtime.Tests.Onnx;

namespace ConvForge.Runtime.Tests.Execution;

/// <summary>
/// The generated forward pass against the scalar reference interpreter, on every test network with every
/// kernel family (forced per instance), on parameters that make every fold and bias count. Tolerance:
/// max |actual - reference| &lt;= 1e-4 * max |reference| (<see cref="OnnxRuntimeHarness.RelativeTolerance"/>).
/// </summary>
public class ForwardCorrectnessTests
{
    [Theory]
    [MemberData(nameof(TestNetwork.NamesAndFamilies), MemberType = typeof(TestNetwork))]
    public void Forward_matches_the_reference_interpreter(string name, KernelFamily family)
    {
        var network = TestNetwork.All[name];
        var instance = network.Create();
        instance.UseKernels(family);
        var parameters = OnnxRuntimeHarness.TestParameters(network.Definition, seed: 7);
        parameters.CopyTo(instance.Parameters.GetWritableValues());
        var input = OnnxRuntimeHarness.RandomValues(2 * network.InputLength, seed: 11);

        var expected = ReferenceInterpreter.Run(network.Definition, parameters, input, batch: 2);
        var batched = instance.Run(input, batchSize: 2);
        OnnxRuntimeHarness.AssertClose(expected, batched, $"{name} on {family}, batch of 2");

        // One image at a time gives the same floats as the batch (the arena is reused per image).
        var single = instance.Run(input.AsSpan(0, network.InputLength).ToArray());
        Assert.Equal(batched.AsSpan(0, network.OutputLength).ToArray(), single);
    }

    [Theory]
    [MemberData(nameof(TestNetwork.Names), MemberType = typeof(TestNetwork))]
    public void Every_kernel_family_gives_the_same_output(string name)
    {
        var network = TestNetwork.All[name];
        var input = OnnxRuntimeHarness.RandomValues(network.InputLength, seed: 3);
        var parameters = OnnxRuntimeHarness.TestParameters(network.Definition, seed: 5);
        var outputs = Enum.GetValues<KernelFamily>().ToDictionary(family => family, family =>
        {
            var instance = network.Create();
            instance.UseKernels(family);
            Assert.Equal(family, instance.KernelFamily);
            parameters.CopyTo(instance.Parameters.GetWritableValues());
            return instance.Run(input);
        });

        var portable = outputs[KernelFamily.Portable];
        foreach (var (family, output) in outputs)
            OnnxRuntimeHarness.AssertClose(portable, output, $"{name}: {family} against portable");
    }

    [Fact]
    public void A_new_instance_runs_the_best_family_with_parameters_from_seed_0()
    {
        var instance = new JoinNet();
        Assert.Equal(KernelFamilies.Best, instance.KernelFamily);
        var seeded = new ParameterStore(JoinNet.Definition);
        seeded.Initialize(0);
        Assert.Equal(seeded.Values.ToArray(), instance.Parameters.Values.ToArray());
    }

    [Fact]
    public void Changed_parameters_are_repacked_before_the_next_forward()
    {
        var network = TestNetwork.All[nameof(EveryLayerNet)];
        var instance = network.Create();
        var input = OnnxRuntimeHarness.RandomValues(network.InputLength, seed: 21);
        var before = instance.Run(input);

        instance.InitializeParameters(99);
        var after = instance.Run(input);
        var expected = ReferenceInterpreter.Run(instance.Parameters, input);
        OnnxRuntimeHarness.AssertClose(expected, after, "after InitializeParameters(99)");
        Assert.NotEqual(before, after);

        // A write through a span kept from earlier counts once MarkChanged says so.
        var weights = instance.Parameters.GetWritableTensor("Mix.Weight");
        _ = instance.Run(input);
        weights.Fill(0.01f);
        instance.Parameters.MarkChanged();
        OnnxRuntimeHarness.AssertClose(ReferenceInterpreter.Run(instance.Parameters, input), instance.Run(input), "after MarkChanged");
    }

    [Fact]
    public void Switching_families_back_and_forth_keeps_the_results()
    {
        var network = TestNetwork.All[nameof(JoinNet)];
        var instance = network.Create();
        var input = OnnxRuntimeHarness.RandomValues(network.InputLength, seed: 8);
        var expected = ReferenceInterpreter.Run(instance.Parameters, input);
        foreach (var family in new[] { KernelFamily.Avx512, KernelFamily.Portable, KernelFamily.Avx2, KernelFamily.Avx512 })
        {
            instance.UseKernels(family);
            OnnxRuntimeHarness.AssertClose(expected, instance.Run(input), $"after UseKernels({family})");
        }
    }
}
