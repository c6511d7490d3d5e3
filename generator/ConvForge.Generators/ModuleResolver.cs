using System;
using System.Collections.Generic;
using System.Threading;
using ConvForge.Compiler;
using ConvForge.Compiler.Spec;
using ConvForge.Generators.Models;

namespace ConvForge.Generators;

/// <summary>
/// Fills a network's <c>Spec.Modules</c> with the modules it uses, directly or through other modules, from
/// the source modules of the compilation and the referenced ones the network model carries. Pure and
/// equatable in, equatable out: a network whose modules did not change comes out equal, and stays cached.
/// </summary>
internal static class ModuleResolver
{
    /// <summary>
    /// <paramref name="network"/> with <c>Spec.Modules</c> set, in the order first used (breadth first).
    /// Names that match no module are left out; the core reports the [Module] that names them (CF0017).
    /// </summary>
    public static NetworkModel Resolve(NetworkModel network, EquatableArray<ModuleModel> sourceModules, CancellationToken cancellationToken)
    {
        var source = new Dictionary<string, ModuleModel>(StringComparer.Ordinal);
        foreach (var module in sourceModules)
        {
            if (!source.ContainsKey(module.Spec.TypeName))
                source.Add(module.Spec.TypeName, module);
        }

        var external = new Dictionary<string, ModuleSpec>(StringComparer.Ordinal);
        AddExternal(external, network.ExternalModules);

        var resolved = new List<ModuleSpec>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<string>(network.ModuleTypeNames);
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = pending.Dequeue();
            if (!seen.Add(name))
                continue;

            if (source.TryGetValue(name, out var module))
            {
                resolved.Add(module.Spec);
                AddExternal(external, module.ExternalModules);
                foreach (var used in module.ModuleTypeNames)
                    pending.Enqueue(used);
            }
            else if (external.TryGetValue(name, out var spec))
            {
                resolved.Add(spec);
                foreach (var used in UsedModuleNames(spec))
                    pending.Enqueue(used);
            }
        }

        return network with { Spec = network.Spec with { Modules = resolved.ToEquatableArray() } };
    }

    private static void AddExternal(Dictionary<string, ModuleSpec> external, EquatableArray<ModuleSpec> modules)
    {
        foreach (var module in modules)
        {
            if (!external.ContainsKey(module.TypeName))
                external.Add(module.TypeName, module);
        }
    }

    /// <summary>The module types a module's own layers name, read off its spec (for modules from metadata).</summary>
    private static IEnumerable<string> UsedModuleNames(ModuleSpec module)
    {
        foreach (var layer in module.Layers)
        {
            foreach (var op in layer.Ops)
            {
                foreach (var argument in op.Arguments)
                {
                    if (argument.Value.Kind == ArgKind.Type && argument.Value.Text is { } typeName)
                        yield return typeName;
                }
            }
        }
    }
}
