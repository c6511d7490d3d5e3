using System.Collections.Generic;

namespace ConvForge.Compiler.Diagnostics;

/// <summary>A rule: its id, title, default severity and category. Messages are formatted by the checks.</summary>
public sealed record DiagnosticRule(string Id, string Title, Severity Severity, string Category)
{
    /// <summary>Each rule's page: docs/diagnostics/{Id}.md.</summary>
    public string HelpLink => DiagnosticIds.HelpLinkBase + Id + ".md";
}

/// <summary>
/// The catalogue of ConvForge's diagnostics. One prefix (CF), numbers never reused. The analyzer
/// builds its descriptors from this list; docs/diagnostics has one page per id.
/// </summary>
public static class DiagnosticIds
{
    public const string HelpLinkBase = "https://github.com/convforge/convforge/blob/main/docs/diagnostics/";

    public const string Declaration = "ConvForge.Declaration";
    public const string Shapes = "ConvForge.Shapes";
    public const string Design = "ConvForge.Design";
    public const string Weights = "ConvForge.Weights";

    public static readonly DiagnosticRule NetworkNotPartial = new("CF0001", "Network class must be partial", Severity.Error, Declaration);
    public static readonly DiagnosticRule LayerOutsideNetwork = new("CF0002", "Layer attribute on a class without [Network]", Severity.Error, Declaration);
    public static readonly DiagnosticRule InvalidLayerProperty = new("CF0003", "Layer property must be 'partial Layer Name { get; }'", Severity.Error, Declaration);
    public static readonly DiagnosticRule ChannelMismatch = new("CF0004", "Input channels do not match", Severity.Error, Shapes);
    public static readonly DiagnosticRule ConcatSpatialMismatch = new("CF0005", "Concat inputs differ in height or width", Severity.Error, Shapes);
    public static readonly DiagnosticRule AddShapeMismatch = new("CF0006", "Add inputs differ in shape", Severity.Error, Shapes);
    public static readonly DiagnosticRule EmptyOutput = new("CF0007", "Layer output would be empty", Severity.Error, Shapes);
    public static readonly DiagnosticRule DroppedPixels = new("CF0008", "Stride and padding drop input pixels", Severity.Warning, Shapes);
    public static readonly DiagnosticRule DenseInputMismatch = new("CF0009", "Dense input size does not match", Severity.Error, Shapes);
    public static readonly DiagnosticRule UnknownReference = new("CF0010", "Unknown layer reference", Severity.Error, Declaration);
    public static readonly DiagnosticRule ForwardReference = new("CF0011", "Layer reads a layer declared after it", Severity.Error, Declaration);
    public static readonly DiagnosticRule CyclicReference = new("CF0012", "Layer references form a cycle", Severity.Error, Declaration);
    public static readonly DiagnosticRule DuplicateLayerName = new("CF0013", "Duplicate layer name", Severity.Error, Declaration);
    public static readonly DiagnosticRule InvalidArgument = new("CF0014", "Invalid layer argument", Severity.Error, Declaration);
    public static readonly DiagnosticRule BottleneckAdvice = new("CF0015", "A 1x1 bottleneck would cut this convolution's cost", Severity.Info, Design);
    public static readonly DiagnosticRule GroupsMismatch = new("CF0016", "Channels do not divide by groups", Severity.Error, Shapes);
    public static readonly DiagnosticRule InvalidModule = new("CF0017", "Invalid module use", Severity.Error, Declaration);
    public static readonly DiagnosticRule ConflictingArguments = new("CF0018", "Conflicting layer arguments", Severity.Error, Declaration);
    public static readonly DiagnosticRule EmptyNetwork = new("CF0019", "Network has no layers", Severity.Warning, Declaration);
    public static readonly DiagnosticRule TooLarge = new("CF0020", "Network too large", Severity.Error, Shapes);
    public static readonly DiagnosticRule WeightFileUnreadable = new("CF0021", "Weight file cannot be read", Severity.Error, Weights);
    public static readonly DiagnosticRule WeightTensorMissing = new("CF0022", "Weight file lacks declared parameters", Severity.Error, Weights);
    public static readonly DiagnosticRule WeightTensorExtra = new("CF0023", "Weight file has tensors the network does not declare", Severity.Warning, Weights);
    public static readonly DiagnosticRule WeightTensorMismatch = new("CF0024", "Weight tensor does not fit the declaration", Severity.Error, Weights);

    public static IReadOnlyList<DiagnosticRule> All { get; } = new[]
    {
        NetworkNotPartial, LayerOutsideNetwork, InvalidLayerProperty, ChannelMismatch, ConcatSpatialMismatch,
        AddShapeMismatch, EmptyOutput, DroppedPixels, DenseInputMismatch, UnknownReference, ForwardReference,
        CyclicReference, DuplicateLayerName, InvalidArgument, BottleneckAdvice, GroupsMismatch, InvalidModule,
        ConflictingArguments, EmptyNetwork, TooLarge, WeightFileUnreadable, WeightTensorMissing, WeightTensorExtra,
        WeightTensorMismatch,
    };
}
