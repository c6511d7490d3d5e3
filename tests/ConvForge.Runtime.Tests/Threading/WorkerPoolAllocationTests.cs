using System;
using ConvForge.Threading;

namespace ConvForge.Runtime.Tests.Threading;

/// <summary>Runs alone: the process-wide allocation count should see as little of other tests as possible.</summary>
[CollectionDefinition(nameof(WorkerPoolAllocationTests), DisableParallelization = true)]
public sealed class WorkerPoolAllocationCollection
{
}

[Collection(nameof(WorkerPoolAllocationTests))]
public sealed class WorkerPoolAllocationTests
{
    private const int Windows = 5;
    private const int RunsPerWindow = 4_000;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Runs_For_and_barriers_allocate_nothing_after_warm_up(int workerCount)
    {
        using var pool = new WorkerPool(workerCount);
        var work = new TwoPhases { Pool = pool, Cells = new int[workerCount], ThreadBytes = new long[workerCount] };
        var body = new Fill { Cells = new int[1000] };
        RunBoth(pool, ref work, ref body, 2_000);
        var workerBytesBefore = (long[])work.ThreadBytes.Clone();

        var callerBytes = 0L;
        var fewestTotalBytes = long.MaxValue;
        for (var window = 0; window < Windows; window++)
        {
            var callerBefore = GC.GetAllocatedBytesForCurrentThread();
            var totalBefore = GC.GetTotalAllocatedBytes(precise: true);
            RunBoth(pool, ref work, ref body, RunsPerWindow);
            var totalAfter = GC.GetTotalAllocatedBytes(precise: true);
            callerBytes += GC.GetAllocatedBytesForCurrentThread() - callerBefore;
            fewestTotalBytes = Math.Min(fewestTotalBytes, totalAfter - totalBefore);
        }

        // Each thread's own count is exact: the caller's (worker 0) around the runs, and each pool thread's read inside
        // its last work item, which covers everything the pool did on that thread in between (waiting, waking, the barrier).
        Assert.Equal(0, callerBytes);
        for (var worker = 1; worker < workerCount; worker++)
            Assert.Equal(workerBytesBefore[worker], work.ThreadBytes[worker]);
        // The process-wide count also sees the test host's threads (result reporting), so it is judged on the quietest
        // window, against what one object per call would cost (24 bytes x 8,000 calls).
        Assert.True(fewestTotalBytes < RunsPerWindow, $"{fewestTotalBytes} bytes allocated over {2 * RunsPerWindow} calls");
        Assert.Equal(2_000 + Windows * RunsPerWindow, work.Cells[workerCount - 1]);
    }

    private static void RunBoth(WorkerPool pool, ref TwoPhases work, ref Fill body, int runs)
    {
        for (var i = 0; i < runs; i++)
        {
            pool.Run(ref work);
            pool.For(body.Cells.Length, ref body);
        }
    }

    private struct TwoPhases : IWorkItem
    {
        public WorkerPool Pool;
        public int[] Cells;
        public long[] ThreadBytes;

        public readonly void Execute(int worker, int workerCount)
        {
            Cells[worker]++;
            Pool.Barrier.SignalAndWait();
            _ = Cells[(worker + 1) % workerCount];
            ThreadBytes[worker] = GC.GetAllocatedBytesForCurrentThread();
        }
    }

    private struct Fill : IRangeWorkItem
    {
        public int[] Cells;

        public readonly void Execute(int start, int end, int worker) => Cells.AsSpan(start, end - start).Fill(worker);
    }
}
