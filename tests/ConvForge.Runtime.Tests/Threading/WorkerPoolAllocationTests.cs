using System;
using ConvForge.Threading;

namespace ConvForge.Runtime.Tests.Threading;

/// <summary>Runs alone: the process-wide allocation count must not see other tests' allocations.</summary>
[CollectionDefinition(nameof(WorkerPoolAllocationTests), DisableParallelization = true)]
public sealed class WorkerPoolAllocationCollection
{
}

[Collection(nameof(WorkerPoolAllocationTests))]
public sealed class WorkerPoolAllocationTests
{
    private const int Runs = 20_000;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Runs_For_and_barriers_allocate_nothing_after_warm_up(int workerCount)
    {
        using var pool = new WorkerPool(workerCount);
        var work = new TwoPhases { Pool = pool, Cells = new int[workerCount] };
        var body = new Fill { Cells = new int[1000] };
        for (var i = 0; i < 2_000; i++)
        {
            pool.Run(ref work);
            pool.For(body.Cells.Length, ref body);
        }

        var callerBefore = GC.GetAllocatedBytesForCurrentThread();
        var totalBefore = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < Runs; i++)
        {
            pool.Run(ref work);
            pool.For(body.Cells.Length, ref body);
        }
        var callerBytes = GC.GetAllocatedBytesForCurrentThread() - callerBefore;
        var totalBytes = GC.GetTotalAllocatedBytes(precise: true) - totalBefore;

        Assert.Equal(0, callerBytes);
        // The runtime's own background threads (tiering, timers) may allocate a little meanwhile;
        // one object per run would be at least 24 bytes x 40,000 calls.
        Assert.True(totalBytes < Runs, $"{totalBytes} bytes allocated over {2 * Runs} calls");
        Assert.Equal(Runs + 2_000, work.Cells[workerCount - 1]);
    }

    private struct TwoPhases : IWorkItem
    {
        public WorkerPool Pool;
        public int[] Cells;

        public readonly void Execute(int worker, int workerCount)
        {
            Cells[worker]++;
            Pool.Barrier.SignalAndWait();
            _ = Cells[(worker + 1) % workerCount];
        }
    }

    private struct Fill : IRangeWorkItem
    {
        public int[] Cells;

        public readonly void Execute(int start, int end, int worker) => Cells.AsSpan(start, end - start).Fill(worker);
    }
}
