using System;

namespace ConvForge;

/// <summary>
/// Base of every layer attribute. A property may carry several (<c>[Conv(64), BatchNorm, Relu]</c>):
/// they run in the order written, and the property names the output of the last one.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = true, Inherited = false)]
public abstract class LayerAttribute : Attribute
{
    /// <summary>
    /// The layer this one reads. Defaults to the layer declared just before (or the network input
    /// for the first layer). Only the first attribute on a property may set it.
    /// </summary>
    public string? From { get; set; }
}

/// <summary>A layer with stated input channels, checked at build time when given.</summary>
public abstract class ChannelLayerAttribute : LayerAttribute
{
    /// <summary>
    /// The input channels this layer expects. Optional: when set, a build-time error names the
    /// layer that produces a different count.
    /// </summary>
    public int In { get; set; }

    /// <summary>
    /// Inside a <see cref="NetworkModuleAttribute"/> module: output channels as a multiple of the
    /// width the module is used with. Takes the place of the channel count.
    /// </summary>
    public int WidthFactor { get; set; }
}
