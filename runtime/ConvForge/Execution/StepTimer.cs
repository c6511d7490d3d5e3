using System;
using System.Diagnostics;

namespace ConvForge.Execution;

/// <summary>
/// Per-step wall time of a network's forward pass, for profiling: attach one to a network (<c>network.StepTimer =
/// new StepTimer(Network.ForwardSteps.Count)</c>) and every image computed by all workers together (batch smaller than
/// the degree of parallelism, or one worker) adds each step's time, measured by worker 0 after the step's barrier.
/// Images that workers compute side by side (a batch of at least as many images as workers) are not timed per step.
/// </summary>
public sealed class StepTimer
{
    private readonly long[] _ticks;
    private long _last;

    /// <summary>A timer for a plan of <paramref name="stepCount"/> steps.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepCount"/> is less than 1.</exception>
    public StepTimer(int stepCount)
    {
        if (stepCount < 1)
            throw new ArgumentOutOfRangeException(nameof(stepCount), stepCount, "A forward pass has at least one step.");
        _ticks = new long[stepCount];
    }

    /// <summary>How many steps the timer has room for.</summary>
    public int StepCount => _ticks.Length;

    /// <summary>How many images were timed since the last <see cref="Reset"/>.</summary>
    public long Images { get; private set; }

    /// <summary>The total time of step <paramref name="step"/> over the timed images.</summary>
    public TimeSpan Elapsed(int step) => Stopwatch.GetElapsedTime(0, _ticks[step]);

    /// <summary>The mean time of step <paramref name="step"/> per timed image, in milliseconds.</summary>
    public double MeanMilliseconds(int step) => Images == 0 ? 0 : _ticks[step] * 1000.0 / Stopwatch.Frequency / Images;

    /// <summary>Forgets every recorded time.</summary>
    public void Reset()
    {
        Array.Clear(_ticks);
        Images = 0;
    }

    internal void Start()
    {
        Images++;
        _last = Stopwatch.GetTimestamp();
    }

    internal void Stop(int step)
    {
        var now = Stopwatch.GetTimestamp();
        if ((uint)step < (uint)_ticks.Length)
            _ticks[step] += now - _last;
        _last = now;
    }
}
