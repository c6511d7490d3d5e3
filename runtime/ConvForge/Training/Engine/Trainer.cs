using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using ConvForge.Kernels;
using ConvForge.Threading;

namespace ConvForge.Training;

/// <summary>
/// Trains a generated network (<see cref="ITrainableNetwork"/>): forward, loss, backward and an optimizer step per
/// batch, over the steps its <see cref="TrainingSchedule"/> says need them, split over a persistent
/// <see cref="WorkerPool"/>. Nothing is allocated per step after the first.
/// </summary>
/// <remarks>
/// <para>
/// Per-image steps split the batch into one contiguous range of images per worker (one pool run per stretch of
/// consecutive per-image steps, a barrier between steps); batch-level steps (BatchNorm in training mode) run on the
/// calling thread. Each worker accumulates parameter gradients in its own buffer; the buffers are summed in worker
/// order, so results are bit-identical from run to run with the same thread count. Different thread counts group the
/// images' contributions differently, so their results differ by float rounding.
/// </para>
/// <para>
/// Frozen nodes (<see cref="TrainerOptions.Frozen"/>, <see cref="TrainerOptions.FreezeThrough"/>) get no gradient memory
/// when they precede every trainable parameter, no optimizer state, and no backward calls; a frozen BatchNorm runs on its
/// running statistics and never updates them. <see cref="Counters"/> records every call into the generated code.
/// </para>
/// <para>
/// The kernel family is <see cref="TrainerOptions.Kernels"/>, else <see cref="KernelFamilies.Best"/> (what a generated
/// instance starts with; <see cref="ITrainableNetwork"/> does not expose an instance's choice). One instance serves one
/// thread at a time.
/// </para>
/// </remarks>
/// <example>
/// Fine-tuning a new head at ten times the trunk's rate, then feature extraction from cached trunk outputs:
/// <code>
/// var network = new ResNet18();
/// network.LoadWeights("resnet18.safetensors");
/// using var trainer = new Trainer&lt;ResNet18&gt;(network, new TrainerOptions
/// {
///     BatchSize = 64,
///     Optimizer = OptimizerKind.Sgd, Momentum = 0.9f, Nesterov = true, WeightDecay = 5e-4f,
///     Schedule = new LinearWarmupSchedule(new CosineAnnealingSchedule(0.01, totalSteps), 100),
///     LearningRateScales = new Dictionary&lt;string, float&gt; { ["Fc"] = 10f },
/// });
/// BatchResult result = trainer.TrainBatch(images, labels);
///
/// using var extractor = new Trainer&lt;ResNet18&gt;(network, new TrainerOptions { FreezeThrough = "Pool" });
/// FrozenFeatures features = extractor.CacheFrozenFeatures(trainingSet);
/// extractor.TrainCachedBatch(features, batchIndices, batchLabels);
/// </code>
/// </example>
/// <typeparam name="TNetwork">The generated network class.</typeparam>
public sealed unsafe partial class Trainer<TNetwork> : ITrainer, IDisposable
    where TNetwork : ITrainableNetwork
{
    private readonly TNetwork network;
    private readonly TrainerOptions options;
    private readonly TrainingProgram program;
    private readonly WorkerPool pool;
    private readonly Runner runner;
    private readonly Pass trainForward;
    private readonly Pass trainBackward;
    private readonly Pass inferenceForward;
    private readonly Pass headForward;
    private readonly Pass trunkForward;
    private readonly Pass headInference;
    private readonly (int Offset, int Length)[] boundary;
    private readonly float[] logits;
    private readonly float[] logitGradients;
    private readonly int[] trainableSteps;
    private readonly int[] stepsWithParameters;
    private readonly (int Offset, int Length)[] runningStatistics;
    private readonly float[] runningStatisticsBefore;
    private readonly ParameterGroup[] groups;
    private readonly int inputOffset;
    private readonly int logitsOffset;
    private long packedVersion = -1;
    private bool disposed;

    /// <summary>A trainer for <paramref name="network"/>'s parameters.</summary>
    /// <param name="network">The network instance; its <see cref="ITrainableNetwork.Parameters"/> are trained in place.</param>
    /// <param name="options">How to train; defaults when null.</param>
    /// <exception cref="ArgumentException">An option is out of range, names no node, or leaves nothing to train.</exception>
    public Trainer(TNetwork network, TrainerOptions? options = null)
    {
        if (network is null)
            throw new ArgumentNullException(nameof(network));
        this.network = network;
        this.options = options ??= new TrainerOptions();
        if (options.BatchSize < 1)
            throw new ArgumentException($"The batch size must be at least 1; it is {options.BatchSize}.", nameof(options));
        if (options.Threads < 1)
            throw new ArgumentException($"Threads must be at least 1; it is {options.Threads}.", nameof(options));
        if (options.Schedule is null)
            throw new ArgumentException("A learning-rate schedule is required.", nameof(options));
        if (!(options.BatchNormMomentum >= 0f && options.BatchNormMomentum <= 1f))
            throw new ArgumentException($"The BatchNorm momentum must be in [0, 1]; it is {options.BatchNormMomentum}.", nameof(options));
        if (options.MaxGradientNorm is float maxNorm && !(maxNorm > 0f))
            throw new ArgumentException($"The largest gradient norm must be positive; it is {maxNorm}.", nameof(options));

        program = TNetwork.TrainingProgram;
        var definition = TNetwork.Definition;
        if (network.Parameters.Length != definition.ParameterLength)
            throw new ArgumentException($"The network's parameter store holds {network.Parameters.Length} floats; {definition.Name} has {definition.ParameterLength}.", nameof(network));
        Schedule = TrainingSchedule.Create(program, definition, options.Frozen, options.FreezeThrough);

        var input = program.Values[program.Input];
        if (input.Layout != TrainingLayout.Plain || input.Channels * input.Height * input.Width != definition.InputShape.Length)
            throw new ArgumentException($"The training program of {definition.Name} has input {input.Name} {input.Channels}x{input.Height}x{input.Width} {input.Layout}; the network's input is {definition.InputShape}, plain.", nameof(network));
        var output = program.Values[program.Logits];
        if (output.Height != 1 || output.Width != 1)
            throw new ArgumentException($"The logits of {definition.Name} ({output.Name}) are {output.Channels}x{output.Height}x{output.Width}; the loss needs C x 1 x 1.", nameof(network));
        if (!Schedule.ValueDependsOnTrainable[program.Logits])
            throw new ArgumentException($"No trainable parameter of {definition.Name} reaches the logits ({output.Name}).", nameof(options));
        InputLength = input.Length;
        inputOffset = input.Offset;
        ClassCount = output.Channels;
        logitsOffset = output.Offset;

        KernelFamily = options.Kernels ?? KernelFamilies.Best;
        pool = new WorkerPool(options.Threads, "Trainer<" + definition.Name + ">");
        Counters = new TrainingCounters(program.Steps.Count);
        runner = KernelFamily switch
        {
            KernelFamily.Avx512 => new Runner<Avx512Kernels>(this),
            KernelFamily.Avx2 => new Runner<Avx2Kernels>(this),
            _ => new Runner<PortableKernels>(this),
        };

        trainForward = BuildPass(Schedule.Steps.Where(s => s.Forward), _ => StepWork.Forward, s => s.Mode, s => s.BatchLevel);
        trainBackward = BuildPass(Schedule.Steps.Where(s => s.Backward).Reverse(),
            s => (s.BackwardInput ? StepWork.BackwardInput : 0) | (s.BackwardParameters ? StepWork.BackwardParameters : 0),
            s => s.Mode, s => s.BatchLevel);
        inferenceForward = BuildPass(Schedule.Steps, _ => StepWork.Forward, _ => StepMode.Inference, _ => false);
        headForward = BuildPass(Schedule.Steps.Where(s => s.DependsOnTrainable), _ => StepWork.Forward, s => s.Mode, s => s.BatchLevel);
        trunkForward = BuildPass(Schedule.Steps.Where(s => !s.DependsOnTrainable), _ => StepWork.Forward, s => s.Mode, s => s.BatchLevel);
        headInference = BuildPass(Schedule.Steps.Where(s => s.DependsOnTrainable), _ => StepWork.Forward, _ => StepMode.Inference, _ => false);
        boundary = Schedule.FrozenBoundary.Select(v => (program.Values[v].Offset, program.Values[v].Length)).ToArray();
        FeatureLength = boundary.Sum(b => b.Length);

        logits = new float[options.BatchSize * ClassCount];
        logitGradients = new float[options.BatchSize * ClassCount];
        trainableSteps = Schedule.Steps.Where(s => s.Trainable).Select(s => s.Step).ToArray();
        stepsWithParameters = program.Steps.Where(s => s.Parameters.Count > 0).Select(s => s.Index).ToArray();
        runningStatistics = Schedule.Steps.Where(s => s.BatchLevel)
            .SelectMany(s => program.Steps[s.Step].Parameters.Select(p => definition.Parameters[p]).Where(p => !p.Trainable))
            .Select(p => (p.Offset, p.Length)).ToArray();
        runningStatisticsBefore = new float[runningStatistics.Sum(r => r.Length)];

        groups = BuildGroups(definition);
        Optimizer = CreateOptimizer();
    }

    /// <summary>The schedule: per step what runs, and where gradient memory starts.</summary>
    public TrainingSchedule Schedule { get; }

    /// <summary>Calls into the generated code per step (the test hook for frozen layers).</summary>
    public TrainingCounters Counters { get; }

    /// <summary>The optimizer, over the trainable range [<see cref="TrainingSchedule.ParameterGradientOrigin"/>, ParameterLength).</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The parameter groups the optimizer was built with (offsets relative to the gradient origin).</summary>
    public IReadOnlyList<ParameterGroup> ParameterGroups => groups;

    /// <summary>The kernel family the steps run.</summary>
    public KernelFamily KernelFamily { get; }

    /// <summary>The network being trained.</summary>
    public TNetwork Network => network;

    /// <summary>The options the trainer was made with.</summary>
    public TrainerOptions Options => options;

    /// <summary>Worker threads, the calling thread included.</summary>
    public int Threads => pool.WorkerCount;

    /// <inheritdoc />
    public int InputLength { get; }

    /// <inheritdoc />
    public int ClassCount { get; }

    /// <inheritdoc />
    public int BatchSize => options.BatchSize;

    /// <inheritdoc />
    public long Step { get; private set; }

    /// <inheritdoc />
    public int Epoch { get; set; }

    /// <inheritdoc />
    public double LearningRate => options.Schedule.At(Step);

    /// <summary>The global norm of the gradient before clipping in the last training step (computed only when clipping).</summary>
    public float LastGradientNorm { get; private set; }

    /// <inheritdoc />
    public BatchResult TrainBatch(ReadOnlySpan<float> images, ReadOnlySpan<int> labels)
    {
        int batch = CheckBatch(images, labels, InputLength);
        EnsurePacked();
        LoadImages(images, batch);
        return Train(trainForward, batch, labels);
    }

    /// <inheritdoc />
    public BatchResult EvaluateBatch(ReadOnlySpan<float> images, ReadOnlySpan<int> labels)
    {
        CheckEvaluation(images, labels, InputLength);
        EnsurePacked();
        float lossSum = 0;
        int correct = 0;
        for (int start = 0; start < labels.Length; start += BatchSize)
        {
            int batch = Math.Min(BatchSize, labels.Length - start);
            LoadImages(images.Slice(start * InputLength, batch * InputLength), batch);
            fixed (float* parameters = network.Parameters.Values)
                runner.Run(inferenceForward, parameters, batch, seed: 0);
            var (loss, right) = Loss(batch, labels.Slice(start, batch));
            lossSum += loss * batch;
            correct += right;
        }
        return new BatchResult(lossSum / labels.Length, correct, labels.Length);
    }

    /// <summary>
    /// The training-mode loss of a batch and d(loss)/d(parameters) into <paramref name="gradients"/> (ParameterLength floats;
    /// zero for frozen tensors and BatchNorm running statistics), without stepping: parameters, running statistics and
    /// <see cref="Step"/> stay as they are. For whole-network gradient checks.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths do not fit, or a label is out of range.</exception>
    public float ComputeGradients(ReadOnlySpan<float> images, ReadOnlySpan<int> labels, Span<float> gradients)
    {
        int batch = CheckBatch(images, labels, InputLength);
        var definition = TNetwork.Definition;
        if (gradients.Length != definition.ParameterLength)
            throw new ArgumentException($"The gradient buffer holds {gradients.Length} floats; {definition.Name} has {definition.ParameterLength} parameters.", nameof(gradients));
        EnsurePacked();
        LoadImages(images, batch);
        var store = network.Parameters;
        SaveRunningStatistics(store.Values);
        float loss;
        fixed (float* parameters = store.GetWritableValues())
        {
            runner.Run(trainForward, parameters, batch, DropoutSeed(Step));
            (loss, _) = Loss(batch, labels);
            Backward(parameters, batch);
        }
        RestoreRunningStatistics(store);
        gradients.Clear();
        var trained = runner.WorkerGradients[0];
        for (int p = 0; p < definition.Parameters.Count; p++)
        {
            if (!Schedule.IsParameterTrainable(p))
                continue;
            var parameter = definition.Parameters[p];
            trained.AsSpan(parameter.Offset - Schedule.ParameterGradientOrigin, parameter.Length).CopyTo(gradients.Slice(parameter.Offset, parameter.Length));
        }
        packedVersion = store.Version;
        return loss;
    }

    /// <summary>The training-mode loss of a batch (batch statistics, this step's dropout masks), changing nothing.</summary>
    /// <exception cref="ArgumentException">Lengths do not fit, or a label is out of range.</exception>
    public float ComputeLoss(ReadOnlySpan<float> images, ReadOnlySpan<int> labels)
    {
        int batch = CheckBatch(images, labels, InputLength);
        EnsurePacked();
        LoadImages(images, batch);
        var store = network.Parameters;
        SaveRunningStatistics(store.Values);
        float loss;
        fixed (float* parameters = store.GetWritableValues())
        {
            runner.Run(trainForward, parameters, batch, DropoutSeed(Step));
            (loss, _) = Loss(batch, labels);
        }
        RestoreRunningStatistics(store);
        packedVersion = store.Version;
        return loss;
    }

    /// <summary>Ends the worker threads.</summary>
    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        pool.Dispose();
    }

    /// <summary>Forward over <paramref name="forward"/> (the batch already in the value arena), loss, backward, update.</summary>
    private BatchResult Train(Pass forward, int batch, ReadOnlySpan<int> labels)
    {
        double learningRate = LearningRate;
        var store = network.Parameters;
        SaveRunningStatistics(store.Values);
        var origin = Schedule.ParameterGradientOrigin;
        BatchResult result;
        fixed (float* parameters = store.GetWritableValues())
        {
            runner.Run(forward, parameters, batch, DropoutSeed(Step));
            var (loss, correct) = Loss(batch, labels);
            if (!float.IsFinite(loss))
            {
                RestoreRunningStatistics(store);
                throw new TrainingDivergedException(string.Create(CultureInfo.InvariantCulture,
                    $"Training diverged at step {Step} (epoch {Epoch}, learning rate {learningRate:G6}): the loss is {loss}. The parameters are as they were before this step; lower the learning rate, add warm-up or clip the gradients (MaxGradientNorm)."));
            }
            result = new BatchResult(loss, correct, batch);
            Backward(parameters, batch);
            var gradients = runner.WorkerGradients[0].AsSpan();
            if (options.MaxGradientNorm is float maxNorm)
                LastGradientNorm = GradientClipping.ClipByGlobalNorm(gradients, groups, maxNorm);
            var trainable = new Span<float>(parameters + origin, store.Length - origin);
            Optimizer.Step(trainable, gradients, learningRate);
            // Frozen steps keep the weights they were packed with.
            runner.Pack(trainableSteps, parameters);
        }
        store.MarkChanged();
        Step++;
        packedVersion = store.Version;
        return result;
    }

    /// <summary>Clears the gradients, writes the logits' gradient, runs the backward pass and sums the workers' gradients into worker 0's.</summary>
    private void Backward(float* parameters, int batch)
    {
        runner.ClearGradients(batch);
        var gradientArena = runner.Gradients;
        int imageLength = program.ImageLength;
        for (int i = 0; i < batch; i++)
            logitGradients.AsSpan(i * ClassCount, ClassCount).CopyTo(gradientArena.AsSpan(i * imageLength + logitsOffset, ClassCount));
        runner.Run(trainBackward, parameters, batch, DropoutSeed(Step));
        runner.ReduceGradients();
    }

    /// <summary>The mean loss of the batch's logits and their gradient into <see cref="logitGradients"/>; the correct count.</summary>
    private (float Loss, int Correct) Loss(int batch, ReadOnlySpan<int> labels)
    {
        var values = runner.Values;
        int imageLength = program.ImageLength;
        int classes = ClassCount;
        int correct = 0;
        for (int i = 0; i < batch; i++)
        {
            var row = values.AsSpan(i * imageLength + logitsOffset, classes);
            row.CopyTo(logits.AsSpan(i * classes, classes));
            if (Losses.ArgMax(row) == labels[i])
                correct++;
        }
        var batchLogits = logits.AsSpan(0, batch * classes);
        var gradient = logitGradients.AsSpan(0, batch * classes);
        float loss = options.Loss == LossKind.MulticlassHinge
            ? Losses.MulticlassHinge(batchLogits, labels, classes, gradient, options.HingeMargin)
            : Losses.SoftmaxCrossEntropy(batchLogits, labels, classes, gradient, options.LabelSmoothing);
        return (loss, correct);
    }

    private void LoadImages(ReadOnlySpan<float> images, int batch)
    {
        var values = runner.Values;
        int imageLength = program.ImageLength;
        for (int i = 0; i < batch; i++)
            images.Slice(i * InputLength, InputLength).CopyTo(values.AsSpan(i * imageLength + inputOffset, InputLength));
    }

    /// <summary>Packs every step's weights once after the parameters changed outside the trainer (loading, initializing).</summary>
    private void EnsurePacked()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var store = network.Parameters;
        if (store.Version == packedVersion)
            return;
        fixed (float* parameters = store.Values)
            runner.Pack(stepsWithParameters, parameters);
        packedVersion = store.Version;
    }

    private void SaveRunningStatistics(ReadOnlySpan<float> parameters)
    {
        int at = 0;
        foreach (var (offset, length) in runningStatistics)
        {
            parameters.Slice(offset, length).CopyTo(runningStatisticsBefore.AsSpan(at, length));
            at += length;
        }
    }

    private void RestoreRunningStatistics(ParameterStore store)
    {
        var parameters = store.GetWritableValues();
        int at = 0;
        foreach (var (offset, length) in runningStatistics)
        {
            runningStatisticsBefore.AsSpan(at, length).CopyTo(parameters.Slice(offset, length));
            at += length;
        }
    }

    /// <summary>The dropout seed of step <paramref name="step"/>: SplitMix64 of the trainer's seed and the step, so a resumed run draws the same masks.</summary>
    private ulong DropoutSeed(long step)
    {
        ulong z = options.Seed + 0x9E3779B97F4A7C15UL * (ulong)(step + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private int CheckBatch(ReadOnlySpan<float> images, ReadOnlySpan<int> labels, int imageLength)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        int batch = labels.Length;
        if (batch < 1 || batch > BatchSize)
            throw new ArgumentException($"A batch holds 1 to {BatchSize} images (the trainer's BatchSize); {batch} labels were given.", nameof(labels));
        CheckEvaluation(images, labels, imageLength);
        return batch;
    }

    private void CheckEvaluation(ReadOnlySpan<float> images, ReadOnlySpan<int> labels, int imageLength)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (labels.Length < 1)
            throw new ArgumentException("At least one image is needed.", nameof(labels));
        if (images.Length != (long)labels.Length * imageLength)
            throw new ArgumentException($"{labels.Length} labels need {(long)labels.Length * imageLength} floats of images ({imageLength} each); {images.Length} were given.", nameof(images));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)ClassCount)
                throw new ArgumentException($"Label at index {i} is {labels[i]}, outside [0, {ClassCount}).", nameof(labels));
        }
    }

    /// <summary>
    /// One group per trainable tensor (offsets relative to the gradient origin) with its learning-rate scale and weight
    /// decay; neighbours with equal settings merged. Running statistics and frozen tensors lie in no group.
    /// </summary>
    private ParameterGroup[] BuildGroups(NetworkDefinition definition)
    {
        var list = new List<ParameterGroup>();
        int origin = Schedule.ParameterGradientOrigin;
        foreach (var node in definition.Nodes)
        {
            foreach (var parameter in node.Parameters)
            {
                int index = IndexOf(definition, parameter);
                if (!Schedule.IsParameterTrainable(index))
                    continue;
                bool decays = ReferenceEquals(parameter, node.Weight) || options.DecayBiasesAndNormalization;
                float decay = decays ? options.WeightDecay : 0f;
                float scale = LearningRateScale(node.Name);
                var group = new ParameterGroup(parameter.Offset - origin, parameter.Length, scale, decay);
                if (list.Count > 0 && list[^1] is var last && last.Offset + last.Length == group.Offset
                    && last.LearningRateScale == scale && last.WeightDecay == decay)
                    list[^1] = new ParameterGroup(last.Offset, last.Length + group.Length, scale, decay);
                else
                    list.Add(group);
            }
        }
        return list.ToArray();
    }

    private static int IndexOf(NetworkDefinition definition, ParameterInfo parameter)
    {
        for (int p = 0; p < definition.Parameters.Count; p++)
        {
            if (ReferenceEquals(definition.Parameters[p], parameter))
                return p;
        }
        throw new InvalidOperationException($"{parameter} is not among {definition.Name}'s parameters.");
    }

    private float LearningRateScale(string node)
    {
        float scale = 1f;
        int longest = -1;
        foreach (var (prefix, value) in options.LearningRateScales)
        {
            if (prefix.Length > longest && TrainingSchedule.MatchesPrefix(node, prefix))
            {
                longest = prefix.Length;
                scale = value;
            }
        }
        return scale;
    }

    private Optimizer CreateOptimizer()
    {
        int length = Schedule.GradientLength;
        if (options.OptimizerFactory is { } factory)
        {
            var made = factory(length, groups) ?? throw new ArgumentException("The optimizer factory returned null.", nameof(options));
            if (made.ParameterCount != length)
                throw new ArgumentException($"The optimizer factory made an optimizer over {made.ParameterCount} floats; the trainable range holds {length}.", nameof(options));
            return made;
        }
        return options.Optimizer switch
        {
            OptimizerKind.Adam => new Adam(length, groups, options.Beta1, options.Beta2, options.Epsilon),
            OptimizerKind.AdamW => new AdamW(length, groups, options.Beta1, options.Beta2, options.Epsilon),
            _ => new Sgd(length, groups, options.Momentum, 0f, options.Nesterov),
        };
    }

    private Pass BuildPass(IEnumerable<ScheduledStep> steps, Func<ScheduledStep, StepWork> work,
        Func<ScheduledStep, StepMode> mode, Func<ScheduledStep, bool> batchLevel)
    {
        var list = new List<PassStep>();
        var segments = new List<Segment>();
        foreach (var step in steps)
        {
            bool level = batchLevel(step);
            if (level || segments.Count == 0 || segments[^1].BatchLevel)
                segments.Add(new Segment(list.Count, list.Count + 1, level));
            else
                segments[^1] = segments[^1] with { End = list.Count + 1 };
            list.Add(new PassStep(step.Step, work(step), mode(step)));
        }
        return new Pass(list.ToArray(), segments.ToArray());
    }

    [Flags]
    private enum StepWork : byte
    {
        Forward = 1,
        BackwardInput = 2,
        BackwardParameters = 4,
    }

    private readonly record struct PassStep(int Step, StepWork Work, StepMode Mode);

    /// <summary>Steps [Start, End) of a pass that run in one pool run (per-image) or alone on the caller (batch-level).</summary>
    private readonly record struct Segment(int Start, int End, bool BatchLevel);

    private sealed record Pass(PassStep[] Steps, Segment[] Segments);

    /// <summary>
    /// The buffers and the parallel loops; <see cref="Runner{TKernels}"/> adds the calls into the generated code, so
    /// every call is direct (one virtual call per pass, none per step).
    /// </summary>
    private abstract class Runner
    {
        protected readonly Trainer<TNetwork> Trainer;
        protected readonly WorkerPool Pool;
        protected readonly int ImageLength;
        protected readonly int Origin;
        protected readonly float BatchNormMomentum;
        public readonly float[] Values;
        public readonly float[] Gradients;
        public readonly float[] Saved;
        public readonly float[][] WorkerGradients;
        /// <summary>Per image, the gradient slices backward accumulates into: dependent values and inputs of steps that run backward to their inputs.</summary>
        private readonly (int Offset, int Length)[] clearedGradients;
        protected float[] Packed = Array.Empty<float>();
        protected float* Parameters;
        protected int ParameterLength;
        protected int Images;
        protected ulong Seed;

        protected Runner(Trainer<TNetwork> trainer)
        {
            Trainer = trainer;
            Pool = trainer.pool;
            var program = trainer.program;
            ImageLength = program.ImageLength;
            Origin = trainer.Schedule.ParameterGradientOrigin;
            BatchNormMomentum = trainer.options.BatchNormMomentum;
            int batch = trainer.options.BatchSize;
            Values = GC.AllocateArray<float>(batch * ImageLength, pinned: true);
            Gradients = GC.AllocateArray<float>(batch * ImageLength, pinned: true);
            Saved = GC.AllocateArray<float>(Math.Max(program.SavedLength, 0), pinned: true);
            WorkerGradients = new float[Pool.WorkerCount][];
            for (int w = 0; w < WorkerGradients.Length; w++)
                WorkerGradients[w] = GC.AllocateArray<float>(trainer.Schedule.GradientLength, pinned: true);
            var cleared = new SortedSet<int>();
            for (int v = 0; v < program.Values.Count; v++)
            {
                if (trainer.Schedule.ValueDependsOnTrainable[v])
                    cleared.Add(v);
            }
            foreach (var step in trainer.Schedule.Steps.Where(s => s.BackwardInput))
            {
                foreach (int v in program.Steps[step.Step].Inputs)
                    cleared.Add(v);
            }
            clearedGradients = cleared.Select(v => (program.Values[v].Offset, program.Values[v].Length)).ToArray();
        }

        /// <summary>Packs <paramref name="steps"/>' weights, the steps shared out among the workers (each writes only its own part of the packed buffer).</summary>
        public void Pack(int[] steps, float* parameters)
        {
            Parameters = parameters;
            ParameterLength = Trainer.network.Parameters.Length;
            try
            {
                var work = new PackWork { Runner = this, Steps = steps };
                Pool.For(steps.Length, ref work);
            }
            finally
            {
                Parameters = null;
            }
        }

        protected abstract void PackStep(int step);

        /// <summary>Runs a pass's segments over the batch's first <paramref name="images"/> images.</summary>
        public void Run(Pass pass, float* parameters, int images, ulong seed)
        {
            Parameters = parameters;
            ParameterLength = Trainer.network.Parameters.Length;
            Images = images;
            Seed = seed;
            try
            {
                for (int k = 0; k < pass.Segments.Length; k++)
                {
                    if (pass.Segments[k].BatchLevel)
                        RunSteps(pass, pass.Segments[k], 0, images, 0, barrier: false);
                    else
                        RunSegment(pass, k);
                }
            }
            finally
            {
                Parameters = null;
            }
        }

        protected abstract void RunSegment(Pass pass, int segment);

        /// <summary>Runs one segment's steps on images [begin, end) with worker <paramref name="worker"/>'s gradient buffer.</summary>
        protected abstract void RunSteps(Pass pass, Segment segment, int begin, int end, int worker, bool barrier);

        public void ClearGradients(int images)
        {
            Images = images;
            var work = new ClearWork { Runner = this };
            Pool.Run(ref work);
        }

        public void ReduceGradients()
        {
            if (WorkerGradients.Length == 1)
                return;
            var work = new ReduceWork { Runner = this };
            Pool.For(WorkerGradients[0].Length, ref work);
        }

        private void Clear(int worker, int workers)
        {
            WorkerGradients[worker].AsSpan().Clear();
            var (begin, end) = WorkerPool.Chunk(Images, worker, workers);
            for (int i = begin; i < end; i++)
            {
                foreach (var (offset, length) in clearedGradients)
                    Gradients.AsSpan(i * ImageLength + offset, length).Clear();
            }
        }

        /// <summary>Adds workers 1.. into worker 0's buffer over [start, end), always in worker order.</summary>
        private void Reduce(int start, int end)
        {
            var sum = WorkerGradients[0].AsSpan(start, end - start);
            for (int w = 1; w < WorkerGradients.Length; w++)
            {
                var part = WorkerGradients[w].AsSpan(start, end - start);
                int i = 0;
                for (; i <= sum.Length - Vector<float>.Count; i += Vector<float>.Count)
                    (new Vector<float>(sum.Slice(i)) + new Vector<float>(part.Slice(i))).CopyTo(sum.Slice(i));
                for (; i < sum.Length; i++)
                    sum[i] += part[i];
            }
        }

        private struct PackWork : IRangeWorkItem
        {
            public Runner Runner;
            public int[] Steps;

            public void Execute(int start, int end, int worker)
            {
                for (int k = start; k < end; k++)
                    Runner.PackStep(Steps[k]);
            }
        }

        private struct ClearWork : IWorkItem
        {
            public Runner Runner;

            public void Execute(int worker, int workerCount) => Runner.Clear(worker, workerCount);
        }

        private struct ReduceWork : IRangeWorkItem
        {
            public Runner Runner;

            public void Execute(int start, int end, int worker) => Runner.Reduce(start, end);
        }
    }

    private sealed class Runner<TKernels> : Runner
        where TKernels : struct, IKernelFamily
    {
        public Runner(Trainer<TNetwork> trainer)
            : base(trainer)
        {
            Packed = GC.AllocateArray<float>(Math.Max(TNetwork.TrainingPackedLength<TKernels>(), 0), pinned: true);
        }

        protected override void PackStep(int step) =>
            TNetwork.TrainingPack<TKernels>(step, new ReadOnlySpan<float>(Parameters, ParameterLength), Packed);

        protected override void RunSegment(Pass pass, int segment)
        {
            var work = new SegmentWork { Runner = this, Pass = pass, Segment = segment };
            Pool.Run(ref work);
        }

        protected override void RunSteps(Pass pass, Segment segment, int begin, int end, int worker, bool barrier)
        {
            var counters = Trainer.Counters;
            var arguments = new TrainingStepArguments
            {
                Values = Values.AsSpan(0, Images * ImageLength),
                Gradients = Gradients.AsSpan(0, Images * ImageLength),
                Parameters = new Span<float>(Parameters, ParameterLength),
                ParameterGradients = WorkerGradients[worker],
                ParameterGradientOrigin = Origin,
                Packed = Packed,
                Saved = Saved,
                ImageBegin = begin,
                ImageEnd = end,
                Images = Images,
                BatchNormMomentum = BatchNormMomentum,
                Seed = Seed,
            };
            var steps = pass.Steps;
            for (int k = segment.Start; k < segment.End; k++)
            {
                // Every worker arrives at every barrier, even one without images, so the next step sees all of this one.
                if (barrier && k > segment.Start)
                    Pool.Barrier.SignalAndWait();
                if (begin == end)
                    continue;
                var step = steps[k];
                arguments.Mode = step.Mode;
                if ((step.Work & StepWork.Forward) != 0)
                {
                    counters.CountForward(step.Step);
                    TNetwork.TrainingForward<TKernels>(step.Step, ref arguments);
                }
                if ((step.Work & StepWork.BackwardParameters) != 0)
                {
                    counters.CountBackwardParameters(step.Step);
                    TNetwork.TrainingBackwardParameters<TKernels>(step.Step, ref arguments);
                }
                if ((step.Work & StepWork.BackwardInput) != 0)
                {
                    counters.CountBackwardInput(step.Step);
                    TNetwork.TrainingBackwardInput<TKernels>(step.Step, ref arguments);
                }
            }
        }

        private struct SegmentWork : IWorkItem
        {
            public Runner<TKernels> Runner;
            public Pass Pass;
            public int Segment;

            public void Execute(int worker, int workerCount)
            {
                var (begin, end) = WorkerPool.Chunk(Runner.Images, worker, workerCount);
                Runner.RunSteps(Pass, Pass.Segments[Segment], begin, end, worker, barrier: workerCount > 1);
            }
        }
    }
}
