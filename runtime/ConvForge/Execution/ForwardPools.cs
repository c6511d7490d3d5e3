using System;
using System.Globalization;
using ConvForge.Threading;

namespace ConvForge.Execution;

/// <summary>
/// The worker pools forward passes run on: one per degree of parallelism, shared by every network instance in the
/// process and created on first use. Sharing keeps the thread count fixed however many networks an application
/// creates; an instance that finds its pool busy (another instance is running a forward pass on it) runs on its own
/// thread instead of waiting or oversubscribing the cores.
/// </summary>
internal static class ForwardPools
{
    private static readonly object s_lock = new();
    private static WorkerPool?[] s_pools = new WorkerPool?[8];

    public static WorkerPool For(int workers)
    {
        var pools = s_pools;
        if (workers < pools.Length && pools[workers] is { } pool)
            return pool;
        lock (s_lock)
        {
            if (workers >= s_pools.Length)
                Array.Resize(ref s_pools, Math.Max(workers + 1, s_pools.Length * 2));
            return s_pools[workers] ??= new WorkerPool(workers, $"ConvForge forward ({workers.ToString(CultureInfo.InvariantCulture)} workers)");
        }
    }
}
