using System;
using Microsoft.ML.OnnxRuntime;

namespace ConvForge.Benchmarks;

/// <summary>
/// An exported model in ONNX Runtime, set up as its own benchmarks are: one intra-op and one inter-op
/// thread (so it runs on the calling thread, like our forward pass), all graph optimizations, and input
/// and output tensors bound once so a run allocates nothing.
/// </summary>
internal sealed class OnnxRuntimeModel : IDisposable
{
    private readonly SessionOptions options;
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly OrtValue inputValue;
    private readonly OrtValue outputValue;
    private readonly string[] inputNames = { OnnxExporter.InputName };
    private readonly string[] outputNames = { OnnxExporter.OutputName };

    public OnnxRuntimeModel(byte[] model, float[] input, float[] output)
    {
        options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        session = new InferenceSession(model, options);
        var outputShape = session.OutputMetadata[OnnxExporter.OutputName].Dimensions;
        var shape = new long[outputShape.Length];
        shape[0] = 1;
        long length = 1;
        for (var i = 1; i < shape.Length; i++)
            length *= shape[i] = outputShape[i];
        if (length != output.Length)
            throw new InvalidOperationException($"The exported model's output has {length} values per image; the network's has {output.Length}.");
        var inputShape = session.InputMetadata[OnnxExporter.InputName].Dimensions;
        inputValue = OrtValue.CreateTensorValueFromMemory(input, new long[] { 1, inputShape[1], inputShape[2], inputShape[3] });
        outputValue = OrtValue.CreateTensorValueFromMemory(output, shape);
    }

    /// <summary>One image: reads the input array, writes the output array given to the constructor.</summary>
    public void Run() => session.Run(runOptions, inputNames, new[] { inputValue }, outputNames, new[] { outputValue });

    /// <summary>"1.31.1".</summary>
    public static string Version => OrtEnv.Instance().GetVersionString();

    public void Dispose()
    {
        inputValue.Dispose();
        outputValue.Dispose();
        runOptions.Dispose();
        session.Dispose();
        options.Dispose();
    }
}
