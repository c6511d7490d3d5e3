namespace ConvForge.Threading;

/// <summary>
/// Work that <see cref="WorkerPool.Run{TWork}(ref TWork)"/> runs once on every worker. Implement it on a struct:
/// the pool calls it through a generic constraint, so a run neither boxes it nor allocates a delegate.
/// </summary>
public interface IWorkItem
{
    /// <summary>Does this worker's share of the work.</summary>
    /// <param name="worker">This worker's index, 0 (the thread that called <c>Run</c>) to <paramref name="workerCount"/> - 1.</param>
    /// <param name="workerCount">How many workers run the item: the pool's <see cref="WorkerPool.WorkerCount"/>.</param>
    void Execute(int worker, int workerCount);
}

/// <summary>
/// Work over a range of indices that <see cref="WorkerPool.For{TBody}(int, ref TBody)"/> splits into one contiguous
/// chunk per worker. Implement it on a struct, for the same reason as <see cref="IWorkItem"/>.
/// </summary>
public interface IRangeWorkItem
{
    /// <summary>Processes the indices <paramref name="start"/> (inclusive) to <paramref name="end"/> (exclusive); never called with an empty chunk.</summary>
    /// <param name="start">The chunk's first index.</param>
    /// <param name="end">One past the chunk's last index.</param>
    /// <param name="worker">The worker running the chunk (chunk <paramref name="worker"/> of <see cref="WorkerPool.Chunk"/>).</param>
    void Execute(int start, int end, int worker);
}
