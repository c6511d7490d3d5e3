using System;
using Microsoft.ML.OnnxRuntime;

namespace ConvForge.Benchmarks;

/// <summary>
/// An exported model in ONNX Runtime, set up as its own benchmarks are: all graph optimizations, sequential
/// execution (one inter-op thread), <c>threads</c> intra-op threads (the calling thread and threads - 1 of
/// its pool; with 1 everything runs on the calling thread, like our forward pass), and input and output
/// tensors bound once so a run allocates nothing. The exported model's batch dimension is symbolic, so one
/// model serves every batch size.
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

    /// <param name="model">The ONNX model.</param>
    /// <param name="input">The batch's input, read by every <see cref="Run"/>.</param>
    /// <param name="output">The batch's output, written by every <see cref="Run"/>.</param>
    /// <param name="batchSize">Images per run.</param>
    /// <param name="threads">Intra-op threads.</param>
    /// <param name="profilePrefix">When not null, ONNX Runtime profiles every node into a JSON file starting with this.</param>
    public OnnxRuntimeModel(byte[] model, float[] input, float[] output, int batchSize, int threads, string? profilePrefix = null)
    {
        options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        // Pool threads spin inside a run as usual, but block when it ends instead of spinning on: our side's
        // timed run follows right away and would otherwise share the cores with them (ours block too).
        options.AddSessionConfigEntry("session.force_spinning_stop", "1");
        if (profilePrefix is not null)
        {
            options.EnableProfiling = true;
            options.ProfileOutputPathPrefix = profilePrefix;
        }
        session = new InferenceSession(model, options);
        var outputShape = session.OutputMetadata[OnnxExporter.OutputName].Dimensions;
        var shape = new long[outputShape.Length];
        shape[0] = batchSize;
        long length = 1;
        for (var i = 1; i < shape.Length; i++)
            length *= shape[i] = outputShape[i];
        if (length * batchSize != output.Length)
            throw new InvalidOperationException($"The exported model's output has {length} values per image; the network's has {output.Length / batchSize}.");
        var inputShape = session.InputMetadata[OnnxExporter.InputName].Dimensions;
        inputValue = OrtValue.CreateTensorValueFromMemory(input, new long[] { batchSize, inputShape[1], inputShape[2], inputShape[3] });
        outputValue = OrtValue.CreateTensorValueFromMemory(output, shape);
    }

    /// <summary>One batch: reads the input array, writes the output array given to the constructor.</summary>
    public void Run() => session.Run(runOptions, inputNames, new[] { inputValue }, outputNames, new[] { outputValue });

    /// <summary>Stops profiling and returns the profile's path (with a profile prefix only).</summary>
    public string EndProfiling() => session.EndProfiling();

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
