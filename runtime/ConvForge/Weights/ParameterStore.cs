using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace ConvForge;

/// <summary>
/// Owns a network's parameters: one float array laid out as the network's
/// <see cref="ParameterInfo"/> offsets say, with access to each tensor by name.
/// </summary>
/// <remarks>
/// Every write access (<see cref="GetWritableTensor(string)"/>, <see cref="GetWritableValues"/>,
/// <see cref="SetTensor(string, ReadOnlySpan{float})"/>, <see cref="Initialize"/>, loading) increases
/// <see cref="Version"/>, so a forward pass that repacks weights into its kernels' layout compares the
/// version it packed with the current one and repacks once after any change. Code that keeps a
/// writable span and writes through it later calls <see cref="MarkChanged"/>.
/// Not thread-safe: reads may run concurrently with each other, writes must not overlap anything.
/// </remarks>
public sealed class ParameterStore
{
    private readonly float[] values;
    private Dictionary<string, ParameterInitializationPlan>? plans;

    /// <summary>A store for <paramref name="network"/>'s parameters, all zero until initialized or loaded.</summary>
    public ParameterStore(NetworkDefinition network)
    {
        Network = network ?? throw new ArgumentNullException(nameof(network));
        values = new float[network.ParameterLength];
    }

    /// <summary>The network whose parameters these are.</summary>
    public NetworkDefinition Network { get; }
    /// <summary>Every parameter tensor, in node order.</summary>
    public IReadOnlyList<ParameterInfo> Parameters => Network.Parameters;
    /// <summary>Floats in the buffer.</summary>
    public int Length => values.Length;
    /// <summary>Increases on every write access; equal versions mean equal contents.</summary>
    public long Version { get; private set; }
    /// <summary>The whole buffer, read-only.</summary>
    public ReadOnlySpan<float> Values => values;

    /// <summary>The whole buffer for writing; counts as a change.</summary>
    public Span<float> GetWritableValues()
    {
        Version++;
        return values;
    }

    /// <summary>Records a change made through a writable span obtained earlier.</summary>
    public void MarkChanged() => Version++;

    /// <summary>The parameter named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The network has no such parameter.</exception>
    public ParameterInfo GetParameter(string name) =>
        Network.FindParameter(name)
        ?? throw new ArgumentException($"Network {Network.Name} has no parameter named {name}.", nameof(name));

    /// <summary>Whether the network has a parameter named <paramref name="name"/>.</summary>
    public bool Contains(string name) => Network.FindParameter(name) is not null;

    /// <summary>The tensor named <paramref name="name"/>, read-only.</summary>
    public ReadOnlySpan<float> GetTensor(string name) => Slice(GetParameter(name));

    /// <summary>The tensor <paramref name="parameter"/> (one of this network's), read-only.</summary>
    public ReadOnlySpan<float> GetTensor(ParameterInfo parameter) => Slice(Own(parameter));

    /// <summary>The tensor named <paramref name="name"/> for writing; counts as a change.</summary>
    public Span<float> GetWritableTensor(string name)
    {
        var span = Slice(GetParameter(name));
        Version++;
        return span;
    }

    /// <summary>The tensor <paramref name="parameter"/> for writing; counts as a change.</summary>
    public Span<float> GetWritableTensor(ParameterInfo parameter)
    {
        var span = Slice(Own(parameter));
        Version++;
        return span;
    }

    /// <summary>Copies <paramref name="source"/> into the tensor named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The lengths differ; the message gives both.</exception>
    public void SetTensor(string name, ReadOnlySpan<float> source)
    {
        var parameter = GetParameter(name);
        if (source.Length != parameter.Length)
            throw new ArgumentException(
                FormattableString.Invariant($"{name} [{string.Join(", ", parameter.Shape)}] holds {parameter.Length} floats but {source.Length} were given."),
                nameof(source));
        source.CopyTo(Slice(parameter));
        Version++;
    }

    /// <summary>
    /// Copies every tensor of <paramref name="source"/> whose name and shape this network also has: how a trunk
    /// loaded into one declaration (e.g. a pretrained model's, at its input size) moves into another that shares its
    /// layers and adds a new head. Tensors only one side has are left alone.
    /// </summary>
    /// <returns>The names copied, in this network's parameter order.</returns>
    /// <exception cref="ArgumentException">A tensor has the same name on both sides but another shape; the message gives both.</exception>
    public IReadOnlyList<string> CopyMatchingTensors(ParameterStore source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var copied = new List<string>();
        foreach (var parameter in Parameters)
        {
            var other = source.Network.FindParameter(parameter.Name);
            if (other is null)
                continue;
            if (!parameter.Shape.SequenceEqual(other.Shape))
                throw new ArgumentException(FormattableString.Invariant(
                    $"{parameter.Name} is [{string.Join(", ", parameter.Shape)}] in {Network.Name} but [{string.Join(", ", other.Shape)}] in {source.Network.Name}."), nameof(source));
            source.GetTensor(other).CopyTo(Slice(parameter));
            copied.Add(parameter.Name);
        }
        if (copied.Count > 0)
            Version++;
        return copied;
    }

    /// <summary>How <see cref="Initialize"/> fills the tensor named <paramref name="name"/>.</summary>
    public ParameterInitializationPlan GetInitializationPlan(string name)
    {
        var parameter = GetParameter(name);
        plans ??= InitializationPlanner.Plan(Network);
        return plans[parameter.Name];
    }

    /// <summary>
    /// Fills every tensor from <paramref name="seed"/>: He normal for weights whose output reaches a
    /// ReLU-family activation, Xavier uniform for other weights, biases 0, BatchNorm gamma 1, beta 0,
    /// running mean 0, running variance 1. Each tensor's values depend only on the seed, its name and
    /// its shape, and are the same on every platform.
    /// </summary>
    public void Initialize(ulong seed)
    {
        plans ??= InitializationPlanner.Plan(Network);
        foreach (var parameter in Parameters)
        {
            var plan = plans[parameter.Name];
            var tensor = Slice(parameter);
            switch (plan.Scheme)
            {
                case ParameterInitialization.Zeros:
                    tensor.Clear();
                    break;
                case ParameterInitialization.Ones:
                    tensor.Fill(1f);
                    break;
                case ParameterInitialization.HeNormal:
                {
                    var random = DeterministicRandom.ForStream(seed, parameter.Name);
                    var std = plan.StandardDeviation;
                    for (var i = 0; i < tensor.Length; i++)
                        tensor[i] = (float)(std * random.NextGaussian());
                    break;
                }
                case ParameterInitialization.XavierUniform:
                {
                    var random = DeterministicRandom.ForStream(seed, parameter.Name);
                    var limit = Math.Sqrt(6.0 / (plan.FanIn + plan.FanOut));
                    for (var i = 0; i < tensor.Length; i++)
                        tensor[i] = (float)random.NextDouble(-limit, limit);
                    break;
                }
            }
        }
        Version++;
    }

    /// <summary>Writes the parameters to <paramref name="path"/> in the safetensors format.</summary>
    public void Save(string path) => SafeTensors.Save(this, path);

    /// <summary>Writes the parameters to <paramref name="stream"/> in the safetensors format.</summary>
    public void Save(Stream stream) => SafeTensors.Save(this, stream);

    /// <summary>Reads the parameters from a safetensors file; see <see cref="SafeTensors.Load(ParameterStore, string, SafeTensorsLoadOptions?)"/>.</summary>
    public void Load(string path, SafeTensorsLoadOptions? options = null) => SafeTensors.Load(this, path, options);

    /// <summary>Reads the parameters from safetensors data; see <see cref="SafeTensors.Load(ParameterStore, Stream, SafeTensorsLoadOptions?)"/>.</summary>
    public void Load(Stream stream, SafeTensorsLoadOptions? options = null) => SafeTensors.Load(this, stream, options);

    /// <summary>Replaces every value at once (the loader's last step, after all checks passed).</summary>
    internal void ReplaceAll(ReadOnlySpan<float> source)
    {
        source.CopyTo(values);
        Version++;
    }

    private Span<float> Slice(ParameterInfo parameter) => values.AsSpan(parameter.Offset, parameter.Length);

    private ParameterInfo Own(ParameterInfo parameter)
    {
        if (parameter is null)
            throw new ArgumentNullException(nameof(parameter));
        var own = Network.FindParameter(parameter.Name);
        if (own is null || !ReferenceEquals(own, parameter) && (own.Offset != parameter.Offset || own.Length != parameter.Length))
            throw new ArgumentException($"{parameter} is not a parameter of network {Network.Name}.", nameof(parameter));
        return own;
    }
}
