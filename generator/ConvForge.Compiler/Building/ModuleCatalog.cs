using System;
using System.Collections.Generic;
using System.Threading;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Spec;

namespace ConvForge.Compiler.Building;

/// <summary>A [NetworkModule] class, declared once (stage 1 and references) and expanded at each use.</summary>
internal sealed class DeclaredModule
{
    public DeclaredModule(ModuleSpec spec, string name, DeclaredScope scope, IReadOnlyList<DiagnosticInfo> problems)
    {
        Spec = spec;
        Name = name;
        Scope = scope;
        Problems = problems;
    }

    public ModuleSpec Spec { get; }
    /// <summary>The simple class name, for messages.</summary>
    public string Name { get; }
    public DeclaredScope Scope { get; }
    /// <summary>What is wrong with the declaration itself, at sites inside the module class.</summary>
    public IReadOnlyList<DiagnosticInfo> Problems { get; }
    public bool HasErrors
    {
        get
        {
            foreach (var problem in Problems)
            {
                if (problem.Severity == Severity.Error)
                    return true;
            }
            return false;
        }
    }
}

/// <summary>The modules a network can use, by metadata name, declared lazily and once each.</summary>
internal sealed class ModuleCatalog
{
    private readonly Dictionary<string, ModuleSpec> _specs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DeclaredModule> _declared = new(StringComparer.Ordinal);
    private readonly CancellationToken _cancellationToken;

    public ModuleCatalog(EquatableArray<ModuleSpec> modules, CancellationToken cancellationToken)
    {
        _cancellationToken = cancellationToken;
        foreach (var module in modules)
        {
            if (module?.TypeName is { Length: > 0 } name && !_specs.ContainsKey(name))
                _specs.Add(name, module);
        }
    }

    public DeclaredModule? Find(string typeName)
    {
        if (_declared.TryGetValue(typeName, out var declared))
            return declared;
        if (!_specs.TryGetValue(typeName, out var spec))
            return null;
        declared = Declare(spec, _cancellationToken);
        _declared.Add(typeName, declared);
        return declared;
    }

    /// <summary>Stage 1 and reference resolution for a module class, in its own coordinates.</summary>
    public static DeclaredModule Declare(ModuleSpec spec, CancellationToken cancellationToken)
    {
        var sink = new DiagnosticSink();
        var name = NameOf(spec);
        var scope = ScopeDeclaration.Declare(name, isModule: true, spec.Layers, sink, cancellationToken);
        ReferenceResolver.Resolve(scope, sink);
        return new DeclaredModule(spec, name, scope, sink.Items);
    }

    public static string NameOf(ModuleSpec spec)
    {
        if (!string.IsNullOrEmpty(spec.Name))
            return spec.Name;
        var typeName = spec.TypeName ?? "";
        var dot = typeName.LastIndexOf('.');
        return dot >= 0 ? typeName.Substring(dot + 1) : typeName;
    }
}
