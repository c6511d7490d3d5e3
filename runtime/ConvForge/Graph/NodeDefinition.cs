using System;
using System.Collections.Generic;

namespace ConvForge;

/// <summary>
/// One primitive node of a network's expanded graph, as generated code describes it at run time:
/// what it computes, which nodes it reads, its output shape, its settings and its parameters.
/// Settings that do not apply to <see cref="Kind"/> keep their defaults.
/// </summary>
/// <remarks>
/// Parameters come in a fixed order: Conv and Dense [Weight, Bias] (Bias only when the node has
/// one); BatchNorm [Gamma, Beta, RunningMean, RunningVar]; no other kind has parameters.
/// A node is checked on its own here, and against the nodes it reads by <see cref="NetworkDefinition"/>.
/// </remarks>
public sealed class NodeDefinition
{
    private readonly int[] inputs;
    private readonly ParameterInfo[] parameters;

    /// <summary>Describes a node; generated code calls this once per node, with named arguments for the settings.</summary>
    /// <param name="name">Stable node name, e.g. "Fire2.Squeeze"; parameter names derive from it.</param>
    /// <param name="kind">What the node computes.</param>
    /// <param name="inputs">Indexes of the nodes it reads, in order (empty for the input node).</param>
    /// <param name="output">Output shape for one image.</param>
    /// <param name="window">Kernel geometry of Conv, MaxPool and AvgPool.</param>
    /// <param name="groups">Channel groups of Conv (other kinds: 1, or 0 for "not applicable").</param>
    /// <param name="parameters">
    /// The node's parameter tensors, in the order of the remarks: declared (<c>new ParameterInfo("Conv1.Weight", 64, 3, 7, 7)</c>),
    /// which the <see cref="NetworkDefinition"/> places after the tensors of the nodes before, or already placed.
    /// </param>
    /// <param name="epsilon">BatchNorm: added to the variance.</param>
    /// <param name="slope">LeakyRelu: the slope for negative inputs.</param>
    /// <param name="rate">Dropout: the probability that an input is zeroed while training.</param>
    /// <param name="lrnSize">Lrn: channels in the window.</param>
    /// <param name="lrnAlpha">Lrn: scale.</param>
    /// <param name="lrnBeta">Lrn: exponent.</param>
    /// <param name="lrnK">Lrn: additive constant.</param>
    /// <param name="countIncludePad">AvgPool: whether padded zeros count in the divisor.</param>
    public NodeDefinition(
        string name,
        OpKind kind,
        int[] inputs,
        TensorShape output,
        KernelWindow window = default,
        int groups = 1,
        ParameterInfo[]? parameters = null,
        double epsilon = 0,
        double slope = 0,
        double rate = 0,
        int lrnSize = 0,
        double lrnAlpha = 0,
        double lrnBeta = 0,
        double lrnK = 0,
        bool countIncludePad = false)
    {
        Name = string.IsNullOrEmpty(name) ? throw new ArgumentException("A node needs a name.", nameof(name)) : name;
        Kind = kind;
        this.inputs = inputs ?? throw new ArgumentNullException(nameof(inputs));
        Output = output;
        Window = window;
        // Kinds without groups may say 0 (the compiler core's "not applicable") or 1.
        Groups = kind != OpKind.Conv && groups == 0 ? 1 : groups;
        this.parameters = parameters ?? Array.Empty<ParameterInfo>();
        Epsilon = epsilon;
        Slope = slope;
        Rate = rate;
        LrnSize = lrnSize;
        LrnAlpha = lrnAlpha;
        LrnBeta = lrnBeta;
        LrnK = lrnK;
        CountIncludePad = countIncludePad;
        Validate();
    }

    /// <summary>Stable node name: the property's name for a layer's output, "Fire2.Squeeze" inside modules.</summary>
    public string Name { get; }
    /// <summary>What the node computes.</summary>
    public OpKind Kind { get; }
    /// <summary>Indexes of the nodes it reads, in order; each comes before this node.</summary>
    public IReadOnlyList<int> Inputs => inputs;
    /// <summary>Output shape for one image.</summary>
    public TensorShape Output { get; }
    /// <summary>Output channels (Conv) or units (Dense): <c>Output.Channels</c>.</summary>
    public int Channels => Output.Channels;
    /// <summary>Kernel geometry of Conv, MaxPool and AvgPool; default otherwise.</summary>
    public KernelWindow Window { get; }
    /// <summary>Channel groups of Conv (1 for the other kinds).</summary>
    public int Groups { get; }
    /// <summary>The node's parameter tensors (see the remarks for their order).</summary>
    public IReadOnlyList<ParameterInfo> Parameters => parameters;
    /// <summary>Conv and Dense: whether a bias is learned.</summary>
    public bool HasBias => (Kind == OpKind.Conv || Kind == OpKind.Dense) && parameters.Length == 2;
    /// <summary>BatchNorm: added to the variance before the square root.</summary>
    public double Epsilon { get; }
    /// <summary>LeakyRelu: the slope for negative inputs.</summary>
    public double Slope { get; }
    /// <summary>Dropout: the probability that an input is zeroed while training.</summary>
    public double Rate { get; }
    /// <summary>Lrn: channels in the window.</summary>
    public int LrnSize { get; }
    /// <summary>Lrn: scale of the sum of squares.</summary>
    public double LrnAlpha { get; }
    /// <summary>Lrn: exponent.</summary>
    public double LrnBeta { get; }
    /// <summary>Lrn: additive constant.</summary>
    public double LrnK { get; }
    /// <summary>AvgPool: whether padded zeros count in the divisor.</summary>
    public bool CountIncludePad { get; }

    /// <summary>Conv and Dense: the weight tensor; null for the other kinds.</summary>
    public ParameterInfo? Weight => Kind is OpKind.Conv or OpKind.Dense ? parameters[0] : null;
    /// <summary>Conv and Dense: the bias tensor, when the node has one.</summary>
    public ParameterInfo? Bias => HasBias ? parameters[1] : null;
    /// <summary>BatchNorm: the learned scale.</summary>
    public ParameterInfo? Gamma => Kind == OpKind.BatchNorm ? parameters[0] : null;
    /// <summary>BatchNorm: the learned shift.</summary>
    public ParameterInfo? Beta => Kind == OpKind.BatchNorm ? parameters[1] : null;
    /// <summary>BatchNorm: the running mean (state, not trained by gradient).</summary>
    public ParameterInfo? RunningMean => Kind == OpKind.BatchNorm ? parameters[2] : null;
    /// <summary>BatchNorm: the running variance (state, not trained by gradient).</summary>
    public ParameterInfo? RunningVar => Kind == OpKind.BatchNorm ? parameters[3] : null;

    /// <summary>What the node computes, as the model summary and the compiler core word it: "Conv 3x3/2 pad 1", "Concat".</summary>
    public string Operation => ShapeRules.Describe(Kind, Window, Groups, LrnSize);

    /// <summary>"Conv1: Conv 3x3/2 pad 1 -> 64x112x112".</summary>
    public override string ToString() => Name + ": " + Operation + " -> " + Output.ToString();

    /// <summary>The same node with its parameters placed in a network's buffer.</summary>
    internal NodeDefinition WithParameters(ParameterInfo[] placed) =>
        new(Name, Kind, inputs, Output, Window, Groups, placed, Epsilon, Slope, Rate, LrnSize, LrnAlpha, LrnBeta, LrnK, CountIncludePad);

    // Checks what can be checked without the nodes this one reads; NetworkDefinition checks the rest.
    private void Validate()
    {
        if (Output.Channels <= 0 || Output.Height <= 0 || Output.Width <= 0)
            throw Invalid($"has an empty output shape {Output}");
        foreach (var parameter in parameters)
        {
            if (parameter is null)
                throw Invalid($"has a null parameter");
        }

        var (minInputs, maxInputs) = Kind switch
        {
            OpKind.Input => (0, 0),
            OpKind.Concat => (1, int.MaxValue),
            OpKind.Add => (2, int.MaxValue),
            OpKind.ChannelScale => (2, 2),
            _ => (1, 1),
        };
        if (inputs.Length < minInputs || inputs.Length > maxInputs)
        {
            var expected = minInputs == maxInputs ? minInputs.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : maxInputs == int.MaxValue ? FormattableString.Invariant($"at least {minInputs}")
                : FormattableString.Invariant($"{minInputs} to {maxInputs}");
            throw Invalid($"has {inputs.Length} inputs; a {Kind} node takes {expected}");
        }

        var expectedParameters = Kind switch
        {
            OpKind.Conv or OpKind.Dense => parameters.Length is 1 or 2 ? parameters.Length : -1,
            OpKind.BatchNorm => 4,
            _ => 0,
        };
        if (parameters.Length != expectedParameters)
        {
            var what = Kind switch
            {
                OpKind.Conv or OpKind.Dense => "a weight and an optional bias",
                OpKind.BatchNorm => "4 (gamma, beta, running mean, running variance)",
                _ => "none",
            };
            throw Invalid($"has {parameters.Length} parameters; a {Kind} node takes {what}");
        }

        if (Kind is OpKind.Conv or OpKind.MaxPool or OpKind.AvgPool)
        {
            var w = Window;
            if (w.KernelHeight <= 0 || w.KernelWidth <= 0 || w.StrideHeight <= 0 || w.StrideWidth <= 0
                || w.DilationHeight <= 0 || w.DilationWidth <= 0)
                throw Invalid($"has window {w}; kernel, stride and dilation must be at least 1");
            if (w.PadTop < 0 || w.PadLeft < 0 || w.PadBottom < 0 || w.PadRight < 0)
                throw Invalid($"has negative padding in window {w}");
            if (Kind == OpKind.Conv && w.CeilMode)
                throw Invalid($"has window {w}; ceil mode applies to pooling only");
            if (Kind != OpKind.Conv && (w.PadTop >= w.SpanHeight || w.PadBottom >= w.SpanHeight
                || w.PadLeft >= w.SpanWidth || w.PadRight >= w.SpanWidth))
                throw Invalid($"has window {w}: pooling padding must be smaller than the window, or some windows would hold padding only");
        }
        else if (Window != default)
        {
            throw Invalid($"has a window but a {Kind} node has none");
        }

        if (Kind == OpKind.Conv ? Groups <= 0 : Groups != 1)
            throw Invalid($"has {Groups} groups");

        switch (Kind)
        {
            case OpKind.BatchNorm when !(Epsilon > 0):
                throw Invalid($"has epsilon {Epsilon}; it must be positive");
            case OpKind.LeakyRelu when !double.IsFinite(Slope):
                throw Invalid($"has slope {Slope}");
            case OpKind.Dropout when !(Rate >= 0 && Rate < 1):
                throw Invalid($"has rate {Rate}; it must be in [0, 1)");
            case OpKind.Lrn when LrnSize <= 0 || !double.IsFinite(LrnAlpha) || !double.IsFinite(LrnBeta) || !(LrnK > 0) || double.IsInfinity(LrnK):
                throw Invalid($"has size {LrnSize}, alpha {LrnAlpha}, beta {LrnBeta}, k {LrnK}; size must be at least 1 and k positive");
        }
    }

    private ArgumentException Invalid(FormattableString problem) =>
        new(FormattableString.Invariant($"Node {Name} ({Kind}) ") + FormattableString.Invariant(problem) + ".");
}
