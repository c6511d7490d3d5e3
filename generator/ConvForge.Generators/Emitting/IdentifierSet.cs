using System;
using System.Collections.Generic;
using System.Text;

namespace ConvForge.Generators.Emitting;

/// <summary>
/// Hands out PascalCase identifiers made from graph names ("Fire2.Expand1x1" becomes Fire2Expand1x1), unique
/// within one scope of generated code and different from the names the scope reserves for itself. Deterministic:
/// the same names asked for in the same order get the same identifiers.
/// </summary>
internal sealed class IdentifierSet
{
    private readonly HashSet<string> _used;

    public IdentifierSet(IEnumerable<string> reserved) => _used = new HashSet<string>(reserved, StringComparer.Ordinal);

    /// <summary>A scope nested in this one: it may not reuse any name taken here so far, or it would hide it.</summary>
    public IdentifierSet Nested(IEnumerable<string> reserved)
    {
        var nested = new IdentifierSet(_used);
        foreach (var name in reserved)
            nested._used.Add(name);
        return nested;
    }

    /// <summary>Marks <paramref name="name"/> as used.</summary>
    public void Reserve(string name) => _used.Add(name);

    /// <summary>
    /// An unused identifier for <paramref name="graphName"/> + <paramref name="suffix"/>. When
    /// <paramref name="companionSuffixes"/> are given, the identifier plus each of them must be unused too, and
    /// is taken as well (a constant and its "Length").
    /// </summary>
    public string Allocate(string graphName, string suffix = "", params string[] companionSuffixes)
    {
        var stem = Pascal(graphName) + suffix;
        var candidate = stem;
        for (var n = 2; !IsFree(candidate, companionSuffixes); n++)
            candidate = stem + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _used.Add(candidate);
        foreach (var companion in companionSuffixes)
            _used.Add(candidate + companion);
        return candidate;
    }

    private bool IsFree(string candidate, string[] companionSuffixes)
    {
        if (_used.Contains(candidate))
            return false;
        foreach (var companion in companionSuffixes)
        {
            if (_used.Contains(candidate + companion))
                return false;
        }
        return true;
    }

    /// <summary>"Fire2.Expand1x1@blocked" to Fire2Expand1x1Blocked: each segment sanitized and capitalized.</summary>
    public static string Pascal(string graphName)
    {
        var text = new StringBuilder(graphName.Length);
        foreach (var segment in graphName.Split('.', '@'))
        {
            if (segment.Length == 0)
                continue;
            var identifier = CSharpNames.ToIdentifier(segment).TrimStart('@');
            text.Append(char.ToUpperInvariant(identifier[0])).Append(identifier, 1, identifier.Length - 1);
        }
        if (text.Length == 0 || !Microsoft.CodeAnalysis.CSharp.SyntaxFacts.IsIdentifierStartCharacter(text[0]))
            text.Insert(0, '_');
        return text.ToString();
    }
}
