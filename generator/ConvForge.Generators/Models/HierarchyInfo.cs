using ConvForge.Compiler;

namespace ConvForge.Generators.Models;

/// <summary>
/// Where a class sits, as text: its namespace and the classes it is nested in, outermost first. Enough to
/// declare the class again around generated members, and to name the generated file.
/// </summary>
/// <param name="Namespace">"ConvForge.Samples"; empty for the global namespace.</param>
/// <param name="ContainingTypes">The enclosing types, outermost first.</param>
internal sealed record HierarchyInfo(string Namespace, EquatableArray<TypeDeclarationInfo> ContainingTypes)
{
    /// <summary>
    /// The full metadata name of <paramref name="type"/> declared here: namespace, then the enclosing types and the type
    /// joined by '+' ("MyApp.Outer+Net`1"). Unique within a compilation, so it identifies a generated file.
    /// </summary>
    public string FullNameOf(TypeDeclarationInfo type)
    {
        var name = new System.Text.StringBuilder();
        if (Namespace.Length > 0)
            name.Append(Namespace.Replace("@", "")).Append('.');
        foreach (var containing in ContainingTypes)
            name.Append(containing.MetadataName).Append('+');
        return name.Append(type.MetadataName).ToString();
    }
}

/// <summary>How to declare a type again in another part: <c>partial {Keyword} {Name}{TypeParameters}</c>.</summary>
/// <param name="Keyword">"class", "struct", "interface", "record" or "record struct".</param>
/// <param name="Name">The identifier as it must be written (escaped with '@' when it is a keyword).</param>
/// <param name="TypeParameters">"" or "&lt;T, U&gt;".</param>
/// <param name="MetadataName">The CLR name ("Outer`1"), for the file name.</param>
internal sealed record TypeDeclarationInfo(string Keyword, string Name, string TypeParameters, string MetadataName);
