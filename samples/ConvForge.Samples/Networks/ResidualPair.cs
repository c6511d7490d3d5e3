using ConvForge;

namespace ConvForge.Samples;

/// <summary>
/// A reusable module: two 3x3 convolutions with batch normalization, added to a 1x1 projection of the
/// module's input, then ReLU. Declared once, used by <see cref="TinyResidualNet"/> at two widths.
/// </summary>
/// <remarks>
/// Channel counts are multiples of the width a network passes in <c>[Module(typeof(ResidualPair), Width = 32)]</c>:
/// the first convolution widens to 2 x Width, the second and the shortcut produce Width. The 1x1 shortcut
/// lets the module change the depth of its input (the seed's "1x1 convolution to match dimensions"), so
/// it can follow a layer of any width.
/// </remarks>
[NetworkModule]
public partial class ResidualPair
{
    [Conv(WidthFactor = 2, Kernel = 3, Padding = 1, Bias = false), BatchNorm, Relu] public partial Layer Conv1 { get; }
    [Conv(WidthFactor = 1, Kernel = 3, Padding = 1, Bias = false), BatchNorm]       public partial Layer Conv2 { get; }
    [Conv1x1(WidthFactor = 1, Bias = false, From = Layers.Input), BatchNorm]       public partial Layer Shortcut { get; }
    [Add(nameof(Conv2), nameof(Shortcut)), Relu]                                    public partial Layer Output { get; }
}
