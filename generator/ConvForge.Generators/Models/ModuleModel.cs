using ConvForge.Compiler;
using ConvForge.Compiler.Spec;

namespace ConvForge.Generators.Models;

/// <summary>A [NetworkModule] class declared in source, as plain equatable data.</summary>
/// <param name="Hierarchy">Namespace and enclosing types.</param>
/// <param name="Type">The class itself.</param>
/// <param name="IsPartial">Whether it and its enclosing types are partial (otherwise nothing is emitted for it).</param>
/// <param name="IsAlsoNetwork">
/// True when the class is marked [Network] too: the network's generated part implements its properties then,
/// and the module emits nothing (two implementations would not compile).
/// </param>
/// <param name="Spec">Its layers, under its metadata name.</param>
/// <param name="ModuleTypeNames">Metadata names of the modules its own layers use directly.</param>
/// <param name="ExternalModules">Modules from referenced assemblies that it uses, transitively.</param>
/// <param name="LayerProperties">Parallel to <c>Spec.Layers</c>.</param>
internal sealed record ModuleModel(
    HierarchyInfo Hierarchy,
    TypeDeclarationInfo Type,
    bool IsPartial,
    bool IsAlsoNetwork,
    ModuleSpec Spec,
    EquatableArray<string> ModuleTypeNames,
    EquatableArray<ModuleSpec> ExternalModules,
    EquatableArray<LayerPropertyModel> LayerProperties);
