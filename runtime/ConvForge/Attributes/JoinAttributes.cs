namespace ConvForge;

/// <summary>
/// Stacks its inputs along the channels; all must have the same height and width.
/// With one name, joins the layer declared just before with that layer.
/// </summary>
public sealed class ConcatAttribute : LayerAttribute
{
    /// <summary>Concatenate the named layers, in this order.</summary>
    public ConcatAttribute(params string[] inputs) => Inputs = inputs;

    /// <summary>The layers joined.</summary>
    public string[] Inputs { get; }
}

/// <summary>
/// Adds its inputs element by element (a residual connection); all must have the same shape.
/// With one name, adds that layer to the layer declared just before.
/// </summary>
public sealed class AddAttribute : LayerAttribute
{
    /// <summary>Add the named layers.</summary>
    public AddAttribute(params string[] inputs) => Inputs = inputs;

    /// <summary>The layers added.</summary>
    public string[] Inputs { get; }
}
