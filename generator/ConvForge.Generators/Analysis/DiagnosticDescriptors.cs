using System.Collections.Generic;
using System.Collections.Immutable;
using ConvForge.Compiler.Diagnostics;
using Microsoft.CodeAnalysis;

namespace ConvForge.Generators.Analysis;

/// <summary>
/// One Roslyn descriptor per rule of <see cref="DiagnosticIds.All"/>. Ids, categories and severities are
/// written out as constants because the release-tracking analyzers (RS2000-RS2008) check them against
/// AnalyzerReleases.Unshipped.md and can only read constants; titles and help links come from the catalogue,
/// and a test checks that every field agrees with it. The message is the core's, already formatted.
/// </summary>
internal static class DiagnosticDescriptors
{
    /// <summary>The core formats every message (naming layers and shapes); the descriptor passes it through.</summary>
    private const string MessageFormat = "{0}";

    /// <summary>CF0001: Network class must be partial.</summary>
    public static readonly DiagnosticDescriptor NetworkNotPartial = new(
        "CF0001", DiagnosticIds.NetworkNotPartial.Title, MessageFormat, DiagnosticIds.Declaration, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.NetworkNotPartial.HelpLink);

    /// <summary>CF0002: Layer attribute on a class without [Network].</summary>
    public static readonly DiagnosticDescriptor LayerOutsideNetwork = new(
        "CF0002", DiagnosticIds.LayerOutsideNetwork.Title, MessageFormat, DiagnosticIds.Declaration, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.LayerOutsideNetwork.HelpLink);

    /// <summary>CF0003: Layer property must be 'partial Layer Name { get; }'.</summary>
    public static readonly DiagnosticDescriptor InvalidLayerProperty = new(
        "CF0003", DiagnosticIds.InvalidLayerProperty.Title, MessageFormat, DiagnosticIds.Declaration, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.InvalidLayerProperty.HelpLink);

    /// <summary>CF0004: Input channels do not match.</summary>
    public static readonly DiagnosticDescriptor ChannelMismatch = new(
        "CF0004", DiagnosticIds.ChannelMismatch.Title, MessageFormat, DiagnosticIds.Shapes, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.ChannelMismatch.HelpLink);

    /// <summary>CF0005: Concat inputs differ in height or width.</summary>
    public static readonly DiagnosticDescriptor ConcatSpatialMismatch = new(
        "CF0005", DiagnosticIds.ConcatSpatialMismatch.Title, MessageFormat, DiagnosticIds.Shapes, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.ConcatSpatialMismatch.HelpLink);

    /// <summary>CF0006: Add inputs differ in shape.</summary>
    public static readonly DiagnosticDescriptor AddShapeMismatch = new(
        "CF0006", DiagnosticIds.AddShapeMismatch.Title, MessageFormat, DiagnosticIds.Shapes, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.AddShapeMismatch.HelpLink);

    /// <summary>CF0007: Layer output would be empty.</summary>
    public static readonly DiagnosticDescriptor EmptyOutput = new(
        "CF0007", DiagnosticIds.EmptyOutput.Title, MessageFormat, DiagnosticIds.Shapes, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.EmptyOutput.HelpLink);

    /// <summary>CF0008: Stride and padding drop input pixels.</summary>
    public static readonly DiagnosticDescriptor DroppedPixels = new(
        "CF0008", DiagnosticIds.DroppedPixels.Title, MessageFormat, DiagnosticIds.Shapes, DiagnosticSeverity.Warning, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.DroppedPixels.HelpLink);

    /// <summary>CF0009: Dense input size does not match.</summary>
    public static readonly DiagnosticDescriptor DenseInputMismatch = new(
        "CF0009", DiagnosticIds.DenseInputMismatch.Title, MessageFormat, DiagnosticIds.Shapes, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.DenseInputMismatch.HelpLink);

    /// <summary>CF0010: Unknown layer reference.</summary>
    public static readonly DiagnosticDescriptor UnknownReference = new(
        "CF0010", DiagnosticIds.UnknownReference.Title, MessageFormat, DiagnosticIds.Declaration, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.UnknownReference.HelpLink);

    /// <summary>CF0011: Layer reads a layer declared after it.</summary>
    public static readonly DiagnosticDescriptor ForwardReference = new(
        "CF0011", DiagnosticIds.ForwardReference.Title, MessageFormat, DiagnosticIds.Declaration, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.ForwardReference.HelpLink);

    /// <summary>CF0012: Layer references form a cycle.</summary>
    public static readonly DiagnosticDescriptor CyclicReference = new(
        "CF0012", DiagnosticIds.CyclicReference.Title, MessageFormat, DiagnosticIds.Declaration, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.CyclicReference.HelpLink);

    /// <summary>CF0013: Duplicate layer name.</summary>
    public static readonly DiagnosticDescriptor DuplicateLayerName = new(
        "CF0013", DiagnosticIds.DuplicateLayerName.Title, MessageFormat, DiagnosticIds.Declaration, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.DuplicateLayerName.HelpLink);

    /// <summary>CF0014: Invalid layer argument.</summary>
    public static readonly DiagnosticDescriptor InvalidArgument = new(
        "CF0014", DiagnosticIds.InvalidArgument.Title, MessageFormat, DiagnosticIds.Declaration, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.InvalidArgument.HelpLink);

    /// <summary>CF0015: A 1x1 bottleneck would cut this convolution's cost.</summary>
    public static readonly DiagnosticDescriptor BottleneckAdvice = new(
        "CF0015", DiagnosticIds.BottleneckAdvice.Title, MessageFormat, DiagnosticIds.Design, DiagnosticSeverity.Info, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.BottleneckAdvice.HelpLink);

    /// <summary>CF0016: Channels do not divide by groups.</summary>
    public static readonly DiagnosticDescriptor GroupsMismatch = new(
        "CF0016", DiagnosticIds.GroupsMismatch.Title, MessageFormat, DiagnosticIds.Shapes, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.GroupsMismatch.HelpLink);

    /// <summary>CF0017: Invalid module use.</summary>
    public static readonly DiagnosticDescriptor InvalidModule = new(
        "CF0017", DiagnosticIds.InvalidModule.Title, MessageFormat, DiagnosticIds.Declaration, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.InvalidModule.HelpLink);

    /// <summary>CF0018: Conflicting layer arguments.</summary>
    public static readonly DiagnosticDescriptor ConflictingArguments = new(
        "CF0018", DiagnosticIds.ConflictingArguments.Title, MessageFormat, DiagnosticIds.Declaration, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.ConflictingArguments.HelpLink);

    /// <summary>CF0019: Network has no layers.</summary>
    public static readonly DiagnosticDescriptor EmptyNetwork = new(
        "CF0019", DiagnosticIds.EmptyNetwork.Title, MessageFormat, DiagnosticIds.Declaration, DiagnosticSeverity.Warning, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.EmptyNetwork.HelpLink);

    /// <summary>CF0020: Network too large.</summary>
    public static readonly DiagnosticDescriptor TooLarge = new(
        "CF0020", DiagnosticIds.TooLarge.Title, MessageFormat, DiagnosticIds.Shapes, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.TooLarge.HelpLink);

    /// <summary>CF0021: Weight file cannot be read.</summary>
    public static readonly DiagnosticDescriptor WeightFileUnreadable = new(
        "CF0021", DiagnosticIds.WeightFileUnreadable.Title, MessageFormat, DiagnosticIds.Weights, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.WeightFileUnreadable.HelpLink);

    /// <summary>CF0022: Weight file lacks declared parameters.</summary>
    public static readonly DiagnosticDescriptor WeightTensorMissing = new(
        "CF0022", DiagnosticIds.WeightTensorMissing.Title, MessageFormat, DiagnosticIds.Weights, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.WeightTensorMissing.HelpLink);

    /// <summary>CF0023: Weight file has tensors the network does not declare.</summary>
    public static readonly DiagnosticDescriptor WeightTensorExtra = new(
        "CF0023", DiagnosticIds.WeightTensorExtra.Title, MessageFormat, DiagnosticIds.Weights, DiagnosticSeverity.Warning, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.WeightTensorExtra.HelpLink);

    /// <summary>CF0024: Weight tensor does not fit the declaration.</summary>
    public static readonly DiagnosticDescriptor WeightTensorMismatch = new(
        "CF0024", DiagnosticIds.WeightTensorMismatch.Title, MessageFormat, DiagnosticIds.Weights, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.WeightTensorMismatch.HelpLink);

    /// <summary>Every descriptor, in catalogue order.</summary>
    public static ImmutableArray<DiagnosticDescriptor> All { get; } = ImmutableArray.Create(
        NetworkNotPartial,
        LayerOutsideNetwork,
        InvalidLayerProperty,
        ChannelMismatch,
        ConcatSpatialMismatch,
        AddShapeMismatch,
        EmptyOutput,
        DroppedPixels,
        DenseInputMismatch,
        UnknownReference,
        ForwardReference,
        CyclicReference,
        DuplicateLayerName,
        InvalidArgument,
        BottleneckAdvice,
        GroupsMismatch,
        InvalidModule,
        ConflictingArguments,
        EmptyNetwork,
        TooLarge,
        WeightFileUnreadable,
        WeightTensorMissing,
        WeightTensorExtra,
        WeightTensorMismatch);

    private static readonly Dictionary<string, DiagnosticDescriptor> ById = CreateIndex();

    /// <summary>The descriptor for <paramref name="id"/>, or null for an id this version does not know.</summary>
    public static DiagnosticDescriptor? Find(string id) => ById.TryGetValue(id, out var descriptor) ? descriptor : null;

    private static Dictionary<string, DiagnosticDescriptor> CreateIndex()
    {
        var index = new Dictionary<string, DiagnosticDescriptor>(System.StringComparer.Ordinal);
        foreach (var descriptor in All)
            index[descriptor.Id] = descriptor;
        return index;
    }
}
