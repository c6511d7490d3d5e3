using System.Collections.Generic;
using System.Linq;
using System.Threading;
using ConvForge.Compiler.Building;
using ConvForge.Compiler.Checks;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Shapes;
using ConvForge.Compiler.Spec;

namespace ConvForge.Compiler;

/// <summary>The outcome of compiling a declaration: the graph (when it could be built) and every problem found.</summary>
/// <param name="Graph">Null when errors keep the graph from being built.</param>
public sealed record CompileResult(NetworkGraph? Graph, EquatableArray<DiagnosticInfo> Diagnostics)
{
    public bool HasErrors
    {
        get
        {
            foreach (var d in Diagnostics)
            {
                if (d.Severity == Severity.Error)
                    return true;
            }
            return false;
        }
    }
}

/// <summary>
/// The compiler's front door: spec -> graph (modules expanded) -> shapes -> checks.
/// Never throws on bad input: every problem becomes a <see cref="DiagnosticInfo"/>.
/// </summary>
/// <remarks>
/// Stages, each in its own folder:
/// 1. Interpretation: each attribute's arguments -> a typed op with defaults, validated (CF0014, CF0017, CF0018, CF0020).
/// 2. Building: names (CF0013), references (CF0010-CF0012), module expansion (CF0017) into primitive nodes.
/// 3. Shapes: each node's shape, parameters and MACs as it is added, by the rules shared with the runtime
///    (Shared/ShapeRules), with the input checks (CF0005-CF0007, CF0009, CF0016, CF0020).
/// 4. Checks over the whole graph: dropped pixels (CF0008), bottleneck advice (CF0015), totals (CF0020).
/// 5. Freezing into the immutable <see cref="NetworkGraph"/> when there is no error.
/// A stage uses the neutral folders (Graph with the draft nodes and the shared rules, Spec, Diagnostics, Helpers)
/// and the stages before it, never one after it; this class wires them.
/// </remarks>
public static class NetworkCompiler
{
    public static CompileResult Compile(NetworkSpec spec, CancellationToken cancellationToken = default)
    {
        var sink = new DiagnosticSink();
        var name = string.IsNullOrEmpty(spec?.Name) ? "Network" : spec!.Name;
        if (spec is null)
        {
            sink.Report(DiagnosticIds.InvalidArgument, Site.Network, "There is no network declaration to compile");
            return Result(null, sink);
        }

        var input = NetworkInput.Read(spec, sink);
        if (spec.Layers.Count == 0)
            sink.Report(DiagnosticIds.EmptyNetwork, Site.Network, $"{name} has no layers: declare partial Layer properties with layer attributes");

        // Stage 1 and 2a: the declaration, then its references.
        var network = ScopeDeclaration.Declare("", isModule: false, spec.Layers, sink, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        ReferenceResolver.Resolve(network, sink);
        cancellationToken.ThrowIfCancellationRequested();

        // Stage 2b and 3: nodes, with shapes as they are added.
        // Building drives shape inference as it adds each node (expansions need their input's channels); the
        // stages only meet here, so none of them uses a later one.
        var builder = new GraphBuilder(name, new ModuleCatalog(spec.Modules, cancellationToken),
            (node, nodes) => ShapeInference.Infer(node, nodes, sink), sink, cancellationToken);
        builder.Build(network, input);
        cancellationToken.ThrowIfCancellationRequested();

        // Stage 4: checks over the whole graph.
        DroppedPixelsCheck.Run(builder.Nodes, sink);
        BottleneckAdviceCheck.Run(builder.Nodes, sink);
        if (sink.ErrorCount == 0)
            TotalsCheck.Run(name, builder.Nodes, sink);

        // Stage 5.
        var graph = sink.ErrorCount == 0 ? GraphFreezer.Freeze(name, builder.Nodes, builder.LayerOutputs) : null;
        return Result(graph, sink);
    }

    /// <summary>
    /// Checks a [NetworkModule] class on its own (arguments, names, references), with sites in the
    /// module's own layers: what can be said without knowing the input a use gives it. Shape problems
    /// depend on the use and are reported by <see cref="Compile"/> at the [Module] attribute.
    /// </summary>
    public static EquatableArray<DiagnosticInfo> CheckModule(ModuleSpec module, CancellationToken cancellationToken = default)
    {
        if (module is null)
            return EquatableArray<DiagnosticInfo>.Empty;
        var declared = ModuleCatalog.Declare(module, cancellationToken);
        var problems = new List<DiagnosticInfo>(declared.Problems);
        if (declared.Scope.Layers.Length == 0)
            problems.Add(new DiagnosticInfo(DiagnosticIds.EmptyNetwork.Id, DiagnosticIds.EmptyNetwork.Severity, Site.Network, $"Module {declared.Name} has no layers"));
        return Sorted(problems);
    }

    private static CompileResult Result(NetworkGraph? graph, DiagnosticSink sink) => new(graph, Sorted(sink.Items));

    // Declaration order reads best: by layer, then attribute; stable within one attribute.
    private static EquatableArray<DiagnosticInfo> Sorted(IEnumerable<DiagnosticInfo> diagnostics)
        => diagnostics.OrderBy(d => d.Site.LayerIndex).ThenBy(d => d.Site.OpIndex).ToEquatableArray();
}

/// <summary>The [Network] attribute's input shape, checked.</summary>
internal static class NetworkInput
{
    public static Shape? Read(NetworkSpec spec, DiagnosticSink sink)
    {
        var valid = Check(spec.Channels, "Channels", sink) & Check(spec.Height, "Height", sink) & Check(spec.Width, "Width", sink);
        if (!valid)
            return null;
        int channels = spec.Channels!.Value, height = spec.Height!.Value, width = spec.Width!.Value;
        var elements = (long)channels * height * width;
        if (elements > Limits.MaxElements)
        {
            sink.Report(DiagnosticIds.TooLarge, Site.Network,
                $"The input {Text.Int(channels)}x{Text.Int(height)}x{Text.Int(width)} has more than {Text.Count(Limits.MaxElements)} elements");
            return null;
        }
        return new Shape(channels, height, width);
    }

    /// <summary>CF0014 for an argument not written ("needs") or written out of range ("must be at least 1, got 0").</summary>
    private static bool Check(int? stated, string argument, DiagnosticSink sink)
    {
        if (stated is not { } value)
        {
            sink.Report(DiagnosticIds.InvalidArgument, Site.NetworkArgument(argument),
                $"[Network] needs the input's {argument}, e.g. [Network(Channels = 3, Height = 224, Width = 224)]");
            return false;
        }
        if (value < 1)
        {
            sink.Report(DiagnosticIds.InvalidArgument, Site.NetworkArgument(argument),
                $"[Network] {argument} must be at least 1, got {Text.Int(value)}");
            return false;
        }
        if (value > Limits.MaxDimension)
        {
            sink.Report(DiagnosticIds.TooLarge, Site.NetworkArgument(argument),
                $"[Network] {argument} = {Text.Count(value)} is over the limit of {Text.Count(Limits.MaxDimension)}");
            return false;
        }
        return true;
    }
}
