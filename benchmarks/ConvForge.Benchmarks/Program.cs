using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using ConvForge;
using ConvForge.Benchmarks;
using ConvForge.Kernels;

// Each sample network at batch 1 on one thread next to ONNX Runtime running the model ExportOnnx writes:
// same weights, same input, one process. Outputs are compared first (a kernel that skips work looks fast),
// then warm-up runs, then timed runs alternating between the two so both see the same machine noise.
// Usage: ConvForge.Benchmarks [--model NAME]... [--runs N] [--warmup N] [--family avx512|avx2|portable]

const double RelativeTolerance = 1e-4;   // the parity tests' bound: max |ours - ORT| <= 1e-4 x max |ORT|
var culture = CultureInfo.InvariantCulture;

var models = new List<string>();
var runs = 30;
var warmup = 10;
KernelFamily? family = null;
for (var i = 0; i < args.Length; i++)
{
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--model" when value is not null: models.Add(value); i++; break;
        case "--runs" when int.TryParse(value, NumberStyles.None, culture, out var n) && n > 0: runs = n; i++; break;
        case "--warmup" when int.TryParse(value, NumberStyles.None, culture, out var w): warmup = w; i++; break;
        case "--family" when Enum.TryParse<KernelFamily>(value, ignoreCase: true, out var f): family = f; i++; break;
        default:
            Console.Error.WriteLine("Usage: ConvForge.Benchmarks [--model NAME]... [--runs N (30)] [--warmup N (10)] [--family avx512|avx2|portable]");
            Console.Error.WriteLine("Models: " + string.Join(", ", Sample.All.Select(s => s.Name)));
            return 2;
    }
}

var samples = models.Count == 0 ? Sample.All : Sample.All.Where(s => models.Any(s.Matches)).ToList();
if (samples.Count == 0)
{
    Console.Error.WriteLine("No sample matches " + string.Join(", ", models) + "; there are " + string.Join(", ", Sample.All.Select(s => s.Name)) + ".");
    return 2;
}
if (family is { } forced && !KernelFamilies.IsSupported(forced))
    Console.Error.WriteLine($"warning: this machine has no hardware support for {forced}; .NET emulates its vectors in software (slow).");

Console.WriteLine($"ConvForge vs ONNX Runtime, batch 1, one thread; median of {runs} timed runs after {warmup} warm-up runs each, alternating.");
Console.WriteLine($"Machine: {MachineInfo.CpuName()}, {Environment.ProcessorCount} cores; {RuntimeInformation.FrameworkDescription}; ONNX Runtime {OnnxRuntimeModel.Version}.");
Console.WriteLine($"Kernel family: {(family is { } chosen ? chosen + " (forced)" : KernelFamilies.Best.ToString())}; load average before: {MachineInfo.LoadAverage()}.");
var measuredPeak = PeakLoop.Measure(out var peakLoop);
Console.WriteLine(string.Create(culture, $"Measured peak: {measuredPeak:0.0} GFLOP/s per CPU second ({peakLoop}, 12 accumulators, one thread, best of 9)."));
Console.WriteLine();

var rows = new List<string>();
var noiseRows = new List<string>();
var failed = false;
foreach (var sample in samples)
{
    var network = sample.Create();
    if (family is { } f)
        network.UseKernels(f);
    var used = network.KernelFamily();
    network.InitializeParameters(1);

    var random = new DeterministicRandom(2026);
    var input = new float[sample.InputLength];
    for (var i = 0; i < input.Length; i++)
        input[i] = (float)random.NextDouble(-1, 1);
    var ours = new float[sample.OutputLength];
    var theirs = new float[sample.OutputLength];

    byte[] model;
    using (var stream = new MemoryStream())
    {
        network.ExportOnnx(stream);
        model = stream.ToArray();
    }
    using var ort = new OnnxRuntimeModel(model, input, theirs);

    network.Forward(input, ours);
    ort.Run();
    var error = RelativeError(ours, theirs);
    if (!(error <= RelativeTolerance))
    {
        Console.WriteLine($"{sample.Name}: outputs differ (max |ours - ORT| = {error:0.0e+0} x max |ORT|); not timed.");
        rows.Add($"| {sample.Name} | {Gmacs(sample.Macs)} | outputs differ: {error:0.0e+0} x max \\|ORT\\| | | | | | | | |");
        failed = true;
        continue;
    }

    for (var i = 0; i < warmup; i++)
    {
        network.Forward(input, ours);
        ort.Run();
    }

    var ourWall = new double[runs];
    var ortWall = new double[runs];
    var ourCpu = new double[runs];
    var ortCpu = new double[runs];
    for (var i = 0; i < runs; i++)
    {
        // ABBA order: neither side always runs right after the other has filled the caches.
        if (i % 2 == 0)
        {
            TimeOurs(i);
            TimeOrt(i);
        }
        else
        {
            TimeOrt(i);
            TimeOurs(i);
        }
    }

    // The last timed runs must still agree.
    var errorAfter = RelativeError(ours, theirs);
    var ourMedian = Timing.Quantile(ourWall, 0.5);
    var ortMedian = Timing.Quantile(ortWall, 0.5);
    var flops = 2.0 * sample.Macs;
    var peak = used switch { KernelFamily.Avx512 => 210.0, KernelFamily.Avx2 => 105.0, _ => double.NaN };
    var ourGflops = flops / ourMedian / 1e9;
    var ortGflops = flops / ortMedian / 1e9;
    rows.Add(string.Create(culture,
        $"| {sample.Name} | {Gmacs(sample.Macs)} | {ourMedian * 1e3:0.00} | {ortMedian * 1e3:0.00} | {ortMedian / ourMedian:0.00} | {ourGflops:0.0} | {(double.IsNaN(peak) ? "-" : (100 * ourGflops / peak).ToString("0", culture) + "%")} | {100 * ourGflops / measuredPeak:0}% | {ortGflops:0.0} | {Math.Max(error, errorAfter):0.0e+0} |"));
    noiseRows.Add(string.Create(culture,
        $"| {sample.Name} | {Timing.Quantile(ourWall, 0.1) * 1e3:0.00}-{Timing.Quantile(ourWall, 0.9) * 1e3:0.00} | {Timing.Quantile(ortWall, 0.1) * 1e3:0.00}-{Timing.Quantile(ortWall, 0.9) * 1e3:0.00} | {Timing.Quantile(ourCpu, 0.5) * 1e3:0.00} | {Timing.Quantile(ortCpu, 0.5) * 1e3:0.00} | {Timing.Quantile(ortCpu, 0.5) / Timing.Quantile(ourCpu, 0.5):0.00} |"));
    Console.WriteLine(string.Create(culture, $"{sample.Name}: ours {ourMedian * 1e3:0.00} ms, ORT {ortMedian * 1e3:0.00} ms ({used})"));
    if (!(errorAfter <= RelativeTolerance))
        failed = true;

    void TimeOurs(int run)
    {
        var cpu = Timing.ThreadCpuSeconds();
        var wall = Timing.WallSeconds();
        network.Forward(input, ours);
        ourWall[run] = Timing.WallSeconds() - wall;
        ourCpu[run] = Timing.ThreadCpuSeconds() - cpu;
    }

    void TimeOrt(int run)
    {
        var cpu = Timing.ThreadCpuSeconds();
        var wall = Timing.WallSeconds();
        ort.Run();
        ortWall[run] = Timing.WallSeconds() - wall;
        ortCpu[run] = Timing.ThreadCpuSeconds() - cpu;
    }
}

var peakNote = family ?? KernelFamilies.Best;
Console.WriteLine();
Console.WriteLine("| model | GMACs | ours median ms | ORT median ms | ORT / ours | ours GFLOP/s | % of peak | % of FMA loop | ORT GFLOP/s | max error |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
rows.ForEach(Console.WriteLine);
Console.WriteLine();
Console.WriteLine("Spread and CPU time (wall-clock 10th-90th percentile; median CPU time of the benchmark thread, which leaves out time taken by other processes):");
Console.WriteLine();
Console.WriteLine("| model | ours p10-p90 ms | ORT p10-p90 ms | ours CPU ms | ORT CPU ms | ORT / ours (CPU) |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|");
noiseRows.ForEach(Console.WriteLine);
Console.WriteLine();
Console.WriteLine($"Peak: {(peakNote == KernelFamily.Avx512 ? "210 GFLOP/s (AVX-512, one core)" : peakNote == KernelFamily.Avx2 ? "105 GFLOP/s (AVX2 + FMA, one core)" : "none for the portable family")}; GFLOP/s = 2 x MACs / median time. "
    + string.Create(culture, $"% of FMA loop: of the {measuredPeak:0.0} GFLOP/s measured above. Max error: max |ours - ORT| / max |ORT|. Load average after: {MachineInfo.LoadAverage()}."));
return failed ? 1 : 0;

static double RelativeError(float[] actual, float[] expected)
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

static string Gmacs(long macs) => (macs / 1e9).ToString(macs < 100_000_000 ? "0.000" : "0.00", CultureInfo.InvariantCulture);
