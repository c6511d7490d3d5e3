using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Spectre.Console;

namespace ConvForge.Tool.Commands;

/// <summary>
/// <c>convforge check weights.safetensors --network My.dll MyNet</c>: does a weight file fit a compiled
/// network? safetensors files are compared by name and shape with the class's parameter layout; ONNX files
/// are paired by structure, as <c>net.Parameters.LoadOnnx</c> pairs them.
/// </summary>
internal static class CheckCommand
{
    public static int Run(IAnsiConsole console, FileInfo weights, FileInfo assembly, string className)
    {
        if (!weights.Exists)
            throw new FileNotFoundException($"{weights.FullName} does not exist.", weights.FullName);
        var definition = LoadDefinition(assembly, className);
        return weights.Extension.ToLowerInvariant() switch
        {
            ".safetensors" => CheckSafeTensors(console, weights, definition),
            ".onnx" => CheckOnnx(console, weights, definition),
            _ => throw new ArgumentException($"{weights.Name}: convforge checks .safetensors and .onnx files."),
        };
    }

    private static int CheckSafeTensors(IAnsiConsole console, FileInfo weights, NetworkDefinition definition)
    {
        var header = SafeTensors.ReadHeader(weights.FullName);
        var inFile = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var table = new Table().Title($"{Markup.Escape(weights.Name)} against [bold]{Markup.Escape(definition.Name)}[/]")
            .AddColumn("Tensor").AddColumn("Problem").AddColumn("Network").AddColumn("File");
        int missing = 0, misshaped = 0, matching = 0;
        foreach (var parameter in definition.Parameters)
        {
            var expected = Shape(parameter.Shape.Select(d => (long)d));
            if (!inFile.TryGetValue(parameter.Name, out var tensor))
            {
                table.AddRow(Markup.Escape(parameter.Name), "[red]missing[/]", expected, "-");
                missing++;
                continue;
            }
            if (!tensor.Shape.SequenceEqual(parameter.Shape.Select(d => (long)d)))
            {
                table.AddRow(Markup.Escape(parameter.Name), "[red]other shape[/]", expected, Shape(tensor.Shape) + " " + tensor.DType);
                misshaped++;
                continue;
            }
            matching++;
        }
        var extra = header.Tensors.Where(t => definition.FindParameter(t.Name) is null).ToList();
        foreach (var tensor in extra)
            table.AddRow(Markup.Escape(tensor.Name), "[yellow]extra[/]", "-", Shape(tensor.Shape) + " " + tensor.DType);

        if (missing + misshaped + extra.Count > 0)
            console.Write(table);
        console.WriteLine(Invariant($"{matching} of {definition.Parameters.Count} tensors match; {missing} missing, {misshaped} with another shape, {extra.Count} extra."));
        return missing + misshaped + extra.Count == 0 ? Cli.Success : Cli.Different;
    }

    private static int CheckOnnx(IAnsiConsole console, FileInfo weights, NetworkDefinition definition)
    {
        var model = ModelFile.Load(console, weights);
        IReadOnlyList<OnnxLayerMatch> matches;
        try
        {
            matches = OnnxWeights.Load(new ParameterStore(definition), model);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException)
        {
            console.MarkupLine("[red]differs:[/] " + Markup.Escape(e.Message));
            return Cli.Different;
        }
        var table = new Table().Title($"{Markup.Escape(weights.Name)} against [bold]{Markup.Escape(definition.Name)}[/]")
            .AddColumn("Declared node").AddColumn("ONNX nodes").AddColumn("Note");
        foreach (var match in matches)
            table.AddRow(Markup.Escape(match.Layer), Markup.Escape(string.Join(" + ", match.OnnxNodes)), Markup.Escape(match.Note ?? ""));
        console.Write(table);
        console.WriteLine(Invariant($"Every one of the {definition.Parameters.Count} tensors has its counterpart in the model."));
        return Cli.Success;
    }

    /// <summary>The static <c>Definition</c> of the generated class <paramref name="className"/> in <paramref name="assemblyFile"/>.</summary>
    private static NetworkDefinition LoadDefinition(FileInfo assemblyFile, string className)
    {
        if (!assemblyFile.Exists)
            throw new FileNotFoundException($"{assemblyFile.FullName} does not exist.", assemblyFile.FullName);
        var context = new NetworkLoadContext(assemblyFile.FullName);
        var assembly = context.LoadFromAssemblyPath(assemblyFile.FullName);
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types.Where(t => t is not null).ToArray()!;
        }
        var candidates = types.Where(t => t.FullName == className || t.Name == className).ToList();
        if (candidates.Count == 0)
            throw new ArgumentException($"{assemblyFile.Name} has no class {className}.");
        if (candidates.Count > 1)
            throw new ArgumentException($"{assemblyFile.Name} has several classes named {className} ({string.Join(", ", candidates.Select(t => t.FullName))}); give the full name.");
        var type = candidates[0];
        var property = type.GetProperty("Definition", BindingFlags.Public | BindingFlags.Static);
        if (property?.GetValue(null) is not NetworkDefinition definition)
            throw new ArgumentException($"{type.FullName} has no static Definition: is it a ConvForge [Network] class, built without errors, against this ConvForge?");
        return definition;
    }

    /// <summary>"[64, 3, 7, 7]", escaped for Spectre's markup.</summary>
    private static string Shape(IEnumerable<long> dims) => Markup.Escape("[" + string.Join(", ", dims) + "]");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Loads the user's assembly and its dependencies from its folder, but ConvForge itself from the tool's,
    /// so that the class's <see cref="NetworkDefinition"/> is the type the tool reads.
    /// </summary>
    private sealed class NetworkLoadContext : AssemblyLoadContext
    {
        private readonly AssemblyDependencyResolver resolver;
        private readonly string directory;

        public NetworkLoadContext(string path) : base("convforge check", isCollectible: true)
        {
            resolver = new AssemblyDependencyResolver(path);
            directory = Path.GetDirectoryName(path)!;
        }

        protected override Assembly? Load(AssemblyName name)
        {
            if (name.Name == typeof(NetworkDefinition).Assembly.GetName().Name)
                return null;
            var path = resolver.ResolveAssemblyToPath(name);
            if (path is null)
            {
                var beside = Path.Combine(directory, name.Name + ".dll");
                path = File.Exists(beside) ? beside : null;
            }
            return path is null ? null : LoadFromAssemblyPath(path);
        }
    }
}
