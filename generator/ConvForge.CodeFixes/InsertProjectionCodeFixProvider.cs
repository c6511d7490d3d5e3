using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using ConvForge.CodeFixes.Projection;
using ConvForge.Generators.Analysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace ConvForge.CodeFixes;

/// <summary>
/// CF0006: an Add whose inputs differ in channels (and maybe size) gets a 1x1 convolution + BatchNorm
/// projection of the odd input, as ResNet's shortcuts do. See <see cref="ProjectionPlanner"/> for how the
/// Add and its neighbours are rewritten so that the result compiles with no diagnostic.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InsertProjectionCodeFixProvider)), Shared]
public sealed class InsertProjectionCodeFixProvider : CodeFixProvider
{
    private const string EquivalenceKey = "ConvForge.InsertProjection";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.AddShapeMismatch.Id);

    // Not the batch fixer: two fixes in one class may project the same layer, and each must get its own
    // name, which only writing them together can guarantee.
    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(FixAllInDocumentAsync);

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var document = context.Document;
        var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
            return;
        foreach (var diagnostic in context.Diagnostics)
        {
            var plan = ProjectionPlanner.TryPlan(root, model, diagnostic, context.CancellationToken);
            if (plan is null)
                continue;
            context.RegisterCodeFix(
                CodeAction.Create(Title(plan), _ => Task.FromResult(document.WithSyntaxRoot(ProjectionWriter.Apply(root, new[] { plan }))), EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Document?> FixAllInDocumentAsync(FixAllContext context, Document document, ImmutableArray<Diagnostic> diagnostics)
    {
        var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
            return null;
        var plans = new List<ProjectionPlan>();
        foreach (var diagnostic in diagnostics)
        {
            if (ProjectionPlanner.TryPlan(root, model, diagnostic, context.CancellationToken) is { } plan)
                plans.Add(plan);
        }
        return plans.Count == 0 ? null : document.WithSyntaxRoot(ProjectionWriter.Apply(root, plans));
    }

    private static string Title(ProjectionPlan plan)
    {
        var stride = plan.Stride > 1 ? ", stride " + plan.Stride.ToString(CultureInfo.InvariantCulture) : "";
        return $"Insert a 1x1 projection of '{plan.Input}' to {plan.Channels.ToString(CultureInfo.InvariantCulture)} channels{stride}";
    }
}
