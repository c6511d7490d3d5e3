using System;
using System.Collections.Generic;
using System.Threading;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Interpretation;

namespace ConvForge.Compiler.Building;

/// <summary>A scope being expanded: the network itself, or one use of a [NetworkModule] class.</summary>
/// <param name="Prefix">Prepended to property names ("" for the network, "Block1" in a module used by Block1).</param>
/// <param name="OutputName">The name the scope's last node takes (the module use's name); null for the network.</param>
/// <param name="TopLayer">The network property the nodes come from (for a module: the property that uses it).</param>
/// <param name="Sites">Where nodes of a module report (the [Module] attribute, collapsed); null in the network.</param>
/// <param name="Width">The width WidthFactor multiplies.</param>
/// <param name="Stack">Metadata names of the modules being expanded, outermost first.</param>
internal sealed record ScopeUse(bool IsNetwork, string Prefix, string? OutputName, string TopLayer, SiteMap? Sites, int Width, string[] Stack)
{
    public static readonly ScopeUse Network = new(true, "", null, "", null, 1, new string[0]);

    /// <summary>Identifies the scope's declaration (not the use), so problems of a module class are reported once.</summary>
    public string DeclarationKey => Stack.Length == 0 ? "" : Stack[Stack.Length - 1];
}

/// <summary>One attribute being expanded: the names its nodes take and where they report.</summary>
/// <param name="OutputName">The name of the node that carries the attribute's output.</param>
/// <param name="PartPrefix">The prefix of a module's inner nodes ("Fire2" gives "Fire2.Squeeze").</param>
/// <param name="ParamPrefix">For a primitive attribute: the prefix of its parameter names.</param>
/// <param name="ReportCollisions">False when the property's name was already reported as bad.</param>
internal sealed record OpSite(
    string OutputName, string PartPrefix, string ParamPrefix, string Layer, SiteMap Sites,
    bool IsModuleInternal, bool ReportCollisions, ScopeUse Use, int LayerIndex, int OpIndex);

/// <summary>
/// Stage 2b: expands the declared layers into primitive nodes in a topological order (declaration
/// order, modules expanded in place), with references mapped to node indexes and the stable names
/// of the brief. Each node's shape is inferred as it is added (by the Shapes stage, handed in),
/// because some expansions depend on their input's channels (a ResNet block's projection shortcut,
/// squeeze-and-excitation's width).
/// </summary>
internal sealed class GraphBuilder
{
    private readonly ModuleCatalog _modules;
    private readonly DiagnosticSink _sink;
    private readonly CancellationToken _cancellationToken;
    private readonly Dictionary<string, int> _nodeByName = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private readonly string _networkName;
    private readonly Action<NodeDraft, IReadOnlyList<NodeDraft>> _shape;

    /// <param name="shape">Infers a node's shape, parameters and cost as it is added (the Shapes stage, which NetworkCompiler hands in).</param>
    public GraphBuilder(string networkName, ModuleCatalog modules, Action<NodeDraft, IReadOnlyList<NodeDraft>> shape, DiagnosticSink sink, CancellationToken cancellationToken)
    {
        _networkName = networkName;
        _shape = shape;
        _modules = modules;
        _sink = sink;
        _cancellationToken = cancellationToken;
    }

    public List<NodeDraft> Nodes { get; } = new();

    /// <summary>One entry per network property, in declaration order.</summary>
    public List<LayerOutput> LayerOutputs { get; } = new();

    /// <summary>True once the node budget ran out (reported); the graph is incomplete.</summary>
    public bool Aborted { get; private set; }

    public void Build(DeclaredScope network, Shape? input)
    {
        Add(new NodeDraft { Name = LayerNames.Input, Layer = LayerNames.Input, Kind = OpKind.Input, Output = input, Sites = SiteMap.Network }, reportCollision: false);
        BuildScope(network, 0, ScopeUse.Network);
    }

    /// <summary>Expands a scope's layers reading <paramref name="scopeInput"/>; returns the last layer's output node.</summary>
    private int BuildScope(DeclaredScope scope, int scopeInput, ScopeUse use)
    {
        var outputs = new int[scope.Layers.Length];
        var previous = scopeInput;
        for (var i = 0; i < scope.Layers.Length; i++)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (Aborted)
                break;
            var layer = scope.Layers[i];
            var property = use.Prefix.Length == 0 ? layer.Name : use.Prefix + "." + layer.Name;
            var topLayer = use.IsNetwork ? layer.Name : use.TopLayer;
            var isScopeOutput = use.OutputName is not null && i == scope.Layers.Length - 1;
            var first = Nodes.Count;
            var current = previous;
            var ops = layer.Ops;
            if (ops.Length == 0)
            {
                var sites = use.Sites ?? new SiteMap(i, -1, false);
                var name = isScopeOutput ? use.OutputName! : property;
                var site = new OpSite(name, name, name, topLayer, sites, !use.IsNetwork, false, use, i, -1);
                current = AddBroken(site, previous);
            }
            var firstParameterised = FirstParameterisedOp(ops);
            for (var j = 0; j < ops.Length && !Aborted; j++)
            {
                var op = ops[j];
                var partPrefix = NodeNaming.ForOp(property, layer.Kinds, j);
                var outputName = isScopeOutput && j == ops.Length - 1 ? use.OutputName! : partPrefix;
                var input = current;
                if (j == 0 && op?.FromRef is LayerRef from)
                    input = from.IsScopeInput ? scopeInput : outputs[from.LayerIndex];
                var site = new OpSite(
                    outputName,
                    partPrefix,
                    j == firstParameterised ? property : NodeNaming.ForParameters(property, layer.Kinds, j),
                    topLayer,
                    use.Sites ?? new SiteMap(i, j, false),
                    IsModuleInternal: !use.IsNetwork,
                    ReportCollisions: layer.NameIsUsable,
                    use,
                    i,
                    j);
                current = ExpandOp(op, input, site, scopeInput, outputs);
            }
            outputs[i] = current;
            previous = current;
            if (use.IsNetwork)
                LayerOutputs.Add(new LayerOutput(layer.Name, first, current));
        }
        return previous;
    }

    /// <summary>
    /// Parameter naming: the first parameterised primitive attribute of a property names its parameters
    /// after the property ("Conv1.Weight"); later ones add their kind ("Conv1.BatchNorm.Gamma"), so a
    /// convolution keeps the same names whether or not a BatchNorm follows it. -1 when a module comes first.
    /// </summary>
    private static int FirstParameterisedOp(LayerOp?[] ops)
    {
        for (var j = 0; j < ops.Length; j++)
        {
            var op = ops[j];
            if (op is null || op.IsModule)
                return -1;
            if (op.HasParameters)
                return j;
        }
        return -1;
    }

    private int ExpandOp(LayerOp? op, int input, OpSite site, int scopeInput, int[] outputs)
    {
        if (op is null || op.HasBadReference)
            return AddBroken(site, input);
        CheckStatedChannels(op, input, site);
        switch (op)
        {
            case ConvOp conv:
            {
                var channels = ResolveWidth(conv.Channels, site);
                if (channels < 0)
                    return AddBroken(site, input);
                var node = NewNode(site, site.OutputName, OpKind.Conv, input);
                node.IsModuleInternal = site.IsModuleInternal;
                node.ParamPrefix = site.ParamPrefix;
                node.Channels = channels;
                node.KernelHeight = conv.KernelHeight;
                node.KernelWidth = conv.KernelWidth;
                node.StrideHeight = conv.StrideHeight;
                node.StrideWidth = conv.StrideWidth;
                node.PadTop = conv.PadTop;
                node.PadLeft = conv.PadLeft;
                node.PadBottom = conv.PadBottom;
                node.PadRight = conv.PadRight;
                node.Same = conv.Same;
                node.DilationHeight = conv.DilationHeight;
                node.DilationWidth = conv.DilationWidth;
                node.Groups = conv.Groups;
                node.Depthwise = conv.Depthwise;
                node.HasBias = conv.Bias;
                return Add(node, site.ReportCollisions);
            }
            case PoolOp pool:
            {
                var node = NewNode(site, site.OutputName, pool.PoolKind, input);
                node.IsModuleInternal = site.IsModuleInternal;
                node.KernelHeight = pool.KernelHeight;
                node.KernelWidth = pool.KernelWidth;
                node.StrideHeight = pool.StrideHeight;
                node.StrideWidth = pool.StrideWidth;
                node.PadTop = pool.PadTop;
                node.PadLeft = pool.PadLeft;
                node.PadBottom = pool.PadBottom;
                node.PadRight = pool.PadRight;
                node.CeilMode = pool.CeilMode;
                node.CountIncludePad = pool.PoolKind == OpKind.AvgPool && pool.CountIncludePad;
                return Add(node, site.ReportCollisions);
            }
            case DenseOp dense:
            {
                var units = ResolveWidth(dense.Units, site);
                if (units <= 0)
                    return AddBroken(site, input);
                var node = NewNode(site, site.OutputName, OpKind.Dense, input);
                node.IsModuleInternal = site.IsModuleInternal;
                node.ParamPrefix = site.ParamPrefix;
                node.Channels = units;
                node.HasBias = dense.Bias;
                node.InFeatures = dense.InFeatures;
                return Add(node, site.ReportCollisions);
            }
            case ElementwiseOp elementwise:
            {
                var node = NewNode(site, site.OutputName, elementwise.Op, input);
                node.IsModuleInternal = site.IsModuleInternal;
                node.ParamPrefix = site.ParamPrefix;
                node.Scalar = elementwise.Scalar;
                node.Scalar2 = elementwise.Scalar2;
                node.Scalar3 = elementwise.Scalar3;
                node.Size = elementwise.Size;
                return Add(node, site.ReportCollisions);
            }
            case JoinOp join:
            {
                int[] inputs;
                if (join.InputRefs.Length == 1)
                {
                    inputs = new[] { input, NodeOf(join.InputRefs[0], scopeInput, outputs) };
                }
                else
                {
                    inputs = new int[join.InputRefs.Length];
                    for (var k = 0; k < inputs.Length; k++)
                        inputs[k] = NodeOf(join.InputRefs[k], scopeInput, outputs);
                }
                var node = NewNode(site, site.OutputName, join.Op, inputs);
                node.IsModuleInternal = site.IsModuleInternal;
                node.IsResidualJoin = join.InputRefs.Length == 1;
                return Add(node, site.ReportCollisions);
            }
            case FireOp fire:
                return BuiltInModules.Fire(this, fire, input, site);
            case InceptionOp inception:
                return BuiltInModules.Inception(this, inception, input, site);
            case MlpConvOp mlpConv:
                return BuiltInModules.MlpConv(this, mlpConv, input, site);
            case BasicBlockOp basicBlock:
                return BuiltInModules.BasicBlock(this, basicBlock, input, site);
            case BottleneckOp bottleneck:
                return BuiltInModules.Bottleneck(this, bottleneck, input, site);
            case SqueezeExciteOp squeezeExcite:
                return BuiltInModules.SqueezeExcite(this, squeezeExcite, input, site);
            case ModuleOp module:
                return ExpandModule(module, input, site);
            default:
                throw new InvalidOperationException("unhandled layer op " + op.GetType().Name);
        }
    }

    private static int NodeOf(LayerRef reference, int scopeInput, int[] outputs)
        => reference.IsScopeInput ? scopeInput : outputs[reference.LayerIndex];

    /// <summary>CF0004 for In: named after the node that reads the input ("Fire4.Squeeze").</summary>
    private void CheckStatedChannels(LayerOp op, int input, OpSite site)
    {
        if (op.In <= 0)
            return;
        var consumer = op switch
        {
            FireOp => site.PartPrefix + ".Squeeze",
            BasicBlockOp or BottleneckOp => site.PartPrefix + ".Conv1",
            MlpConvOp => site.PartPrefix + ".Conv",
            _ => site.OutputName,
        };
        var producer = Nodes[input];
        if (producer.Output is not Shape shape || shape.Channels == op.In)
            return;
        _sink.Report(DiagnosticIds.ChannelMismatch, site.Sites.At("In"),
            $"{consumer} expects {Text.Int(op.In)} input channels but {NodeText.Produces(producer, Nodes)}");
    }

    /// <summary>Channels written, or WidthFactor times the module's width; 0 when neither (depthwise); -1 after CF0020.</summary>
    internal int ResolveWidth(Width width, OpSite site)
    {
        if (width.Fixed > 0)
            return width.Fixed;
        if (width.Factor <= 0)
            return 0;
        var channels = (long)width.Factor * site.Use.Width;
        if (channels > Limits.MaxDimension)
        {
            _sink.Report(DiagnosticIds.TooLarge, site.Sites.Attribute("Width"),
                $"{site.OutputName}: WidthFactor {Text.Int(width.Factor)} times width {Text.Count(site.Use.Width)} is {Text.Count(channels)} channels, over the limit of {Text.Count(Limits.MaxDimension)}");
            return -1;
        }
        return (int)channels;
    }

    private int ExpandModule(ModuleOp op, int input, OpSite site)
    {
        var module = _modules.Find(op.TypeName);
        if (module is null)
        {
            ReportOnce(site, DiagnosticIds.InvalidModule, site.Sites.At("Module"),
                $"{site.PartPrefix}: {op.TypeName} is not a [NetworkModule] class of this compilation");
            return AddBroken(site, input);
        }
        var stack = site.Use.Stack;
        if (Array.IndexOf(stack, op.TypeName) >= 0)
        {
            var chain = new List<string>();
            for (var k = Array.IndexOf(stack, op.TypeName); k < stack.Length; k++)
                chain.Add(_modules.Find(stack[k])?.Name ?? stack[k]);
            chain.Add(module.Name);
            ReportOnce(site, DiagnosticIds.InvalidModule, site.Sites.At("Module"),
                $"{site.PartPrefix}: module {module.Name} uses itself ({string.Join(" -> ", chain)})");
            return AddBroken(site, input);
        }
        if (stack.Length >= Limits.MaxModuleDepth)
        {
            ReportOnce(site, DiagnosticIds.InvalidModule, site.Sites.At("Module"),
                $"{site.PartPrefix}: modules nest more than {Text.Int(Limits.MaxModuleDepth)} deep");
            return AddBroken(site, input);
        }
        if (module.HasErrors)
        {
            // The class's own problems, reported once at the first use that meets them.
            if (_reported.Add("declaration|" + op.TypeName))
            {
                foreach (var problem in module.Problems)
                {
                    _sink.Add(new DiagnosticInfo(problem.Id, problem.Severity, site.Sites.At(null),
                        $"{problem.Message} (in module {module.Name}, used by {site.PartPrefix})"));
                }
            }
            return AddBroken(site, input);
        }
        if (module.Scope.Layers.Length == 0)
        {
            ReportOnce(site, DiagnosticIds.InvalidModule, site.Sites.At(null),
                $"{site.PartPrefix}: module {module.Name} has no layers");
            return AddBroken(site, input);
        }
        var width = op.Width;
        if (op.WidthFactor > 0)
        {
            var scaled = (long)op.WidthFactor * site.Use.Width;
            if (scaled > Limits.MaxDimension)
            {
                _sink.Report(DiagnosticIds.TooLarge, site.Sites.Attribute("Width"),
                    $"{site.OutputName}: WidthFactor {Text.Int(op.WidthFactor)} times width {Text.Count(site.Use.Width)} is over the limit of {Text.Count(Limits.MaxDimension)}");
                return AddBroken(site, input);
            }
            width = (int)scaled;
        }
        var innerStack = new string[stack.Length + 1];
        Array.Copy(stack, innerStack, stack.Length);
        innerStack[stack.Length] = op.TypeName;
        var use = new ScopeUse(false, site.PartPrefix, site.OutputName, site.Layer, site.Sites.Collapse(), width, innerStack);
        var first = Nodes.Count;
        var output = BuildScope(module.Scope, input, use);
        if (Nodes.Count == first)
            return AddBroken(site, input);
        return output;
    }

    /// <summary>Reports a problem of a declaration once, however many times the declaration is expanded.</summary>
    private void ReportOnce(OpSite site, DiagnosticRule rule, Site at, string message)
    {
        var key = site.Use.DeclarationKey + "|" + Text.Int(site.LayerIndex) + "|" + Text.Int(site.OpIndex) + "|" + rule.Id;
        if (site.Use.IsNetwork || _reported.Add(key))
            _sink.Report(rule, at, message);
    }

    internal void Report(DiagnosticRule rule, Site site, string message) => _sink.Report(rule, site, message);

    // Node factories for the module expansions.

    internal NodeDraft NewNode(OpSite site, string name, OpKind kind, params int[] inputs) => new()
    {
        Name = name,
        Layer = site.Layer,
        Kind = kind,
        Inputs = inputs,
        Sites = site.Sites,
        ParamPrefix = name,
        IsModuleInternal = true,
    };

    internal int AddBroken(OpSite site, int input)
    {
        var node = NewNode(site, site.OutputName, OpKind.Relu, input);
        node.Broken = true;
        return Add(node, site.ReportCollisions);
    }

    internal int Conv(OpSite site, string name, int input, int channels, int kernel, int stride, int padding, bool bias)
    {
        var node = NewNode(site, name, OpKind.Conv, input);
        node.Channels = channels;
        node.KernelHeight = node.KernelWidth = kernel;
        node.StrideHeight = node.StrideWidth = stride;
        node.PadTop = node.PadLeft = node.PadBottom = node.PadRight = padding;
        node.HasBias = bias;
        return Add(node, site.ReportCollisions);
    }

    internal int MaxPool(OpSite site, string name, int input, int kernel, int stride, int padding)
    {
        var node = NewNode(site, name, OpKind.MaxPool, input);
        node.KernelHeight = node.KernelWidth = kernel;
        node.StrideHeight = node.StrideWidth = stride;
        node.PadTop = node.PadLeft = node.PadBottom = node.PadRight = padding;
        return Add(node, site.ReportCollisions);
    }

    internal int Simple(OpSite site, string name, OpKind kind, int input)
    {
        var node = NewNode(site, name, kind, input);
        if (kind == OpKind.BatchNorm)
            node.Scalar = 1e-5;
        return Add(node, site.ReportCollisions);
    }

    internal int Join(OpSite site, string name, OpKind kind, params int[] inputs)
        => Add(NewNode(site, name, kind, inputs), site.ReportCollisions);

    private int Add(NodeDraft node, bool reportCollision)
    {
        if (Nodes.Count >= Limits.MaxNodes)
        {
            if (!Aborted)
            {
                _sink.Report(DiagnosticIds.TooLarge, Site.Network,
                    $"{_networkName} expands into more than {Text.Count(Limits.MaxNodes)} nodes");
                Aborted = true;
            }
            node.Broken = true;
        }
        node.Index = Nodes.Count;
        if (_nodeByName.TryGetValue(node.Name, out var existing))
        {
            if (reportCollision && !node.Broken)
            {
                var first = Nodes[existing].Layer;
                _sink.Report(DiagnosticIds.DuplicateLayerName, node.Sites.At(null), first == node.Layer
                    ? $"Two nodes of {node.Layer} would be named {node.Name}; split its attributes over two layers"
                    : $"Two nodes would be named {node.Name} (from {first} and {node.Layer}); rename a layer");
            }
        }
        else
        {
            _nodeByName.Add(node.Name, node.Index);
        }
        Nodes.Add(node);
        _shape(node, Nodes);
        return node.Index;
    }
}
