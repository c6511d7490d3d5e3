using System;
using System.Threading;

namespace ConvForge.Threading;

/// <summary>
/// The barrier between the phases of one <see cref="WorkerPool.Run{TWork}(ref TWork)"/>: every worker calls
/// <see cref="SignalAndWait"/>, and none returns until all have arrived, so a phase can read what every worker wrote in
/// the one before. Get it from <see cref="WorkerPool.Barrier"/>; it is reusable for any number of phases and runs.
/// </summary>
/// <remarks>
/// <para>
/// Sense-reversing: the last worker to arrive resets the count and then flips the phase (a counter, whose change is the
/// sense), so a fast worker that arrives at the next barrier cannot be confused with one still leaving this one.
/// Waiters spin briefly, then block. Arriving and leaving are full fences: writes before the barrier are visible after it.
/// </para>
/// <para>
/// Every worker must call it the same number of times in a run. When a worker throws, the pool breaks the barrier so the
/// others do not wait forever: their <see cref="SignalAndWait"/> throws too, and the run reports the first worker's exception.
/// </para>
/// </remarks>
public sealed class WorkerBarrier
{
    private readonly WorkerPool _pool;
    private readonly WaitGate _gate = new();
    private int _remaining;
    private int _phase;
    private volatile bool _broken;

    internal WorkerBarrier(WorkerPool pool)
    {
        _pool = pool;
        _remaining = pool.WorkerCount;
    }

    /// <summary>How many workers must arrive before any leaves: the pool's <see cref="WorkerPool.WorkerCount"/>.</summary>
    public int ParticipantCount => _pool.WorkerCount;

    /// <summary>Arrives at the barrier and waits until every worker of the run has arrived.</summary>
    /// <exception cref="InvalidOperationException">Called outside a work item of this barrier's pool.</exception>
    public void SignalAndWait()
    {
        if (!_pool.IsRunningOnCurrentThread)
            throw new InvalidOperationException(
                $"{_pool.Name}'s barrier was used outside a work item; only the workers of one of its runs can wait at it.");
        if (_broken)
            throw new BarrierBrokenException();
        var phase = Volatile.Read(ref _phase);
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            Volatile.Write(ref _remaining, ParticipantCount);
            Interlocked.Increment(ref _phase);
            _gate.Wake();
            return;
        }
        _gate.WaitWhileEqual(ref _phase, phase);
        if (_broken)
            throw new BarrierBrokenException();
    }

    /// <summary>Releases every waiter with an exception, after a worker threw and will never arrive.</summary>
    internal void Break()
    {
        _broken = true;
        Interlocked.Increment(ref _phase);
        _gate.Wake();
    }

    /// <summary>Makes the barrier whole again; called by the pool between runs, when no worker is inside it.</summary>
    internal void Reset()
    {
        _remaining = ParticipantCount;
        _broken = false;
    }
}

/// <summary>Thrown in the workers waiting at a barrier when another worker failed; the run reports that worker's exception instead.</summary>
internal sealed class BarrierBrokenException : Exception
{
    public BarrierBrokenException()
        : base("Another worker of the run threw, so the barrier can never complete.")
    {
    }
}
