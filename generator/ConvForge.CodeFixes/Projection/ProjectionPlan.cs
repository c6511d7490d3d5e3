using System.Collections.Immutable;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConvForge.CodeFixes.Projection;

/// <summary>One input of the Add after the fix, in order.</summary>
/// <param name="ArgumentIndex">The positional argument it was written as; null for the previous layer, which the fix names explicitly.</param>
/// <param name="IsProjected">True for the input the projection replaces.</param>
internal sealed record InputSlot(int? ArgumentIndex, bool IsProjected);

/// <summary>What the fix does to the first attribute of the Add's property, whose implicit input the new property would otherwise take.</summary>
internal enum FirstAttributeEdit
{
    /// <summary>It does not read the previous layer implicitly (it has From, or names all its inputs).</summary>
    None,
    /// <summary>Add <c>From = nameof(Previous)</c>.</summary>
    AddFrom,
    /// <summary>A one-name join: name the previous layer as its first input.</summary>
    NamePrevious,
}

/// <summary>
/// Everything the "insert a 1x1 projection" fix decided about one CF0006, read off the semantic model, so
/// that writing it (<see cref="ProjectionWriter"/>) is pure syntax and Fix All can write many at once.
/// </summary>
/// <param name="Property">The property that carries the Add.</param>
/// <param name="AddListIndex">Index of the Add's attribute list in <paramref name="Property"/>.</param>
/// <param name="AddIndex">Index of the Add in that list.</param>
/// <param name="Inputs">The Add's positional inputs after the fix.</param>
/// <param name="FirstEdit">The edit to the property's first attribute.</param>
/// <param name="Input">The layer to project, as the core named it ("Input" for the network input).</param>
/// <param name="InputExpression">How to refer to it in C#: <c>nameof(Stem)</c> or <c>Layers.Input</c>.</param>
/// <param name="PreviousExpression">How to refer to the layer declared before <paramref name="Property"/>.</param>
/// <param name="Channels">Output channels of the projection.</param>
/// <param name="Stride">Its stride (1 when height and width already match).</param>
/// <param name="Prefix">"ConvForge." when the Add was written qualified, so the new attributes bind the same way; else "".</param>
/// <param name="TakenNames">Member names of the class, which the new property's name must avoid.</param>
internal sealed record ProjectionPlan(
    PropertyDeclarationSyntax Property,
    int AddListIndex,
    int AddIndex,
    ImmutableArray<InputSlot> Inputs,
    FirstAttributeEdit FirstEdit,
    string Input,
    string InputExpression,
    string PreviousExpression,
    int Channels,
    int Stride,
    string Prefix,
    ImmutableHashSet<string> TakenNames);
