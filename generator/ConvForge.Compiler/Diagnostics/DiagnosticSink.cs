using System.Collections.Generic;

namespace ConvForge.Compiler.Diagnostics;

/// <summary>Collects the diagnostics of one compilation, in the order the stages find them.</summary>
internal sealed class DiagnosticSink
{
    private readonly List<DiagnosticInfo> _items = new();

    public IReadOnlyList<DiagnosticInfo> Items => _items;

    public int ErrorCount { get; private set; }

    public void Report(DiagnosticRule rule, Site site, string message)
        => Add(new DiagnosticInfo(rule.Id, rule.Severity, site, message));

    public void Report(DiagnosticRule rule, Site site, string message, params DiagnosticProperty[] properties)
        => Add(new DiagnosticInfo(rule.Id, rule.Severity, site, message) { Properties = EquatableArray.Create(properties) });

    public void Add(DiagnosticInfo diagnostic)
    {
        _items.Add(diagnostic);
        if (diagnostic.Severity == Severity.Error)
            ErrorCount++;
    }
}
