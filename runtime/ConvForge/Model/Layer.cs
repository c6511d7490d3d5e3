using System;
using System.Collections.Generic;

namespace ConvForge;

/// <summary>A named layer of a generated network: its output shape, parameters and cost.</summary>
public sealed class Layer
{
    /// <summary>Creates a layer description; generated code calls this once per layer.</summary>
    public Layer(string name, TensorShape outputShape, IReadOnlyList<ParameterInfo> parameters, long macs)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        OutputShape = outputShape;
        Parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        Macs = macs;
    }

    /// <summary>
    /// The layer made of nodes <paramref name="firstNode"/> to <paramref name="outputNode"/> of <paramref name="definition"/>
    /// (a layer's nodes are consecutive): the output node's shape, their parameters and MACs. Generated code calls this.
    /// </summary>
    public Layer(NetworkDefinition definition, string name, int firstNode, int outputNode)
        : this(name, (definition ?? throw new ArgumentNullException(nameof(definition))).Nodes[outputNode].Output,
            definition.ParametersOf(firstNode, outputNode), SumMacs(definition, firstNode, outputNode))
    {
    }

    /// <summary>The property's name, e.g. "Fire2".</summary>
    public string Name { get; }
    /// <summary>The shape of the layer's output for one image.</summary>
    public TensorShape OutputShape { get; }
    /// <summary>The parameter tensors of this layer, including those of a module's inner layers.</summary>
    public IReadOnlyList<ParameterInfo> Parameters { get; }
    /// <summary>Multiply-accumulates per image.</summary>
    public long Macs { get; }

    private static long SumMacs(NetworkDefinition definition, int firstNode, int outputNode)
    {
        long macs = 0;
        for (var i = firstNode; i <= outputNode; i++)
            macs += definition.MacsOf(i);
        return macs;
    }

    /// <summary>"Fire2 16x55x55".</summary>
    public override string ToString() => Name + " " + OutputShape.ToString();
}
