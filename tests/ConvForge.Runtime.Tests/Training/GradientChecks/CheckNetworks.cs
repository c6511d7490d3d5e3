using System;
using System.Collections.Generic;
using System.Linq;
using ConvForge.Kernels;
using ConvForge.Runtime.Tests.Execution;
using ConvForge.Training;

namespace ConvForge.Runtime.Tests.Training.GradientChecks;

/// <summary>
/// One network of <see cref="CheckNetworks"/>: its graph, a factory for instances of its generated class, and the
/// trainer's gradients on a batch with a kernel family (<see cref="TrainerGradients.Compute{TNetwork}"/>, nothing frozen)
/// and with frozen nodes (node prefixes, and a node through which everything is frozen).
/// </summary>
public sealed record CheckNetwork(string Name, NetworkDefinition Definition, Func<IGeneratedNetwork> Create,
    Func<KernelFamily, CheckBatch, string[]?, string?, TrainerGradients> ComputeFrozenGradients)
{
    /// <summary>The trainer's gradients with every parameter trained.</summary>
    public TrainerGradients ComputeGradients(KernelFamily family, CheckBatch batch) => ComputeFrozenGradients(family, batch, null, null);
}

/// <summary>The networks the whole-network gradient checks run on (declared in GradientCheckNetworks.cs).</summary>
public static class CheckNetworks
{
    /// <summary>Every check network by name.</summary>
    public static readonly IReadOnlyDictionary<string, CheckNetwork> All = new[]
    {
        Of<MlpConvCheckNet>(), Of<FireCheckNet>(), Of<InceptionCheckNet>(), Of<BasicBlockCheckNet>(), Of<BottleneckCheckNet>(),
        Of<SqueezeExciteCheckNet>(), Of<ModuleCheckNet>(), Of<LrnDenseCheckNet>(), Of<PoolCheckNet>(), Of<ConvFormsCheckNet>(),
        Of<DropoutCheckNet>(), Of<SoftmaxDenseCheckNet>(),
    }.ToDictionary(network => network.Name);

    /// <summary>Every kernel family (each runs on any machine, slowly where the hardware lacks it).</summary>
    public static readonly KernelFamily[] Families = { KernelFamily.Avx512, KernelFamily.Avx2, KernelFamily.Portable };

    /// <summary>Theory data: every network name.</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in All.Keys)
            data.Add(name);
        return data;
    }

    /// <summary>Theory data: every network on every family.</summary>
    public static TheoryData<string, KernelFamily> NamesAndFamilies()
    {
        var data = new TheoryData<string, KernelFamily>();
        foreach (var name in All.Keys)
            foreach (var family in Families)
                data.Add(name, family);
        return data;
    }

    private static CheckNetwork Of<T>() where T : class, IGeneratedNetwork, ITrainableNetwork, new() =>
        new(typeof(T).Name, T.Definition, () => new T(), (family, batch, frozen, through) => TrainerGradients.Compute<T>(family, batch, frozen, through));
}
