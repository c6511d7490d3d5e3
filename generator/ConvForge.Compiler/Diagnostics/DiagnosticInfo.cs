namespace ConvForge.Compiler.Diagnostics;

/// <summary>How bad a problem is; maps one to one onto Roslyn's DiagnosticSeverity.</summary>
public enum Severity
{
    Info,
    Warning,
    Error,
}

/// <summary>A problem found in a declaration, as plain equatable data.</summary>
/// <param name="Id">The rule, e.g. "CF0004"; see <see cref="DiagnosticIds"/>.</param>
/// <param name="Site">Where to report it.</param>
/// <param name="Message">The full message, naming the layers and shapes involved.</param>
public sealed record DiagnosticInfo(string Id, Severity Severity, Site Site, string Message)
{
    public override string ToString() => $"{Id} ({Severity}) at {Site}: {Message}";
}
