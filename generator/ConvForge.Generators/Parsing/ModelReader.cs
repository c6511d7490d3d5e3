using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Text;
using System.Threading;
using ConvForge.Compiler;
using ConvForge.Compiler.Spec;
using ConvForge.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConvForge.Generators.Parsing;

/// <summary>
/// The generator's transforms: a [Network] or [NetworkModule] class symbol into the equatable model the rest
/// of the pipeline works on. Everything Roslyn-specific the emitter needs is read here, as text.
/// </summary>
internal static class ModelReader
{
    /// <summary>
    /// The model of the [Network] class the attribute sits on; null when the target is not a class (the
    /// attributes only apply to classes, and records, which are classes too).
    /// </summary>
    public static NetworkModel? ReadNetwork(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol { TypeKind: TypeKind.Class } type
            || !IsFirstApplication(type, context, NetworkParser.NetworkAttributeName, cancellationToken)
            || !IsOnlyTypeWithItsName(type, context.SemanticModel.Compilation))
            return null;
        cancellationToken.ThrowIfCancellationRequested();

        var parsed = NetworkParser.Parse(type, context.Attributes[0], includeModules: false, cancellationToken);
        var used = NetworkParser.GetUsedModuleTypes(type, cancellationToken);
        return new NetworkModel(
            ReadHierarchy(type),
            ReadTypeDeclaration(type),
            SyntaxFacts.GetText(type.DeclaredAccessibility),
            IsPartialThroughout(type, cancellationToken),
            parsed.Spec,
            GetModuleTypeNames(used),
            ReadExternalModules(used, cancellationToken),
            ReadLayerProperties(type, parsed.LayerProperties, cancellationToken),
            HasDocumentationComment(type, cancellationToken),
            FindTakenMemberNames(type));
    }

    /// <summary>The model of the [NetworkModule] class the attribute sits on; null when the target is not a class.</summary>
    public static ModuleModel? ReadModule(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol { TypeKind: TypeKind.Class } type
            || !IsFirstApplication(type, context, NetworkParser.NetworkModuleAttributeName, cancellationToken)
            || !IsOnlyTypeWithItsName(type, context.SemanticModel.Compilation))
            return null;
        cancellationToken.ThrowIfCancellationRequested();

        var properties = NetworkParser.GetLayerProperties(type, cancellationToken);
        var used = NetworkParser.GetUsedModuleTypes(type, cancellationToken);
        return new ModuleModel(
            ReadHierarchy(type),
            ReadTypeDeclaration(type),
            IsPartialThroughout(type, cancellationToken),
            NetworkParser.HasAttribute(type, NetworkParser.NetworkAttributeName),
            NetworkParser.ReadModule(type, cancellationToken),
            GetModuleTypeNames(used),
            ReadExternalModules(used, cancellationToken),
            ReadLayerProperties(type, properties, cancellationToken));
    }

    /// <summary>
    /// Whether this match holds the class's first application of the attribute. A partial class can carry it
    /// on several of its declarations (CS0579); each is a match of its own, and only one may produce a model,
    /// or the class would be generated twice.
    /// </summary>
    private static bool IsFirstApplication(INamedTypeSymbol type, GeneratorAttributeSyntaxContext context, string attributeName, CancellationToken cancellationToken)
    {
        if (context.Attributes.IsEmpty)
            return false;
        foreach (var attribute in type.GetAttributes())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (attribute.AttributeClass is null || NetworkParser.GetMetadataName(attribute.AttributeClass) != attributeName)
                continue;
            // The match is the declaration (context.TargetNode) whose attribute lists hold the first application.
            var first = attribute.ApplicationSyntaxReference;
            return first is null
                || (first.SyntaxTree == context.TargetNode.SyntaxTree && context.TargetNode.Span.Contains(first.Span));
        }
        return true;
    }

    /// <summary>
    /// Whether <paramref name="type"/> is the type its full name resolves to. Two types may share one when the
    /// code is broken (a class and a record declared with the same name, CS0101): generating both would give
    /// two files of the same name, so at most the one the compilation resolves to is generated.
    /// </summary>
    private static bool IsOnlyTypeWithItsName(INamedTypeSymbol type, Compilation compilation)
        => SymbolEqualityComparer.Default.Equals(compilation.GetTypeByMetadataName(NetworkParser.GetMetadataName(type)), type);

    /// <summary>The namespace (written as C#, keywords escaped) and the enclosing types, outermost first.</summary>
    public static HierarchyInfo ReadHierarchy(INamedTypeSymbol type)
    {
        var containing = new List<TypeDeclarationInfo>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            containing.Add(ReadTypeDeclaration(outer));
        containing.Reverse();

        var ns = type.ContainingNamespace is { IsGlobalNamespace: false } containingNamespace
            ? containingNamespace.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat.WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers))
            : "";
        return new HierarchyInfo(ns, containing.ToEquatableArray());
    }

    public static TypeDeclarationInfo ReadTypeDeclaration(INamedTypeSymbol type)
    {
        var keyword = type.TypeKind switch
        {
            TypeKind.Struct => type.IsRecord ? "record struct" : "struct",
            TypeKind.Interface => "interface",
            _ => type.IsRecord ? "record" : "class",
        };
        var typeParameters = "";
        if (!type.TypeParameters.IsEmpty)
        {
            var names = new string[type.TypeParameters.Length];
            for (var i = 0; i < names.Length; i++)
                names[i] = CSharpKeywords.Escape(type.TypeParameters[i].Name);
            typeParameters = "<" + string.Join(", ", names) + ">";
        }
        return new TypeDeclarationInfo(keyword, CSharpKeywords.Escape(type.Name), typeParameters, type.MetadataName);
    }

    /// <summary>
    /// Whether every declaration of <paramref name="type"/> and of each type around it says 'partial': the
    /// generated part has to declare them all again.
    /// </summary>
    public static bool IsPartialThroughout(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (current.DeclaringSyntaxReferences.IsEmpty)
                return false;
            foreach (var reference in current.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration
                    || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                    return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Whether a /// comment precedes one of the type's declarations. Read from the trivia, which holds the
    /// comment whether or not the compilation parses documentation.
    /// </summary>
    public static bool HasDocumentationComment(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration)
                continue;
            foreach (var trivia in declaration.GetLeadingTrivia())
            {
                if (trivia.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia)
                    || trivia.IsKind(SyntaxKind.MultiLineDocumentationCommentTrivia)
                    || (trivia.IsKind(SyntaxKind.SingleLineCommentTrivia) && trivia.ToString().StartsWith("///", StringComparison.Ordinal)))
                    return true;
            }
        }
        return false;
    }

    /// <summary>One model per property, parallel to the parser's layer properties.</summary>
    public static EquatableArray<LayerPropertyModel> ReadLayerProperties(INamedTypeSymbol type, ImmutableArray<IPropertySymbol> properties, CancellationToken cancellationToken)
    {
        var models = new LayerPropertyModel[properties.Length];
        for (var i = 0; i < properties.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var property = properties[i];
            // A static class cannot have the instance properties a layer is (the compiler says so).
            var definition = type.IsStatic ? null : FindDefinition(type, property, cancellationToken);
            models[i] = new LayerPropertyModel(
                property.Name,
                CSharpKeywords.Escape(property.Name),
                definition is null ? "" : GetModifiersText(definition),
                definition is not null);
        }
        return EquatableArray.Create(models);
    }

    /// <summary>
    /// The declaration <c>partial Layer Name { get; }</c> of <paramref name="property"/>, when it is one the
    /// generator can implement; null otherwise (the analyzer's CF0003 says what is wrong with it).
    /// </summary>
    private static PropertyDeclarationSyntax? FindDefinition(INamedTypeSymbol type, IPropertySymbol property, CancellationToken cancellationToken)
    {
        if (property.IsStatic || property.IsIndexer || property.ReturnsByRef || property.ReturnsByRefReadonly
            || !property.ExplicitInterfaceImplementations.IsEmpty
            || property.Type.ContainingType is not null
            || NetworkParser.GetMetadataName(property.Type) != NetworkParser.LayerTypeName
            || property.DeclaringSyntaxReferences.Length != 1
            || property.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not PropertyDeclarationSyntax syntax)
        {
            return null;
        }

        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword)
            || syntax.Modifiers.Any(SyntaxKind.StaticKeyword)
            || syntax.ExpressionBody is not null
            || syntax.Initializer is not null
            || syntax.AccessorList is not { Accessors.Count: 1 } accessors
            || !accessors.Accessors[0].IsKind(SyntaxKind.GetAccessorDeclaration)
            || accessors.Accessors[0].Body is not null
            || accessors.Accessors[0].ExpressionBody is not null
            || accessors.Accessors[0].Modifiers.Count != 0)
        {
            return null;
        }

        // A second declaration of the same name in the class is the user's own implementation (or a duplicate
        // the compiler reports): either way another implementation would not compile.
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration)
                continue;
            foreach (var member in declaration.Members)
            {
                if (member is PropertyDeclarationSyntax other && other != syntax && other.Identifier.ValueText == property.Name)
                    return null;
            }
        }
        return syntax;
    }

    /// <summary>The modifiers as written, without 'partial', which the emitter puts back just before the type.</summary>
    private static string GetModifiersText(PropertyDeclarationSyntax syntax)
    {
        var text = new StringBuilder();
        foreach (var modifier in syntax.Modifiers)
        {
            if (modifier.IsKind(SyntaxKind.PartialKeyword))
                continue;
            if (text.Length > 0)
                text.Append(' ');
            text.Append(modifier.Text);
        }
        return text.ToString();
    }

    private static EquatableArray<string> GetModuleTypeNames(ImmutableArray<INamedTypeSymbol> used)
    {
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var module in used)
        {
            var name = NetworkParser.GetMetadataName(module);
            if (seen.Add(name))
                names.Add(name);
        }
        return names.ToEquatableArray();
    }

    /// <summary>
    /// The used modules declared in referenced assemblies, and the modules those use. FAWMN only finds modules
    /// declared in this compilation, so these are read here; they cannot change while the user edits.
    /// </summary>
    private static EquatableArray<ModuleSpec> ReadExternalModules(ImmutableArray<INamedTypeSymbol> used, CancellationToken cancellationToken)
    {
        List<INamedTypeSymbol>? external = null;
        foreach (var module in used)
        {
            if (module.DeclaringSyntaxReferences.IsEmpty)
                (external ??= new List<INamedTypeSymbol>()).Add(module);
        }
        return external is null
            ? EquatableArray<ModuleSpec>.Empty
            : NetworkParser.ReadModulesTransitively(external, cancellationToken).ToEquatableArray();
    }

    /// <summary>
    /// Which of the members the generator would add (<see cref="GeneratedMembers.Names"/>) the class,
    /// or a class it derives from, already has.
    /// </summary>
    private static EquatableArray<string> FindTakenMemberNames(INamedTypeSymbol type)
    {
        var taken = new List<string>();
        foreach (var name in GeneratedMembers.Names)
        {
            for (var current = type; current is not null; current = current.BaseType)
            {
                if (!current.GetMembers(name).IsEmpty)
                {
                    taken.Add(name);
                    break;
                }
            }
        }
        return taken.ToEquatableArray();
    }
}
