using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using ConvForge.Benchmarks;
using ConvForge.Kernels;

// Each sample network next to ONNX Runtime running the model ExportOnnx writes: same weights, same input, same
// thread count, one process, for every thread count and batch size asked for (see SideBySide for the method).
// With --layers, our forward pass step by step instead. The tables go to standard output as Markdown, progress to
// standard error. Usage: see Options.Usage.

var culture = CultureInfo.InvariantCulture;
var options = Options.Parse(args, out var parseError);
if (options is null)
{
    Console.Error.WriteLine(parseError);
    Console.Error.WriteLine(Options.Usage);
    Console.Error.WriteLine("Models: " + string.Join(", ", Sample.All.Select(s => s.Name)));
    return 2;
}

var samples = options.Models.Count == 0 ? Sample.All : Sample.All.Where(s => options.Models.Any(s.Matches)).ToList();
if (samples.Count == 0)
{
    Console.Error.WriteLine("No sample matches " + string.Join(", ", options.Models) + "; there are " + string.Join(", ", Sample.All.Select(s => s.Name)) + ".");
    return 2;
}
if (options.Family is { } forced && !KernelFamilies.IsSupported(forced))
    Console.Error.WriteLine($"warning: this machine has no hardware support for {forced}; .NET emulates its vectors in software (slow).");

var family = options.Family ?? KernelFamilies.Best;
var peaks = new Dictionary<int, double>();
string peakLoop = "";
foreach (var threads in options.Threads.Prepend(1).Distinct())
    peaks[threads] = PeakLoop.Measure(family, threads, out peakLoop);

Console.WriteLine(options.Layers
    ? "## ConvForge forward pass step by step (batch 1)"
    : $"## ConvForge vs ONNX Runtime: threads {string.Join(", ", options.Threads)}; batch {string.Join(", ", options.Batches)}");
Console.WriteLine();
Console.WriteLine($"- Machine: {MachineInfo.Cpu()}; {RuntimeInformation.FrameworkDescription}; ONNX Runtime {OnnxRuntimeModel.Version}.");
Console.WriteLine($"- Our kernel family: {family}{(options.Family is null ? "" : " (forced with --family)")}; switches: {MachineInfo.Switches()}. "
    + "ONNX Runtime chooses its own kernels (MLAS, its best path for this CPU) whatever these say.");
Console.WriteLine("- Peak: " + (double.IsNaN(peaks[1])
    ? peakLoop + "."
    : string.Join(", ", peaks.OrderBy(p => p.Key).Select(p => string.Create(culture, $"{p.Value:0.0} GFLOP/s on {Plural(p.Key, "thread")}")))
        + $" ({peakLoop}, 12 accumulators, run on all the threads at once, best of 9 per thread, per thread-CPU second; nominal per core: "
        + $"{(family == KernelFamily.Avx512 ? "210 (AVX-512)" : "105 (AVX2 + FMA)")})."));
Console.WriteLine($"- Command: `{MachineInfo.SwitchesAsPrefix()}dotnet run -c Release --project benchmarks/ConvForge.Benchmarks --{string.Concat(args.Select(a => " " + a))}`.");
Console.WriteLine(string.Create(culture, $"- Runs per side: median of {(options.Budget is { } budget ? $"up to {options.Runs} timed runs after up to {Plural(options.Warmup, "warm-up")}, fitted to about {budget:0.#} s per row (at least {SideBySide.MinimumRuns} timed runs and 1 warm-up)" : $"{options.Runs} timed runs after {Plural(options.Warmup, "warm-up")}")}, the two sides alternating in ABBA order. Load average before: {MachineInfo.LoadAverage()}."));
Console.WriteLine();

var failed = false;
var measurements = new List<Measurement>();
foreach (var sample in samples)
{
    var network = sample.Create();
    if (options.Family is { } f)
        network.UseKernels(f);
    network.InitializeParameters(1);
    byte[] model;
    using (var stream = new MemoryStream())
    {
        network.ExportOnnx(stream);
        model = stream.ToArray();
    }

    foreach (var threads in options.Threads)
    {
        network.SetDegreeOfParallelism(threads);
        foreach (var batchSize in options.Batches)
        {
            var measurement = SideBySide.Measure(sample, network, model, threads, batchSize, options);
            failed |= !measurement.Agrees;
            Console.Error.WriteLine(measurement.Agrees
                ? string.Create(culture, $"{sample.Name}, {Plural(threads, "thread")}, batch {batchSize}: ours {measurement.OurMedian * 1e3:0.00} ms, ORT {measurement.OrtMedian * 1e3:0.00} ms, ORT / ours {measurement.OrtMedian / measurement.OurMedian:0.00} ({measurement.Family}; {measurement.Runs} runs after {Plural(measurement.Warmups, "warm-up")})")
                : string.Create(culture, $"{sample.Name}, {Plural(threads, "thread")}, batch {batchSize}: outputs differ (max |ours - ORT| = {measurement.Error:0.0e+0} x max |ORT|); not timed."));
            if (options.Layers)
            {
                if (measurement.Agrees)
                    StepProfile.Print(sample, network, measurement, peaks[threads], options.Runs, Console.Out);
                else
                    Console.WriteLine($"{sample.Name}: outputs differ from ONNX Runtime's (max |ours - ORT| = {measurement.Error.ToString("0.0e+0", culture)} x max |ORT|); not timed.");
            }
            measurements.Add(measurement);
        }
    }
}

if (!options.Layers)
    PrintTables();
Console.WriteLine(string.Create(culture, $"Load average after: {MachineInfo.LoadAverage()}."));
Console.WriteLine();
return failed ? 1 : 0;

void PrintTables()
{
    foreach (var threads in options.Threads)
    {
        foreach (var batchSize in options.Batches)
        {
            var peak = peaks[threads];
            Console.WriteLine($"### {Plural(threads, "thread")}, batch {batchSize}");
            Console.WriteLine();
            Console.WriteLine("| model | GMACs per image | ours ms | ORT ms | ORT / ours | ours images/s | ORT images/s | ours GFLOP/s | % of peak | ORT GFLOP/s | max error |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var m in measurements.Where(m => m.Threads == threads && m.BatchSize == batchSize))
            {
                if (!m.Agrees)
                {
                    Console.WriteLine($"| {m.Sample.Name} | {Gmacs(m.Sample.Macs)} | outputs differ: {m.Error.ToString("0.0e+0", culture)} x max \\|ORT\\| | | | | | | | | |");
                    continue;
                }
                var (ours, theirs) = (m.OurMedian, m.OrtMedian);
                var ourGflops = m.Flops / ours / 1e9;
                Console.WriteLine(string.Create(culture,
                    $"| {m.Sample.Name} | {Gmacs(m.Sample.Macs)} | {ours * 1e3:0.00} | {theirs * 1e3:0.00} | {theirs / ours:0.00} | {batchSize / ours:0.0} | {batchSize / theirs:0.0} | {ourGflops:0.0} | {(double.IsNaN(peak) ? "-" : $"{100 * ourGflops / peak:0}%")} | {m.Flops / theirs / 1e9:0.0} | {m.Error:0.0e+0} |"));
            }
            Console.WriteLine();
            Console.WriteLine(string.Create(culture,
                $"ms: median wall time of one run (a batch of {batchSize}). ORT / ours: above 1, ours is faster. GFLOP/s = 2 x MACs x batch / median. "
                + $"% of peak: of {peak:0.0} GFLOP/s ({peakLoop} on {Plural(threads, "thread")} at once). Max error: max |ours - ORT| / max |ORT| over the batch."));
            Console.WriteLine();
        }
    }

    Console.WriteLine($"Spread and CPU time (wall-clock 10th-90th percentile; median CPU time of a run: of the benchmark thread with 1 thread, "
        + "of the whole process with more, pool threads included; CPU time leaves out time the scheduler gave other processes):");
    Console.WriteLine();
    Console.WriteLine("| model | threads | batch | runs | ours p10-p90 ms | ORT p10-p90 ms | ours CPU ms | ORT CPU ms | ORT / ours (CPU) |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var m in measurements.Where(m => m.Agrees).OrderBy(m => options.Threads.IndexOf(m.Threads)).ThenBy(m => options.Batches.IndexOf(m.BatchSize)))
    {
        var (ourCpu, ortCpu) = (Timing.Quantile(m.OurCpu, 0.5), Timing.Quantile(m.OrtCpu, 0.5));
        Console.WriteLine(string.Create(culture,
            $"| {m.Sample.Name} | {m.Threads} | {m.BatchSize} | {m.Runs} | {Timing.Quantile(m.OurWall, 0.1) * 1e3:0.00}-{Timing.Quantile(m.OurWall, 0.9) * 1e3:0.00} | {Timing.Quantile(m.OrtWall, 0.1) * 1e3:0.00}-{Timing.Quantile(m.OrtWall, 0.9) * 1e3:0.00} | {ourCpu * 1e3:0.00} | {ortCpu * 1e3:0.00} | {ortCpu / ourCpu:0.00} |"));
    }
    Console.WriteLine();
}

static string Gmacs(long macs) => (macs / 1e9).ToString(macs < 100_000_000 ? "0.000" : "0.00", CultureInfo.InvariantCulture);

static string Plural(int value, string one) => $"{value} {one}{(value == 1 ? "" : "s")}";
