using System.Collections.Generic;

namespace ConvForge.Compiler.Graph;

/// <summary>
/// A network with every module expanded into primitive nodes, in a topological order, with shapes
/// inferred. Node 0 is the input; the last node is the output.
/// </summary>
/// <param name="Name">The network class's name.</param>
/// <param name="Nodes">Every node; inputs come before the nodes that read them.</param>
/// <param name="LayerOutputs">For each Layer property, in declaration order, the index of the node whose output it names.</param>
public sealed record NetworkGraph(string Name, EquatableArray<Node> Nodes, EquatableArray<LayerOutput> LayerOutputs)
{
    public Node Input => Nodes[0];
    public Node Output => Nodes[Nodes.Count - 1];

    public IEnumerable<ParameterDef> Parameters
    {
        get
        {
            foreach (var node in Nodes)
            {
                foreach (var parameter in node.Parameters)
                    yield return parameter;
            }
        }
    }

    public long TrainableParameterCount
    {
        get
        {
            long count = 0;
            foreach (var node in Nodes)
                count += node.TrainableParameterCount;
            return count;
        }
    }

    /// <summary>Elements of non-trainable state (BatchNorm running statistics).</summary>
    public long NonTrainableParameterCount
    {
        get
        {
            long count = 0;
            foreach (var node in Nodes)
            {
                foreach (var parameter in node.Parameters)
                {
                    if (!parameter.Trainable)
                        count += parameter.Length;
                }
            }
            return count;
        }
    }

    /// <summary>Sum of every node's output bytes for one image (fp32), the input included.</summary>
    public long ActivationBytes
    {
        get
        {
            long bytes = 0;
            foreach (var node in Nodes)
                bytes += node.ActivationBytes;
            return bytes;
        }
    }

    /// <summary>The node whose output the Layer property <paramref name="name"/> names, or null.</summary>
    public Node? FindLayer(string name)
    {
        foreach (var layer in LayerOutputs)
        {
            if (layer.Name == name)
                return Nodes[layer.OutputNode];
        }
        return null;
    }

    /// <summary>The node named <paramref name="name"/> ("Fire2.Squeeze"), or null.</summary>
    public Node? FindNode(string name)
    {
        foreach (var node in Nodes)
        {
            if (node.Name == name)
                return node;
        }
        return null;
    }

    public long Macs
    {
        get
        {
            long macs = 0;
            foreach (var node in Nodes)
                macs += node.Macs;
            return macs;
        }
    }
}

/// <summary>A Layer property and the node whose output it names; <paramref name="FirstNode"/>..<paramref name="OutputNode"/> are its nodes.</summary>
public sealed record LayerOutput(string Name, int FirstNode, int OutputNode);
