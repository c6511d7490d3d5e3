using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using ConvForge.Execution;
using ConvForge.Kernels;
using ConvForge.Threading;

namespace ConvForge.Runtime.Tests.Execution;

/// <summary>
/// Runs alone: <see cref="NetworkExecution.Run{TPass}"/> uses the process-wide forward pools, which another test running
/// a forward pass at the same time would make busy (sending these runs inline), and the allocation count must see only
/// these runs.
/// </summary>
[CollectionDefinition(nameof(ParallelForwardTests), DisableParallelization = true)]
public sealed class ParallelForwardCollection
{
}

/// <summary>
/// <see cref="NetworkExecution.Run{TPass}"/> with a hand-written three-step pass (<see cref="ThreeStepPass"/>): every image
/// computed once into its own output slice, the same bits for every degree of parallelism, images side by side in
/// separate arenas or shared step by step, per-step timing, and no allocation per run.
/// </summary>
[Collection(nameof(ParallelForwardTests))]
public sealed class ParallelForwardTests
{
    private const int MaxBatch = 7;

    private static readonly NetworkDefinition Net = new("ThreeSteps", new TensorShape(1, 16, 16), new NodeDefinition[]
    {
        new("Input", OpKind.Input, Array.Empty<int>(), new TensorShape(1, 16, 16)),
        new("Act", OpKind.Relu, new[] { 0 }, new TensorShape(1, 16, 16)),
    });

    public static TheoryData<int> DegreesOfParallelism => new() { 1, 2, 3, 4 };

    [Theory]
    [MemberData(nameof(DegreesOfParallelism))]
    public void Every_image_is_computed_once_into_its_slice_with_the_same_bits_as_one_thread(int degree)
    {
        for (int batch = 1; batch <= MaxBatch; batch++)
        {
            var input = Inputs(batch);
            var expected = Expected(input, batch);
            var execution = NewExecution();
            execution.DegreeOfParallelism = degree;
            var recorder = ThreeStepPass.Recorder = new Recorder(execution);
            var output = Run(execution, input, batch);

            string what = $"batch {batch}, {degree} threads";
            Assert.True(expected.AsSpan().SequenceEqual(output), $"{what}: the output differs from one thread's.");
            for (int image = 0; image < batch; image++)
            {
                for (int i = 0; i < ThreeStepPass.Length; i++)
                    Assert.True(recorder.Computed[image * ThreeStepPass.Length + i] == 1, $"{what}: element {i} of image {image} was computed {recorder.Computed[image * ThreeStepPass.Length + i]} times.");

                // Side by side while at least as many images remain as workers (worker w's images in arena w), then the
                // rest shared by all workers, step by step, in arena 0.
                int sideBySide = degree > 1 ? batch / degree * degree : 0;
                bool alone = image < sideBySide;
                Assert.True((alone ? 1 : degree) == recorder.Workers[image], $"{what}: image {image} was split between {recorder.Workers[image]} workers.");
                Assert.True((!alone || image % degree == 0) == recorder.UsedArenaZero[image], $"{what}: image {image} {(recorder.UsedArenaZero[image] ? "used" : "did not use")} arena 0.");
                if (alone)
                {
                    for (int other = 0; other < sideBySide; other++)
                        Assert.True((recorder.Threads[other] == recorder.Threads[image]) == (other % degree == image % degree), $"{what}: images {image} and {other} ran on the wrong threads.");
                }
            }
            Assert.Equal(0, recorder.Collisions);
        }
    }

    [Fact]
    public void Images_side_by_side_do_not_share_an_arena_over_many_runs()
    {
        // Four images at once on four workers, 200 times: an arena shared by two running images shows up as a collision.
        var execution = NewExecution();
        execution.DegreeOfParallelism = 4;
        var input = Inputs(4);
        var expected = Expected(input, 4);
        var recorder = ThreeStepPass.Recorder = new Recorder(execution);
        ThreeStepPass.Spin = 20_000;
        try
        {
            for (int run = 0; run < 200; run++)
                Assert.True(expected.AsSpan().SequenceEqual(Run(execution, input, 4)), $"Run {run} gave other results.");
        }
        finally
        {
            ThreeStepPass.Spin = 0;
        }
        Assert.Equal(0, recorder.Collisions);
    }

    [Fact]
    public void A_forward_pass_started_inside_a_pool_work_item_runs_inline()
    {
        using var outer = new WorkerPool(2);
        var execution = NewExecution();
        execution.DegreeOfParallelism = 3;
        var input = Inputs(5);
        var recorder = ThreeStepPass.Recorder = new Recorder(execution);
        var work = new ForwardFromWorker { Execution = execution, Input = input, Output = new float[input.Length] };
        outer.Run(ref work);
        Assert.True(Expected(input, 5).AsSpan().SequenceEqual(work.Output));
        Assert.All(recorder.Workers.AsSpan(0, 5).ToArray(), workers => Assert.Equal(1, workers));
        Assert.All(recorder.UsedArenaZero.AsSpan(0, 5).ToArray(), used => Assert.True(used));
    }

    [Fact]
    public void A_forward_pass_that_finds_the_shared_pool_busy_runs_on_its_own_thread()
    {
        // Instance A holds the 2-worker forward pool (its pass waits inside step 0); instance B, also at 2 threads, runs
        // meanwhile on its calling thread alone, with the same results.
        var holder = NewExecution();
        holder.DegreeOfParallelism = 2;
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        HoldingPass.Inside = inside;
        HoldingPass.Release = release;
        var holding = new Thread(() =>
        {
            holder.Enter(ThreeStepPass.Length, ThreeStepPass.Length, 1);
            holder.Run<HoldingPass>(new float[ThreeStepPass.Length], new float[ThreeStepPass.Length], 1, ThreeStepPass.Length, ThreeStepPass.Length);
            holder.Exit();
        });
        holding.Start();
        try
        {
            Assert.True(inside.Wait(TimeSpan.FromSeconds(30)), "The holding pass never started.");
            var execution = NewExecution();
            execution.DegreeOfParallelism = 2;
            var recorder = ThreeStepPass.Recorder = new Recorder(execution);
            var input = Inputs(5);
            Assert.True(Expected(input, 5).AsSpan().SequenceEqual(Run(execution, input, 5)));
            Assert.All(recorder.Workers.AsSpan(0, 5).ToArray(), workers => Assert.Equal(1, workers));
            Assert.All(recorder.Threads.AsSpan(0, 5).ToArray(), thread => Assert.Equal(Environment.CurrentManagedThreadId, thread));
        }
        finally
        {
            release.Set();
            holding.Join();
        }
    }

    [Theory]
    [MemberData(nameof(DegreesOfParallelism))]
    public void An_exception_in_a_pass_reaches_the_caller_and_the_next_run_works(int degree)
    {
        var execution = NewExecution();
        execution.DegreeOfParallelism = degree;
        var recorder = ThreeStepPass.Recorder = new Recorder(execution);
        foreach (int batch in new[] { 1, degree, degree + 1 })
        {
            ThreeStepPass.ThrowOnImage = batch - 1;
            try
            {
                // The pass's own exception, whether it ran inline or on the pool.
                Assert.Equal($"image {batch - 1}", Assert.Throws<TimeoutException>(() => Run(execution, Inputs(batch), batch)).Message);
            }
            finally
            {
                ThreeStepPass.ThrowOnImage = -1;
            }
            var input = Inputs(batch);
            Assert.True(Expected(input, batch).AsSpan().SequenceEqual(Run(execution, input, batch)), $"batch {batch}, {degree} threads: the run after the failed one gave other results.");
        }
    }

    [Fact]
    public void The_step_timer_times_images_that_workers_share_and_not_images_side_by_side()
    {
        var execution = NewExecution();
        ThreeStepPass.Recorder = new Recorder(execution);
        var timer = new StepTimer(ThreeStepPass.Steps);
        execution.StepTimer = timer;
        Assert.Same(timer, execution.StepTimer);

        execution.DegreeOfParallelism = 1;
        Run(execution, Inputs(3), 3);
        Assert.Equal(3, timer.Images);
        var total = TimeSpan.Zero;
        for (int step = 0; step < ThreeStepPass.Steps; step++)
        {
            Assert.True(timer.Elapsed(step) >= TimeSpan.Zero);
            total += timer.Elapsed(step);
        }
        Assert.True(total > TimeSpan.Zero, "Three images of three steps took no time at all.");
        Assert.True(timer.MeanMilliseconds(0) >= 0);

        (int Degree, int Batch, int Timed)[] cases = [(2, 4, 0), (2, 5, 1), (3, 2, 2), (4, 7, 3), (2, 1, 1)];
        foreach (var (degree, batch, timed) in cases)
        {
            timer.Reset();
            Assert.Equal(0, timer.Images);
            Assert.Equal(TimeSpan.Zero, timer.Elapsed(0));
            Assert.Equal(0, timer.MeanMilliseconds(0));
            execution.DegreeOfParallelism = degree;
            Run(execution, Inputs(batch), batch);
            Assert.True(timed == timer.Images, $"{degree} threads, batch {batch}: {timer.Images} images timed, expected {timed}.");
        }

        execution.StepTimer = null;
        timer.Reset();
        Run(execution, Inputs(1), 1);
        Assert.Equal(0, timer.Images);
    }

    [Fact]
    public void A_step_timer_must_have_the_plans_step_count_when_the_execution_knows_it()
    {
        var execution = NewExecution();
        var error = Assert.Throws<ArgumentException>(() => execution.StepTimer = new StepTimer(ThreeStepPass.Steps + 1));
        Assert.Contains("ThreeSteps's forward pass has 3 steps; the timer has room for 4", error.Message);
        Assert.Null(execution.StepTimer);

        var unknown = new NetworkExecution(Net, KernelFamily.Portable, _ => Lengths, forwardStepCount: 0);
        unknown.StepTimer = new StepTimer(ThreeStepPass.Steps + 1);
        Assert.Equal(4, unknown.StepTimer.StepCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepTimer(0));
    }

    [Fact]
    public void The_degree_of_parallelism_defaults_to_the_processor_count_and_is_at_least_one()
    {
        var execution = NewExecution();
        Assert.Equal(Environment.ProcessorCount, NetworkExecution.DefaultDegreeOfParallelism);
        Assert.Equal(Environment.ProcessorCount, execution.DegreeOfParallelism);
        Assert.Throws<ArgumentOutOfRangeException>(() => execution.DegreeOfParallelism = 0);
        execution.Claim();
        Assert.Throws<InvalidOperationException>(() => execution.DegreeOfParallelism = 2);
        execution.Release();
        execution.DegreeOfParallelism = 2;
        Assert.Equal(2, execution.DegreeOfParallelism);
    }

    [Theory]
    [MemberData(nameof(DegreesOfParallelism))]
    public void A_run_allocates_nothing_on_the_calling_thread_after_warm_up(int degree)
    {
        var execution = NewExecution();
        execution.DegreeOfParallelism = degree;
        ThreeStepPass.Recorder = new Recorder(execution);
        var input = Inputs(MaxBatch);
        var output = new float[input.Length];
        int[] batches = [1, 3, 5, 7];
        foreach (int batch in batches)
            RunInto(execution, input, output, batch);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int run = 0; run < 50; run++)
        {
            foreach (int batch in batches)
                RunInto(execution, input, output, batch);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static ForwardBufferLengths Lengths => new(ThreeStepPass.ArenaLength, 2, 1);

    private static NetworkExecution NewExecution()
    {
        var execution = new NetworkExecution(Net, KernelFamily.Portable, _ => Lengths, forwardStepCount: ThreeStepPass.Steps);
        execution.PackedWeights[0] = 1.5f;
        execution.PackedWeights[1] = 0.25f;
        return execution;
    }

    // Image k's first element is k, so the pass knows which image it computes; the rest are seeded values.
    private static float[] Inputs(int batch)
    {
        var random = new Random(batch);
        var input = new float[batch * ThreeStepPass.Length];
        for (int i = 0; i < input.Length; i++)
            input[i] = i % ThreeStepPass.Length == 0 ? i / ThreeStepPass.Length : (float)(random.NextDouble() * 2 - 1);
        return input;
    }

    // The pass's arithmetic written out for one image at a time.
    private static float[] Expected(float[] input, int batch)
    {
        const int n = ThreeStepPass.Length;
        var output = new float[batch * n];
        var a = new float[n];
        var b = new float[n];
        for (int image = 0; image < batch; image++)
        {
            for (int i = 0; i < n; i++)
                a[i] = input[image * n + i] * 1.5f + i;
            for (int i = 0; i < n; i++)
                b[i] = a[n - 1 - i] - a[i] * 0.5f;
            for (int i = 0; i < n; i++)
                output[image * n + i] = b[(i + 7) % n] * b[i] + 0.25f;
        }
        return output;
    }

    private static float[] Run(NetworkExecution execution, float[] input, int batch)
    {
        var output = new float[input.Length];
        RunInto(execution, input, output, batch);
        return output;
    }

    // What generated Forward code does: enter (checks and the single-instance guard), run, exit.
    private static void RunInto(NetworkExecution execution, float[] input, float[] output, int batch)
    {
        int length = batch * ThreeStepPass.Length;
        execution.Enter(length, length, batch);
        try
        {
            execution.Run<ThreeStepPass>(input.AsSpan(0, length), output.AsSpan(0, length), batch, ThreeStepPass.Length, ThreeStepPass.Length);
        }
        finally
        {
            execution.Exit();
        }
    }

    private struct ForwardFromWorker : IWorkItem
    {
        public NetworkExecution Execution;
        public float[] Input;
        public float[] Output;

        public readonly void Execute(int worker, int workerCount)
        {
            if (worker == 0)
                RunInto(Execution, Input, Output, Input.Length / ThreeStepPass.Length);
        }
    }
}

/// <summary>What <see cref="ThreeStepPass"/> saw, per image.</summary>
internal sealed class Recorder(NetworkExecution execution)
{
    public NetworkExecution Execution { get; } = execution;
    public int[] Computed { get; } = new int[16 * ThreeStepPass.Length];
    public int[] Workers { get; } = new int[16];
    public bool[] UsedArenaZero { get; } = new bool[16];
    public int[] Threads { get; } = new int[16];
    public int Collisions;
}

/// <summary>
/// A forward pass of three steps over 256 floats, each step reading what other workers wrote in the step before (so a
/// missing barrier shows), split by <see cref="ForwardWorker.Split"/>. Image k is recognized by its first input, k.
/// </summary>
internal struct ThreeStepPass : IForwardPass
{
    public const int Length = 256;
    public const int Steps = 3;
    public const int ArenaLength = 2 * Length + 1;
    private const int Tag = 2 * Length;

    public static Recorder? Recorder;

    /// <summary>The image on which worker 0 throws a <see cref="TimeoutException"/> in step 1; -1 for none.</summary>
    public static int ThrowOnImage = -1;

    /// <summary>Busy-waits this many iterations in step 1, so that images side by side overlap in time.</summary>
    public static int Spin;

    public static void Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> arena, ReadOnlySpan<float> packed, in ForwardWorker worker)
    {
        var recorder = Recorder!;
        int image = (int)input[0];
        var (start, end) = worker.Split.Range(Length);
        if (worker.Split.Worker == 0)
        {
            recorder.Workers[image] = worker.Split.Workers;
            recorder.UsedArenaZero[image] = Unsafe.AreSame(ref MemoryMarshal.GetReference(arena), ref MemoryMarshal.GetReference(recorder.Execution.Arena));
            recorder.Threads[image] = Environment.CurrentManagedThreadId;
            arena[Tag] = image;
        }

        for (int i = start; i < end; i++)
        {
            arena[i] = input[i] * packed[0] + i;
            Interlocked.Increment(ref recorder.Computed[image * Length + i]);
        }
        worker.EndStep(0);

        for (int i = start; i < end; i++)
            arena[Length + i] = arena[Length - 1 - i] - arena[i] * 0.5f;
        Thread.SpinWait(Spin);
        if (image == ThrowOnImage && worker.Split.Worker == 0)
            throw new TimeoutException($"image {image}");
        CheckTag(arena, image, recorder);
        worker.EndStep(1);

        for (int i = start; i < end; i++)
            output[i] = arena[Length + (i + 7) % Length] * arena[Length + i] + packed[1];
        CheckTag(arena, image, recorder);
        worker.EndStep(2);
    }

    // Another image running in the same arena at the same time would have written its own tag.
    private static void CheckTag(Span<float> arena, int image, Recorder recorder)
    {
        if (arena[Tag] != image)
            Interlocked.Increment(ref recorder.Collisions);
    }
}

/// <summary>A one-step pass that holds the pool: worker 0 signals <see cref="Inside"/> and waits for <see cref="Release"/>.</summary>
internal struct HoldingPass : IForwardPass
{
    public static ManualResetEventSlim? Inside;
    public static ManualResetEventSlim? Release;

    public static void Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> arena, ReadOnlySpan<float> packed, in ForwardWorker worker)
    {
        if (worker.Split.Worker == 0)
        {
            Inside!.Set();
            Release!.Wait();
        }
        worker.EndStep(0);
    }
}
