using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace ConvForge.Generators.Emitting;

/// <summary>Writing names and constants as C# source text (invariant culture throughout).</summary>
internal static class CSharpNames
{
    /// <summary>"@class" for "class"; other names unchanged.</summary>
    public static string EscapeKeyword(string name) => CSharpKeywords.Escape(name);

    /// <summary>
    /// A valid C# identifier for <paramref name="name"/>: characters an identifier cannot hold become '_', a
    /// leading digit gets a '_' before it, and keywords are escaped. Deterministic, so generated names are stable.
    /// </summary>
    public static string ToIdentifier(string name)
    {
        if (name.Length == 0)
            return "_";
        var text = new StringBuilder(name.Length + 1);
        if (!SyntaxFacts.IsIdentifierStartCharacter(name[0]))
            text.Append('_');
        foreach (var c in name)
            text.Append(SyntaxFacts.IsIdentifierPartCharacter(c) ? c : '_');
        return EscapeKeyword(text.ToString());
    }

    /// <summary>A string literal, escaped: "Fire2.Squeeze".</summary>
    public static string Literal(string? value)
        => value is null ? "null" : SymbolDisplay.FormatLiteral(value, quote: true);

    public static string Literal(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Literal(long value) => value.ToString(CultureInfo.InvariantCulture) + "L";

    public static string Literal(bool value) => value ? "true" : "false";

    /// <summary>A number for prose and doc comments: 1,235,496.</summary>
    public static string Grouped(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>Text made safe for an XML doc comment.</summary>
    public static string XmlEscape(string text)
        => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
