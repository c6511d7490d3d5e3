using System.Threading;

namespace ConvForge.Training;

/// <summary>
/// How many times the trainer entered each step's generated code: forward, backward to the inputs, and backward to the
/// parameters. A call per worker counts once (a per-image step split over two workers counts two per batch). The test
/// hook that proves backward never entered a frozen layer.
/// </summary>
public sealed class TrainingCounters
{
    private readonly long[] forward;
    private readonly long[] backwardInput;
    private readonly long[] backwardParameters;

    internal TrainingCounters(int steps)
    {
        forward = new long[steps];
        backwardInput = new long[steps];
        backwardParameters = new long[steps];
    }

    /// <summary>Steps counted.</summary>
    public int StepCount => forward.Length;

    /// <summary>Times step <paramref name="step"/>'s forward was entered.</summary>
    public long Forward(int step) => Volatile.Read(ref forward[step]);

    /// <summary>Times step <paramref name="step"/>'s input-gradient code was entered.</summary>
    public long BackwardInput(int step) => Volatile.Read(ref backwardInput[step]);

    /// <summary>Times step <paramref name="step"/>'s parameter-gradient code was entered.</summary>
    public long BackwardParameters(int step) => Volatile.Read(ref backwardParameters[step]);

    /// <summary>Sets every count to zero.</summary>
    public void Reset()
    {
        System.Array.Clear(forward);
        System.Array.Clear(backwardInput);
        System.Array.Clear(backwardParameters);
    }

    internal void CountForward(int step) => Interlocked.Increment(ref forward[step]);

    internal void CountBackwardInput(int step) => Interlocked.Increment(ref backwardInput[step]);

    internal void CountBackwardParameters(int step) => Interlocked.Increment(ref backwardParameters[step]);
}
