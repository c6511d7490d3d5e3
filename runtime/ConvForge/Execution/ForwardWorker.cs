using System.ComponentModel;
using System.Runtime.CompilerServices;
using ConvForge.Kernels;
using ConvForge.Threading;

namespace ConvForge.Execution;

/// <summary>
/// What one worker needs to run its share of a forward pass: its <see cref="Split"/> of every kernel call, the barrier
/// between steps when several workers share one image, and the step timer when per-step timing is on.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct ForwardWorker
{
    private readonly WorkerBarrier? _barrier;
    private readonly StepTimer? _timer;

    internal ForwardWorker(WorkSplit split, WorkerBarrier? barrier, StepTimer? timer)
    {
        Split = split;
        _barrier = barrier;
        _timer = split.Worker == 0 ? timer : null;
    }

    /// <summary>One worker running the whole image, untimed.</summary>
    public static ForwardWorker Alone => default;

    /// <summary>This worker's share of each kernel call.</summary>
    public WorkSplit Split { get; }

    /// <summary>
    /// Ends step <paramref name="step"/>: waits until every worker sharing the image has finished it (its output is then
    /// complete for the next step to read), and records its time when a <see cref="StepTimer"/> is attached.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EndStep(int step)
    {
        _barrier?.SignalAndWait();
        _timer?.Stop(step);
    }

    internal void BeginImage() => _timer?.Start();
}
