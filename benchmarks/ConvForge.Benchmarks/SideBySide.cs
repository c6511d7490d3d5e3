using System;
using ConvForge.Kernels;

namespace ConvForge.Benchmarks;

/// <summary>One table row: a sample at one thread count and batch size, both sides timed in the same run.</summary>
/// <param name="Sample">The network.</param>
/// <param name="Family">Our kernel family.</param>
/// <param name="Threads">Threads per side.</param>
/// <param name="BatchSize">Images per run.</param>
/// <param name="Error">Max |ours - ORT| / max |ORT| over the batch, the worse of before and after the timed runs.</param>
/// <param name="Warmups">Warm-up runs per side.</param>
/// <param name="OurWall">Wall seconds of each timed run of ours.</param>
/// <param name="OrtWall">Wall seconds of each timed run of ONNX Runtime.</param>
/// <param name="OurCpu">CPU seconds of each timed run of ours (<see cref="SideBySide.CpuSeconds"/>).</param>
/// <param name="OrtCpu">CPU seconds of each timed run of ONNX Runtime.</param>
internal sealed record Measurement(
    Sample Sample, KernelFamily Family, int Threads, int BatchSize, double Error, int Warmups,
    double[] OurWall, double[] OrtWall, double[] OurCpu, double[] OrtCpu)
{
    /// <summary>True when the outputs agreed within <see cref="SideBySide.RelativeTolerance"/>; otherwise nothing was timed.</summary>
    public bool Agrees => Error <= SideBySide.RelativeTolerance;

    /// <summary>Timed runs per side.</summary>
    public int Runs => OurWall.Length;

    public double OurMedian => Timing.Quantile(OurWall, 0.5);

    public double OrtMedian => Timing.Quantile(OrtWall, 0.5);

    /// <summary>FLOPs of one run (2 per multiply-accumulate, every image).</summary>
    public double Flops => 2.0 * Sample.Macs * BatchSize;
}

/// <summary>
/// Our forward pass and ONNX Runtime on the same weights and input, one process: outputs compared first (a kernel that
/// skips work looks fast), then warm-up runs, then timed runs alternating between the two in ABBA order so both see the
/// same machine noise and neither always runs right after the other has filled the caches.
/// </summary>
internal static class SideBySide
{
    /// <summary>The parity tests' bound: max |ours - ORT| &lt;= 1e-4 x max |ORT|.</summary>
    public const double RelativeTolerance = 1e-4;

    /// <summary>Timed runs never fall below this, whatever the budget.</summary>
    public const int MinimumRuns = 3;

    /// <summary>
    /// CPU time of one run: of the calling thread with one thread per side (this leaves out the time the scheduler gave
    /// other processes, which wall time counts), of the whole process with more (the pool threads work too).
    /// </summary>
    public static double CpuSeconds(int threads) => threads == 1 ? Timing.ThreadCpuSeconds() : Timing.ProcessCpuSeconds();

    /// <summary>
    /// Measures <paramref name="network"/> (already set to <paramref name="threads"/>) against <paramref name="model"/> in
    /// ONNX Runtime at <paramref name="batchSize"/> images per run. With a budget, warm-ups stop after a quarter of it
    /// (at least one) and the timed runs are as many as fit in the rest (at least <see cref="MinimumRuns"/>, at most
    /// <see cref="Options.Runs"/>), estimated from the last warm-up.
    /// </summary>
    public static Measurement Measure(Sample sample, Instance network, byte[] model, int threads, int batchSize, Options options)
    {
        var random = new DeterministicRandom(2026);
        var input = new float[sample.InputLength * batchSize];
        for (var i = 0; i < input.Length; i++)
            input[i] = (float)random.NextDouble(-1, 1);
        var ours = new float[sample.OutputLength * batchSize];
        var theirs = new float[sample.OutputLength * batchSize];
        var family = network.KernelFamily();
        using var ort = new OnnxRuntimeModel(model, input, theirs, batchSize, threads);

        var pair = Timing.WallSeconds();
        network.Forward(input, ours, batchSize);
        ort.Run();
        pair = Timing.WallSeconds() - pair;
        var error = RelativeError(ours, theirs);
        if (!(error <= RelativeTolerance))
            return new Measurement(sample, family, threads, batchSize, error, 0, [], [], [], []);

        var warmups = 0;
        var warmupSeconds = 0.0;
        while (warmups < options.Warmup && !(options.Budget is { } b && warmups >= 1 && warmupSeconds >= b / 4))
        {
            pair = Timing.WallSeconds();
            network.Forward(input, ours, batchSize);
            ort.Run();
            pair = Timing.WallSeconds() - pair;
            warmupSeconds += pair;
            warmups++;
        }
        var runs = options.Budget is { } budget
            ? (int)Math.Clamp((budget - warmupSeconds) / pair, MinimumRuns, options.Runs)
            : options.Runs;

        Action runOurs = () => network.Forward(input, ours, batchSize);
        Action runOrt = ort.Run;
        var ourWall = new double[runs];
        var ortWall = new double[runs];
        var ourCpu = new double[runs];
        var ortCpu = new double[runs];
        for (var run = 0; run < runs; run++)
        {
            // ABBA order: neither side always runs right after the other has filled the caches.
            if (run % 2 == 0)
            {
                Time(runOurs, run, ourWall, ourCpu);
                Time(runOrt, run, ortWall, ortCpu);
            }
            else
            {
                Time(runOrt, run, ortWall, ortCpu);
                Time(runOurs, run, ourWall, ourCpu);
            }
        }

        // The last timed runs must still agree.
        error = Math.Max(error, RelativeError(ours, theirs));
        return new Measurement(sample, family, threads, batchSize, error, warmups, ourWall, ortWall, ourCpu, ortCpu);

        void Time(Action side, int run, double[] wall, double[] cpu)
        {
            var cpuBefore = CpuSeconds(threads);
            var wallBefore = Timing.WallSeconds();
            side();
            wall[run] = Timing.WallSeconds() - wallBefore;
            cpu[run] = CpuSeconds(threads) - cpuBefore;
        }
    }

    /// <summary>Max |actual - expected| / max |expected|; NaN anywhere gives NaN.</summary>
    public static double RelativeError(float[] actual, float[] expected)
    {
        double scale = 0, worst = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            var error = Math.Abs((double)actual[i] - expected[i]);
            worst = error > worst || double.IsNaN(error) ? error : worst;
        }
        return worst / scale;
    }
}
