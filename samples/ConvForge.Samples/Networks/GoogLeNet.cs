using ConvForge;

namespace ConvForge.Samples;

/// <summary>
/// GoogLeNet (Inception v1) as in Szegedy et al., "Going Deeper with Convolutions", 2014, Table 1 and
/// Figure 3, including the two local response normalizations; without the auxiliary classifiers, which
/// only serve training. Each property is one row of Table 1 (the table's "convolution 3x3/1, depth 2"
/// row is <see cref="Conv2Reduce"/> and <see cref="Conv2"/>).
/// </summary>
/// <remarks>
/// <para>
/// What it demonstrates: the 1x1 convolution as a <em>reduction</em> that makes width affordable. In every
/// <see cref="InceptionAttribute"/> module the 3x3 and 5x5 branches read a 1x1 convolution that first cuts
/// the depth (in 4e, 528 channels down to 160 before the 3x3 and to 32 before the 5x5), and the max-pool
/// branch ends in a 1x1 projection so that pooling does not pass all its input channels on. Without the
/// reductions, 4e's 5x5 branch alone would cost 528 x 128 x 25 multiply-adds per pixel instead of
/// 528 x 32 + 32 x 128 x 25.
/// </para>
/// <para>
/// Table 1's parameter column counts weights only (no biases) in units of 1024, its ops column
/// multiply-adds in millions. Several of its entries disagree with the widths in the same table; the
/// sample follows the widths, and docs/samples.md lists the rows where the printed figures differ.
/// </para>
/// </remarks>
[Network(Channels = 3, Height = 224, Width = 224)]
public partial class GoogLeNet
{
    [Conv(64, Kernel = 7, Stride = 2, Padding = 3), Relu]            public partial Layer Conv1 { get; }
    [MaxPool(3, Stride = 2, CeilMode = true)]                        public partial Layer Pool1 { get; }
    [Lrn]                                                            public partial Layer Norm1 { get; }
    [Conv1x1(64), Relu]                                              public partial Layer Conv2Reduce { get; }
    [Conv(192, Kernel = 3, Padding = 1), Relu]                       public partial Layer Conv2 { get; }
    [Lrn]                                                            public partial Layer Norm2 { get; }
    [MaxPool(3, Stride = 2, CeilMode = true)]                        public partial Layer Pool2 { get; }
    [Inception(64, 96, 128, 16, 32, 32)]                             public partial Layer Inception3a { get; }
    [Inception(128, 128, 192, 32, 96, 64)]                           public partial Layer Inception3b { get; }
    [MaxPool(3, Stride = 2, CeilMode = true)]                        public partial Layer Pool3 { get; }
    [Inception(192, 96, 208, 16, 48, 64, In = 480)]                  public partial Layer Inception4a { get; }
    [Inception(160, 112, 224, 24, 64, 64)]                           public partial Layer Inception4b { get; }
    [Inception(128, 128, 256, 24, 64, 64)]                           public partial Layer Inception4c { get; }
    [Inception(112, 144, 288, 32, 64, 64)]                           public partial Layer Inception4d { get; }
    [Inception(256, 160, 320, 32, 128, 128)]                         public partial Layer Inception4e { get; }
    [MaxPool(3, Stride = 2, CeilMode = true)]                        public partial Layer Pool4 { get; }
    [Inception(256, 160, 320, 32, 128, 128)]                         public partial Layer Inception5a { get; }
    [Inception(384, 192, 384, 48, 128, 128)]                         public partial Layer Inception5b { get; }
    [AvgPool(7, Stride = 1)]                                         public partial Layer AvgPool { get; }
    [Dropout(0.4), Flatten]                                          public partial Layer Drop { get; }
    [Dense(1000, InFeatures = 1024)]                                 public partial Layer Linear { get; }
    [Softmax]                                                        public partial Layer Output { get; }
}
