using System;
using System.Collections.Generic;
using ConvForge.Compiler;

namespace ConvForge.Generators.Models;

/// <summary>
/// The hint name of every generated file, assigned over all of them at once: the driver compares hint names
/// without regard to case, so classes App.Net and App.NET would otherwise collide (and the generator would
/// fail as a whole). Holds only names, so it stays equal while declarations are edited and keeps every
/// output cached.
/// </summary>
internal sealed record HintNames(EquatableArray<HintName> Entries)
{
    /// <summary>
    /// Hint names for the classes with these full names: "{FullName}.g.cs" sanitized, and on a clash
    /// "{FullName}.2.g.cs" and so on, in ordinal order of the full names so the numbering is stable.
    /// </summary>
    public static HintNames Assign(IEnumerable<string> fullNames)
    {
        var sorted = new List<string>(new HashSet<string>(fullNames, StringComparer.Ordinal));
        sorted.Sort(StringComparer.Ordinal);

        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var entries = new List<HintName>(sorted.Count);
        foreach (var fullName in sorted)
        {
            var hint = HintFor(fullName);
            var stem = hint.Substring(0, hint.Length - ".g.cs".Length);
            for (var n = 2; !taken.Add(hint); n++)
                hint = stem + "." + n.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".g.cs";
            entries.Add(new HintName(fullName, hint));
        }
        return new HintNames(entries.ToEquatableArray());
    }

    /// <summary>
    /// "{Namespace}.{Class}.g.cs" from a full name ("MyApp.Outer+Net.g.cs"), with any character a file name
    /// should not hold replaced by '_'. Two names can still meet here (hint names ignore case, and "Net`1"
    /// becomes "Net_1"): <see cref="Assign"/> numbers the later ones.
    /// </summary>
    internal static string HintFor(string fullName)
    {
        var name = new System.Text.StringBuilder(fullName);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!(char.IsLetterOrDigit(c) || c == '_' || c == '.' || c == '+'))
                name[i] = '_';
        }
        return name.Append(".g.cs").ToString();
    }

    /// <summary>The hint name for <paramref name="fullName"/> (the plain one if it was not assigned, which does not happen).</summary>
    public string For(string fullName)
    {
        foreach (var entry in Entries)
        {
            if (entry.FullName == fullName)
                return entry.Hint;
        }
        return HintFor(fullName);
    }
}

/// <summary>A class's full metadata name and the hint name of its generated file.</summary>
internal sealed record HintName(string FullName, string Hint);
