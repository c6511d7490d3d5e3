using System;
using System.ComponentModel;
using System.Globalization;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Threading;
using ConvForge.Kernels;

namespace ConvForge.Execution;

/// <summary>The floats a generated forward pass needs for one kernel family.</summary>
/// <param name="Arena">Every intermediate activation of one image, placed by the static memory plan: the same for every family.</param>
/// <param name="PackedWeights">The parameters repacked into the family's layouts (BatchNorm folded in): the family's length.</param>
/// <param name="Scratch">Room for folding one layer's BatchNorm before it is packed.</param>
public readonly record struct ForwardBufferLengths(int Arena, int PackedWeights, int Scratch);

/// <summary>
/// The run-time state behind a generated network instance: its parameters, the kernel family it runs,
/// the arena and packed-weight buffers for that family, and the checks every <c>Forward</c> call makes
/// (span lengths with messages that name the expected length, and the guard against concurrent use).
/// Generated code owns one per instance and runs the kernels itself; nothing here loops over data.
/// </summary>
/// <remarks>
/// <para>
/// Buffers are allocated when the instance is created and again only by <see cref="UseKernels"/>, so
/// <c>Forward</c> allocates nothing: the packed weights are rebuilt in place, once, whenever
/// <see cref="ParameterStore.Version"/> moved since they were last packed.
/// </para>
/// <para>
/// Not thread-safe by design: one arena holds the activations of the image being computed. A second
/// thread entering while one is inside (<see cref="Enter"/> or <see cref="Claim"/>) gets an
/// <see cref="InvalidOperationException"/> naming the network, instead of silently corrupted results.
/// The check is one interlocked exchange per call.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class NetworkExecution
{
    private readonly Func<KernelFamily, ForwardBufferLengths> _bufferLengths;
    private readonly int _forwardStepCount;
    private float[] _arena;
    // _arenas[0] is _arena; the others are allocated the first time workers run images side by side.
    private float[][] _arenas;
    private int _degreeOfParallelism = DefaultDegreeOfParallelism;
    private StepTimer? _stepTimer;
    private float[] _packedWeights;
    private float[] _scratch;
    private long _packedVersion = -1;
    private int _busy;

    /// <summary>
    /// State for one instance of <paramref name="definition"/>'s network: parameters initialized from seed 0
    /// (He or Xavier, see <see cref="ParameterStore.Initialize"/>) and buffers sized for <paramref name="family"/>.
    /// </summary>
    /// <param name="definition">The network's static description.</param>
    /// <param name="family">The kernel family to start with, usually <see cref="KernelFamilies.Best"/>.</param>
    /// <param name="bufferLengths">The buffer sizes of each family (the generated plan's constants).</param>
    public NetworkExecution(NetworkDefinition definition, KernelFamily family, Func<KernelFamily, ForwardBufferLengths> bufferLengths)
        : this(definition, family, bufferLengths, forwardStepCount: 0)
    {
    }

    /// <inheritdoc cref="NetworkExecution(NetworkDefinition, KernelFamily, Func{KernelFamily, ForwardBufferLengths})"/>
    /// <param name="definition">The network's static description.</param>
    /// <param name="family">The kernel family to start with, usually <see cref="KernelFamilies.Best"/>.</param>
    /// <param name="bufferLengths">The buffer sizes of each family (the generated plan's constants).</param>
    /// <param name="forwardStepCount">How many steps the generated forward pass has (a <see cref="StepTimer"/> must have as many); 0 when unknown.</param>
    public NetworkExecution(NetworkDefinition definition, KernelFamily family, Func<KernelFamily, ForwardBufferLengths> bufferLengths, int forwardStepCount)
    {
        _forwardStepCount = forwardStepCount;
        Definition = definition ?? throw new ArgumentNullException(nameof(definition));
        _bufferLengths = bufferLengths ?? throw new ArgumentNullException(nameof(bufferLengths));
        Parameters = new ParameterStore(definition);
        Parameters.Initialize(0);
        Family = family;
        (_arena, _packedWeights, _scratch) = Allocate(family);
        _arenas = [_arena];
    }

    /// <summary>The degree of parallelism a new instance starts with: the machine's processor count.</summary>
    public static int DefaultDegreeOfParallelism => Environment.ProcessorCount;

    /// <summary>
    /// How many threads a <c>Forward</c> call may use (the caller's and pool threads shared by every instance): 1 runs
    /// everything on the calling thread. Results are bit-identical for every value. A call made from a worker of a pool,
    /// or while the pool is busy with another instance's call, runs on the calling thread alone.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    /// <exception cref="InvalidOperationException">Another thread is using the instance.</exception>
    public int DegreeOfParallelism
    {
        get => _degreeOfParallelism;
        set
        {
            if (value < 1)
                throw new ArgumentOutOfRangeException(nameof(value), value, "The degree of parallelism is at least 1 (the calling thread).");
            Claim();
            _degreeOfParallelism = value;
            Release();
        }
    }

    /// <summary>Per-step timing of the forward pass (see <see cref="Execution.StepTimer"/>); null, the default, times nothing.</summary>
    /// <exception cref="ArgumentException">The timer's step count is not the plan's.</exception>
    public StepTimer? StepTimer
    {
        get => _stepTimer;
        set
        {
            if (value is not null && _forwardStepCount > 0 && value.StepCount != _forwardStepCount)
                throw new ArgumentException($"{Definition.Name}'s forward pass has {_forwardStepCount} steps; the timer has room for {value.StepCount}.", nameof(value));
            _stepTimer = value;
        }
    }

    /// <summary>
    /// Runs <paramref name="batchSize"/> images through <typeparamref name="TPass"/> on up to
    /// <see cref="DegreeOfParallelism"/> workers, with the packed weights as they are (the caller packs them first).
    /// Called by generated code between <see cref="Enter"/> and <see cref="Exit"/>; allocates nothing after the first
    /// call that runs images side by side. An exception thrown by the pass reaches the caller as itself, whatever the
    /// number of workers (an <see cref="AggregateException"/> only when several workers threw).
    /// </summary>
    public unsafe void Run<TPass>(ReadOnlySpan<float> input, Span<float> output, int batchSize, int imageInputLength, int imageOutputLength)
        where TPass : struct, IForwardPass
    {
        int workers = _degreeOfParallelism;
        fixed (float* i = input, o = output)
        {
            var work = new ForwardWork<TPass>
            {
                Input = i,
                Output = o,
                ImageInputLength = imageInputLength,
                ImageOutputLength = imageOutputLength,
                BatchSize = batchSize,
                PackedWeights = _packedWeights,
                Timer = _stepTimer,
            };
            if (workers > 1)
            {
                var pool = ForwardPools.For(workers);
                work.Arenas = batchSize >= workers ? ArenasFor(workers) : _arenas;
                work.Barrier = pool.Barrier;
                try
                {
                    if (pool.TryRun(ref work))
                        return;
                }
                catch (AggregateException error) when (error.InnerExceptions.Count == 1)
                {
                    // The exception a pass throws on one worker is the caller's, as when it runs inline.
                    ExceptionDispatchInfo.Throw(error.InnerExceptions[0]);
                }
                work.Barrier = null;
            }
            work.Arenas = _arenas;
            work.Execute(0, 1);
        }
    }

    private float[][] ArenasFor(int workers)
    {
        if (_arenas.Length < workers)
        {
            var arenas = new float[workers][];
            arenas[0] = _arena;
            for (int w = 1; w < workers; w++)
                arenas[w] = w < _arenas.Length ? _arenas[w] : new float[_arena.Length];
            _arenas = arenas;
        }
        return _arenas;
    }

    /// <summary>The network's static description.</summary>
    public NetworkDefinition Definition { get; }

    /// <summary>The parameters, named as the network's <see cref="ParameterInfo"/> table says.</summary>
    public ParameterStore Parameters { get; }

    /// <summary>The kernel family <c>Forward</c> runs.</summary>
    public KernelFamily Family { get; private set; }

    /// <summary>The activation arena of the current family.</summary>
    public Span<float> Arena => _arena;

    /// <summary>The packed weights of the current family.</summary>
    public Span<float> PackedWeights => _packedWeights;

    /// <summary>Scratch room for packing.</summary>
    public Span<float> Scratch => _scratch;

    /// <summary>True when the parameters changed since <see cref="PackedWeights"/> was filled (or it never was, for this family).</summary>
    public bool PackedWeightsAreStale => _packedVersion != Parameters.Version;

    /// <summary>Records that <see cref="PackedWeights"/> now holds the parameters of <paramref name="version"/>.</summary>
    public void MarkPacked(long version) => _packedVersion = version;

    /// <summary>
    /// Switches to <paramref name="family"/>: allocates its buffers and packs the weights again on the next
    /// <c>Forward</c>. Any family runs on any machine (the AVX ones through .NET's software vectors where the
    /// hardware lacks them, only slowly), which is how tests compare the families.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="family"/> is not a defined family.</exception>
    /// <exception cref="InvalidOperationException">Another thread is using the instance.</exception>
    public void UseKernels(KernelFamily family)
    {
        if (!Enum.IsDefined(family))
            throw new ArgumentOutOfRangeException(nameof(family), family, "Not a kernel family.");
        Claim();
        try
        {
            if (family == Family)
                return;
            (_arena, _packedWeights, _scratch) = Allocate(family);
            _arenas = [_arena];
            Family = family;
            _packedVersion = -1;
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Fills the parameters from <paramref name="seed"/> (see <see cref="ParameterStore.Initialize"/>).</summary>
    /// <exception cref="InvalidOperationException">Another thread is using the instance.</exception>
    public void InitializeParameters(ulong seed)
    {
        Claim();
        try
        {
            Parameters.Initialize(seed);
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Reads the parameters from a safetensors file (tensor names = parameter names).</summary>
    /// <exception cref="InvalidDataException">The file does not match the network (the message says first when it holds another network's weights); nothing was changed.</exception>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>; the message gives the full path.</exception>
    /// <exception cref="IOException"><paramref name="path"/> is a directory; the message names the safetensors files in it.</exception>
    /// <exception cref="InvalidOperationException">Another thread is using the instance.</exception>
    public void LoadWeights(string path)
    {
        Claim();
        try
        {
            Parameters.Load(path);
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Reads the parameters from safetensors data.</summary>
    /// <exception cref="InvalidDataException">The data does not match the network; nothing was changed.</exception>
    /// <exception cref="InvalidOperationException">Another thread is using the instance.</exception>
    public void LoadWeights(Stream stream)
    {
        Claim();
        try
        {
            Parameters.Load(stream);
        }
        finally
        {
            Release();
        }
    }

    /// <summary>
    /// Checks the spans of a <c>Forward</c> call and claims the instance for it; pair with <see cref="Exit"/>
    /// in a <c>finally</c>. Allocates nothing unless it throws.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">A span's length is not the batch's; the message gives the expected length.</exception>
    /// <exception cref="InvalidOperationException">Another thread is inside this instance.</exception>
    public void Enter(int inputLength, int outputLength, int batchSize)
    {
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch needs at least one image.");
        if (inputLength != (long)batchSize * Definition.InputShape.Length)
            throw WrongLength("input", inputLength, "takes", Definition.InputShape, batchSize);
        if (outputLength != (long)batchSize * Definition.OutputShape.Length)
            throw WrongLength("output", outputLength, "writes", Definition.OutputShape, batchSize);
        Claim();
    }

    /// <summary>Releases the instance after <see cref="Enter"/>.</summary>
    public void Exit() => Release();

    /// <summary>Claims the instance for an operation that must not overlap a <c>Forward</c>; pair with <see cref="Release"/>.</summary>
    /// <exception cref="InvalidOperationException">Another thread is inside this instance.</exception>
    public void Claim()
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
            throw ConcurrentUse();
    }

    /// <summary>Releases the instance after <see cref="Claim"/>.</summary>
    public void Release() => Volatile.Write(ref _busy, 0);

    private (float[] Arena, float[] PackedWeights, float[] Scratch) Allocate(KernelFamily family)
    {
        var lengths = _bufferLengths(family);
        return (new float[lengths.Arena], new float[lengths.PackedWeights], new float[lengths.Scratch]);
    }

    // Building messages is kept out of Enter, so the path that does not throw stays small and allocation-free.
    private ArgumentException WrongLength(string span, int actual, string verb, TensorShape shape, int batchSize)
    {
        var perImage = Count(shape.Length);
        var message = batchSize == 1
            ? $"{span} has {Count(actual)} floats; {Definition.Name} {verb} {shape} = {perImage} per image."
            : $"{span} has {Count(actual)} floats; {Definition.Name} {verb} {shape} = {perImage} per image, {Count((long)batchSize * shape.Length)} for a batch of {batchSize.ToString(CultureInfo.InvariantCulture)}.";
        return new ArgumentException(message, span);
    }

    private InvalidOperationException ConcurrentUse() => new(
        $"{Definition.Name} is already in use on another thread. An instance runs one Forward at a time (its activations live in one "
        + "arena it owns); create one instance per thread instead.");

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
