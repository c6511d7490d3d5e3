using System;
using System.Collections.Generic;

namespace ConvForge;

/// <summary>
/// One named parameter tensor of a network (for example "Conv1.Weight", shape [64, 3, 3, 3]) and
/// where it lives in the network's flat parameter buffer.
/// </summary>
public sealed class ParameterInfo
{
    /// <summary>
    /// Declares a tensor of a node without placing it: the <see cref="NetworkDefinition"/> the node goes into places it
    /// after the tensors before it (in graph order) and marks it trainable or not by its role. Until then
    /// <see cref="Offset"/> is -1. Generated code declares its parameters this way.
    /// </summary>
    public ParameterInfo(string name, params int[] shape)
        : this(name, shape, Unplaced, trainable: true)
    {
    }

    /// <summary>Creates a parameter description placed at <paramref name="offset"/>.</summary>
    public ParameterInfo(string name, int[] shape, int offset, bool trainable)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Shape = shape ?? throw new ArgumentNullException(nameof(shape));
        Offset = offset;
        Trainable = trainable;
        var length = 1;
        foreach (var dim in shape)
            length = checked(length * dim);
        Length = length;
    }

    /// <summary>The tensor's name: the layer name, a dot, and the role (Weight, Bias, Gamma, Beta, RunningMean, RunningVar).</summary>
    public string Name { get; }
    /// <summary>The tensor's shape: [out, in / groups, kh, kw] for convolutions, [out, in] for dense layers, [channels] otherwise.</summary>
    public IReadOnlyList<int> Shape { get; }
    internal const int Unplaced = -1;

    /// <summary>Offset in floats in the flat parameter buffer; -1 for a tensor declared but not placed yet.</summary>
    public int Offset { get; }
    /// <summary>Whether a network has placed it in its parameter buffer.</summary>
    internal bool IsPlaced => Offset != Unplaced;

    /// <summary>Number of floats.</summary>
    public int Length { get; }
    /// <summary>False for statistics such as BatchNorm's running mean and variance, which are state, not learned.</summary>
    public bool Trainable { get; }

    /// <summary>"Conv1.Weight [64, 3, 3, 3] @0".</summary>
    public override string ToString() => FormattableString.Invariant($"{Name} [{string.Join(", ", Shape)}] @{Offset}");
}
