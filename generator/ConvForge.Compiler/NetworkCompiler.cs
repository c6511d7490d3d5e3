using System.Threading;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Spec;

namespace ConvForge.Compiler;

/// <summary>The outcome of compiling a declaration: the graph (when it could be built) and every problem found.</summary>
/// <param name="Graph">Null when errors keep the graph from being built.</param>
public sealed record CompileResult(NetworkGraph? Graph, EquatableArray<DiagnosticInfo> Diagnostics)
{
    public bool HasErrors
    {
        get
        {
            foreach (var d in Diagnostics)
            {
                if (d.Severity == Severity.Error)
                    return true;
            }
            return false;
        }
    }
}

/// <summary>
/// The compiler's front door: spec -> graph (modules expanded) -> shapes -> checks.
/// Never throws on bad input: every problem becomes a <see cref="DiagnosticInfo"/>.
/// </summary>
public static class NetworkCompiler
{
    public static CompileResult Compile(NetworkSpec spec, CancellationToken cancellationToken = default)
    {
        throw new System.NotImplementedException("being written");
    }
}
