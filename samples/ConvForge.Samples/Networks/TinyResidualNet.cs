using ConvForge;

namespace ConvForge.Samples;

/// <summary>
/// A small CIFAR-sized network built from a custom module: a template to copy when a network repeats a
/// block of your own design.
/// </summary>
/// <remarks>
/// <para>
/// What it demonstrates: <see cref="ResidualPair"/> is declared once with <see cref="NetworkModuleAttribute"/>
/// and used twice through <see cref="ModuleAttribute"/> with different widths (32, then 64), the way Network
/// in Network nests a small network inside a layer. Its layers appear as <c>Block1.Conv1</c>,
/// <c>Block2.Shortcut</c> ... in summaries and parameter names. <c>Block2</c> states its input channels
/// (<c>In = 32</c>), and <see cref="Attention"/> is a squeeze-and-excitation block (Hu et al., 2017): a global
/// pool, then a 1x1 reduction and a 1x1 expansion that re-weight the channels (the seed's "feature
/// re-weighting across channels").
/// </para>
/// </remarks>
[Network(Channels = 3, Height = 32, Width = 32)]
public partial class TinyResidualNet
{
    [Conv(16, Kernel = 3, Padding = 1, Bias = false), BatchNorm, Relu] public partial Layer Stem { get; }
    [Module(typeof(ResidualPair), Width = 32)]                         public partial Layer Block1 { get; }
    [MaxPool(2)]                                                       public partial Layer Pool1 { get; }
    [Module(typeof(ResidualPair), Width = 64, In = 32)]                public partial Layer Block2 { get; }
    [SqueezeExcite(Reduction = 8)]                                     public partial Layer Attention { get; }
    [GlobalAvgPool, Flatten]                                           public partial Layer Pool2 { get; }
    [Dense(10, InFeatures = 64), Softmax]                              public partial Layer Output { get; }
}
