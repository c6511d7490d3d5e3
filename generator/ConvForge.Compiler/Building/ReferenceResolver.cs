using System;
using System.Collections.Generic;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Interpretation;

namespace ConvForge.Compiler.Building;

/// <summary>
/// Stage 2a: resolves From and the join inputs of one scope to layer indexes. Layers run in
/// declaration order, so a layer may only read layers above it: a name declared below is a forward
/// reference (CF0011), or a cycle (CF0012) when that layer depends back on this one; an unknown
/// name is CF0010. Attributes with a bad reference are marked and become placeholders.
/// </summary>
internal static class ReferenceResolver
{
    public static void Resolve(DeclaredScope scope, DiagnosticSink sink)
    {
        var dependencies = Dependencies(scope);
        foreach (var layer in scope.Layers)
        {
            for (var j = 0; j < layer.Ops.Length; j++)
            {
                var op = layer.Ops[j];
                if (op is null)
                    continue;
                var label = scope.LabelOf(NodeNaming.ForOp(layer.Name, layer.Kinds, j));
                if (j == 0 && op.From is not null)
                {
                    var target = ResolveName(scope, dependencies, layer, j, label, op.From, "From", sink);
                    if (target is null)
                        op.HasBadReference = true;
                    op.FromRef = target;
                }
                if (op is JoinOp join)
                {
                    var refs = new LayerRef[join.Inputs.Length];
                    for (var k = 0; k < refs.Length; k++)
                    {
                        var target = ResolveName(scope, dependencies, layer, j, label, join.Inputs[k], "Inputs", sink);
                        if (target is null)
                        {
                            op.HasBadReference = true;
                            break;
                        }
                        refs[k] = target.Value;
                    }
                    join.InputRefs = refs;
                }
            }
        }
    }

    private static LayerRef? ResolveName(DeclaredScope scope, List<int>[] dependencies, DeclaredLayer layer, int opIndex, string label, string name, string argument, DiagnosticSink sink)
    {
        var site = new Site(layer.Index, opIndex, argument);
        if (name == LayerNames.Input)
            return LayerRef.ScopeInput;
        if (!scope.LayerIndexByName.TryGetValue(name, out var target))
        {
            sink.Report(DiagnosticIds.UnknownReference, site, $"{label}: there is no layer named '{name}'{(scope.IsModule ? " in module " + scope.Label : "")}{Suggestion(scope, name)}");
            return null;
        }
        if (target < layer.Index)
            return new LayerRef(target);
        var self = scope.LabelOf(layer.Name);
        if (target == layer.Index)
        {
            sink.Report(DiagnosticIds.CyclicReference, site, $"{label} reads its own layer {self}");
            return null;
        }
        var other = scope.LabelOf(name);
        var path = PathBetween(dependencies, target, layer.Index);
        if (path is not null)
        {
            var names = new List<string> { self };
            foreach (var index in path)
                names.Add(scope.LabelOf(scope.Layers[index].Name));
            sink.Report(DiagnosticIds.CyclicReference, site, $"{label} reads {other}, which depends on {self}: {string.Join(" -> ", names)} is a cycle");
            return null;
        }
        sink.Report(DiagnosticIds.ForwardReference, site,
            $"{label} reads {other}, which is declared after it; layers run in declaration order, so declare {other} above {self}");
        return null;
    }

    private static string Suggestion(DeclaredScope scope, string name)
    {
        foreach (var pair in scope.LayerIndexByName)
        {
            if (string.Equals(pair.Key, name, StringComparison.OrdinalIgnoreCase))
                return " (did you mean " + pair.Key + "?)";
        }
        return "";
    }

    /// <summary>For each layer, the layers it reads: the names it uses, and the layer before it unless it reads elsewhere.</summary>
    private static List<int>[] Dependencies(DeclaredScope scope)
    {
        var result = new List<int>[scope.Layers.Length];
        for (var i = 0; i < result.Length; i++)
        {
            var layer = scope.Layers[i];
            var list = new List<int>();
            var first = layer.Ops.Length > 0 ? layer.Ops[0] : null;
            var readsPrevious = first is null
                || (first.From is null && !(first is JoinOp join && join.Inputs.Length >= 2));
            if (readsPrevious && i > 0)
                list.Add(i - 1);
            foreach (var op in layer.Ops)
            {
                if (op?.From is not null && scope.LayerIndexByName.TryGetValue(op.From, out var from))
                    list.Add(from);
                if (op is JoinOp j)
                {
                    foreach (var input in j.Inputs)
                    {
                        if (scope.LayerIndexByName.TryGetValue(input, out var index))
                            list.Add(index);
                    }
                }
            }
            result[i] = list;
        }
        return result;
    }

    /// <summary>The layers from <paramref name="start"/> to <paramref name="goal"/> along dependencies (both included), or null.</summary>
    private static List<int>? PathBetween(List<int>[] dependencies, int start, int goal)
    {
        var parent = new Dictionary<int, int> { [start] = -1 };
        var queue = new Queue<int>();
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            if (current == goal)
            {
                var path = new List<int>();
                for (var at = current; at != -1; at = parent[at])
                    path.Add(at);
                path.Reverse();
                return path;
            }
            foreach (var next in dependencies[current])
            {
                if (!parent.ContainsKey(next))
                {
                    parent.Add(next, current);
                    queue.Enqueue(next);
                }
            }
        }
        return null;
    }
}
