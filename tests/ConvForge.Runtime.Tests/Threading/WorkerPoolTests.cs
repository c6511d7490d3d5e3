using System;
using System.Threading;
using ConvForge.Threading;

namespace ConvForge.Runtime.Tests.Threading;

public sealed class WorkerPoolTests
{
    public static TheoryData<int> WorkerCounts => new() { 1, 2, 3, 4 };

    [Theory]
    [MemberData(nameof(WorkerCounts))]
    public void Run_calls_every_worker_once_with_its_index(int workerCount)
    {
        using var pool = new WorkerPool(workerCount);
        var work = new RecordWorkers { Calls = new int[workerCount], Counts = new int[workerCount] };
        for (var run = 1; run <= 50; run++)
        {
            pool.Run(ref work);
            for (var worker = 0; worker < workerCount; worker++)
            {
                Assert.Equal(run, work.Calls[worker]);
                Assert.Equal(workerCount, work.Counts[worker]);
            }
        }
        Assert.Equal(workerCount, pool.WorkerCount);
        Assert.Equal(workerCount, pool.Barrier.ParticipantCount);
    }

    [Fact]
    public void Worker_zero_is_the_calling_thread()
    {
        using var pool = new WorkerPool(3);
        var work = new RecordThreads { ThreadIds = new int[3] };
        pool.Run(ref work);
        Assert.Equal(Environment.CurrentManagedThreadId, work.ThreadIds[0]);
        Assert.Equal(3, new System.Collections.Generic.HashSet<int>(work.ThreadIds).Count);
    }

    [Fact]
    public void Fields_the_workers_set_are_copied_back_to_the_caller()
    {
        using var pool = new WorkerPool(2);
        var work = new SetFlag();
        pool.Run(ref work);
        Assert.Equal(1, work.Flag);
    }

    [Theory]
    [MemberData(nameof(WorkerCounts))]
    public void For_sums_every_index_once_for_many_sizes(int workerCount)
    {
        using var pool = new WorkerPool(workerCount);
        foreach (var count in new[] { 1, 2, 3, 4, 5, 7, 8, 63, 64, 65, 1000, 100_003 })
        {
            var hits = new int[count];
            var body = new CountHits { Hits = hits };
            pool.For(count, ref body);
            Assert.All(hits, hit => Assert.Equal(1, hit));
        }
    }

    [Fact]
    public void For_over_an_empty_range_runs_nothing()
    {
        using var pool = new WorkerPool(2);
        var body = new CountHits { Hits = Array.Empty<int>() };
        pool.For(0, ref body);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.For(-1, ref body));
    }

    [Theory]
    [MemberData(nameof(WorkerCounts))]
    public void For_gives_each_worker_the_chunk_Chunk_describes_on_every_run(int workerCount)
    {
        using var pool = new WorkerPool(workerCount);
        const int count = 1001;
        var owners = new int[count];
        var body = new RecordOwners { Owners = owners };
        for (var run = 0; run < 20; run++)
        {
            Array.Fill(owners, -1);
            pool.For(count, ref body);
            for (var worker = 0; worker < workerCount; worker++)
            {
                var (start, end) = WorkerPool.Chunk(count, worker, workerCount);
                for (var i = start; i < end; i++)
                    Assert.Equal(worker, owners[i]);
            }
        }
    }

    [Fact]
    public void Chunks_are_contiguous_balanced_and_cover_the_range()
    {
        for (var workerCount = 1; workerCount <= 9; workerCount++)
        {
            for (var count = 0; count <= 50; count++)
            {
                var next = 0;
                for (var worker = 0; worker < workerCount; worker++)
                {
                    var (start, end) = WorkerPool.Chunk(count, worker, workerCount);
                    Assert.Equal(next, start);
                    var length = end - start;
                    Assert.True(length == count / workerCount || length == count / workerCount + 1, $"{count} over {workerCount}: chunk {worker} has {length}");
                    next = end;
                }
                Assert.Equal(count, next);
            }
        }
        Assert.Equal((0, 4), WorkerPool.Chunk(10, 0, 3));
        Assert.Equal((4, 7), WorkerPool.Chunk(10, 1, 3));
        Assert.Equal((7, 10), WorkerPool.Chunk(10, 2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkerPool.Chunk(10, 3, 3));
    }

    [Theory]
    [MemberData(nameof(WorkerCounts))]
    public void Parallel_float_sums_are_bit_identical_across_runs_with_the_same_worker_count(int workerCount)
    {
        using var pool = new WorkerPool(workerCount);
        var values = new float[10_007];
        var random = new Random(5);
        for (var i = 0; i < values.Length; i++)
            values[i] = (float)(random.NextDouble() * 2 - 1) * MathF.Pow(10, random.Next(-3, 4));
        var body = new PartialSums { Values = values, Sums = new float[workerCount] };
        pool.For(values.Length, ref body);
        var first = (float[])body.Sums.Clone();
        for (var run = 0; run < 30; run++)
        {
            Array.Clear(body.Sums);
            pool.For(values.Length, ref body);
            Assert.Equal(first, body.Sums);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void A_worker_exception_reaches_the_caller_with_the_worker_index_and_the_pool_stays_usable(int workerCount)
    {
        using var pool = new WorkerPool(workerCount, "TestPool");
        var failing = new ThrowOn { Worker = workerCount - 1 };
        var error = Assert.Throws<AggregateException>(() => pool.Run(ref failing));
        var inner = Assert.Single(error.InnerExceptions);
        Assert.IsType<InvalidTimeZoneException>(inner);
        Assert.Contains($"Worker {workerCount - 1} of {workerCount} in TestPool", error.Message);
        Assert.Contains("boom", error.Message);

        var work = new RecordWorkers { Calls = new int[workerCount], Counts = new int[workerCount] };
        pool.Run(ref work);
        Assert.All(work.Calls, calls => Assert.Equal(1, calls));
    }

    [Fact]
    public void Every_failing_worker_is_reported_in_worker_order()
    {
        using var pool = new WorkerPool(3);
        var failing = new ThrowOn { Worker = -1 };
        var error = Assert.Throws<AggregateException>(() => pool.Run(ref failing));
        Assert.Equal(3, error.InnerExceptions.Count);
        Assert.Contains("Worker 0 of 3", error.Message);
        for (var worker = 0; worker < 3; worker++)
            Assert.Equal($"boom {worker}", error.InnerExceptions[worker].Message);
    }

    [Fact]
    public void A_run_entered_while_another_thread_runs_is_rejected_naming_the_pool()
    {
        using var pool = new WorkerPool(2, "SharedPool");
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var blocking = new BlockUntil { Inside = inside, Release = release };
        var runner = new Thread(() => pool.Run(ref blocking));
        runner.Start();
        try
        {
            inside.Wait();
            var other = new SetFlag();
            var error = Assert.Throws<InvalidOperationException>(() => pool.Run(ref other));
            Assert.Contains("SharedPool", error.Message);
            Assert.Contains("another thread", error.Message);
            Assert.Throws<InvalidOperationException>(pool.Dispose);
        }
        finally
        {
            release.Set();
            runner.Join();
        }
        var after = new SetFlag();
        pool.Run(ref after);
        Assert.Equal(1, after.Flag);
    }

    [Fact]
    public void A_run_started_from_inside_a_work_item_is_rejected()
    {
        using var pool = new WorkerPool(2, "NestedPool");
        var nested = new RunNested { Pool = pool, Messages = new string?[2] };
        pool.Run(ref nested);
        Assert.All(nested.Messages, message => Assert.Contains("NestedPool.Run was called from inside one of its own work items", message));

        var after = new SetFlag();
        pool.Run(ref after);
        Assert.Equal(1, after.Flag);
    }

    [Fact]
    public void A_work_item_may_run_another_pool_and_then_use_its_own_barrier()
    {
        using var outer = new WorkerPool(2);
        using var inner = new WorkerPool(2);
        var work = new RunOtherPool { Outer = outer, Inner = inner, Flags = new int[2] };
        outer.Run(ref work);
        Assert.Equal(new[] { 1, 1 }, work.Flags);
    }

    [Fact]
    public void Disposing_an_idle_pool_ends_its_threads_and_later_runs_throw()
    {
        var pool = new WorkerPool(4);
        var work = new RecordThreads { ThreadIds = new int[4] };
        pool.Run(ref work);
        pool.Dispose();
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pool.Run(ref work));
    }

    [Fact]
    public void A_pool_disposed_without_any_run_ends_cleanly()
    {
        new WorkerPool(3).Dispose();
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerPool(0));
        using var pool = new WorkerPool();
        Assert.Equal(Environment.ProcessorCount, pool.WorkerCount);
    }

    private struct RecordWorkers : IWorkItem
    {
        public int[] Calls;
        public int[] Counts;

        public readonly void Execute(int worker, int workerCount)
        {
            Calls[worker]++;
            Counts[worker] = workerCount;
        }
    }

    private struct RecordThreads : IWorkItem
    {
        public int[] ThreadIds;

        public readonly void Execute(int worker, int workerCount) => ThreadIds[worker] = Environment.CurrentManagedThreadId;
    }

    private struct SetFlag : IWorkItem
    {
        public int Flag;

        public void Execute(int worker, int workerCount)
        {
            if (worker == workerCount - 1)
                Flag = 1;
        }
    }

    private struct CountHits : IRangeWorkItem
    {
        public int[] Hits;

        public readonly void Execute(int start, int end, int worker)
        {
            for (var i = start; i < end; i++)
                Hits[i]++;
        }
    }

    private struct RecordOwners : IRangeWorkItem
    {
        public int[] Owners;

        public readonly void Execute(int start, int end, int worker)
        {
            for (var i = start; i < end; i++)
                Owners[i] = worker;
        }
    }

    private struct PartialSums : IRangeWorkItem
    {
        public float[] Values;
        public float[] Sums;

        public readonly void Execute(int start, int end, int worker)
        {
            var sum = 0f;
            for (var i = start; i < end; i++)
                sum += Values[i];
            Sums[worker] = sum;
        }
    }

    private struct ThrowOn : IWorkItem
    {
        public int Worker;

        public readonly void Execute(int worker, int workerCount)
        {
            if (Worker < 0)
                throw new InvalidTimeZoneException($"boom {worker}");
            if (worker == Worker)
                throw new InvalidTimeZoneException("boom");
        }
    }

    private struct BlockUntil : IWorkItem
    {
        public ManualResetEventSlim Inside;
        public ManualResetEventSlim Release;

        public readonly void Execute(int worker, int workerCount)
        {
            if (worker != 0)
                return;
            Inside.Set();
            Release.Wait();
        }
    }

    private struct RunOtherPool : IWorkItem
    {
        public WorkerPool Outer;
        public WorkerPool Inner;
        public int[] Flags;

        public readonly void Execute(int worker, int workerCount)
        {
            if (worker == 0)
            {
                var inner = new SetFlag();
                Inner.Run(ref inner);
                Flags[0] = inner.Flag;
            }
            Outer.Barrier.SignalAndWait();
            if (worker == 1)
                Flags[1] = Flags[0];
        }
    }

    private struct RunNested : IWorkItem
    {
        public WorkerPool Pool;
        public string?[] Messages;

        public readonly void Execute(int worker, int workerCount)
        {
            var inner = new SetFlag();
            try
            {
                Pool.Run(ref inner);
            }
            catch (InvalidOperationException error)
            {
                Messages[worker] = error.Message;
            }
        }
    }
}
