using System;
using System.Collections.Generic;
using ConvForge.Execution;
using ConvForge.Kernels;

namespace ConvForge.Runtime.Tests.Execution;

/// <summary>A generated network class of this assembly: its definition and a way to create instances.</summary>
public sealed class TestNetwork
{
    private readonly Func<IGeneratedNetwork> create;

    private TestNetwork(string name, NetworkDefinition definition, IReadOnlyList<ForwardStepInfo> forwardSteps, Func<IGeneratedNetwork> create)
    {
        Name = name;
        Definition = definition;
        ForwardSteps = forwardSteps;
        this.create = create;
    }

    public string Name { get; }
    public NetworkDefinition Definition { get; }
    public IReadOnlyList<ForwardStepInfo> ForwardSteps { get; }
    public int InputLength => Definition.InputShape.Length;
    public int OutputLength => Definition.OutputShape.Length;

    /// <summary>A new instance (parameters from seed 0, the best kernel family).</summary>
    public IGeneratedNetwork Create() => create();

    public override string ToString() => Name;

    private static TestNetwork Of<T>() where T : IGeneratedNetwork, IGeneratedNetworkType, new() => new(typeof(T).Name, T.Definition, T.ForwardSteps, () => new T());

    /// <summary>The test networks by name.</summary>
    public static IReadOnlyDictionary<string, TestNetwork> All { get; } = new Dictionary<string, TestNetwork>
    {
        [nameof(EveryLayerNet)] = Of<EveryLayerNet>(),
        [nameof(JoinNet)] = Of<JoinNet>(),
        [nameof(ModuleNet)] = Of<ModuleNet>(),
        [nameof(DenseOnlyNet)] = Of<DenseOnlyNet>(),
    };

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in All.Keys)
            data.Add(name);
        return data;
    }

    public static TheoryData<string, KernelFamily> NamesAndFamilies()
    {
        var data = new TheoryData<string, KernelFamily>();
        foreach (var name in All.Keys)
        {
            foreach (var family in Enum.GetValues<KernelFamily>())
                data.Add(name, family);
        }
        return data;
    }
}

/// <summary>Running a network on test data.</summary>
public static class NetworkRuns
{
    /// <summary>The outputs for <paramref name="input"/> (batch x input length floats), in a new array.</summary>
    public static float[] Run(this IGeneratedNetwork network, float[] input, int batchSize = 1)
    {
        var output = new float[batchSize * network.Parameters.Network.OutputShape.Length];
        network.Forward(input, output, batchSize);
        return output;
    }
}
