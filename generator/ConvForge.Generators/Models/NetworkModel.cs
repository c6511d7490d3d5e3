using ConvForge.Compiler;
using ConvForge.Compiler.Spec;

namespace ConvForge.Generators.Models;

/// <summary>
/// A [Network] class as the generator's pipeline carries it: plain equatable data, no symbols, syntax or
/// compilation, so an edit that does not change the declaration leaves every later step cached.
/// </summary>
/// <param name="Hierarchy">Namespace and enclosing types.</param>
/// <param name="Type">The class itself (name, type parameters, keyword).</param>
/// <param name="Accessibility">
/// "public", "internal" ... as declared. Kept for the model's completeness; the generated part of the class
/// does not repeat it, so it can never conflict with the user's.
/// </param>
/// <param name="IsPartial">
/// Whether every declaration of the class, and of each enclosing type, is partial. The generator skips a
/// class that is not (the analyzer reports CF0001), since its own part would not compile.
/// </param>
/// <param name="Spec">The declaration; <c>Modules</c> is empty here and filled from the module models later.</param>
/// <param name="ModuleTypeNames">Metadata names of the modules its layers name directly, in first-use order.</param>
/// <param name="ExternalModules">
/// Modules declared in referenced assemblies that its layers use, transitively: the module models only cover
/// modules declared in source.
/// </param>
/// <param name="LayerProperties">Parallel to <c>Spec.Layers</c>.</param>
/// <param name="HasDocumentationComment">
/// Whether the user documented the class (/// on one of its declarations): the generated model summary then
/// goes in &lt;remarks&gt;, so that the merged comment has one &lt;summary&gt;.
/// </param>
/// <param name="TakenMemberNames">
/// Names of the generated members (InputChannels, Shapes, Summary ...) that the class already declares itself;
/// those are left out of the generated part rather than declared twice.
/// </param>
internal sealed record NetworkModel(
    HierarchyInfo Hierarchy,
    TypeDeclarationInfo Type,
    string Accessibility,
    bool IsPartial,
    NetworkSpec Spec,
    EquatableArray<string> ModuleTypeNames,
    EquatableArray<ModuleSpec> ExternalModules,
    EquatableArray<LayerPropertyModel> LayerProperties,
    bool HasDocumentationComment,
    EquatableArray<string> TakenMemberNames);
