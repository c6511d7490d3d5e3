using System;
using System.IO;
using System.Linq;
using ConvForge.Parity.Tests.Infrastructure;
using Microsoft.ML.OnnxRuntime;
using Spectre.Console;

namespace ConvForge.Tool.Tests.Infrastructure;

/// <summary>The result of running <c>convforge</c> in-process: its exit code and what it printed.</summary>
public sealed record ToolRun(int ExitCode, string Output)
{
    /// <summary>Runs the command line <paramref name="args"/> as the installed tool would, printing to a wide plain-text console.</summary>
    public static ToolRun Of(params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 400;
        var code = Cli.Run(args, console);
        return new ToolRun(code, writer.ToString());
    }
}

/// <summary>A network <c>convforge import</c> wrote: its C#, compiled by the real generator, with the weights it wrote loaded by <c>LoadWeights</c>.</summary>
public sealed record ImportedNetwork(string Source, Type Type, object Instance, string OnnxPath)
{
    /// <summary>The generated class's graph description.</summary>
    public NetworkDefinition Definition => GeneratedNetwork.DefinitionOf(Type);

    /// <summary>Imports <paramref name="onnxPath"/> as <c>Imported.{className}</c> into <paramref name="directory"/>, compiles it and loads its weights.</summary>
    public static ImportedNetwork Import(string onnxPath, string className, string directory)
    {
        var run = ToolRun.Of("import", onnxPath, "--name", className, "--namespace", "Imported", "--out", directory);
        Assert.True(run.ExitCode == 0, $"convforge import failed ({run.ExitCode}):\n{run.Output}");
        var sourcePath = Path.Combine(directory, className + ".cs");
        var source = File.ReadAllText(sourcePath);
        var (assembly, errors) = TestTimeCompiler.Compile(new[] { (sourcePath, source) }, "Imported" + className);
        Assert.True(assembly is not null, $"The C# convforge wrote does not compile:\n{errors}\n{source}");
        var type = assembly!.GetType("Imported." + className, throwOnError: true)!;
        var instance = Activator.CreateInstance(type)!;
        // What a user writes: net.LoadWeights(file).
        type.GetMethod("LoadWeights", new[] { typeof(string) })!.Invoke(instance, new object[] { Path.Combine(directory, className + ".safetensors") });
        return new ImportedNetwork(source, type, instance, onnxPath);
    }

    /// <summary>Our forward pass on <paramref name="input"/> against ONNX Runtime running the source file, within the parity tolerance.</summary>
    public void AssertMatchesOnnxRuntime(float[] input, string what)
    {
        var shape = Definition.InputShape;
        using var session = new InferenceSession(OnnxPath);
        var inputName = session.InputMetadata.Keys.Single();
        var outputName = session.OutputMetadata.Keys.First();
        using var tensor = OrtValue.CreateTensorValueFromMemory(input, new long[] { 1, shape.Channels, shape.Height, shape.Width });
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, new[] { inputName }, new[] { tensor }, new[] { outputName });
        var expected = results[0].GetTensorDataAsSpan<float>().ToArray();
        var actual = new float[Definition.OutputShape.Length];
        Array.Fill(actual, float.NaN);
        var forward = Type.GetMethod("Forward", new[] { typeof(ReadOnlySpan<float>), typeof(Span<float>) })!.CreateDelegate<ForwardOne>(Instance);
        forward(input, actual);
        OnnxParity.AssertClose(expected, actual, results[0].GetTensorTypeAndShape().Shape, what);
    }

    /// <summary>Uniform values in [-scale, scale).</summary>
    public float[] RandomInput(ulong seed, double scale)
    {
        var random = DeterministicRandom.ForStream(seed, "convforge input");
        var values = new float[Definition.InputShape.Length];
        for (var i = 0; i < values.Length; i++)
            values[i] = (float)random.NextDouble(-scale, scale);
        return values;
    }
}
