using System;
using System.Collections.Generic;
using System.IO;
using ConvForge.Execution;
using ConvForge.Kernels;
using ConvForge.Samples;

namespace ConvForge.Benchmarks;

/// <summary>A batch through a network: input, output, images.</summary>
internal delegate void ForwardPass(ReadOnlySpan<float> input, Span<float> output, int batchSize);

/// <summary>A constructed sample network, seen through the members every generated network has.</summary>
internal sealed record Instance(
    ForwardPass Forward,
    Action<KernelFamily> UseKernels,
    Func<KernelFamily> KernelFamily,
    Action<ulong> InitializeParameters,
    Action<Stream> ExportOnnx,
    Action<int> SetDegreeOfParallelism,
    Action<StepTimer?> SetStepTimer);

/// <summary>
/// A sample network to benchmark: its name, cost and shapes (the generated constants), the steps of its
/// forward pass (the generated table) and how to make one.
/// </summary>
internal sealed record Sample(string Name, long Macs, int InputLength, int OutputLength, IReadOnlyList<ForwardStepInfo> Steps, Func<Instance> Create)
{
    /// <summary>The samples of samples/ConvForge.Samples, smallest first.</summary>
    public static IReadOnlyList<Sample> All { get; } = new[]
    {
        new Sample("TinyResidualNet", TinyResidualNet.Macs, TinyResidualNet.InputLength, TinyResidualNet.OutputLength, TinyResidualNet.ForwardSteps, () =>
        {
            var n = new TinyResidualNet();
            return new Instance(n.Forward, n.UseKernels, () => n.KernelFamily, n.InitializeParameters, n.ExportOnnx,
                threads => n.DegreeOfParallelism = threads, timer => n.StepTimer = timer);
        }),
        new Sample("NIN", Nin.Macs, Nin.InputLength, Nin.OutputLength, Nin.ForwardSteps, () =>
        {
            var n = new Nin();
            return new Instance(n.Forward, n.UseKernels, () => n.KernelFamily, n.InitializeParameters, n.ExportOnnx,
                threads => n.DegreeOfParallelism = threads, timer => n.StepTimer = timer);
        }),
        new Sample("SqueezeNet 1.1", SqueezeNet11.Macs, SqueezeNet11.InputLength, SqueezeNet11.OutputLength, SqueezeNet11.ForwardSteps, () =>
        {
            var n = new SqueezeNet11();
            return new Instance(n.Forward, n.UseKernels, () => n.KernelFamily, n.InitializeParameters, n.ExportOnnx,
                threads => n.DegreeOfParallelism = threads, timer => n.StepTimer = timer);
        }),
        new Sample("GoogLeNet", GoogLeNet.Macs, GoogLeNet.InputLength, GoogLeNet.OutputLength, GoogLeNet.ForwardSteps, () =>
        {
            var n = new GoogLeNet();
            return new Instance(n.Forward, n.UseKernels, () => n.KernelFamily, n.InitializeParameters, n.ExportOnnx,
                threads => n.DegreeOfParallelism = threads, timer => n.StepTimer = timer);
        }),
        new Sample("ResNet-18", ResNet18.Macs, ResNet18.InputLength, ResNet18.OutputLength, ResNet18.ForwardSteps, () =>
        {
            var n = new ResNet18();
            return new Instance(n.Forward, n.UseKernels, () => n.KernelFamily, n.InitializeParameters, n.ExportOnnx,
                threads => n.DegreeOfParallelism = threads, timer => n.StepTimer = timer);
        }),
        new Sample("ResNet-50", ResNet50.Macs, ResNet50.InputLength, ResNet50.OutputLength, ResNet50.ForwardSteps, () =>
        {
            var n = new ResNet50();
            return new Instance(n.Forward, n.UseKernels, () => n.KernelFamily, n.InitializeParameters, n.ExportOnnx,
                threads => n.DegreeOfParallelism = threads, timer => n.StepTimer = timer);
        }),
    };

    /// <summary>Matches "resnet50", "ResNet-50", "squeezenet": case, spaces, dots and dashes ignored.</summary>
    public bool Matches(string name) => Key(Name).StartsWith(Key(name), StringComparison.Ordinal) && Key(name).Length > 0;

    private static string Key(string text) => text.ToLowerInvariant().Replace(" ", "").Replace("-", "").Replace(".", "");
}
