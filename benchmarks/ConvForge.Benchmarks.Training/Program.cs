using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using ConvForge;
using ConvForge.Benchmarks;
using ConvForge.Data;
using ConvForge.Kernels;
using ConvForge.Samples;
using ConvForge.Training;

// Training speed of a sample network on Fashion-MNIST: optimizer steps on real batches (SGD with Nesterov
// momentum, as benchmarks/pytorch/train_nin.py does for PyTorch), the median step time after warm-up, images/s,
// and the convolution and dense work per image (forward, input gradient where one is needed, weight gradient)
// as GFLOP/s and as a share of the measured peak of the threads used.
// Usage: ConvForge.Benchmarks.Training [--model NinFashion|FashionNin] [--batch 128] [--threads N] [--steps 30] [--warmup 5] [--family avx512|avx2|portable]

var culture = CultureInfo.InvariantCulture;
var model = "NinFashion";
var batch = 128;
var threads = Environment.ProcessorCount;
var steps = 30;
var warmup = 5;
KernelFamily? family = null;
for (var i = 0; i < args.Length; i++)
{
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--model" when value is not null: model = value; i++; break;
        case "--batch" when int.TryParse(value, NumberStyles.None, culture, out var b) && b > 0: batch = b; i++; break;
        case "--threads" when int.TryParse(value, NumberStyles.None, culture, out var t) && t > 0: threads = t; i++; break;
        case "--steps" when int.TryParse(value, NumberStyles.None, culture, out var s) && s > 0: steps = s; i++; break;
        case "--warmup" when int.TryParse(value, NumberStyles.None, culture, out var w): warmup = w; i++; break;
        case "--family" when Enum.TryParse<KernelFamily>(value, ignoreCase: true, out var f): family = f; i++; break;
        default:
            Console.Error.WriteLine("Usage: ConvForge.Benchmarks.Training [--model NinFashion|FashionNin] [--batch 128] [--threads N] [--steps 30] [--warmup 5] [--family avx512|avx2|portable]");
            return 2;
    }
}
if (!Directory.Exists(FashionMnist.DebianDirectory))
{
    Console.Error.WriteLine($"Fashion-MNIST is not in {FashionMnist.DebianDirectory}: sudo apt-get install dataset-fashion-mnist");
    return 2;
}

return model.ToUpperInvariant() switch
{
    "NINFASHION" => Run(new NinFashion()),
    "FASHIONNIN" => Run(new FashionNin()),
    _ => Unknown(),
};

int Unknown()
{
    Console.Error.WriteLine($"Unknown model {model}; NinFashion or FashionNin.");
    return 2;
}

int Run<TNetwork>(TNetwork network) where TNetwork : ITrainableNetwork
{
    var options = new TrainerOptions
    {
        BatchSize = batch,
        Optimizer = OptimizerKind.Sgd,
        Momentum = 0.9f,
        Nesterov = true,
        Schedule = new ConstantSchedule(0.05),
        WeightDecay = 5e-4f,
        Threads = threads,
        Seed = 1,
        Kernels = family,
    };
    using var trainer = new Trainer<TNetwork>(network, options);
    var loader = new DataLoader(FashionMnist.LoadTrain(), batch, new DataLoaderOptions { Shuffle = true, Seed = 1, DropLast = true });

    Console.WriteLine($"ConvForge training {TNetwork.Definition.Name} on Fashion-MNIST: batch {batch}, {trainer.Threads} threads, SGD Nesterov; median of {steps} steps after {warmup} warm-up steps.");
    Console.WriteLine($"Machine: {MachineInfo.CpuName()}, {Environment.ProcessorCount} cores; {RuntimeInformation.FrameworkDescription}; kernels {trainer.KernelFamily}; load average before: {MachineInfo.LoadAverage()}.");
    var peak = PeakLoop.Measure(trainer.KernelFamily, trainer.Threads, out var peakLoop);

    var times = new List<double>();
    var losses = new List<float>();
    var watch = new Stopwatch();
    var epoch = 0;
    while (times.Count < steps)
    {
        foreach (var data in loader.Epoch(epoch))
        {
            watch.Restart();
            var result = trainer.TrainBatch(data.Images, data.Labels);
            watch.Stop();
            losses.Add(result.Loss);
            if (losses.Count > warmup)
                times.Add(watch.Elapsed.TotalSeconds);
            if (times.Count == steps)
                break;
        }
        epoch++;
    }

    times.Sort();
    var median = times[times.Count / 2];
    var imagesPerSecond = batch / median;
    var macs = TrainingMacsPerImage(TNetwork.TrainingProgram, TNetwork.Definition);
    var gflops = 2.0 * macs * imagesPerSecond / 1e9;
    Console.WriteLine(string.Create(culture, $"Step: median {median * 1e3:0.0} ms (min {times[0] * 1e3:0.0}, max {times[^1] * 1e3:0.0}); {imagesPerSecond:0} images/s."));
    Console.WriteLine(string.Create(culture, $"Work: {macs / 1e6:0.0} MMACs per image in convolutions and dense layers (forward {TNetwork.Definition.Macs / 1e6:0.0}); {gflops:0.0} GFLOP/s = {100 * gflops / peak:0.0}% of {peak:0.0} GFLOP/s ({peakLoop} on {trainer.Threads} threads at once)."));
    Console.WriteLine(string.Create(culture, $"Loss: {losses[0]:0.000} at the first step, {losses[^1]:0.000} at the last. Load average after: {MachineInfo.LoadAverage()}."));
    return 0;
}

// Forward MACs of every weighted step, again for its weight gradient, and again for its input gradient unless it reads
// the network input (whose gradient nobody needs).
static long TrainingMacsPerImage(TrainingProgram program, NetworkDefinition definition)
{
    long total = 0;
    foreach (var step in program.Steps)
    {
        if (step.Kind is not (TrainingStepKind.Conv or TrainingStepKind.ConvFromPlain or TrainingStepKind.Dense))
            continue;
        var forward = definition.MacsOf(step.NodeIndex);
        total += forward * (step.Kind == TrainingStepKind.ConvFromPlain ? 2 : 3);
    }
    return total;
}
