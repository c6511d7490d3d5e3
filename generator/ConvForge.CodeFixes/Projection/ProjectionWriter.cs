using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConvForge.CodeFixes.Projection;

/// <summary>
/// Writes planned projections into a syntax tree: for each plan, a new
/// <c>[Conv1x1(C, From = nameof(Input), Stride = s), BatchNorm] public partial Layer InputProjection { get; }</c>
/// just before the Add's property, and the Add (and the property's first attribute) rewritten to match.
/// Several plans can be written at once (Fix All); each gets a name no other member or plan of its class uses.
/// </summary>
internal static class ProjectionWriter
{
    private const string NameSuffix = "Projection";

    public static SyntaxNode Apply(SyntaxNode root, IReadOnlyList<ProjectionPlan> plans)
    {
        // One projection per Add property: a second plan for the same property would be stale after the first.
        var chosen = new List<ProjectionPlan>();
        var properties = new HashSet<PropertyDeclarationSyntax>();
        foreach (var plan in plans)
        {
            if (properties.Add(plan.Property))
                chosen.Add(plan);
        }
        chosen.Sort((a, b) => a.Property.SpanStart.CompareTo(b.Property.SpanStart));

        var takenByClass = new Dictionary<SyntaxNode, HashSet<string>>();
        var names = new List<string>();
        foreach (var plan in chosen)
        {
            var owner = plan.Property.Parent ?? plan.Property;
            if (!takenByClass.TryGetValue(owner, out var taken))
                takenByClass[owner] = taken = new HashSet<string>(plan.TakenNames, StringComparer.Ordinal);
            names.Add(Reserve(plan.Input + NameSuffix, taken));
        }

        var tracked = root.TrackNodes(properties);
        for (var i = 0; i < chosen.Count; i++)
        {
            var current = tracked.GetCurrentNode(chosen[i].Property);
            if (current is null)
                continue;
            var (projection, rewritten) = Write(current, chosen[i], names[i]);
            tracked = tracked.ReplaceNode(current, new SyntaxNode[] { projection, rewritten });
        }
        return tracked;
    }

    private static (PropertyDeclarationSyntax Projection, PropertyDeclarationSyntax Rewritten) Write(PropertyDeclarationSyntax property, ProjectionPlan plan, string name)
    {
        var rewritten = RewriteAttributes(property, plan, name);

        // The projection takes the blank lines above the Add's property; comments stay with the property they describe.
        var leading = property.GetLeadingTrivia();
        var split = 0;
        while (split < leading.Count && (leading[split].IsKind(SyntaxKind.WhitespaceTrivia) || leading[split].IsKind(SyntaxKind.EndOfLineTrivia)))
            split++;
        var indentation = split > 0 && leading[split - 1].IsKind(SyntaxKind.WhitespaceTrivia)
            ? SyntaxFactory.TriviaList(leading[split - 1])
            : SyntaxFactory.TriviaList();
        var projectionLeading = SyntaxFactory.TriviaList(Take(leading, split));
        var propertyLeading = indentation.AddRange(Skip(leading, split));

        var stride = plan.Stride > 1 ? ", Stride = " + plan.Stride.ToString(CultureInfo.InvariantCulture) : "";
        var modifiers = string.Join(" ", Texts(property.Modifiers));
        var prefix = plan.Prefix;
        var text = $"[{prefix}Conv1x1({plan.Channels.ToString(CultureInfo.InvariantCulture)}, From = {plan.InputExpression}{stride}), {prefix}BatchNorm] "
            + $"{modifiers} {property.Type.WithoutTrivia()} {name} {{ get; }}";
        var projection = (PropertyDeclarationSyntax)SyntaxFactory.ParseMemberDeclaration(text, options: property.SyntaxTree.Options)!;
        projection = projection
            .WithLeadingTrivia(projectionLeading)
            .WithTrailingTrivia(SyntaxFactory.TriviaList(EndOfLine(property)));
        return (projection, rewritten.WithLeadingTrivia(propertyLeading));
    }

    private static PropertyDeclarationSyntax RewriteAttributes(PropertyDeclarationSyntax property, ProjectionPlan plan, string name)
    {
        var lists = property.AttributeLists;
        var addList = lists[plan.AddListIndex];
        var add = addList.Attributes[plan.AddIndex];
        lists = lists.Replace(addList, addList.WithAttributes(addList.Attributes.Replace(add, RewriteAdd(add, plan, $"nameof({name})"))));

        if (plan.FirstEdit != FirstAttributeEdit.None)
        {
            var firstList = lists[0];
            var first = firstList.Attributes[0];
            var edited = plan.FirstEdit == FirstAttributeEdit.AddFrom
                ? Append(first, Argument("From = " + plan.PreviousExpression))
                : Prepend(first, Argument(plan.PreviousExpression));
            lists = lists.Replace(firstList, firstList.WithAttributes(firstList.Attributes.Replace(first, edited)));
        }
        return property.WithAttributeLists(lists);
    }

    /// <summary>The Add's positional inputs become <see cref="ProjectionPlan.Inputs"/>; named arguments stay as written.</summary>
    private static AttributeSyntax RewriteAdd(AttributeSyntax add, ProjectionPlan plan, string projection)
    {
        var arguments = add.ArgumentList!.Arguments;
        var positional = new List<AttributeArgumentSyntax>();
        var named = new List<AttributeArgumentSyntax>();
        foreach (var argument in arguments)
            (argument.NameEquals is null ? positional : named).Add(argument);

        var rewritten = new List<AttributeArgumentSyntax>();
        foreach (var slot in plan.Inputs)
        {
            if (slot.ArgumentIndex is int index)
            {
                var original = positional[index];
                rewritten.Add(slot.IsProjected
                    ? original.WithExpression(SyntaxFactory.ParseExpression(projection).WithTriviaFrom(original.Expression))
                    : original);
            }
            else
            {
                rewritten.Add(Argument(slot.IsProjected ? projection : plan.PreviousExpression));
            }
        }
        rewritten.AddRange(named);

        // Keep the separators as written; a new argument gets ", ".
        var separators = new List<SyntaxToken>(arguments.GetSeparators());
        while (separators.Count < rewritten.Count - 1)
            separators.Insert(0, Comma());
        return add.WithArgumentList(add.ArgumentList.WithArguments(SyntaxFactory.SeparatedList(rewritten, separators.GetRange(0, Math.Max(0, rewritten.Count - 1)))));
    }

    private static AttributeSyntax Append(AttributeSyntax attribute, AttributeArgumentSyntax argument)
    {
        if (attribute.ArgumentList is not { Arguments.Count: > 0 } list)
        {
            return attribute
                .WithName(attribute.Name.WithoutTrailingTrivia())
                .WithArgumentList(SyntaxFactory.AttributeArgumentList(SyntaxFactory.SingletonSeparatedList(argument)).WithTrailingTrivia(attribute.Name.GetTrailingTrivia()));
        }
        return attribute.WithArgumentList(list.WithArguments(list.Arguments.AddWithSeparator(argument)));
    }

    private static AttributeSyntax Prepend(AttributeSyntax attribute, AttributeArgumentSyntax argument)
    {
        var list = attribute.ArgumentList!;
        var items = new List<AttributeArgumentSyntax> { argument };
        items.AddRange(list.Arguments);
        var separators = new List<SyntaxToken> { Comma() };
        separators.AddRange(list.Arguments.GetSeparators());
        return attribute.WithArgumentList(list.WithArguments(SyntaxFactory.SeparatedList(items, separators)));
    }

    private static SeparatedSyntaxList<AttributeArgumentSyntax> AddWithSeparator(this SeparatedSyntaxList<AttributeArgumentSyntax> arguments, AttributeArgumentSyntax argument)
    {
        var items = new List<AttributeArgumentSyntax>(arguments) { argument };
        var separators = new List<SyntaxToken>(arguments.GetSeparators()) { Comma() };
        return SyntaxFactory.SeparatedList(items, separators);
    }

    private static AttributeArgumentSyntax Argument(string text)
        => SyntaxFactory.ParseAttributeArgumentList("(" + text + ")")!.Arguments[0];

    private static SyntaxToken Comma() => SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space);

    private static string Reserve(string name, HashSet<string> taken)
    {
        var candidate = name;
        for (var n = 2; !taken.Add(candidate); n++)
            candidate = name + n.ToString(CultureInfo.InvariantCulture);
        return candidate;
    }

    private static SyntaxTrivia EndOfLine(PropertyDeclarationSyntax property)
    {
        foreach (var trivia in property.GetTrailingTrivia())
        {
            if (trivia.IsKind(SyntaxKind.EndOfLineTrivia))
                return trivia;
        }
        return SyntaxFactory.EndOfLine(property.SyntaxTree.GetText().ToString().Contains("\r\n") ? "\r\n" : "\n");
    }

    private static IEnumerable<SyntaxTrivia> Take(SyntaxTriviaList trivia, int count)
    {
        for (var i = 0; i < count; i++)
            yield return trivia[i];
    }

    private static IEnumerable<SyntaxTrivia> Skip(SyntaxTriviaList trivia, int count)
    {
        for (var i = count; i < trivia.Count; i++)
            yield return trivia[i];
    }

    private static IEnumerable<string> Texts(SyntaxTokenList tokens)
    {
        foreach (var token in tokens)
            yield return token.Text;
    }
}
