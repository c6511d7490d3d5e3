using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ConvForge.Kernels;

namespace ConvForge.Benchmarks;

/// <summary>The command line: which samples, thread counts and batch sizes, how many runs, and which mode.</summary>
internal sealed class Options
{
    public const string Usage =
        "Usage: ConvForge.Benchmarks [--model NAME]... [--threads N]... [--batch N]... [--runs N (30)] [--warmup N (10)]\n"
        + "                            [--budget SECONDS] [--family avx512|avx2|portable] [--layers]\n"
        + "  --threads N   both sides use N threads (ONNX Runtime's IntraOpNumThreads, our DegreeOfParallelism); repeatable, default 1\n"
        + "  --batch N     images per Forward / per ONNX Runtime run; repeatable, default 1\n"
        + "  --runs N      timed runs per side (the most, with --budget)\n"
        + "  --warmup N    warm-up runs per side (the most, with --budget)\n"
        + "  --budget S    per table row, warm-up and timed runs of both sides take about S seconds (at least 1 warm-up and 3 timed runs)\n"
        + "  --family F    forces our kernel family (ONNX Runtime is unaffected)\n"
        + "  --layers      per-step times of our forward pass at batch 1 (one table per model and thread count)";

    public List<string> Models { get; } = new();
    public List<int> Threads { get; } = new();
    public List<int> Batches { get; } = new();
    public int Runs { get; private set; } = 30;
    public int Warmup { get; private set; } = 10;
    public double? Budget { get; private set; }
    public KernelFamily? Family { get; private set; }
    public bool Layers { get; private set; }

    /// <summary>The options in <paramref name="args"/>, or null (and <paramref name="error"/> says why) when they are not understood.</summary>
    public static Options? Parse(string[] args, out string? error)
    {
        var culture = CultureInfo.InvariantCulture;
        var options = new Options();
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            var positive = int.TryParse(value, NumberStyles.None, culture, out var n) && n > 0;
            switch (args[i])
            {
                case "--model" when value is not null: options.Models.Add(value); i++; break;
                case "--threads" when positive: options.Threads.Add(n); i++; break;
                case "--batch" when positive: options.Batches.Add(n); i++; break;
                case "--runs" when positive: options.Runs = n; i++; break;
                case "--warmup" when int.TryParse(value, NumberStyles.None, culture, out var w): options.Warmup = w; i++; break;
                case "--budget" when double.TryParse(value, NumberStyles.Float, culture, out var s) && s > 0: options.Budget = s; i++; break;
                case "--family" when Enum.TryParse<KernelFamily>(value, ignoreCase: true, out var f): options.Family = f; i++; break;
                case "--layers": options.Layers = true; break;
                default:
                    error = value is null || args[i] == "--layers" ? $"Not understood: {args[i]}." : $"Not understood: {args[i]} {value}.";
                    return null;
            }
        }
        if (options.Threads.Count == 0)
            options.Threads.Add(1);
        if (options.Batches.Count == 0)
            options.Batches.Add(1);
        if (options.Layers && options.Batches.Any(b => b != 1))
        {
            error = "--layers times batch 1 only (steps are timed when all workers share one image).";
            return null;
        }
        Distinct(options.Threads);
        Distinct(options.Batches);
        return options;
    }

    private static void Distinct(List<int> values)
    {
        var distinct = values.Distinct().ToList();
        values.Clear();
        values.AddRange(distinct);
    }
}
