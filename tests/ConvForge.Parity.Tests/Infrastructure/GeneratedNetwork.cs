using System;
using System.IO;
using System.Reflection;
using ConvForge.Kernels;

namespace ConvForge.Parity.Tests.Infrastructure;

/// <summary>The generated single-image forward pass.</summary>
public delegate void ForwardOne(ReadOnlySpan<float> input, Span<float> output);

/// <summary>The generated batched forward pass.</summary>
public delegate void ForwardBatch(ReadOnlySpan<float> input, Span<float> output, int batchSize);

/// <summary>
/// One instance of a generated network class, reached through the members the generator emits on every
/// network (<c>Forward</c>, <c>Parameters</c>, <c>UseKernels</c> ...). The same code serves the samples,
/// known at build time, and the random networks, compiled while the tests run; the forward passes are
/// bound as delegates, so calls cost what a direct call costs.
/// </summary>
public sealed class GeneratedNetwork
{
    private const BindingFlags Instance = BindingFlags.Public | BindingFlags.Instance;
    private const BindingFlags Static = BindingFlags.Public | BindingFlags.Static;

    private readonly object instance;
    private readonly ForwardOne forward;
    private readonly ForwardBatch forwardBatch;

    /// <summary>A new instance of <paramref name="type"/> (parameters initialized from seed 0, the best kernels).</summary>
    public GeneratedNetwork(Type type)
    {
        Type = type ?? throw new ArgumentNullException(nameof(type));
        instance = Activator.CreateInstance(type)
            ?? throw new InvalidOperationException($"{type.FullName} could not be created.");
        forward = Method(nameof(Forward), typeof(ReadOnlySpan<float>), typeof(Span<float>)).CreateDelegate<ForwardOne>(instance);
        forwardBatch = Method(nameof(Forward), typeof(ReadOnlySpan<float>), typeof(Span<float>), typeof(int)).CreateDelegate<ForwardBatch>(instance);
    }

    /// <summary>The generated class.</summary>
    public Type Type { get; }

    /// <summary>The class's static graph description.</summary>
    public NetworkDefinition Definition => DefinitionOf(Type);

    /// <summary>Floats of one output.</summary>
    public int OutputLength => Definition.OutputShape.Length;

    /// <summary>The instance's parameters.</summary>
    public ParameterStore Parameters => (ParameterStore)Property(nameof(Parameters)).GetValue(instance)!;

    /// <summary>The kernel family the instance runs.</summary>
    public KernelFamily KernelFamily => (KernelFamily)Property(nameof(KernelFamily)).GetValue(instance)!;

    /// <summary>How many threads a Forward call may use.</summary>
    public int DegreeOfParallelism
    {
        get => (int)Property(nameof(DegreeOfParallelism)).GetValue(instance)!;
        set => SetProperty(nameof(DegreeOfParallelism), value);
    }

    /// <summary>The per-step timer attached to the instance, or null.</summary>
    public ConvForge.Execution.StepTimer? StepTimer
    {
        get => (ConvForge.Execution.StepTimer?)Property(nameof(StepTimer)).GetValue(instance);
        set => SetProperty(nameof(StepTimer), value);
    }

    /// <summary>The class's static table of forward steps.</summary>
    public System.Collections.Generic.IReadOnlyList<ConvForge.Execution.ForwardStepInfo> ForwardSteps =>
        (System.Collections.Generic.IReadOnlyList<ConvForge.Execution.ForwardStepInfo>)(Type.GetProperty(nameof(ForwardSteps), Static)
            ?? throw new InvalidOperationException($"{Type.FullName} has no static ForwardSteps.")).GetValue(null)!;

    /// <summary>Forces <paramref name="family"/> on this instance.</summary>
    public void UseKernels(KernelFamily family) => Invoke(nameof(UseKernels), new[] { typeof(KernelFamily) }, family);

    /// <summary>Refills the parameters from <paramref name="seed"/>.</summary>
    public void InitializeParameters(ulong seed) => Invoke(nameof(InitializeParameters), new[] { typeof(ulong) }, seed);

    /// <summary>Writes the network with its current parameters as an ONNX model.</summary>
    public byte[] ExportOnnx()
    {
        using var stream = new MemoryStream();
        Invoke(nameof(ExportOnnx), new[] { typeof(Stream) }, stream);
        return stream.ToArray();
    }

    /// <summary>One image.</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> output) => forward(input, output);

    /// <summary><paramref name="batchSize"/> images, one after another in both spans.</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize) => forwardBatch(input, output, batchSize);

    /// <summary>The static <c>Definition</c> of a generated network class.</summary>
    public static NetworkDefinition DefinitionOf(Type type)
    {
        var property = type.GetProperty("Definition", Static)
            ?? throw new InvalidOperationException($"{type.FullName} has no static Definition: is the forward pass generated?");
        return (NetworkDefinition)property.GetValue(null)!;
    }

    private MethodInfo Method(string name, params Type[] parameters) =>
        Type.GetMethod(name, Instance, parameters)
        ?? throw new InvalidOperationException($"{Type.FullName} has no public {name}({string.Join(", ", Array.ConvertAll(parameters, p => p.Name))}).");

    private PropertyInfo Property(string name) =>
        Type.GetProperty(name, Instance)
        ?? throw new InvalidOperationException($"{Type.FullName} has no public property {name}.");

    private void SetProperty(string name, object? value)
    {
        try
        {
            Property(name).SetValue(instance, value);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception.InnerException).Throw();
        }
    }

    private void Invoke(string name, Type[] parameters, object argument)
    {
        try
        {
            Method(name, parameters).Invoke(instance, new[] { argument });
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception.InnerException).Throw();
        }
    }
}
