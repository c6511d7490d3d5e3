using System;
using System.Diagnostics;
using ConvForge.Kernels;
using ConvForge.Threading;

// --split-scaling: the memory-bound forward kernels at ResNet shapes, whole on one thread vs split over a 2-worker
// WorkerPool (each worker calling the kernel with its WorkSplit). Efficiency = time(1) / (2 x time(2)): 100% is perfect
// scaling; memory-bound kernels on two cores sharing one memory bus land well below that. The split output is checked
// bit for bit against the whole call first. Best family only.
static class SplitScaling
{
    public static void Run(double seconds)
    {
        Console.WriteLine($"Split scaling, {KernelFamilies.Best}, {seconds:0.0} s per measurement, median of 7 (the pool's run and barrier included).");
        Console.WriteLine($"{"kernel",-34} {"1 thread ms",12} {"2 threads ms",13} {"efficiency",11}");
        using var pool = new WorkerPool(2, "split scaling");
        switch (KernelFamilies.Best)
        {
            case KernelFamily.Avx512: Cases<Avx512Kernels>.All(pool, seconds); break;
            case KernelFamily.Avx2: Cases<Avx2Kernels>.All(pool, seconds); break;
            default: Cases<PortableKernels>.All(pool, seconds); break;
        }
    }

    private static class Cases<TKernels> where TKernels : struct, IKernelFamily
    {
        public static void All(WorkerPool pool, double seconds)
        {
            int b = TKernels.BlockSize;
            var x112 = Random(TKernels.ActivationLength(64, 112, 112));
            var y56 = new float[TKernels.ActivationLength(64, 56, 56)];
            Measure("MaxPool 3x3/2 64x112x112", pool, seconds, y56, split => TKernels.MaxPool<ResNetMaxPool>(x112, y56, split));

            var a = Random(TKernels.ActivationLength(256, 56, 56));
            var c = Random(a.Length);
            var sum = new float[a.Length];
            Measure("Add + Relu 256x56x56", pool, seconds, sum, split => TKernels.Add<Image256x56x56, Relu>(a, c, sum, split));

            var scale = Random(Nchwc.PaddedChannels(64, b));
            var shift = Random(scale.Length);
            var bn = new float[x112.Length];
            Measure("ScaleShift + Relu 64x112x112", pool, seconds, bn, split => TKernels.ScaleShift<Image64x112x112, Relu>(x112, scale, shift, bn, split));

            var x7 = Random(TKernels.ActivationLength(2048, 7, 7));
            var pooled = new float[Nchwc.PaddedChannels(2048, b)];
            Measure("GlobalAvgPool 2048x7x7", pool, seconds, pooled, split => TKernels.GlobalAvgPool<Image2048x7x7>(x7, pooled, split));

            var weights = new float[TKernels.DenseWeightsLength<Dense2048To1000>()];
            TKernels.PackDenseWeights<Dense2048To1000>(Random(2048 * 1000), weights);
            var bias = Random(Nchwc.PaddedChannels(1000, b));
            var scores = new float[bias.Length];
            Measure("Dense 2048 -> 1000", pool, seconds, scores, split => TKernels.Dense<Dense2048To1000, Identity>(pooled, weights, bias, scores, split));

            var image = Random(3 * 224 * 224);
            var blocked = new float[TKernels.ActivationLength(3, 224, 224)];
            Measure("ToNchwc 3x224x224", pool, seconds, blocked, split => TKernels.ToNchwc<Image3x224x224>(image, blocked, split));
        }
    }

    private static void Measure(string name, WorkerPool pool, double seconds, float[] output, Action<WorkSplit> kernel)
    {
        var work = new SplitWork { Kernel = kernel };
        kernel(WorkSplit.Whole);
        var whole = (float[])output.Clone();
        Array.Fill(output, float.NaN);
        pool.Run(ref work);
        for (int i = 0; i < output.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(output[i]) != BitConverter.SingleToInt32Bits(whole[i]))
                throw new InvalidOperationException($"{name}: element {i} split over 2 workers is {output[i]}, whole {whole[i]}.");
        }

        double one = Median(seconds, () => kernel(WorkSplit.Whole));
        double two = Median(seconds, () => pool.Run(ref work));
        Console.WriteLine($"{name,-34} {one * 1e3,12:0.000} {two * 1e3,13:0.000} {100 * one / (2 * two),10:0}%");
    }

    private static double Median(double seconds, Action run)
    {
        run();
        int reps = 1;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed.TotalSeconds < 0.1)
        {
            run();
            reps++;
        }
        reps = Math.Max(1, (int)(reps * seconds / 7 / watch.Elapsed.TotalSeconds));
        var times = new double[7];
        for (int t = 0; t < times.Length; t++)
        {
            watch.Restart();
            for (int r = 0; r < reps; r++)
                run();
            times[t] = watch.Elapsed.TotalSeconds / reps;
        }
        Array.Sort(times);
        return times[3];
    }

    private static float[] Random(int length)
    {
        var random = new Random(length);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    private struct SplitWork : IWorkItem
    {
        public Action<WorkSplit> Kernel;

        public readonly void Execute(int worker, int workerCount) => Kernel(new WorkSplit(worker, workerCount));
    }
}

readonly struct ResNetMaxPool : IPoolShape
{
    public static int Channels => 64;
    public static int InHeight => 112;
    public static int InWidth => 112;
    public static int OutHeight => 56;
    public static int OutWidth => 56;
    public static int KernelHeight => 3;
    public static int KernelWidth => 3;
    public static int StrideHeight => 2;
    public static int StrideWidth => 2;
    public static int PadTop => 1;
    public static int PadLeft => 1;
    public static int PadBottom => 1;
    public static int PadRight => 1;
    public static bool CountIncludePad => true;
}

readonly struct Image256x56x56 : ITensorShape
{
    public static int Channels => 256;
    public static int Height => 56;
    public static int Width => 56;
}

readonly struct Image64x112x112 : ITensorShape
{
    public static int Channels => 64;
    public static int Height => 112;
    public static int Width => 112;
}

readonly struct Image2048x7x7 : ITensorShape
{
    public static int Channels => 2048;
    public static int Height => 7;
    public static int Width => 7;
}

readonly struct Image3x224x224 : ITensorShape
{
    public static int Channels => 3;
    public static int Height => 224;
    public static int Width => 224;
}

readonly struct Dense2048To1000 : IDenseShape
{
    public static int InChannels => 2048;
    public static int InHeight => 1;
    public static int InWidth => 1;
    public static int Units => 1000;
}
