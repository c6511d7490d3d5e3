using System;
using System.Linq;
using ConvForge.Execution;
using ConvForge.Kernels;
using ConvForge.Runtime.Tests.Onnx;

namespace ConvForge.Runtime.Tests.Execution;

/// <summary>
/// Runs alone, so the forward pools every instance shares are free: a Forward with threads then really runs on them
/// (a busy pool would make it run on the calling thread, still correct but proving nothing).
/// </summary>
[CollectionDefinition(nameof(ForwardThreadTests), DisableParallelization = true)]
public sealed class ForwardThreadCollection
{
}

/// <summary>
/// Threads inside a forward pass: results bit-identical for any degree of parallelism and batch (whole images side by
/// side, steps split between the threads, and both in one call), per-step timing, the option's checks, no allocation.
/// </summary>
[Collection(nameof(ForwardThreadTests))]
public sealed class ForwardThreadTests
{
    private static readonly int[] Degrees = { 1, 2, 3 };
    private static readonly int[] Batches = { 1, 2, 3, 5 };

    public static TheoryData<string, KernelFamily> Cases() => TestNetwork.NamesAndFamilies();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_image_comes_out_bit_identical_whatever_the_threads_and_the_batch(string name, KernelFamily family)
    {
        var network = TestNetwork.All[name];
        var instance = network.Create();
        instance.UseKernels(family);
        var images = Batches.Max();
        var input = OnnxRuntimeHarness.RandomValues(images * network.InputLength, seed: 9);

        // Each image alone on the calling thread: what every other way of running it must reproduce bit for bit.
        instance.DegreeOfParallelism = 1;
        var alone = new float[images * network.OutputLength];
        for (var i = 0; i < images; i++)
            instance.Forward(input.AsSpan(i * network.InputLength, network.InputLength), alone.AsSpan(i * network.OutputLength, network.OutputLength));
        OnnxRuntimeHarness.AssertClose(ReferenceInterpreter.Run(instance.Parameters, input.AsSpan(0, network.InputLength).ToArray()),
            alone.AsSpan(0, network.OutputLength).ToArray(), $"{name}, {family}, one thread");

        foreach (var degree in Degrees)
        {
            instance.DegreeOfParallelism = degree;
            foreach (var batch in Batches)
            {
                var output = new float[batch * network.OutputLength];
                output.AsSpan().Fill(float.NaN);
                instance.Forward(input.AsSpan(0, batch * network.InputLength), output, batch);
                AssertBitIdentical(alone.AsSpan(0, output.Length), output, network.OutputLength, $"{name}, {family}, {degree} threads, batch of {batch}");
            }
        }
    }

    [Fact]
    public void A_step_timer_times_every_step_of_the_images_the_threads_compute_together()
    {
        var network = TestNetwork.All[nameof(JoinNet)];
        var instance = network.Create();
        var input = OnnxRuntimeHarness.RandomValues(3 * network.InputLength, seed: 2);
        var output = new float[3 * network.OutputLength];
        var timer = new StepTimer(network.ForwardSteps.Count);
        instance.StepTimer = timer;
        Assert.Same(timer, instance.StepTimer);

        instance.DegreeOfParallelism = 2;
        instance.Forward(input.AsSpan(0, network.InputLength), output.AsSpan(0, network.OutputLength));
        Assert.Equal(1, timer.Images);   // one image: both threads on every step, timed
        instance.Forward(input.AsSpan(0, 2 * network.InputLength), output.AsSpan(0, 2 * network.OutputLength), 2);
        Assert.Equal(1, timer.Images);   // two images side by side: not timed per step
        instance.Forward(input, output, 3);
        Assert.Equal(2, timer.Images);   // two side by side, the third shared
        instance.DegreeOfParallelism = 1;
        instance.Forward(input, output, 3);
        Assert.Equal(5, timer.Images);   // one thread: every image

        var total = TimeSpan.Zero;
        for (var step = 0; step < timer.StepCount; step++)
        {
            Assert.True(timer.Elapsed(step) >= TimeSpan.Zero, $"step {step}: {timer.Elapsed(step)}");
            Assert.True(timer.MeanMilliseconds(step) >= 0);
            total += timer.Elapsed(step);
        }
        Assert.True(total > TimeSpan.Zero);

        timer.Reset();
        Assert.Equal(0, timer.Images);
        instance.StepTimer = null;
        instance.Forward(input, output, 3);
        Assert.Equal(0, timer.Images);
    }

    [Fact]
    public void A_step_timer_for_another_number_of_steps_is_rejected()
    {
        var network = TestNetwork.All[nameof(EveryLayerNet)];
        var instance = network.Create();
        var steps = network.ForwardSteps.Count;
        var error = Assert.Throws<ArgumentException>(() => instance.StepTimer = new StepTimer(steps + 1));
        Assert.Contains($"EveryLayerNet's forward pass has {steps} steps; the timer has room for {steps + 1}", error.Message);
        Assert.Null(instance.StepTimer);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepTimer(0));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void A_degree_of_parallelism_below_one_is_rejected_naming_the_value(int degree)
    {
        var instance = new JoinNet();
        var before = instance.DegreeOfParallelism;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => instance.DegreeOfParallelism = degree);
        Assert.Equal(degree, error.ActualValue);
        Assert.Contains(degree.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
        Assert.Equal(before, instance.DegreeOfParallelism);
    }

    [Fact]
    public void The_degree_of_parallelism_starts_at_the_processor_count()
    {
        Assert.Equal(Environment.ProcessorCount, new JoinNet().DegreeOfParallelism);
    }

    [Theory]
    [MemberData(nameof(TestNetwork.Names), MemberType = typeof(TestNetwork))]
    public void The_step_table_lists_every_step_once_with_macs_adding_up_to_the_networks(string name)
    {
        var network = TestNetwork.All[name];
        var steps = network.ForwardSteps;
        Assert.Equal(Enumerable.Range(0, steps.Count), steps.Select(s => s.Index));
        Assert.All(steps, s => Assert.False(string.IsNullOrEmpty(s.Nodes) || string.IsNullOrEmpty(s.Operation) || string.IsNullOrEmpty(s.Shapes)));
        Assert.Equal(network.Definition.Macs, steps.Sum(s => s.Macs));
        // A timer of exactly that many steps is accepted.
        network.Create().StepTimer = new StepTimer(steps.Count);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Forward_on_threads_allocates_nothing_after_warm_up(int degree)
    {
        const int Windows = 6, CallsPerWindow = 50;
        var network = TestNetwork.All[nameof(JoinNet)];
        var instance = network.Create();
        instance.DegreeOfParallelism = degree;
        var input = OnnxRuntimeHarness.RandomValues(5 * network.InputLength, seed: 3);
        var output = new float[5 * network.OutputLength];

        void Calls(int count)
        {
            for (var i = 0; i < count; i++)
            {
                instance.Forward(input.AsSpan(0, network.InputLength), output.AsSpan(0, network.OutputLength));   // every step split
                instance.Forward(input, output, 5);   // side by side, then split
            }
        }

        Calls(20);   // warm-up: JIT, the pool, the arenas of the workers that run images side by side
        var callerBytes = 0L;
        var fewestTotalBytes = long.MaxValue;
        var windows = new System.Collections.Generic.List<long>();
        for (var window = 0; window < Windows; window++)
        {
            var callerBefore = GC.GetAllocatedBytesForCurrentThread();
            var totalBefore = GC.GetTotalAllocatedBytes(precise: true);
            Calls(CallsPerWindow);
            var totalAfter = GC.GetTotalAllocatedBytes(precise: true);
            callerBytes += GC.GetAllocatedBytesForCurrentThread() - callerBefore;
            fewestTotalBytes = Math.Min(fewestTotalBytes, totalAfter - totalBefore);
            windows.Add(totalAfter - totalBefore);
        }

        Assert.Equal(0, callerBytes);
        // The process-wide count (the pool's threads too) also sees the test host's own threads, a few hundred bytes per
        // window even on one thread, so it is judged on the quietest window, against half of what one object per call
        // would cost (24 bytes x 100 calls).
        Assert.True(fewestTotalBytes < 12 * 2 * CallsPerWindow, $"{fewestTotalBytes} bytes allocated over {2 * CallsPerWindow} calls; windows: {string.Join(", ", windows)}");
    }

    private static void AssertBitIdentical(ReadOnlySpan<float> expected, float[] actual, int imageLength, string what)
    {
        for (var i = 0; i < actual.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: image {i / imageLength}, element {i % imageLength} is {actual[i]:R}, computed alone on one thread {expected[i]:R}.");
        }
    }
}
