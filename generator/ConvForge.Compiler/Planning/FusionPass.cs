using System.Collections.Generic;
using System.Linq;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Planning;

/// <summary>A run of graph nodes that one kernel computes: a head node plus what was fused into it.</summary>
internal sealed class FusedGroup
{
    public FusedGroup(Node head) => Head = head;

    public Node Head { get; }
    public Node? BatchNorm { get; set; }
    public Node? Add { get; set; }
    /// <summary>The graph node whose value the Add adds to the convolution's.</summary>
    public int ResidualNode { get; set; } = -1;
    public Node? Activation { get; set; }

    /// <summary>The node whose value the group produces.</summary>
    public Node Tail => Activation ?? Add ?? BatchNorm ?? Head;

    public IEnumerable<Node> Nodes
    {
        get
        {
            yield return Head;
            if (BatchNorm is not null)
                yield return BatchNorm;
            if (Add is not null)
                yield return Add;
            if (Activation is not null)
                yield return Activation;
        }
    }
}

/// <summary>Pass 1: which nodes run inside another node's kernel.</summary>
internal static class FusionPass
{
    public static List<FusedGroup> Run(NetworkGraph graph)
    {
        var consumers = Consumers(graph);
        var output = graph.Nodes.Count - 1;
        var absorbed = new bool[graph.Nodes.Count];
        var groups = new List<FusedGroup>();

        foreach (var node in graph.Nodes)
        {
            if (node.Kind == OpKind.Input || absorbed[node.Index])
                continue;
            var group = new FusedGroup(node);
            groups.Add(group);

            if (node.Kind != OpKind.Conv && node.Kind != OpKind.Add)
                continue;

            // Each fusion needs the value it swallows to have no other reader and not be the network's output.
            Node? Next(Node tail) =>
                tail.Index != output && consumers[tail.Index].Count == 1 && !absorbed[consumers[tail.Index][0]]
                    ? graph.Nodes[consumers[tail.Index][0]]
                    : null;

            if (node.Kind == OpKind.Conv)
            {
                if (Next(group.Tail) is { Kind: OpKind.BatchNorm } bn)
                {
                    group.BatchNorm = bn;
                    absorbed[bn.Index] = true;
                }
                if (Next(group.Tail) is { Kind: OpKind.Add } add && add.Inputs.Count == 2 && add.Inputs[0] != add.Inputs[1])
                {
                    var residual = add.Inputs[0] == group.Tail.Index ? add.Inputs[1] : add.Inputs[0];
                    group.Add = add;
                    group.ResidualNode = residual;
                    absorbed[add.Index] = true;
                }
            }
            if (Next(group.Tail) is { } act && IsActivation(act.Kind))
            {
                group.Activation = act;
                absorbed[act.Index] = true;
            }
        }
        return groups;
    }

    public static bool IsActivation(OpKind kind) => kind is OpKind.Relu or OpKind.Relu6 or OpKind.LeakyRelu or OpKind.Sigmoid;

    public static List<int>[] Consumers(NetworkGraph graph)
    {
        var consumers = new List<int>[graph.Nodes.Count];
        for (var i = 0; i < consumers.Length; i++)
            consumers[i] = new List<int>();
        foreach (var node in graph.Nodes)
        {
            foreach (var input in node.Inputs.Distinct())
                consumers[input].Add(node.Index);
        }
        return consumers;
    }
}

