using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using ConvForge.Execution;

namespace ConvForge.Benchmarks;

/// <summary>
/// The per-step table of <c>--layers</c>: each step of our forward pass (the generated <c>ForwardSteps</c> table) with its
/// mean time from a <see cref="StepTimer"/>, GFLOP/s and % of the peak, next to the time ONNX Runtime's profiler gives
/// the nodes it runs for the same layers.
/// </summary>
internal static class StepProfile
{
    private static readonly CultureInfo s_culture = CultureInfo.InvariantCulture;

    /// <summary>
    /// Runs <paramref name="runs"/> timed images (batch 1, after a few untimed ones) with a step timer attached and
    /// prints the table; <paramref name="whole"/> is the same network's side-by-side measurement at batch 1.
    /// </summary>
    public static void Print(Sample sample, Instance network, Measurement whole, double peak, int runs, TextWriter output)
    {
        var steps = sample.Steps;
        output.WriteLine($"### {sample.Name}, {whole.Threads} thread{(whole.Threads == 1 ? "" : "s")}, batch 1: {steps.Count} steps");
        output.WriteLine();
        if (steps.Count == 0)
        {
            output.WriteLine($"{sample.Name} has no ForwardSteps table.");
            output.WriteLine();
            return;
        }

        var random = new DeterministicRandom(2026);
        var input = new float[sample.InputLength];
        for (var i = 0; i < input.Length; i++)
            input[i] = (float)random.NextDouble(-1, 1);
        var result = new float[sample.OutputLength];
        var timer = new StepTimer(steps.Count);
        network.SetStepTimer(timer);
        var timedWall = new double[runs];
        try
        {
            for (var i = 0; i < 3; i++)
                network.Forward(input, result, 1);
            timer.Reset();
            for (var run = 0; run < runs; run++)
            {
                var before = Timing.WallSeconds();
                network.Forward(input, result, 1);
                timedWall[run] = Timing.WallSeconds() - before;
            }
        }
        finally
        {
            network.SetStepTimer(null);
        }

        var ort = OrtNodeTimes(sample, network, whole.Threads, runs);
        var ortByStep = new double[steps.Count];
        var ortOutside = 0.0;
        foreach (var (node, milliseconds) in ort)
        {
            var step = StepOf(steps, node);
            if (step < 0)
                ortOutside += milliseconds;
            else
                ortByStep[step] += milliseconds;
        }

        output.WriteLine("| step | nodes | operation | shapes | MMACs | ms | % of time | GFLOP/s | % of peak | ORT ms | ORT / ours |");
        output.WriteLine("|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
        var times = steps.Select(s => timer.MeanMilliseconds(s.Index)).ToArray();
        var total = times.Sum();
        foreach (var step in steps)
        {
            var ms = times[step.Index];
            var gflops = 2.0 * step.Macs / (ms * 1e-3) / 1e9;
            var hasMacs = step.Macs > 0 && ms > 0;
            var ortMs = ortByStep[step.Index];
            output.WriteLine(string.Create(s_culture,
                $"| {step.Index} | {Cell(step.Nodes)} | {Cell(step.Operation)} | {Cell(step.Shapes)} | {step.Macs / 1e6:0.0} | {ms:0.000} | {100 * ms / total:0.0}% | {(hasMacs ? gflops.ToString("0.0", s_culture) : "-")} | {(hasMacs && !double.IsNaN(peak) ? (100 * gflops / peak).ToString("0", s_culture) + "%" : "-")} | {(ortMs > 0 ? ortMs.ToString("0.000", s_culture) : "-")} | {(ortMs > 0 && ms > 0 ? (ortMs / ms).ToString("0.00", s_culture) : "-")} |"));
        }
        output.WriteLine();

        // The steps that carry the work: how many reach the issue's 85% of peak, and how much of the time they take.
        var heavy = steps.Where(s => s.Macs >= 0.01 * sample.Macs && times[s.Index] > 0).ToList();
        var efficient = heavy.Where(s => 2.0 * s.Macs / (times[s.Index] * 1e-3) / 1e9 >= 0.85 * peak).ToList();
        output.WriteLine(string.Create(s_culture,
            $"Sum of the step means: {total:0.00} ms (timer on; whole forward with the timer on: median {Timing.Quantile(timedWall, 0.5) * 1e3:0.00} ms); "
            + $"whole forward with the timer off: median {whole.OurMedian * 1e3:0.00} ms, ONNX Runtime {whole.OrtMedian * 1e3:0.00} ms (side by side, {whole.Runs} runs each). "
            + $"Steps with at least 1% of the MACs: {heavy.Count}, of which {efficient.Count} at 85% of the peak or more ({(total > 0 ? 100 * efficient.Sum(s => times[s.Index]) / total : 0):0}% of the time). "
            + $"% of peak: of {peak:0.0} GFLOP/s (the FMA loop on {whole.Threads} thread{(whole.Threads == 1 ? "" : "s")} at once)."));
        if (ort.Count > 0)
        {
            output.WriteLine(string.Create(s_culture,
                $"ORT ms: median per run of the ONNX Runtime nodes (from its profiler, {ort.Count} nodes) named after a node of the step; "
                + $"nodes of no step (layout reorders and the like): {ortOutside:0.00} ms; all nodes: {ort.Values.Sum():0.00} ms."));
        }
        output.WriteLine();
    }

    /// <summary>
    /// Median milliseconds per run of each node ONNX Runtime ran, from its profiler (a separate session, since profiling
    /// slows every run a little), by node name; empty when the profile cannot be read.
    /// </summary>
    private static Dictionary<string, double> OrtNodeTimes(Sample sample, Instance network, int threads, int runs)
    {
        var times = new Dictionary<string, double>(StringComparer.Ordinal);
        byte[] model;
        using (var stream = new MemoryStream())
        {
            network.ExportOnnx(stream);
            model = stream.ToArray();
        }
        var input = new float[sample.InputLength];
        var result = new float[sample.OutputLength];
        var prefix = Path.Combine(Path.GetTempPath(), $"convforge-ort-profile-{Environment.ProcessId}");
        string path;
        using (var ort = new OnnxRuntimeModel(model, input, result, 1, threads, prefix))
        {
            for (var run = 0; run < runs; run++)
                ort.Run();
            path = ort.EndProfiling();
        }
        try
        {
            // Chrome trace format: [{"cat":"Node","name":"<node>_kernel_time","dur":<µs>,...}, ...]; the first runs
            // (session setup, first run) weigh in too, so take the median per node, not the mean.
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var perNode = new Dictionary<string, List<double>>(StringComparer.Ordinal);
            foreach (var e in document.RootElement.EnumerateArray())
            {
                if (e.GetProperty("cat").GetString() != "Node" || e.GetProperty("name").GetString() is not { } name
                    || !name.EndsWith("_kernel_time", StringComparison.Ordinal))
                    continue;
                var node = name[..^"_kernel_time".Length];
                if (!perNode.TryGetValue(node, out var list))
                    perNode[node] = list = new List<double>();
                list.Add(e.GetProperty("dur").GetDouble() / 1e3);
            }
            foreach (var (node, list) in perNode)
                times[node] = Timing.Quantile(list.ToArray(), 0.5);
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            Console.Error.WriteLine($"ONNX Runtime's profile {path} could not be read: {e.Message}");
        }
        finally
        {
            File.Delete(path);
        }
        return times;
    }

    /// <summary>The step whose nodes include the one ONNX Runtime's node is named after (its name or its name plus a suffix), or -1.</summary>
    private static int StepOf(IReadOnlyList<ForwardStepInfo> steps, string ortNode)
    {
        var best = -1;
        var bestLength = 0;
        foreach (var step in steps)
        {
            foreach (var node in step.Nodes.Split(" + "))
            {
                if (node.Length > bestLength && ortNode.StartsWith(node, StringComparison.Ordinal)
                    && (ortNode.Length == node.Length || !char.IsLetterOrDigit(ortNode[node.Length])))
                {
                    best = step.Index;
                    bestLength = node.Length;
                }
            }
        }
        return best;
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
