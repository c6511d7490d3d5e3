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

    /// <summary>The property's name, e.g. "Fire2".</summary>
    public string Name { get; }
    /// <summary>The shape of the layer's output for one image.</summary>
    public TensorShape OutputShape { get; }
    /// <summary>The parameter tensors of this layer, including those of a module's inner layers.</summary>
    public IReadOnlyList<ParameterInfo> Parameters { get; }
    /// <summary>Multiply-accumulates per image.</summary>
    public long Macs { get; }

    /// <summary>"Fire2 16x55x55".</summary>
    public override string ToString() => Name + " " + OutputShape.ToString();
}
