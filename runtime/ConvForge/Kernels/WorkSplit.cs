using System;
using System.Runtime.CompilerServices;

namespace ConvForge.Kernels;

/// <summary>
/// Which share of one kernel call the calling worker computes: worker <see cref="Worker"/> of <see cref="Workers"/>.
/// Every worker of a forward step calls the same kernel with its own split; the kernel divides its work units (rows x
/// output-block pairs for convolutions, channel blocks or pixels elsewhere) into contiguous chunks by <see cref="Range"/>,
/// so each output element is computed by exactly one worker, with the same instructions whatever the split: results are
/// bit-identical for any worker count. <c>default</c> is <see cref="Whole"/>: one worker doing everything.
/// </summary>
public readonly struct WorkSplit : IEquatable<WorkSplit>
{
    // Stored as count - 1 so that default(WorkSplit) is the whole work.
    private readonly int _workersMinusOne;

    /// <summary>Worker <paramref name="worker"/> of <paramref name="workers"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="workers"/> is less than 1 or <paramref name="worker"/> is not in [0, <paramref name="workers"/>).</exception>
    public WorkSplit(int worker, int workers)
    {
        if (workers < 1)
            throw new ArgumentOutOfRangeException(nameof(workers), workers, "A split needs at least one worker.");
        if ((uint)worker >= (uint)workers)
            throw new ArgumentOutOfRangeException(nameof(worker), worker, $"Workers are numbered 0 to {workers - 1}.");
        Worker = worker;
        _workersMinusOne = workers - 1;
    }

    /// <summary>One worker does all the work.</summary>
    public static WorkSplit Whole => default;

    /// <summary>This worker's index, 0 to <see cref="Workers"/> - 1.</summary>
    public int Worker { get; }

    /// <summary>How many workers share the call.</summary>
    public int Workers => _workersMinusOne + 1;

    /// <summary>True when one worker does everything.</summary>
    public bool IsWhole => _workersMinusOne == 0;

    /// <summary>
    /// This worker's chunk of [0, <paramref name="count"/>): consecutive chunks in worker order whose lengths differ by at
    /// most one, the longer first (<see cref="Threading.WorkerPool.Chunk"/> is this rule with its arguments checked). Empty for workers beyond
    /// <paramref name="count"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (int Start, int End) Range(int count)
    {
        int workers = _workersMinusOne + 1;
        int quotient = count / workers;
        int longer = count % workers;
        int start = Worker * quotient + Math.Min(Worker, longer);
        return (start, start + quotient + (Worker < longer ? 1 : 0));
    }

    /// <inheritdoc/>
    public bool Equals(WorkSplit other) => Worker == other.Worker && _workersMinusOne == other._workersMinusOne;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is WorkSplit other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Worker, _workersMinusOne);

    /// <summary>"worker 1 of 2".</summary>
    public override string ToString() => $"worker {Worker} of {Workers}";
}
