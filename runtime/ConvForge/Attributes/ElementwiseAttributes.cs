namespace ConvForge;

/// <summary>Batch normalization per channel (inference: y = gamma * (x - mean) / sqrt(var + eps) + beta).</summary>
public sealed class BatchNormAttribute : LayerAttribute
{
    /// <summary>Added to the variance before the square root. Default 1e-5.</summary>
    public double Epsilon { get; set; } = 1e-5;
}

/// <summary>max(x, 0).</summary>
public sealed class ReluAttribute : LayerAttribute
{
}

/// <summary>x for x &gt; 0, otherwise <see cref="Slope"/> * x.</summary>
public sealed class LeakyReluAttribute : LayerAttribute
{
    /// <summary>The slope for negative inputs. Default 0.01.</summary>
    public double Slope { get; set; } = 0.01;
}

/// <summary>min(max(x, 0), 6).</summary>
public sealed class Relu6Attribute : LayerAttribute
{
}

/// <summary>1 / (1 + exp(-x)).</summary>
public sealed class SigmoidAttribute : LayerAttribute
{
}

/// <summary>Zeroes inputs at random while training; the identity at inference.</summary>
public sealed class DropoutAttribute : LayerAttribute
{
    /// <summary>Dropout with probability <paramref name="rate"/>.</summary>
    public DropoutAttribute(double rate) => Rate = rate;

    /// <summary>Dropout with probability 0.5.</summary>
    public DropoutAttribute() => Rate = 0.5;

    /// <summary>The probability that an input is zeroed, in [0, 1).</summary>
    public double Rate { get; }
}

/// <summary>C x H x W becomes (C*H*W) x 1 x 1.</summary>
public sealed class FlattenAttribute : LayerAttribute
{
}

/// <summary>Softmax over the channels.</summary>
public sealed class SoftmaxAttribute : LayerAttribute
{
}

/// <summary>
/// Local response normalization across channels (AlexNet, GoogLeNet v1):
/// y = x / (K + Alpha / Size * sum of x^2 over Size neighbouring channels)^Beta.
/// </summary>
public sealed class LrnAttribute : LayerAttribute
{
    /// <summary>Channels in the window. Default 5.</summary>
    public int Size { get; set; } = 5;
    /// <summary>Scale. Default 1e-4.</summary>
    public double Alpha { get; set; } = 1e-4;
    /// <summary>Exponent. Default 0.75.</summary>
    public double Beta { get; set; } = 0.75;
    /// <summary>Additive constant. Default 1.</summary>
    public double K { get; set; } = 1.0;
}
