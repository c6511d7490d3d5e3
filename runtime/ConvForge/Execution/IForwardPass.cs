using System;

namespace ConvForge.Execution;

/// <summary>
/// One image through a generated network, as a struct type the runtime calls through a constraint (no delegate, no
/// allocation): <see cref="NetworkExecution.Run{TPass}"/> runs it on every worker of the forward pool.
/// </summary>
public interface IForwardPass
{
    /// <summary>
    /// Runs every step of the plan for one image. Each kernel call takes <paramref name="worker"/>'s
    /// <see cref="ForwardWorker.Split"/>, and each step ends with <see cref="ForwardWorker.EndStep"/> (the barrier
    /// between steps when workers share the image).
    /// </summary>
    /// <param name="input">The image, plain NCHW.</param>
    /// <param name="output">Its output, plain NCHW.</param>
    /// <param name="arena">The activation arena this image uses (shared by the workers that split it).</param>
    /// <param name="packed">The packed weights.</param>
    /// <param name="worker">This worker's share of each step.</param>
    static abstract void Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> arena, ReadOnlySpan<float> packed, in ForwardWorker worker);
}
