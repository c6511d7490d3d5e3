using System;
using System.IO;

namespace ConvForge.Samples;

public partial class ResNet18Cntk
{
    /// <summary>ResNet18.onnx, copied next to the sample assembly by the build (from the NuGet package, see the csproj).</summary>
    public static string OnnxPath => Path.Combine(AppContext.BaseDirectory, "Pretrained", "ResNet18Cntk", "ResNet18.onnx");

    /// <summary>ResNetPreprocess.onnx (RGB to BGR, minus the mean image), next to <see cref="OnnxPath"/>.</summary>
    public static string PreprocessOnnxPath => Path.Combine(AppContext.BaseDirectory, "Pretrained", "ResNet18Cntk", "ResNetPreprocess.onnx");
}
