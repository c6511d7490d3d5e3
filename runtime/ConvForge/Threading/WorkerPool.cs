using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace ConvForge.Threading;

/// <summary>
/// A fixed set of worker threads, created once, that run one work item at a time on all of them: the thread that
/// calls <see cref="Run{TWork}(ref TWork)"/> is worker 0 and <see cref="WorkerCount"/> - 1 dedicated background
/// threads are the others. Made for many short parallel steps (a network's layers, a training step): a run
/// allocates nothing and takes no thread from the .NET thread pool, and an idle pool costs no CPU.
/// </summary>
/// <remarks>
/// <para>
/// Workers spin for a short while after a run (the next step usually follows within microseconds), then block.
/// Exceptions thrown by work items are caught on their worker and rethrown on the caller as one
/// <see cref="AggregateException"/> once every worker has finished; the pool stays usable.
/// </para>
/// <para>
/// One run at a time: a <see cref="Run{TWork}(ref TWork)"/> entered while another thread's run is in progress throws
/// <see cref="InvalidOperationException"/> naming the pool rather than queueing (a caller sharing a pool between
/// threads must serialize its runs itself), and a run started from inside a work item throws instead of deadlocking.
/// </para>
/// <para>
/// Dispose the pool to end its threads. They are background threads, so a pool that is never disposed does not keep
/// the process alive, but its blocked threads (and the pool) live until the process ends.
/// </para>
/// </remarks>
public sealed class WorkerPool : IDisposable
{
    [ThreadStatic]
    private static WorkerPool? t_running;

    private readonly Thread[] _threads;
    private readonly Exception?[] _errors;
    private readonly WaitGate _workGate = new();
    private readonly WaitGate _doneGate = new();
    private WorkSlot?[] _slots = new WorkSlot?[4];
    private WorkSlot? _work;
    private int _run;
    private int _finishedRun;
    private int _unfinished;
    private int _busy;
    private bool _disposed;

    /// <summary>A pool with one worker per processor (<see cref="Environment.ProcessorCount"/>).</summary>
    public WorkerPool()
        : this(Environment.ProcessorCount)
    {
    }

    /// <summary>A pool of <paramref name="workerCount"/> workers: the calling thread and <paramref name="workerCount"/> - 1 new threads.</summary>
    /// <param name="workerCount">The degree of parallelism, at least 1 (1 runs everything on the caller, with no threads).</param>
    /// <param name="name">Names the pool in exception messages and its threads in debuggers.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="workerCount"/> is less than 1.</exception>
    public WorkerPool(int workerCount, string name = "WorkerPool")
    {
        if (workerCount < 1)
            throw new ArgumentOutOfRangeException(nameof(workerCount), workerCount, "A pool needs at least one worker (the calling thread).");
        Name = name ?? throw new ArgumentNullException(nameof(name));
        WorkerCount = workerCount;
        _errors = new Exception?[workerCount];
        Barrier = new WorkerBarrier(this);
        _threads = new Thread[workerCount - 1];
        for (var i = 0; i < _threads.Length; i++)
        {
            var worker = i + 1;
            _threads[i] = new Thread(() => WorkerLoop(worker))
            {
                IsBackground = true,
                Name = $"{name} worker {worker.ToString(CultureInfo.InvariantCulture)}",
            };
            _threads[i].Start();
        }
    }

    /// <summary>How many workers run each work item, counting the calling thread.</summary>
    public int WorkerCount { get; }

    /// <summary>The pool's name, used in exception messages and thread names.</summary>
    public string Name { get; }

    /// <summary>The barrier the workers of a run can use between phases of the work; see <see cref="WorkerBarrier"/>.</summary>
    public WorkerBarrier Barrier { get; }

    internal bool IsRunningOnCurrentThread => t_running == this;

    /// <summary>
    /// Runs <paramref name="work"/> on every worker, worker 0 being the calling thread, and returns when all are done.
    /// The item is copied into the pool for the run and copied back afterwards, so fields the workers change are what
    /// <paramref name="work"/> holds on return (as if all had shared it by reference).
    /// </summary>
    /// <typeparam name="TWork">The work item: a struct, so the run needs no allocation.</typeparam>
    /// <param name="work">The work; <see cref="IWorkItem.Execute"/> is called once per worker, concurrently.</param>
    /// <exception cref="AggregateException">One or more workers threw; its inner exceptions are theirs, in worker order.</exception>
    /// <exception cref="InvalidOperationException">Another thread is running work on this pool, or this is a work item of this pool.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public void Run<TWork>(ref TWork work)
        where TWork : struct, IWorkItem
    {
        var previous = Enter();
        RunClaimed(ref work, previous);
    }

    /// <summary>
    /// Runs <paramref name="work"/> as <see cref="Run{TWork}(ref TWork)"/> does when the pool is free, and returns false at
    /// once, without running anything, when it is not: another thread is running work on it, or the calling thread is a
    /// worker of any pool (nested parallelism would only oversubscribe the cores). The caller then runs the work inline.
    /// </summary>
    /// <exception cref="AggregateException">One or more workers threw.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public bool TryRun<TWork>(ref TWork work)
        where TWork : struct, IWorkItem
    {
        if (t_running is not null)
            return false;
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
            return false;
        }
        t_running = this;
        RunClaimed(ref work, previous: null);
        return true;
    }

    /// <summary>
    /// Runs <paramref name="body"/> over the indices 0 to <paramref name="count"/> - 1, split into one contiguous chunk per
    /// worker by <see cref="Chunk"/>. The split depends only on <paramref name="count"/> and <see cref="WorkerCount"/>, so
    /// every run with the same worker count gives each worker the same indices and produces bit-identical results.
    /// </summary>
    /// <typeparam name="TBody">The body: a struct, so the run needs no allocation.</typeparam>
    /// <param name="count">How many indices; 0 returns at once.</param>
    /// <param name="body">Called once per worker with a non-empty chunk; copied back afterwards, as in <see cref="Run{TWork}(ref TWork)"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="AggregateException">One or more workers threw.</exception>
    /// <exception cref="InvalidOperationException">Another thread is running work on this pool, or this is a work item of this pool.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public void For<TBody>(int count, ref TBody body)
        where TBody : struct, IRangeWorkItem
    {
        if (count < 0)
            throw new ArgumentOutOfRangeException(nameof(count), count, "The range cannot have a negative length.");
        if (count == 0)
            return;
        var range = new RangeWork<TBody> { Body = body, Count = count };
        try
        {
            Run(ref range);
        }
        finally
        {
            body = range.Body;
        }
    }

    /// <summary>
    /// The chunk of [0, <paramref name="count"/>) that worker <paramref name="worker"/> of <paramref name="workerCount"/>
    /// gets in <see cref="For{TBody}(int, ref TBody)"/>: consecutive chunks in worker order whose lengths differ by at
    /// most one, the longer ones first. Workers beyond <paramref name="count"/> get an empty chunk.
    /// </summary>
    /// <param name="count">The range's length, at least 0.</param>
    /// <param name="worker">The worker, 0 to <paramref name="workerCount"/> - 1.</param>
    /// <param name="workerCount">How many workers share the range, at least 1.</param>
    /// <returns>The chunk's first index and one past its last.</returns>
    public static (int Start, int End) Chunk(int count, int worker, int workerCount)
    {
        if (count < 0)
            throw new ArgumentOutOfRangeException(nameof(count), count, "The range cannot have a negative length.");
        if (workerCount < 1)
            throw new ArgumentOutOfRangeException(nameof(workerCount), workerCount, "There must be at least one worker.");
        if ((uint)worker >= (uint)workerCount)
            throw new ArgumentOutOfRangeException(nameof(worker), worker, $"Workers are numbered 0 to {workerCount - 1}.");
        return new Kernels.WorkSplit(worker, workerCount).Range(count);
    }

    /// <summary>Ends the worker threads and waits for them to exit. Calling it again does nothing.</summary>
    /// <exception cref="InvalidOperationException">A run is in progress (call it when the pool is idle).</exception>
    public void Dispose()
    {
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            if (Volatile.Read(ref _disposed))
                return;
            throw new InvalidOperationException($"{Name} cannot be disposed while it is running work; dispose it when its runs have returned.");
        }
        if (_disposed)
            return;
        Volatile.Write(ref _disposed, true);
        _work = null;
        Interlocked.Increment(ref _run);
        _workGate.Wake();
        foreach (var thread in _threads)
            thread.Join();
        // _busy stays 1: every later Run sees the pool taken, and Enter reports it as disposed.
    }

    // Claims the pool for the calling thread; returns the pool that thread was running before (another pool's work item
    // may run this one), to restore when the run ends.
    private WorkerPool? Enter()
    {
        var previous = t_running;
        if (previous == this)
            throw new InvalidOperationException(
                $"{Name}.Run was called from inside one of its own work items; that would wait for itself forever. Run the inner work inline.");
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
            throw new InvalidOperationException(
                $"{Name} is already running work for another thread. A pool runs one work item at a time; give each thread its own pool or serialize the calls.");
        }
        t_running = this;
        return previous;
    }

    // Runs the work on a pool this thread has claimed (_busy set, t_running = this), then releases it, restoring the
    // pool this thread was running before.
    private void RunClaimed<TWork>(ref TWork work, WorkerPool? previous)
        where TWork : struct, IWorkItem
    {
        try
        {
            var slot = SlotFor<TWork>();
            slot.Work = work;
            try
            {
                Dispatch(slot);
            }
            finally
            {
                work = slot.Work;
                slot.Work = default;
            }
        }
        finally
        {
            t_running = previous;
            Volatile.Write(ref _busy, 0);
        }
    }

    private void Dispatch(WorkSlot slot)
    {
        _work = slot;
        Volatile.Write(ref _unfinished, _threads.Length);
        var run = Interlocked.Increment(ref _run);
        _workGate.Wake();

        Execute(slot, 0);

        if (_threads.Length > 0)
            _doneGate.WaitWhileEqual(ref _finishedRun, run - 1);
        _work = null;

        foreach (var error in _errors)
        {
            if (error is not null)
                throw CollectErrors();
        }
    }

    private void Execute(WorkSlot slot, int worker)
    {
        try
        {
            slot.Execute(worker, WorkerCount);
        }
        catch (Exception exception)
        {
            _errors[worker] = exception;
            Barrier.Break();
        }
    }

    private void WorkerLoop(int worker)
    {
        t_running = this;
        var seen = 0;
        while (true)
        {
            _workGate.WaitWhileEqual(ref _run, seen);
            seen = Volatile.Read(ref _run);
            if (Volatile.Read(ref _disposed))
                return;
            Execute(_work!, worker);
            if (Interlocked.Decrement(ref _unfinished) == 0)
            {
                Interlocked.Exchange(ref _finishedRun, seen);
                _doneGate.Wake();
            }
        }
    }

    private AggregateException CollectErrors()
    {
        var errors = new List<Exception>();
        var first = -1;
        for (var worker = 0; worker < _errors.Length; worker++)
        {
            var error = _errors[worker];
            _errors[worker] = null;
            // Workers released from a broken barrier only echo another worker's failure.
            if (error is null || error is BarrierBrokenException)
                continue;
            if (first < 0)
                first = worker;
            errors.Add(error);
        }
        Barrier.Reset();
        if (errors.Count == 0)
            return new AggregateException($"A run of {Name} failed at its barrier.", new BarrierBrokenException());
        var head = errors[0];
        var more = errors.Count == 1 ? "" : $" ({errors.Count - 1} more worker(s) threw too; see InnerExceptions)";
        return new AggregateException(
            $"Worker {first} of {WorkerCount} in {Name} threw {head.GetType().Name}: {head.Message}{more}", errors);
    }

    private WorkSlot<TWork> SlotFor<TWork>()
        where TWork : struct, IWorkItem
    {
        var index = WorkSlot<TWork>.TypeIndex;
        if (index >= _slots.Length)
            Array.Resize(ref _slots, Math.Max(index + 1, _slots.Length * 2));
        if (_slots[index] is WorkSlot<TWork> slot)
            return slot;
        slot = new WorkSlot<TWork>();
        _slots[index] = slot;
        return slot;
    }

    /// <summary>
    /// Holds the work item of a run where every worker can reach it; one per work-item type and pool, created on that
    /// type's first run, so later runs allocate nothing. The workers call it through the base class.
    /// </summary>
    private abstract class WorkSlot
    {
        private static int s_typeCount;

        protected static int NextTypeIndex() => Interlocked.Increment(ref s_typeCount) - 1;

        public abstract void Execute(int worker, int workerCount);
    }

    private sealed class WorkSlot<TWork> : WorkSlot
        where TWork : struct, IWorkItem
    {
        public static readonly int TypeIndex = NextTypeIndex();

        public TWork Work;

        public override void Execute(int worker, int workerCount) => Work.Execute(worker, workerCount);
    }

    private struct RangeWork<TBody> : IWorkItem
        where TBody : struct, IRangeWorkItem
    {
        public TBody Body;
        public int Count;

        public void Execute(int worker, int workerCount)
        {
            var (start, end) = Chunk(Count, worker, workerCount);
            if (start < end)
                Body.Execute(start, end, worker);
        }
    }
}
