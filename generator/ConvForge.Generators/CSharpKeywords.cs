using Microsoft.CodeAnalysis.CSharp;

namespace ConvForge.Generators;

/// <summary>Names as C# must spell them, for the models the parser builds and the text the emitters write.</summary>
internal static class CSharpKeywords
{
    /// <summary>"@class" for "class"; other names unchanged.</summary>
    public static string Escape(string name)
        => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
