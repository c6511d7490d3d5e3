using ConvForge;

namespace ConvForge.Samples;

/// <summary>
/// The training benchmark's network: a three-block Network in Network on Fashion-MNIST (1x28x28, ten
/// classes), as the PyTorch 1.13 script benchmarks/pytorch/train_nin.py builds it, layer for layer.
/// 311,674 parameters, 49.5 MMACs per image.
/// </summary>
/// <remarks>
/// <para>
/// What it demonstrates: the mlpconv block with batch normalisation. Each block is a spatial convolution
/// (5x5, 5x5, then 3x3, padded "same") followed by batch normalisation, then two 1x1 convolutions: a small
/// multilayer perceptron slid over the image, ReLU after every convolution (96-64-48, 128-96-96, 128-96-10
/// channels). 2x2 max pools halve the image after the first two blocks (28, 14, 7), and a global average
/// pool over the ten class maps of the last block gives the class scores.
/// </para>
/// <para>
/// It is the network of the PyTorch comparison, so the two frameworks train exactly the same thing:
/// any change here must be made in train_nin.py too. <c>Logits</c> are what the loss reads;
/// <c>Output</c> turns them into probabilities for inference.
/// </para>
/// </remarks>
[Network(Channels = 1, Height = 28, Width = 28)]
public partial class NinFashion
{
    [Conv(96, Kernel = 5, Same = true, Bias = false), BatchNorm, Relu]  public partial Layer Block1Conv { get; }
    [Conv(64, Kernel = 1), Relu]                                        public partial Layer Block1Mlp1 { get; }
    [Conv(48, Kernel = 1), Relu]                                        public partial Layer Block1Mlp2 { get; }
    [MaxPool(2)]                                                        public partial Layer Pool1 { get; }
    [Conv(128, Kernel = 5, Same = true, Bias = false), BatchNorm, Relu] public partial Layer Block2Conv { get; }
    [Conv(96, Kernel = 1), Relu]                                        public partial Layer Block2Mlp1 { get; }
    [Conv(96, Kernel = 1), Relu]                                        public partial Layer Block2Mlp2 { get; }
    [MaxPool(2)]                                                        public partial Layer Pool2 { get; }
    [Conv(128, Kernel = 3, Same = true, Bias = false), BatchNorm, Relu] public partial Layer Block3Conv { get; }
    [Conv(96, Kernel = 1), Relu]                                        public partial Layer Block3Mlp1 { get; }
    [Conv(10, Kernel = 1), Relu]                                        public partial Layer Block3Mlp2 { get; }
    [GlobalAvgPool]                                                     public partial Layer Logits { get; }
    [Softmax]                                                           public partial Layer Output { get; }
}
