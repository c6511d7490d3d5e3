using System;
using ConvForge.Kernels;
using ConvForge.Threading;

namespace ConvForge.Execution;

/// <summary>
/// A batch's forward pass as one pool run. While at least as many images remain as there are workers, each worker
/// runs whole images in its own arena (no barriers); the rest are run by all workers together, one image at a time,
/// each step split between them (<see cref="WorkSplit"/>) with a barrier after it. Either way each output element is
/// computed by the same instructions, so results do not depend on the worker count.
/// </summary>
internal unsafe struct ForwardWork<TPass> : IWorkItem
    where TPass : struct, IForwardPass
{
    public float* Input;
    public float* Output;
    public int ImageInputLength;
    public int ImageOutputLength;
    public int BatchSize;
    public float[][] Arenas;
    public float[] PackedWeights;
    public StepTimer? Timer;
    public WorkerBarrier? Barrier;

    public void Execute(int worker, int workerCount)
    {
        int sideBySide = workerCount > 1 ? BatchSize / workerCount * workerCount : 0;
        for (int image = worker; image < sideBySide; image += workerCount)
            Image(image, Arenas[worker], ForwardWorker.Alone);
        if (sideBySide == BatchSize)
            return;
        // The shared images use worker 0's arena, which worker 0 may still be using for its last image of its own.
        if (sideBySide > 0)
            Barrier!.SignalAndWait();
        var shared = new ForwardWorker(new WorkSplit(worker, workerCount), workerCount > 1 ? Barrier : null, Timer);
        for (int image = sideBySide; image < BatchSize; image++)
        {
            shared.BeginImage();
            Image(image, Arenas[0], shared);
        }
    }

    private readonly void Image(int image, float[] arena, in ForwardWorker worker) =>
        TPass.Forward(
            new ReadOnlySpan<float>(Input + (long)image * ImageInputLength, ImageInputLength),
            new Span<float>(Output + (long)image * ImageOutputLength, ImageOutputLength),
            arena, PackedWeights, worker);
}
