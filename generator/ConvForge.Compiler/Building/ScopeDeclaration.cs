using System;
using System.Collections.Generic;
using System.Threading;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Interpretation;
using ConvForge.Compiler.Spec;

namespace ConvForge.Compiler.Building;

/// <summary>One Layer property, its attributes interpreted.</summary>
internal sealed class DeclaredLayer
{
    public DeclaredLayer(int index, string name, bool nameIsUsable, string[] kinds, LayerOp?[] ops)
    {
        Index = index;
        Name = name;
        NameIsUsable = nameIsUsable;
        Kinds = kinds;
        Ops = ops;
    }

    public int Index { get; }
    public string Name { get; }
    /// <summary>False for a missing, malformed, reserved or repeated name (already reported).</summary>
    public bool NameIsUsable { get; }
    /// <summary>Each attribute's kind as written ("?" when unreadable), for node names.</summary>
    public string[] Kinds { get; }
    /// <summary>Each attribute, or null when it could not be interpreted (already reported).</summary>
    public LayerOp?[] Ops { get; }
}

/// <summary>The layers of a network or of a [NetworkModule] class: names interpreted, attributes interpreted.</summary>
internal sealed class DeclaredScope
{
    public DeclaredScope(string label, bool isModule, DeclaredLayer[] layers, Dictionary<string, int> layerIndexByName)
    {
        Label = label;
        IsModule = isModule;
        Layers = layers;
        LayerIndexByName = layerIndexByName;
    }

    /// <summary>For messages: "" in a network, "MyBlock" in a module (labels read "MyBlock.A").</summary>
    public string Label { get; }
    public bool IsModule { get; }
    public DeclaredLayer[] Layers { get; }
    /// <summary>The first layer of each name.</summary>
    public Dictionary<string, int> LayerIndexByName { get; }

    public string LabelOf(string name) => Label.Length == 0 ? name : Label + "." + name;
}

/// <summary>
/// Stage 1 for a whole scope: each property's name checked and each attribute interpreted
/// (<see cref="OpInterpreter"/>). Sites are in the scope's own coordinates.
/// </summary>
internal static class ScopeDeclaration
{
    public static DeclaredScope Declare(string label, bool isModule, EquatableArray<LayerSpec> layers, DiagnosticSink sink, CancellationToken cancellationToken)
    {
        var declared = new DeclaredLayer[layers.Count];
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < layers.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var spec = layers[i];
            var name = spec?.Name ?? "";
            var usable = CheckName(label, isModule, name, i, byName, sink);
            if (usable)
                byName.Add(name, i);
            var display = usable ? name : (NodeNaming.IsIdentifier(name) ? name : "Layer" + Text.Int(i + 1));
            var propertyLabel = label.Length == 0 ? display : label + "." + display;

            var opSpecs = spec?.Ops ?? EquatableArray<OpSpec>.Empty;
            var kinds = new string[opSpecs.Count];
            for (var j = 0; j < kinds.Length; j++)
            {
                var kind = opSpecs[j]?.Kind;
                kinds[j] = kind is not null && OpInterpreter.KnownKinds.ContainsKey(kind) ? kind : "Op";
            }
            var ops = new LayerOp?[opSpecs.Count];
            if (opSpecs.Count == 0)
                sink.Report(DiagnosticIds.InvalidArgument, new Site(i, -1, null), $"{propertyLabel} has no layer attribute");
            for (var j = 0; j < ops.Length; j++)
            {
                var layerIndex = i;
                var opIndex = j;
                var context = new OpContext(
                    NodeNaming.ForOp(propertyLabel, kinds, j),
                    IsFirst: j == 0,
                    InModule: isModule,
                    argument => new Site(layerIndex, opIndex, argument));
                ops[j] = OpInterpreter.Interpret(opSpecs[j], context, sink);
            }
            declared[i] = new DeclaredLayer(i, display, usable, kinds, ops);
        }
        return new DeclaredScope(label, isModule, declared, byName);
    }

    private static bool CheckName(string label, bool isModule, string name, int index, Dictionary<string, int> byName, DiagnosticSink sink)
    {
        var site = new Site(index, -1, null);
        var where = isModule ? " in module " + label : "";
        if (!NodeNaming.IsIdentifier(name))
        {
            var shown = name.Length == 0 ? "Layer " + Text.Int(index + 1) + " has no name" : "'" + name + "' is not a valid layer name";
            sink.Report(DiagnosticIds.InvalidArgument, site, shown + where);
            return false;
        }
        if (name == LayerNames.Input)
        {
            sink.Report(DiagnosticIds.DuplicateLayerName, site,
                $"A layer cannot be named {LayerNames.Input}{where}: the name refers to the {(isModule ? "module's" : "network's")} input (Layers.Input)");
            return false;
        }
        if (byName.TryGetValue(name, out var first))
        {
            sink.Report(DiagnosticIds.DuplicateLayerName, site, $"Two layers are named {name}{where} (layers {Text.Int(first + 1)} and {Text.Int(index + 1)})");
            return false;
        }
        return true;
    }
}

/// <summary>Names layers can refer to besides each other.</summary>
internal static class LayerNames
{
    /// <summary>Layers.Input: the network's input, or in a module the module's input.</summary>
    public const string Input = "Input";
}
