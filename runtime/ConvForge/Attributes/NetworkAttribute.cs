using System;

namespace ConvForge;

/// <summary>
/// Marks a partial class as a network. Its <see cref="Layer"/> properties, in declaration order,
/// are the layers; the attributes on each property say what the layer computes.
/// </summary>
/// <example>
/// <code>
/// [Network(Channels = 3, Height = 32, Width = 32)]
/// public partial class TinyNet
/// {
///     [Conv(16, Kernel = 3, Padding = 1), Relu] public partial Layer Conv1 { get; }
///     [MaxPool(2)]                              public partial Layer Pool1 { get; }
///     [Flatten, Dense(10), Softmax]             public partial Layer Output { get; }
/// }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>Input channels (3 for RGB images).</summary>
    public int Channels { get; set; }

    /// <summary>Input height in pixels.</summary>
    public int Height { get; set; }

    /// <summary>Input width in pixels.</summary>
    public int Width { get; set; }

    /// <summary>
    /// The file that holds the network's pretrained weights (.safetensors or .onnx), for the build to check:
    /// ConvForge's analyzer reads the file's tensor table and reports parameters it lacks, tensors the network
    /// does not declare and shapes that differ (CF0021-CF0024), before anything runs. The path is looked up
    /// among the project's AdditionalFiles by its end ("resnet18.onnx" finds weights/resnet18.onnx), so add
    /// the file there: <c>&lt;AdditionalFiles Include="weights/resnet18.onnx" /&gt;</c>. Safetensors files are
    /// checked by ConvForge's parameter names, ONNX models by structure. Loading still happens at run time.
    /// </summary>
    public string? Weights { get; set; }
}

/// <summary>
/// Marks a partial class as a reusable module: a small network that other networks use with
/// <see cref="ModuleAttribute"/>, several times and with different widths. Its layers may give
/// their output channels as a multiple of the width the user passes (<c>WidthFactor</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkModuleAttribute : Attribute
{
}

/// <summary>Names that layers can refer to besides other layers.</summary>
public static class Layers
{
    /// <summary>
    /// The input of the network, or inside a module the input of the module:
    /// <c>[Add(nameof(Conv2), Layers.Input)]</c>.
    /// </summary>
    public const string Input = "Input";
}
