using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using ConvForge.Compiler.Planning;
using ConvForge.Compiler.Planning.Training;

namespace ConvForge.Generators.Emitting;

/// <summary>
/// Writes the run-time half of a [Network] class: the static <c>Definition</c>, the instance state (parameters,
/// kernel family, buffers: field initializers only, so the user may declare constructors), <c>Forward</c> and
/// its batched overload, weights load and save, ONNX export, and the nested <c>ForwardPass</c> class that prints
/// the network's one execution plan, with its steps as code generic over the kernel family.
/// </summary>
internal sealed class ForwardEmitter
{
    private const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    private const string Span = "global::System.Span<float>";
    private const string Family = "global::ConvForge.Kernels.KernelFamily";

    private readonly GraphLayout _layout;
    private readonly ExecutionPlan _plan;
    private readonly ForwardNames _names;
    private readonly PlanEmitter _planEmitter;
    private readonly TrainingPlan? _training;
    private readonly string? _trainingProblem;
    private readonly string _className;

    private ForwardEmitter(GraphLayout layout, ExecutionPlan plan, ForwardNames names, TrainingPlan? training, string? trainingProblem, string className)
    {
        _layout = layout;
        _plan = plan;
        _names = names;
        _planEmitter = new PlanEmitter(plan, layout.Graph, names);
        _training = training;
        _trainingProblem = trainingProblem;
        _className = className;
    }

    /// <summary>
    /// Writes the run-time members from the layout's plan, at indentation 0, for <see cref="IndentedTextWriter.WriteLines"/>;
    /// null (with <paramref name="problem"/> set) when the network could not be planned. Writing has no reason to throw
    /// on a plan; should it all the same (a bug), the class gets everything but the forward pass rather than failing the
    /// generator, which would drop the output of every other network of the project.
    /// </summary>
    /// <remarks>
    /// When the class leaves the training members' names free (<see cref="ForwardNames.ImplementsTraining"/>), also writes
    /// the training program (<see cref="TrainingEmitter"/>) from <paramref name="training"/>, or members that throw with
    /// <paramref name="trainingProblem"/> when it cannot be trained.
    /// </remarks>
    public static string? TryWrite(GraphLayout layout, string networkName, string className, ICollection<string> taken,
        TrainingPlan? training, string? trainingProblem, out string? problem, CancellationToken cancellationToken)
    {
        problem = null;
        if (layout.Plan is not { } plan)
        {
            problem = layout.PlanProblem ?? "the network could not be planned.";
            return null;
        }
        try
        {
            var emitter = new ForwardEmitter(layout, plan, new ForwardNames(className, taken), training, trainingProblem, className);
            var writer = new IndentedTextWriter();
            emitter.Write(writer, networkName, cancellationToken);
            return writer.ToString();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            problem = "ConvForge could not generate the forward pass because of an internal error; please report it: "
                + exception.GetType().FullName + ": " + exception.Message;
            return null;
        }
    }

    /// <summary>The paragraph the class's documentation gets about using an instance.</summary>
    public static IEnumerable<string> ClassDocumentation()
    {
        yield return "<para>";
        yield return "Run it with <c>Forward(input, output)</c> (one image, plain NCHW floats) or <c>Forward(input, output, batchSize)</c>.";
        yield return "An instance owns its parameters (initialized from seed 0), the kernel family it runs and one activation arena:";
        yield return "it runs one <c>Forward</c> at a time and throws <see cref=\"global::System.InvalidOperationException\"/> when a second";
        yield return "thread enters meanwhile. Use one instance per thread. After the first call, <c>Forward</c> allocates nothing.";
        yield return "</para>";
    }

    private void Write(IndentedTextWriter writer, string networkName, CancellationToken cancellationToken)
    {
        // NetworkEmitter writes the Definition (the one node table) before the members that derive from it.
        WriteInstanceMembers(writer, networkName, cancellationToken);
        writer.WriteLine();
        WriteContainer(writer, networkName, cancellationToken);
    }

    private void WriteInstanceMembers(IndentedTextWriter writer, string networkName, CancellationToken cancellationToken)
    {
        var execution = _names.ExecutionField;
        var input = _layout.Graph.Input.Output;
        var output = _layout.Graph.Output.Output;

        writer.WriteLine("// The state of one instance: its parameters, its kernel family and that family's buffers, created here (field");
        writer.WriteLine("// initializers only, so the class may declare its own constructors) and again only by UseKernels.");
        writer.WriteLine($"private readonly global::ConvForge.Execution.NetworkExecution {execution} =");
        using (writer.Indent())
            writer.WriteLine($"new({_names.Definition}, global::ConvForge.Kernels.KernelFamilies.Best, {_names.Container}.BufferLengths, forwardStepCount: {Int(_plan.Steps.Count)});");

        if (_names.IsFree("Parameters"))
        {
            writer.WriteLine();
            writer.WriteLine("/// <summary>");
            writer.WriteLine("/// The parameters, one tensor per entry of <see cref=\"ParameterLayout\"/> (safetensors names): filled from seed 0");
            writer.WriteLine("/// when the instance is created (He normal for weights that feed a ReLU, Xavier uniform for others, biases 0,");
            writer.WriteLine("/// BatchNorm the identity). Set them by name, e.g. <c>Parameters.SetTensor(\"Conv1.Weight\", values)</c>; the next");
            writer.WriteLine("/// <c>Forward</c> folds and repacks them once for its kernels.");
            writer.WriteLine("/// </summary>");
            writer.WriteLine($"public global::ConvForge.ParameterStore Parameters => {execution}.Parameters;");
        }

        if (_names.IsFree("KernelFamily"))
        {
            writer.WriteLine();
            writer.WriteLine("/// <summary>");
            writer.WriteLine("/// The kernels <c>Forward</c> runs: <see cref=\"global::ConvForge.Kernels.KernelFamilies.Best\"/> when the instance was");
            writer.WriteLine("/// created (capped by the CONVFORGE_KERNELS environment variable), or what <see cref=\"UseKernels\"/> chose.");
            writer.WriteLine("/// </summary>");
            writer.WriteLine($"public {Family} KernelFamily => {execution}.Family;");
        }

        if (_names.IsFree("DegreeOfParallelism"))
        {
            writer.WriteLine();
            writer.WriteLine("/// <summary>");
            writer.WriteLine("/// How many threads a <c>Forward</c> call may use: the calling thread and workers of a pool every network shares; 1 runs");
            writer.WriteLine("/// on the calling thread alone. Starts at the machine's processor count. Results are bit-identical for every value. A");
            writer.WriteLine("/// batch of at least as many images runs whole images side by side; a smaller one splits every step between the threads.");
            writer.WriteLine("/// </summary>");
            writer.WriteLine("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">The value is less than 1.</exception>");
            writer.WriteLine("/// <exception cref=\"global::System.InvalidOperationException\">Another thread is using the instance.</exception>");
            writer.WriteLine($"public int DegreeOfParallelism {{ get => {execution}.DegreeOfParallelism; set => {execution}.DegreeOfParallelism = value; }}");
        }

        if (_names.IsFree("StepTimer"))
        {
            writer.WriteLine();
            writer.WriteLine("/// <summary>");
            writer.WriteLine("/// Per-step timing of <c>Forward</c>, for profiling (null, the default, times nothing): a timer made for the plan's");
            writer.WriteLine($"/// {Int(_plan.Steps.Count)} steps, e.g. <c>new StepTimer(ForwardSteps.Count)</c>, adds each step's time for every image the threads compute together.");
            writer.WriteLine("/// </summary>");
            writer.WriteLine("/// <exception cref=\"global::System.ArgumentException\">The timer's step count is not the plan's.</exception>");
            writer.WriteLine($"public global::ConvForge.Execution.StepTimer? StepTimer {{ get => {execution}.StepTimer; set => {execution}.StepTimer = value; }}");
        }

        if (_names.IsFree("ForwardSteps"))
        {
            writer.WriteLine();
            WriteForwardSteps(writer, cancellationToken);
        }

        writer.WriteLine();
        writer.WriteLine("/// <summary>Refills <c>Parameters</c> from <paramref name=\"seed\"/>, the same way as at construction (seed 0).</summary>");
        writer.WriteLine("/// <exception cref=\"global::System.InvalidOperationException\">Another thread is using the instance.</exception>");
        writer.WriteLine($"public void InitializeParameters(ulong seed) => {execution}.InitializeParameters(seed);");

        writer.WriteLine();
        writer.WriteLine("/// <summary>");
        writer.WriteLine("/// Makes this instance run <paramref name=\"family\"/>'s kernels: allocates that family's arena and packed weights");
        writer.WriteLine("/// (so this call is not allocation-free) and repacks on the next <c>Forward</c>. Every family computes the same");
        writer.WriteLine("/// results on any machine; one the hardware lacks runs through .NET's software vectors, slowly. Meant for tests.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine("/// <exception cref=\"global::System.InvalidOperationException\">Another thread is using the instance.</exception>");
        writer.WriteLine($"public void UseKernels({Family} family) => {execution}.UseKernels(family);");

        writer.WriteLine();
        writer.WriteLine("/// <summary>");
        writer.WriteLine($"/// Runs one image: <paramref name=\"input\"/> holds {CSharpNames.XmlEscape(Shape(input))} = {CSharpNames.Grouped(input.Length)} floats (plain NCHW), and");
        writer.WriteLine($"/// <paramref name=\"output\"/> receives {CSharpNames.XmlEscape(Shape(output))} = {CSharpNames.Grouped(output.Length)} floats.");
        writer.WriteLine("/// </summary>");
        WriteForwardRemarks(writer);
        writer.WriteLine($"public void Forward({ReadOnlySpan} input, {Span} output) => Forward(input, output, 1);");

        writer.WriteLine();
        writer.WriteLine("/// <summary>");
        writer.WriteLine($"/// Runs <paramref name=\"batchSize\"/> images, one after another in both spans: <paramref name=\"input\"/> holds");
        writer.WriteLine($"/// batchSize x {CSharpNames.Grouped(input.Length)} floats and <paramref name=\"output\"/> receives batchSize x {CSharpNames.Grouped(output.Length)}.");
        writer.WriteLine("/// </summary>");
        WriteForwardRemarks(writer);
        writer.WriteLine($"public void Forward({ReadOnlySpan} input, {Span} output, int batchSize)");
        using (writer.OpenBlock())
        {
            writer.WriteLine($"{execution}.Enter(input.Length, output.Length, batchSize);");
            writer.WriteLine("try");
            using (writer.OpenBlock())
                writer.WriteLine($"{_names.Container}.Run({execution}, input, output, batchSize);");
            writer.WriteLine("finally");
            using (writer.OpenBlock())
                writer.WriteLine($"{execution}.Exit();");
        }

        writer.WriteLine();
        writer.WriteLine("/// <summary>Reads the parameters from a safetensors file (tensor names = parameter names); checked before anything changes.</summary>");
        writer.WriteLine("/// <exception cref=\"global::System.IO.InvalidDataException\">The file does not match the network.</exception>");
        writer.WriteLine($"public void LoadWeights(string path) => {execution}.LoadWeights(path);");
        writer.WriteLine();
        writer.WriteLine("/// <summary>Reads the parameters from safetensors data; checked before anything changes.</summary>");
        writer.WriteLine("/// <exception cref=\"global::System.IO.InvalidDataException\">The data does not match the network.</exception>");
        writer.WriteLine($"public void LoadWeights(global::System.IO.Stream stream) => {execution}.LoadWeights(stream);");
        writer.WriteLine();
        writer.WriteLine("/// <summary>Writes the parameters to a safetensors file, tensor names = parameter names.</summary>");
        writer.WriteLine($"public void SaveWeights(string path) => {execution}.Parameters.Save(path);");
        writer.WriteLine();
        writer.WriteLine("/// <summary>Writes the parameters as safetensors data.</summary>");
        writer.WriteLine($"public void SaveWeights(global::System.IO.Stream stream) => {execution}.Parameters.Save(stream);");
        writer.WriteLine();
        writer.WriteLine("/// <summary>Writes the network with its current parameters as an ONNX model (opset 13), to open in Netron or ONNX Runtime.</summary>");
        writer.WriteLine($"public void ExportOnnx(string path) => global::ConvForge.OnnxExporter.Export({execution}.Parameters, path);");
        writer.WriteLine();
        writer.WriteLine("/// <summary>Writes the network with its current parameters as an ONNX model (opset 13).</summary>");
        writer.WriteLine($"public void ExportOnnx(global::System.IO.Stream stream) => global::ConvForge.OnnxExporter.Export({execution}.Parameters, stream);");

        if (_names.ImplementsTraining)
        {
            writer.WriteLine();
            TrainingEmitter.WriteMembers(writer, _training, _trainingProblem, _className, _names.Container, cancellationToken);
        }
    }

    /// <summary>The plan's steps as a table: what the step comments of the forward pass say, and each step's MACs.</summary>
    private void WriteForwardSteps(IndentedTextWriter writer, CancellationToken cancellationToken)
    {
        const string info = "global::ConvForge.Execution.ForwardStepInfo";
        writer.WriteLine("/// <summary>");
        writer.WriteLine("/// The steps of the forward pass, in order (the indices a <c>StepTimer</c> reports): the graph nodes each computes, what its");
        writer.WriteLine("/// kernel does, its shapes and its multiply-accumulates per image, which add up to the network's.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine($"public static global::System.Collections.Generic.IReadOnlyList<{info}> ForwardSteps {{ get; }} = new {info}[]");
        using (writer.OpenBlock(";"))
        {
            foreach (var step in _plan.Steps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var text = step.Description;
                writer.WriteLine($"new({Int(step.Index)}, {CSharpNames.Literal(text.Nodes)}, {CSharpNames.Literal(text.Operation)}, {CSharpNames.Literal(text.Shapes)}, {CSharpNames.Literal(step.Macs)}),");
            }
        }
    }

    private void WriteForwardRemarks(IndentedTextWriter writer)
    {
        writer.WriteLine("/// <remarks>");
        writer.WriteLine("/// Allocates nothing after the first call. Repacks the weights first when <c>Parameters</c> changed since the last call.");
        writer.WriteLine("/// Not thread-safe: an instance runs one call at a time (its activations live in one arena).");
        writer.WriteLine("/// </remarks>");
        writer.WriteLine("/// <exception cref=\"global::System.ArgumentException\">A span's length is not the batch's; the message gives the expected length.</exception>");
        writer.WriteLine("/// <exception cref=\"global::System.InvalidOperationException\">Another thread is inside this instance.</exception>");
    }

    private void WriteContainer(IndentedTextWriter writer, string networkName, CancellationToken cancellationToken)
    {
        var graph = _layout.Graph;
        writer.WriteLine("/// <summary>");
        writer.WriteLine($"/// {CSharpNames.XmlEscape(networkName)}'s forward pass, planned at build time once for every kernel family: the arena offsets and shapes");
        writer.WriteLine("/// here, and the steps in <c>Plan&lt;TKernels&gt;</c>, generic over the family, so every kernel call is a direct call whose shape");
        writer.WriteLine("/// is a struct of constants.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine($"private static class {_names.Container}");
        using (writer.OpenBlock())
        {
            writer.WriteLine("// Floats of one image's input and output (plain NCHW).");
            writer.WriteLine($"private const int {_names.InputLength} = {Int((int)graph.Input.Output.Length)}, {_names.OutputLength} = {Int((int)graph.Output.Output.Length)};");
            writer.WriteLine("// Room to fold one BatchNorm into its convolution's weights and bias, or to compute one BatchNorm's scale and shift.");
            writer.WriteLine($"private const int ScratchLength = {Int((int)_plan.ScratchLength)};");
            writer.WriteLine();
            _planEmitter.WriteArena(writer);
            writer.WriteLine();
            if (TrainingToWrite is { } withTraining)
                KernelShapes.Write(writer, withTraining.Shapes, withTraining.Slopes, cancellationToken);
            else
                KernelShapes.Write(writer, _plan, cancellationToken);
            writer.WriteLine();
            WriteBufferLengths(writer);
            writer.WriteLine();
            WriteRun(writer);
            writer.WriteLine();
            _planEmitter.WriteGeneric(writer, cancellationToken);
            if (TrainingToWrite is { } training)
            {
                writer.WriteLine();
                new TrainingEmitter(training).WriteContainer(writer, cancellationToken);
            }
        }
    }

    /// <summary>The training plan, when the class implements the training interface and the network can be trained.</summary>
    private TrainingPlan? TrainingToWrite => _names.ImplementsTraining ? _training : null;

    private static void WriteBufferLengths(IndentedTextWriter writer)
    {
        writer.WriteLine("/// <summary>The arena (the same for every family), packed weights and scratch of <paramref name=\"family\"/>: what an instance allocates for it.</summary>");
        writer.WriteLine($"public static global::ConvForge.Execution.ForwardBufferLengths BufferLengths({Family} family) => new(ArenaLength, family switch");
        using (writer.OpenBlock(", ScratchLength);"))
        {
            writer.WriteLine($"{Family}.Avx512 => Plan<global::ConvForge.Kernels.Avx512Kernels>.PackedLength,");
            writer.WriteLine($"{Family}.Avx2 => Plan<global::ConvForge.Kernels.Avx2Kernels>.PackedLength,");
            writer.WriteLine("_ => Plan<global::ConvForge.Kernels.PortableKernels>.PackedLength,");
        }
    }

    private static void WriteRun(IndentedTextWriter writer)
    {
        writer.WriteLine("/// <summary>Runs <paramref name=\"batchSize\"/> images with the instance's kernel family (checked and claimed by the caller).</summary>");
        writer.WriteLine($"public static void Run(global::ConvForge.Execution.NetworkExecution execution, {ReadOnlySpan} input, {Span} output, int batchSize)");
        using (writer.OpenBlock())
        {
            writer.WriteLine("switch (execution.Family)");
            using (writer.OpenBlock())
            {
                foreach (var (family, kernels) in new[] { ($"case {Family}.Avx512:", "Avx512Kernels"), ($"case {Family}.Avx2:", "Avx2Kernels"), ("default:", "PortableKernels") })
                {
                    writer.WriteLine(family);
                    using (writer.Indent())
                    {
                        writer.WriteLine($"Plan<global::ConvForge.Kernels.{kernels}>.Run(execution, input, output, batchSize);");
                        writer.WriteLine("break;");
                    }
                }
            }
        }
    }

    private static string Shape(Compiler.Graph.Shape shape) => $"{Int(shape.Channels)}x{Int(shape.Height)}x{Int(shape.Width)}";

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The names the forward pass's members go by in one class: its own private ones (moved aside when the user's
/// class already has a member of that name) and the public ones the class leaves to the user.
/// </summary>
internal sealed class ForwardNames
{
    private readonly ICollection<string> _taken;

    public ForwardNames(string className, ICollection<string> taken)
    {
        _taken = taken;
        Container = Free("ForwardPass", className);
        ExecutionField = Free("_execution", className);
        DefinitionIsPublic = IsFree("Definition");
        Definition = DefinitionIsPublic ? "Definition" : Free("s_definition", className);
    }

    /// <summary>The nested class with shapes and plans: "ForwardPass".</summary>
    public string Container { get; }

    /// <summary>The instance's NetworkExecution field.</summary>
    public string ExecutionField { get; }

    /// <summary>What the generated code calls the NetworkDefinition: the public Definition, or a private field.</summary>
    public string Definition { get; }

    public bool DefinitionIsPublic { get; }

    /// <summary>
    /// Whether the class implements <c>ITrainableNetwork</c>: the generator declares the public Definition and Parameters
    /// and the class leaves the training members' names free (a class that took one keeps it, without the interface).
    /// </summary>
    public bool ImplementsTraining => DefinitionIsPublic && IsFree("Parameters") && Array.TrueForAll(TrainingEmitter.MemberNames, IsFree);

    public string InputLength => "ImageInputLength";

    public string OutputLength => "ImageOutputLength";

    /// <summary>Whether the class leaves <paramref name="name"/> to the generator.</summary>
    public bool IsFree(string name) => !_taken.Contains(name);

    private string Free(string name, string className)
    {
        while (_taken.Contains(name) || name == className)
            name += "_";
        return name;
    }
}
