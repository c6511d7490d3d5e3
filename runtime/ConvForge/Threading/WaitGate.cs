using System.Threading;

namespace ConvForge.Threading;

/// <summary>
/// Where threads wait for an int to change: spin first (the change usually comes within microseconds), then block on
/// a monitor so an idle waiter costs no CPU. Whoever changes the int must do it with an <see cref="Interlocked"/>
/// operation and then call <see cref="Wake"/>; the full fences on both sides (the change and the read of
/// <see cref="_sleepers"/> here, the increment of <see cref="_sleepers"/> and the read of the int in the waiter) mean
/// either the waiter sees the change or the waker sees the sleeper, so no wake-up is lost.
/// </summary>
internal sealed class WaitGate
{
    // SpinWait.SpinOnce calls: the first ten busy-spin with growing pauses, later ones yield the processor;
    // about 0.1 ms in all on the machines measured, long enough to catch the next step of a running network.
    private const int SpinIterations = 40;

    private int _sleepers;

    /// <summary>Returns once <paramref name="location"/> no longer holds <paramref name="value"/>.</summary>
    public void WaitWhileEqual(ref int location, int value)
    {
        var spinner = new SpinWait();
        for (var i = 0; i < SpinIterations; i++)
        {
            if (Volatile.Read(ref location) != value)
                return;
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        lock (this)
        {
            Interlocked.Increment(ref _sleepers);
            while (Volatile.Read(ref location) == value)
                Monitor.Wait(this);
            Interlocked.Decrement(ref _sleepers);
        }
    }

    /// <summary>Wakes every blocked waiter so it re-reads its int; costs one read when nobody sleeps.</summary>
    public void Wake()
    {
        if (Volatile.Read(ref _sleepers) == 0)
            return;
        lock (this)
            Monitor.PulseAll(this);
    }
}
