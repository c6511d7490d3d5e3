using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ConvForge.Onnx.Import;

namespace ConvForge.Samples;

/// <summary>
/// Turns an RGB image into the input <see cref="ResNet18Cntk"/> expects, as the package's
/// ResNetPreprocess.onnx does: channels reordered to BGR, then a 3x224x224 mean image subtracted.
/// The order and the mean image are read from that file (a Split, a Concat and a Sub), not restated here.
/// </summary>
/// <example>
/// <code>
/// var prep = ResNet18CntkPreprocessing.Load();
/// prep.Normalize(rgbPixels0To255, input);   // 3x224x224 floats each, NCHW
/// net.Forward(input, features);
/// </code>
/// </example>
public sealed class ResNet18CntkPreprocessing
{
    private readonly int[] channelOrder;
    private readonly float[] meanImage;

    private ResNet18CntkPreprocessing(int[] channelOrder, float[] meanImage)
    {
        this.channelOrder = channelOrder;
        this.meanImage = meanImage;
    }

    /// <summary>For each output channel, the input channel it takes (2, 1, 0: RGB to BGR).</summary>
    public IReadOnlyList<int> ChannelOrder => channelOrder;

    /// <summary>The mean image subtracted, 3x224x224 in the output (BGR) channel order, on the 0 to 255 scale.</summary>
    public ReadOnlySpan<float> MeanImage => meanImage;

    /// <summary>
    /// The mean of each channel of <see cref="MeanImage"/> (BGR order): the per-channel form of the preprocessing for
    /// inputs of another size than 224 x 224, such as <see cref="ResNet18Fashion"/>'s.
    /// </summary>
    public IReadOnlyList<float> ChannelMeans
    {
        get
        {
            const int plane = ResNet18Cntk.InputHeight * ResNet18Cntk.InputWidth;
            var means = new float[ResNet18Cntk.InputChannels];
            for (var c = 0; c < means.Length; c++)
            {
                double sum = 0;
                foreach (var value in meanImage.AsSpan(c * plane, plane))
                    sum += value;
                means[c] = (float)(sum / plane);
            }
            return means;
        }
    }

    /// <summary>Reads ResNetPreprocess.onnx (by default the copy next to the sample assembly).</summary>
    /// <exception cref="NotSupportedException">The file is not the Split, Concat, Sub graph this class understands.</exception>
    public static ResNet18CntkPreprocessing Load(string? path = null)
    {
        var model = OnnxModel.Load(path ?? ResNet18Cntk.PreprocessOnnxPath);
        var graph = model.Graph;
        var nodes = graph.Nodes;
        if (nodes.Count != 3 || nodes[0].OpType != "Split" || nodes[1].OpType != "Concat" || nodes[2].OpType != "Sub")
            throw new NotSupportedException($"Expected the preprocessing graph Split, Concat, Sub; found {string.Join(", ", nodes.Select(n => n.OpType))}.");
        var split = nodes[0];
        var concat = nodes[1];
        var sub = nodes[2];
        if (split.FindAttribute("axis")?.Int != 1 || concat.FindAttribute("axis")?.Int != 1)
            throw new NotSupportedException("Expected the Split and the Concat to work on the channels (axis 1).");
        var order = concat.Inputs.Select(input => split.Outputs.ToList().IndexOf(input)).ToArray();
        if (order.Length != ResNet18Cntk.InputChannels || order.Any(i => i < 0) || order.Distinct().Count() != order.Length)
            throw new NotSupportedException($"Expected the Concat to reorder the Split's {ResNet18Cntk.InputChannels} channels; it reads {string.Join(", ", concat.Inputs)}.");
        if (sub.Inputs.Count != 2 || sub.Inputs[0] != concat.Outputs[0])
            throw new NotSupportedException("Expected the Sub to subtract a constant from the reordered image.");
        var mean = graph.FindInitializer(sub.Inputs[1])
            ?? throw new NotSupportedException($"The Sub's second input {sub.Inputs[1]} is not a stored tensor.");
        var values = mean.ToFloats();
        if (values.Length != ResNet18Cntk.InputLength)
            throw new InvalidDataException($"The mean image {mean} should hold {ResNet18Cntk.InputLength} values (3x224x224).");
        return new ResNet18CntkPreprocessing(order, values);
    }

    /// <summary>
    /// Writes <paramref name="rgb"/> (batches of 3x224x224 NCHW floats, 0 to 255) reordered and minus the mean
    /// image into <paramref name="destination"/> (the same length).
    /// </summary>
    public void Normalize(ReadOnlySpan<float> rgb, Span<float> destination)
    {
        const int image = ResNet18Cntk.InputLength;
        const int plane = ResNet18Cntk.InputHeight * ResNet18Cntk.InputWidth;
        if (rgb.Length % image != 0 || destination.Length != rgb.Length)
            throw new ArgumentException($"Expected whole 3x224x224 images in and an output of the same length; got {rgb.Length} and {destination.Length} floats.");
        for (var start = 0; start < rgb.Length; start += image)
        {
            for (var c = 0; c < channelOrder.Length; c++)
            {
                var source = rgb.Slice(start + channelOrder[c] * plane, plane);
                var target = destination.Slice(start + c * plane, plane);
                var mean = meanImage.AsSpan(c * plane, plane);
                for (var i = 0; i < plane; i++)
                    target[i] = source[i] - mean[i];
            }
        }
    }
}
