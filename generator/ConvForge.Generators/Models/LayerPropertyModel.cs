namespace ConvForge.Generators.Models;

/// <summary>A property that carries layer attributes, as the generator needs it to implement it.</summary>
/// <param name="Name">The property name, as in <c>LayerSpec.Name</c>.</param>
/// <param name="Identifier">The name as it must be written in C# ('@' before a keyword).</param>
/// <param name="Modifiers">
/// The defining declaration's modifiers other than <c>partial</c>, as written ("public", "protected internal");
/// the implementing declaration must repeat them.
/// </param>
/// <param name="IsValidDeclaration">
/// True for a declaration the generator can implement: a partial definition <c>partial Layer Name { get; }</c>,
/// of type ConvForge.Layer, get-only, not static, not an indexer, and not implemented already. The analyzer
/// reports CF0003 on the others, and the generator leaves them alone.
/// </param>
internal sealed record LayerPropertyModel(string Name, string Identifier, string Modifiers, bool IsValidDeclaration);
