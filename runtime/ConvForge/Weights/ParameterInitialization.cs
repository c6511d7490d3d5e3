using System;
using System.Collections.Generic;

namespace ConvForge;

/// <summary>How a parameter tensor is filled from a seed.</summary>
public enum ParameterInitialization
{
    /// <summary>Every element 0: biases, BatchNorm's beta and running mean.</summary>
    Zeros,
    /// <summary>Every element 1: BatchNorm's gamma and running variance.</summary>
    Ones,
    /// <summary>
    /// He (Kaiming) normal, fan-in mode: N(0, gain^2 / fanIn) with gain sqrt(2) for ReLU and ReLU6 and
    /// sqrt(2 / (1 + slope^2)) for LeakyReLU. For weights whose output reaches a ReLU-family activation.
    /// </summary>
    HeNormal,
    /// <summary>Xavier (Glorot) uniform: U(-a, a) with a = sqrt(6 / (fanIn + fanOut)). For the other weights.</summary>
    XavierUniform,
}

/// <summary>The initialization chosen for one parameter tensor.</summary>
/// <param name="Scheme">The distribution.</param>
/// <param name="FanIn">Inputs feeding each output: in/groups * kh * kw for a convolution, in for a dense layer.</param>
/// <param name="FanOut">out * kh * kw for a convolution, out for a dense layer (PyTorch's convention).</param>
/// <param name="Gain">The He gain (1 for the other schemes).</param>
public readonly record struct ParameterInitializationPlan(ParameterInitialization Scheme, int FanIn, int FanOut, double Gain)
{
    /// <summary>The standard deviation of the values this plan draws.</summary>
    public double StandardDeviation => Scheme switch
    {
        ParameterInitialization.HeNormal => Gain / Math.Sqrt(FanIn),
        ParameterInitialization.XavierUniform => Math.Sqrt(2.0 / (FanIn + FanOut)),   // a / sqrt(3)
        _ => 0,
    };
}

/// <summary>Chooses each parameter's initialization from the graph: what its node is and what reads it.</summary>
internal static class InitializationPlanner
{
    public static Dictionary<string, ParameterInitializationPlan> Plan(NetworkDefinition network)
    {
        var consumers = Consumers(network);
        var plans = new Dictionary<string, ParameterInitializationPlan>(StringComparer.Ordinal);
        foreach (var node in network.Nodes)
        {
            switch (node.Kind)
            {
                case OpKind.Conv:
                case OpKind.Dense:
                {
                    var weight = node.Weight!;
                    var receptive = 1;
                    for (var i = 2; i < weight.Shape.Count; i++)
                        receptive *= weight.Shape[i];
                    var fanIn = weight.Shape[1] * receptive;
                    var fanOut = weight.Shape[0] * receptive;
                    var gain = ReluGain(network, consumers, network.IndexOf(node.Name));
                    plans[weight.Name] = gain is double g
                        ? new ParameterInitializationPlan(ParameterInitialization.HeNormal, fanIn, fanOut, g)
                        : new ParameterInitializationPlan(ParameterInitialization.XavierUniform, fanIn, fanOut, 1);
                    if (node.Bias is { } bias)
                        plans[bias.Name] = new ParameterInitializationPlan(ParameterInitialization.Zeros, 0, 0, 1);
                    break;
                }
                case OpKind.BatchNorm:
                    plans[node.Gamma!.Name] = new ParameterInitializationPlan(ParameterInitialization.Ones, 0, 0, 1);
                    plans[node.Beta!.Name] = new ParameterInitializationPlan(ParameterInitialization.Zeros, 0, 0, 1);
                    plans[node.RunningMean!.Name] = new ParameterInitializationPlan(ParameterInitialization.Zeros, 0, 0, 1);
                    plans[node.RunningVar!.Name] = new ParameterInitializationPlan(ParameterInitialization.Ones, 0, 0, 1);
                    break;
            }
        }
        return plans;
    }

    /// <summary>
    /// The He gain when the first activation on some path from <paramref name="start"/>'s output is
    /// ReLU-family, looking through the nodes that do not change the sign pattern's meaning
    /// (BatchNorm, pooling, Dropout, Flatten, joins); null when no such path exists.
    /// </summary>
    private static double? ReluGain(NetworkDefinition network, List<int>[] consumers, int start)
    {
        var seen = new bool[network.Nodes.Count];
        var pending = new Stack<int>();
        pending.Push(start);
        while (pending.Count > 0)
        {
            foreach (var next in consumers[pending.Pop()])
            {
                if (seen[next])
                    continue;
                seen[next] = true;
                var node = network.Nodes[next];
                switch (node.Kind)
                {
                    case OpKind.Relu:
                    case OpKind.Relu6:
                        return Math.Sqrt(2.0);
                    case OpKind.LeakyRelu:
                        return Math.Sqrt(2.0 / (1 + node.Slope * node.Slope));
                    case OpKind.BatchNorm:
                    case OpKind.Dropout:
                    case OpKind.Flatten:
                    case OpKind.MaxPool:
                    case OpKind.AvgPool:
                    case OpKind.GlobalAvgPool:
                    case OpKind.GlobalMaxPool:
                    case OpKind.Concat:
                    case OpKind.Add:
                    case OpKind.ChannelScale:
                        pending.Push(next);
                        break;
                }
            }
        }
        return null;
    }

    private static List<int>[] Consumers(NetworkDefinition network)
    {
        var consumers = new List<int>[network.Nodes.Count];
        for (var i = 0; i < consumers.Length; i++)
            consumers[i] = new List<int>();
        for (var i = 0; i < consumers.Length; i++)
        {
            foreach (var input in network.Nodes[i].Inputs)
                consumers[input].Add(i);
        }
        return consumers;
    }
}
