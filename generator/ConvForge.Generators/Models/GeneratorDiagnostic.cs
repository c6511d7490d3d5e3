using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ConvForge.Generators.Models;

/// <summary>
/// A diagnostic the generator reports, as plain data: a <see cref="Diagnostic"/> or <see cref="Location"/> in a
/// pipeline model would keep its syntax tree (and so the whole compilation) alive and never compare equal
/// across runs (dotnet/runtime#92509). <see cref="ToDiagnostic"/> rebuilds it when it is reported.
/// </summary>
/// <param name="Id">The rule, e.g. "CF0001"; one of <c>DiagnosticDescriptors.All</c>.</param>
/// <param name="FilePath">The path of the file it is in.</param>
/// <param name="Span">Where in that file.</param>
/// <param name="LineSpan">The same place as lines and columns, for the build output.</param>
/// <param name="Message">The whole message, already formatted.</param>
internal sealed record GeneratorDiagnostic(string Id, string FilePath, TextSpan Span, LinePositionSpan LineSpan, string Message)
{
    /// <summary>The diagnostic at <paramref name="location"/>, a place in source.</summary>
    public static GeneratorDiagnostic At(Location location, string id, string message)
    {
        var lineSpan = location.GetLineSpan();
        return new GeneratorDiagnostic(id, lineSpan.Path, location.SourceSpan, lineSpan.Span, message);
    }

    /// <summary>The Roslyn diagnostic; null when <see cref="Id"/> is not a ConvForge rule (a bug, which must not crash the build).</summary>
    public Diagnostic? ToDiagnostic()
    {
        var descriptor = Analysis.DiagnosticDescriptors.Find(Id);
        return descriptor is null ? null : Diagnostic.Create(descriptor, Location.Create(FilePath, Span, LineSpan), Message);
    }
}
