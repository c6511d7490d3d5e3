using System;
using System.Collections.Generic;
using System.Linq;
using ConvForge.Execution;
using ConvForge.Parity.Tests.Infrastructure;
using ConvForge.Samples;

namespace ConvForge.Parity.Tests;

/// <summary>
/// Runs alone, so the forward pools every instance shares are free and a Forward with threads really runs on them (a
/// busy pool would make it run on the calling thread: still correct, but proving nothing about threads).
/// </summary>
[CollectionDefinition(nameof(SampleThreadTests), DisableParallelization = true)]
public sealed class SampleThreadCollection
{
}

/// <summary>
/// The sample networks on 1, 2 and 3 threads, on the best kernel family here: every image of every batch (1, 2, 3 and 5
/// images: whole images side by side, steps split between the threads, and both in one call) comes out bit-identical to
/// the image computed alone on one thread, which matches ONNX Runtime within <see cref="OnnxParity.RelativeTolerance"/>.
/// </summary>
[Collection(nameof(SampleThreadTests))]
public sealed class SampleThreadTests
{
    private const ulong Seed = 2026;
    private static readonly int[] Degrees = { 1, 2, 3 };
    private static readonly int[] Batches = { 1, 2, 3, 5 };

    private static readonly Dictionary<string, Type> s_samples = new[]
    {
        typeof(ResNet18), typeof(GoogLeNet), typeof(SqueezeNet11), typeof(Nin), typeof(TinyResidualNet),
    }.ToDictionary(type => type.Name);

    public static TheoryData<string> Samples() => new(s_samples.Keys);

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_image_is_bit_identical_on_any_number_of_threads_and_matches_onnx_runtime(string sample)
    {
        var type = s_samples[sample];
        var family = OnnxParity.TestedFamilies[0];
        var reference = OnnxParity.ReferenceFor(type, Seed);
        var network = new GeneratedNetwork(type);
        network.UseKernels(family);
        OnnxParity.SetTestParameters(network, Seed);
        var inputLength = network.Definition.InputShape.Length;
        var outputLength = network.OutputLength;

        // Five images ONNX Runtime has computed: the batch's three, the single one, the batch's first again.
        var images = new[] { (reference.Batch, reference.BatchOutput, 0), (reference.Batch, reference.BatchOutput, 1), (reference.Batch, reference.BatchOutput, 2), (reference.Single, reference.SingleOutput, 0), (reference.Batch, reference.BatchOutput, 0) };
        var input = images.SelectMany(i => i.Item1.Skip(i.Item3 * inputLength).Take(inputLength)).ToArray();
        var onnxRuntime = images.SelectMany(i => i.Item2.Skip(i.Item3 * outputLength).Take(outputLength)).ToArray();

        network.DegreeOfParallelism = 1;
        var alone = new float[images.Length * outputLength];
        for (var i = 0; i < images.Length; i++)
            network.Forward(input.AsSpan(i * inputLength, inputLength), alone.AsSpan(i * outputLength, outputLength));
        OnnxParity.AssertClose(onnxRuntime, alone, new long[] { images.Length, outputLength }, $"{sample}, {family}, each image alone on one thread");

        foreach (var degree in Degrees)
        {
            network.DegreeOfParallelism = degree;
            // One thread computed every image alone already; it only adds a batch run after run.
            foreach (var batch in degree == 1 ? new[] { Batches[^1] } : Batches)
            {
                var output = new float[batch * outputLength];
                output.AsSpan().Fill(float.NaN);
                network.Forward(input.AsSpan(0, batch * inputLength), output, batch);
                for (var i = 0; i < output.Length; i++)
                {
                    if (BitConverter.SingleToInt32Bits(alone[i]) != BitConverter.SingleToInt32Bits(output[i]))
                    {
                        Assert.Fail($"{sample}, {family}, {degree} threads, batch of {batch}: image {i / outputLength}, element {i % outputLength} "
                            + $"is {output[i]:R}, computed alone on one thread {alone[i]:R}.");
                    }
                }
            }
        }

        // The pool did run them: with two threads a batch of three is two images side by side and one shared, and only
        // the shared one is timed per step.
        var timer = new StepTimer(network.ForwardSteps.Count);
        network.StepTimer = timer;
        network.DegreeOfParallelism = 2;
        network.Forward(input.AsSpan(0, 3 * inputLength), new float[3 * outputLength], 3);
        Assert.Equal(1, timer.Images);
        Assert.All(Enumerable.Range(0, timer.StepCount), step => Assert.True(timer.Elapsed(step) >= TimeSpan.Zero));
    }
}
