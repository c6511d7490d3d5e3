namespace ConvForge;

/// <summary>Common settings of max and average pooling.</summary>
public abstract class PoolAttribute : LayerAttribute
{
    private protected PoolAttribute(int kernel) => Kernel = kernel;

    /// <summary>Square window size.</summary>
    public int Kernel { get; }
    /// <summary>Window height, when it differs from its width.</summary>
    public int KernelHeight { get; set; }
    /// <summary>Window width, when it differs from its height.</summary>
    public int KernelWidth { get; set; }
    /// <summary>Stride on both axes. Default: the kernel size.</summary>
    public int Stride { get; set; }
    /// <summary>Vertical stride.</summary>
    public int StrideHeight { get; set; }
    /// <summary>Horizontal stride.</summary>
    public int StrideWidth { get; set; }
    /// <summary>Padding on all four sides. Default 0.</summary>
    public int Padding { get; set; }
    /// <summary>Padding above.</summary>
    public int PadTop { get; set; }
    /// <summary>Padding below.</summary>
    public int PadBottom { get; set; }
    /// <summary>Padding on the left.</summary>
    public int PadLeft { get; set; }
    /// <summary>Padding on the right.</summary>
    public int PadRight { get; set; }
    /// <summary>
    /// Round the output size up instead of down, so a last partial window still counts
    /// (Caffe's and SqueezeNet's and GoogLeNet's convention). A window that would start in the
    /// right or bottom padding is dropped, as in PyTorch and ONNX.
    /// </summary>
    public bool CeilMode { get; set; }
}

/// <summary>Max pooling.</summary>
public sealed class MaxPoolAttribute : PoolAttribute
{
    /// <summary>Max pooling over <paramref name="kernel"/> x <paramref name="kernel"/> windows.</summary>
    public MaxPoolAttribute(int kernel) : base(kernel) { }
}

/// <summary>Average pooling.</summary>
public sealed class AvgPoolAttribute : PoolAttribute
{
    /// <summary>Average pooling over <paramref name="kernel"/> x <paramref name="kernel"/> windows.</summary>
    public AvgPoolAttribute(int kernel) : base(kernel) { }

    /// <summary>Count padded zeros in the divisor. Default true, as in PyTorch.</summary>
    public bool CountIncludePad { get; set; } = true;
}

/// <summary>Average of each channel over the whole image: C x H x W becomes C x 1 x 1.</summary>
public sealed class GlobalAvgPoolAttribute : LayerAttribute
{
}

/// <summary>Maximum of each channel over the whole image: C x H x W becomes C x 1 x 1.</summary>
public sealed class GlobalMaxPoolAttribute : LayerAttribute
{
}
