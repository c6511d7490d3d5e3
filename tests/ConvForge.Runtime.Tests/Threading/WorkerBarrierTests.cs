using System;
using ConvForge.Threading;

namespace ConvForge.Runtime.Tests.Threading;

public sealed class WorkerBarrierTests
{
    public static TheoryData<int> WorkerCounts => new() { 1, 2, 3, 4 };

    [Theory]
    [MemberData(nameof(WorkerCounts))]
    public void Each_phase_reads_what_every_worker_wrote_in_the_phase_before(int workerCount)
    {
        // Phase p: worker w writes value[p][w] = 1 + the sum of every worker's value in phase p - 1,
        // so any worker reading a stale or missing value from the previous phase changes the final numbers.
        const int phases = 25;
        using var pool = new WorkerPool(workerCount);
        var work = new PhasedSums { Pool = pool, Values = new long[phases, workerCount], Phases = phases };
        for (var run = 0; run < 20; run++)
        {
            Array.Clear(work.Values);
            pool.Run(ref work);
            long expected = 0;
            for (var phase = 0; phase < phases; phase++)
            {
                expected = phase == 0 ? 1 : 1 + expected * workerCount;
                for (var worker = 0; worker < workerCount; worker++)
                    Assert.Equal(expected + worker, work.Values[phase, worker]);
            }
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void A_worker_that_throws_before_the_barrier_releases_the_others_and_the_run_reports_it(int workerCount)
    {
        using var pool = new WorkerPool(workerCount, "BarrierPool");
        var failing = new ThrowThenBarrier { Pool = pool, Failing = 1 };
        var error = Assert.Throws<AggregateException>(() => pool.Run(ref failing));
        Assert.IsType<TimeoutException>(Assert.Single(error.InnerExceptions));
        Assert.Contains($"Worker 1 of {workerCount} in BarrierPool", error.Message);

        var work = new PhasedSums { Pool = pool, Values = new long[3, workerCount], Phases = 3 };
        pool.Run(ref work);
        Assert.Equal(1 + (1 + workerCount) * workerCount + workerCount - 1, work.Values[2, workerCount - 1]);
    }

    [Fact]
    public void The_barrier_refuses_callers_outside_a_run()
    {
        using var pool = new WorkerPool(2, "IdlePool");
        var error = Assert.Throws<InvalidOperationException>(pool.Barrier.SignalAndWait);
        Assert.Contains("IdlePool", error.Message);
    }

    private struct PhasedSums : IWorkItem
    {
        public WorkerPool Pool;
        public long[,] Values;
        public int Phases;

        public readonly void Execute(int worker, int workerCount)
        {
            Values[0, worker] = 1 + worker;
            for (var phase = 1; phase < Phases; phase++)
            {
                Pool.Barrier.SignalAndWait();
                long sum = 0;
                for (var other = 0; other < workerCount; other++)
                    sum += Values[phase - 1, other] - other;
                Values[phase, worker] = 1 + sum + worker;
            }
        }
    }

    private struct ThrowThenBarrier : IWorkItem
    {
        public WorkerPool Pool;
        public int Failing;

        public readonly void Execute(int worker, int workerCount)
        {
            if (worker == Failing)
                throw new TimeoutException("never arrives");
            Pool.Barrier.SignalAndWait();
            Pool.Barrier.SignalAndWait();
        }
    }
}
