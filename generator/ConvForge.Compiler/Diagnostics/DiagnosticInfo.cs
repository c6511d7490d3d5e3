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
    /// <summary>
    /// Facts a code fix needs, carried to Roslyn's Diagnostic.Properties. CF0006 (Add shape mismatch)
    /// sets "Input" (the name of the Add input to project, as written), "Channels" (the channels it must
    /// have) and "Stride" (the stride that makes its height and width match, "1" when they already do).
    /// </summary>
    public EquatableArray<DiagnosticProperty> Properties { get; init; } = EquatableArray<DiagnosticProperty>.Empty;

    public override string ToString() => $"{Id} ({Severity}) at {Site}: {Message}";
}

/// <summary>One key/value fact of a diagnostic, for code fixes.</summary>
public sealed record DiagnosticProperty(string Key, string Value);
