using System.Collections.Generic;

namespace ConvForge.Compiler.Building;

/// <summary>
/// The stable node names everything else (parameter names, generated members, summaries) derives from.
/// A property's last attribute's node carries the property's name; earlier ones are
/// "{Property}.{Kind}", with "2", "3" ... appended when a kind repeats.
/// </summary>
internal static class NodeNaming
{
    public static string ForOp(string property, IReadOnlyList<string> kinds, int index)
    {
        return index == kinds.Count - 1 ? property : ForParameters(property, kinds, index);
    }

    /// <summary>
    /// "{Property}.{Kind}" (with "2", "3" ... when a kind repeats) for any attribute, the last included: the
    /// prefix of the parameters of every parameterised attribute but a property's first.
    /// </summary>
    public static string ForParameters(string property, IReadOnlyList<string> kinds, int index)
    {
        var kind = kinds[index];
        var occurrence = 1;
        for (var i = 0; i < index; i++)
        {
            if (kinds[i] == kind)
                occurrence++;
        }
        return occurrence == 1 ? property + "." + kind : property + "." + kind + Text.Int(occurrence);
    }

    /// <summary>A C# identifier as Roslyn gives it (no '@'): letters, digits and underscores, not starting with a digit.</summary>
    public static bool IsIdentifier(string? name)
    {
        if (string.IsNullOrEmpty(name))
            return false;
        if (!(char.IsLetter(name![0]) || name[0] == '_'))
            return false;
        foreach (var c in name)
        {
            if (!(char.IsLetterOrDigit(c) || c == '_'))
                return false;
        }
        return true;
    }
}
