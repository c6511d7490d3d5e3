using System;
using System.Threading;
using ConvForge.Kernels;
using ConvForge.Threading;

namespace ConvForge.Runtime.Tests.Threading;

/// <summary><see cref="WorkerPool.TryRun{TWork}"/> (run, or decline when busy or nested) and <see cref="WorkSplit"/>.</summary>
public sealed class TryRunAndWorkSplitTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void TryRun_on_a_free_pool_runs_every_worker_and_copies_the_item_back(int workerCount)
    {
        using var pool = new WorkerPool(workerCount);
        var work = new CountCalls { Calls = new int[workerCount] };
        for (int run = 1; run <= 20; run++)
        {
            Assert.True(pool.TryRun(ref work));
            Assert.All(work.Calls, calls => Assert.Equal(run, calls));
            Assert.Equal(workerCount, work.LastWorkerCount);
        }
    }

    [Fact]
    public void TryRun_declines_without_running_when_another_thread_is_running_the_pool()
    {
        using var pool = new WorkerPool(2);
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var blocking = new BlockUntil { Inside = inside, Release = release };
        var runner = new Thread(() => pool.Run(ref blocking));
        runner.Start();
        var declined = new CountCalls { Calls = new int[2] };
        try
        {
            inside.Wait();
            Assert.False(pool.TryRun(ref declined));
            Assert.Equal(new[] { 0, 0 }, declined.Calls);
        }
        finally
        {
            release.Set();
            runner.Join();
        }
        Assert.True(pool.TryRun(ref declined));
        Assert.Equal(new[] { 1, 1 }, declined.Calls);
    }

    [Fact]
    public void TryRun_declines_inside_a_work_item_of_the_same_pool_or_of_another_pool()
    {
        using var outer = new WorkerPool(2);
        using var inner = new WorkerPool(2);
        var nested = new TryNested { Outer = outer, Inner = inner, OwnPool = new int[2], OtherPool = new int[2], InnerCalls = new int[2] };
        outer.Run(ref nested);
        Assert.Equal(new[] { 0, 0 }, nested.OwnPool);   // 0: declined
        Assert.Equal(new[] { 0, 0 }, nested.OtherPool);
        Assert.Equal(new[] { 0, 0 }, nested.InnerCalls);

        // Declining left both pools free.
        var after = new CountCalls { Calls = new int[2] };
        Assert.True(inner.TryRun(ref after));
        Assert.True(outer.TryRun(ref after));
        Assert.Equal(new[] { 2, 2 }, after.Calls);
    }

    [Fact]
    public void TryRun_passes_a_worker_exception_to_the_caller_and_the_pool_stays_usable()
    {
        using var pool = new WorkerPool(3, "Thrower");
        var failing = new ThrowOn { Worker = 2 };
        var error = Assert.Throws<AggregateException>(() => pool.TryRun(ref failing));
        Assert.Contains("Worker 2 of 3 in Thrower", error.Message);
        Assert.IsType<TimeoutException>(Assert.Single(error.InnerExceptions));

        var after = new CountCalls { Calls = new int[3] };
        Assert.True(pool.TryRun(ref after));
        Assert.Equal(new[] { 1, 1, 1 }, after.Calls);
    }

    [Fact]
    public void TryRun_on_a_disposed_pool_throws()
    {
        var pool = new WorkerPool(2);
        pool.Dispose();
        var work = new CountCalls { Calls = new int[2] };
        Assert.Throws<ObjectDisposedException>(() => pool.TryRun(ref work));
    }

    [Fact]
    public void Split_ranges_cover_every_index_exactly_once_in_worker_order_and_match_the_pool_chunks()
    {
        for (int workers = 1; workers <= 9; workers++)
        {
            for (int count = 0; count <= 40; count++)
            {
                var owners = new int[count];
                Array.Fill(owners, -1);
                int next = 0;
                for (int worker = 0; worker < workers; worker++)
                {
                    var split = new WorkSplit(worker, workers);
                    var (start, end) = split.Range(count);
                    Assert.Equal(next, start); // contiguous, in worker order
                    Assert.InRange(end - start, count / workers, (count + workers - 1) / workers);
                    Assert.Equal(WorkerPool.Chunk(count, worker, workers), (start, end));
                    for (int i = start; i < end; i++)
                    {
                        Assert.Equal(-1, owners[i]);
                        owners[i] = worker;
                    }
                    next = end;
                }
                Assert.Equal(count, next);
                Assert.DoesNotContain(-1, owners);
            }
        }
    }

    [Fact]
    public void The_default_split_is_the_whole_work()
    {
        WorkSplit split = default;
        Assert.Equal(WorkSplit.Whole, split);
        Assert.True(split.IsWhole);
        Assert.Equal(0, split.Worker);
        Assert.Equal(1, split.Workers);
        Assert.Equal((0, 17), split.Range(17));
        Assert.Equal(new WorkSplit(0, 1), split);
        Assert.NotEqual(new WorkSplit(0, 2), split);
        Assert.False(new WorkSplit(1, 3).IsWhole);
        Assert.Equal("worker 1 of 3", new WorkSplit(1, 3).ToString());
        Assert.Equal(new WorkSplit(1, 3).GetHashCode(), new WorkSplit(1, 3).GetHashCode());
    }

    [Fact]
    public void A_split_needs_a_worker_among_at_least_one()
    {
        Assert.Equal("workers", Assert.Throws<ArgumentOutOfRangeException>(() => new WorkSplit(0, 0)).ParamName);
        Assert.Equal("worker", Assert.Throws<ArgumentOutOfRangeException>(() => new WorkSplit(2, 2)).ParamName);
        Assert.Equal("worker", Assert.Throws<ArgumentOutOfRangeException>(() => new WorkSplit(-1, 2)).ParamName);
    }

    private struct CountCalls : IWorkItem
    {
        public int[] Calls;
        public int LastWorkerCount;

        public void Execute(int worker, int workerCount)
        {
            Interlocked.Increment(ref Calls[worker]);
            if (worker == 0)
                LastWorkerCount = workerCount;
        }
    }

    private struct ThrowOn : IWorkItem
    {
        public int Worker;

        public readonly void Execute(int worker, int workerCount)
        {
            if (worker == Worker)
                throw new TimeoutException("boom");
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

    // Each worker of Outer tries to run work on Outer itself and on Inner; records 1 where a TryRun ran.
    private struct TryNested : IWorkItem
    {
        public WorkerPool Outer;
        public WorkerPool Inner;
        public int[] OwnPool;
        public int[] OtherPool;
        public int[] InnerCalls;

        public readonly void Execute(int worker, int workerCount)
        {
            var inner = new CountCalls { Calls = InnerCalls };
            OwnPool[worker] = Outer.TryRun(ref inner) ? 1 : 0;
            OtherPool[worker] = Inner.TryRun(ref inner) ? 1 : 0;
        }
    }
}
