using System;
using System.IO;
using ConvForge.Onnx;

namespace ConvForge;

/// <summary>
/// Writes a network and its weights as an ONNX model (IR version 8, opset 13 of the default domain,
/// standard operators only), to open in Netron or run in ONNX Runtime.
/// </summary>
/// <remarks>
/// The graph input is "input", float [N, C, H, W] with a symbolic batch "N"; the graph output is
/// "output", [N, C, H, W], or [N, C] when the network ends in Flatten or Dense (and elementwise nodes
/// after them). Nodes keep ConvForge's node names; initializers are named after the parameters.
/// Conv maps to Conv; MaxPool and AvgPool to MaxPool and
/// AveragePool (ceil_mode, count_include_pad); BatchNorm to BatchNormalization; Relu6 to Clip;
/// Dropout to Identity; Dense to Gemm (transB = 1) after a Flatten; ChannelScale to Mul; Add of more
/// than two inputs to Sum. The protobuf encoding is written here by hand: no package, no reflection.
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The ONNX IR version written.</summary>
    public const long IrVersion = 8;
    /// <summary>The opset version of the default domain.</summary>
    public const long OpsetVersion = 13;
    /// <summary>The graph input's name.</summary>
    public const string InputName = "input";
    /// <summary>The graph output's name.</summary>
    public const string OutputName = "output";

    /// <summary>Writes <paramref name="store"/>'s network and weights to <paramref name="path"/>.</summary>
    public static void Export(ParameterStore store, string path)
    {
        if (store is null)
            throw new ArgumentNullException(nameof(store));
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Export(store.Network, store.Values, stream);
    }

    /// <summary>Writes <paramref name="store"/>'s network and weights to <paramref name="destination"/>.</summary>
    public static void Export(ParameterStore store, Stream destination)
    {
        if (store is null)
            throw new ArgumentNullException(nameof(store));
        Export(store.Network, store.Values, destination);
    }

    /// <summary>The ONNX model of <paramref name="network"/> with <paramref name="parameters"/>, as bytes.</summary>
    public static byte[] ExportToArray(NetworkDefinition network, ReadOnlySpan<float> parameters)
    {
        using var stream = new MemoryStream();
        Export(network, parameters, stream);
        return stream.ToArray();
    }

    /// <summary>
    /// Writes <paramref name="network"/> with the flat parameter buffer <paramref name="parameters"/>
    /// (laid out by the network's <see cref="ParameterInfo"/> offsets) to <paramref name="destination"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The buffer is shorter than the network's parameters.</exception>
    /// <exception cref="NotSupportedException">A node has no opset-13 equivalent (dilated average pooling).</exception>
    public static void Export(NetworkDefinition network, ReadOnlySpan<float> parameters, Stream destination)
    {
        if (network is null)
            throw new ArgumentNullException(nameof(network));
        if (destination is null)
            throw new ArgumentNullException(nameof(destination));
        if (parameters.Length < network.ParameterLength)
            throw new ArgumentException(
                FormattableString.Invariant($"Network {network.Name} has {network.ParameterLength} parameter floats but the buffer holds {parameters.Length}."),
                nameof(parameters));

        var graph = OnnxLowering.Lower(network);
        OnnxModelWriter.Write(graph, parameters, destination, ProducerVersion());
    }

    private static string ProducerVersion()
    {
        var version = typeof(OnnxExporter).Assembly.GetName().Version;
        return version is null ? "0" : version.ToString(3);
    }
}
