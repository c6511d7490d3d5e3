using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace ConvForge.Compiler.Planning;

/// <summary>
/// Hands out PascalCase identifiers made from graph names ("Fire2.Expand1x1" becomes Fire2Expand1x1), unique within
/// the forward pass's scope and different from the names it reserves for itself. Deterministic: the same names asked
/// for in the same order get the same identifiers. A C# keyword is always lower case, so a capitalized name never is one.
/// </summary>
internal sealed class Identifiers
{
    /// <summary>
    /// The names the generated forward pass declares itself (members, the generic class and its type parameter); also
    /// "ForwardPass" followed by any number of '_', since the container is "ForwardPass" or, when the user took that
    /// name, "ForwardPass_" (and so on), and a member may not be named like its class.
    /// </summary>
    public static readonly string[] Reserved =
    {
        "ForwardPass", "Plan", "TKernels", "ImageInputLength", "ImageOutputLength", "ArenaLength", "ScratchLength", "PackedLength",
        "BufferLengths", "Run", "Pack", "Pass", "Forward",
    };

    private readonly HashSet<string> _used = new(Reserved, StringComparer.Ordinal);

    /// <summary>Marks <paramref name="name"/> as used (a name declared in an enclosing scope that must not be hidden).</summary>
    public void Reserve(string name) => _used.Add(name);

    /// <summary>Takes <paramref name="name"/> as it is (a shape struct's name, made unique by its pass).</summary>
    public string Take(string name) => Allocate(name, "");

    /// <summary>
    /// An unused identifier for <paramref name="graphName"/> + <paramref name="suffix"/>, then "_2", "_3"...; with
    /// <paramref name="companionSuffix"/>, the identifier plus it must be unused too and is taken as well.
    /// </summary>
    public string Allocate(string graphName, string suffix, string? companionSuffix = null)
    {
        var stem = Pascal(graphName) + suffix;
        var candidate = stem;
        for (var n = 2; !IsFree(candidate) || (companionSuffix is not null && !IsFree(candidate + companionSuffix)); n++)
            candidate = stem + "_" + n.ToString(CultureInfo.InvariantCulture);
        _used.Add(candidate);
        if (companionSuffix is not null)
            _used.Add(candidate + companionSuffix);
        return candidate;
    }

    private bool IsFree(string candidate) => !_used.Contains(candidate) && !IsContainerName(candidate);

    private static bool IsContainerName(string candidate)
        => candidate.StartsWith("ForwardPass", StringComparison.Ordinal) && candidate.TrimEnd('_').Length == "ForwardPass".Length;

    /// <summary>"Fire2.Expand1x1@blocked" to Fire2Expand1x1Blocked: each segment's letters, digits and '_' kept (others become '_'), capitalized.</summary>
    public static string Pascal(string graphName)
    {
        var text = new StringBuilder(graphName.Length);
        foreach (var segment in graphName.Split('.', '@'))
        {
            if (segment.Length == 0)
                continue;
            text.Append(char.ToUpperInvariant(segment[0]) is var c && IsPart(c) ? c : '_');
            for (var i = 1; i < segment.Length; i++)
                text.Append(IsPart(segment[i]) ? segment[i] : '_');
        }
        if (text.Length == 0 || !(char.IsLetter(text[0]) || text[0] == '_'))
            text.Insert(0, '_');
        return text.ToString();
    }

    private static bool IsPart(char c) => char.IsLetterOrDigit(c) || c == '_';
}
