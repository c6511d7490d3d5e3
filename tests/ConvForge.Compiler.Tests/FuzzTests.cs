using System;
using System.Collections.Generic;
using System.Linq;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Interpretation;
using ConvForge.Compiler.Spec;
using ConvForge.Compiler.Tests.Helpers;
using Xunit.Sdk;

namespace ConvForge.Compiler.Tests;

/// <summary>
/// Thousands of random and malformed specs: Compile never throws, every diagnostic has a known id with
/// the catalogue's severity and a site that exists in the spec, and a result without errors has a
/// consistent graph.
/// </summary>
public class FuzzTests
{
    [Theory]
    [InlineData(1, 1500)]
    [InlineData(2, 1500)]
    [InlineData(3, 1500)]
    public void Random_specs_never_throw_and_report_well_formed_diagnostics(int seed, int count)
    {
        var fuzzer = new SpecFuzzer(new Random(seed));
        var errors = 0;
        var graphs = 0;
        for (var i = 0; i < count; i++)
        {
            var spec = fuzzer.NextNetwork();
            var result = CompileChecked(spec, $"seed {seed}, spec {i}");
            if (result.HasErrors)
                errors++;
            else
                graphs++;
        }
        // The generator must exercise both outcomes, or the invariants on graphs are never checked.
        Assert.True(errors > count / 4, $"only {errors} specs with errors");
        Assert.True(graphs > count / 10, $"only {graphs} specs compiled to a graph");
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void Mutated_reference_networks_never_throw(int seed)
    {
        var random = new Random(seed);
        var fuzzer = new SpecFuzzer(random);
        NetworkSpec[] bases =
        {
            ReferenceNetworks.SqueezeNet11().Build(), ReferenceNetworks.ResNet18().Build(),
            ReferenceNetworks.GoogLeNetTo3a().Build(), ReferenceNetworks.Nin().Build(),
        };
        for (var i = 0; i < 400; i++)
        {
            var spec = bases[random.Next(bases.Length)];
            var layers = spec.Layers.ToList();
            for (var m = random.Next(1, 4); m > 0 && layers.Count > 0; m--)
            {
                var index = random.Next(layers.Count);
                var layer = layers[index];
                var ops = layer.Ops.ToList();
                switch (random.Next(5))
                {
                    case 0 when ops.Count > 0:
                        // Replace one argument's value.
                        var opIndex = random.Next(ops.Count);
                        var op = ops[opIndex];
                        var args = op.Arguments.ToList();
                        if (args.Count > 0)
                        {
                            var a = random.Next(args.Count);
                            args[a] = args[a] with { Value = fuzzer.Value(args[a].Name, new[] { layer.Name, "Input", "Nope" }) };
                        }
                        ops[opIndex] = op with { Arguments = args.ToEquatableArray() };
                        break;
                    case 1:
                        ops.Insert(random.Next(ops.Count + 1), fuzzer.NextOp(layers.Select(l => l.Name).ToArray(), inModule: false, modules: Array.Empty<string>()));
                        break;
                    case 2 when ops.Count > 0:
                        ops.RemoveAt(random.Next(ops.Count));
                        break;
                    case 3:
                        layers.RemoveAt(index);
                        continue;
                    default:
                        layers.Insert(random.Next(layers.Count + 1), layer with { Name = fuzzer.Name(layers.Count) });
                        break;
                }
                if (index < layers.Count)
                    layers[index] = layer with { Ops = ops.ToEquatableArray() };
            }
            CompileChecked(spec with { Layers = layers.ToEquatableArray() }, $"seed {seed}, mutation {i}");
        }
    }

    [Fact]
    public void Null_and_malformed_pieces_never_throw()
    {
        var nulls = new NetworkSpec(null!, 3, 8, 8,
            EquatableArray.Create<LayerSpec>(
                null!,
                new LayerSpec(null!, EquatableArray.Create<OpSpec>(null!)),
                new LayerSpec("A", EquatableArray.Create(new OpSpec(null!, EquatableArray<ArgSpec>.Empty))),
                new LayerSpec("B", EquatableArray.Create(new OpSpec("Conv", EquatableArray.Create<ArgSpec>(
                    null!,
                    new ArgSpec(null!, ArgValue.Int(3), true),
                    new ArgSpec("Channels", null!, true),
                    new ArgSpec("Kernel", new ArgValue((ArgKind)42, 0, 0, null, default, default), false))))),
                new LayerSpec("C", EquatableArray.Create(Op.Concat().With("Inputs", new ArgValue(ArgKind.StringArray, 0, 0, null, default, EquatableArray.Create<string>(null!, "")))))),
            EquatableArray.Create<ModuleSpec>(null!, new ModuleSpec(null!, null!, default)));
        var result = CompileChecked(nulls, "nulls");
        Assert.True(result.HasErrors);
        CompileChecked(new NetworkSpec("N", 3, 8, 8, default, default), "default arrays");
        var module = new ModuleSpec("M", "M", EquatableArray.Create<LayerSpec>(null!, new LayerSpec("", default)));
        Assert.All(NetworkCompiler.CheckModule(module), d => Assert.Contains(DiagnosticIds.All, r => r.Id == d.Id));
    }

    private static CompileResult CompileChecked(NetworkSpec spec, string what)
    {
        CompileResult result;
        try
        {
            result = NetworkCompiler.Compile(spec);
        }
        catch (Exception e)
        {
            throw new XunitException($"{what}: Compile threw {e}\nspec: {Describe(spec)}");
        }
        try
        {
            CheckInvariants(spec, result);
            Assert.Equal(result, NetworkCompiler.Compile(spec)); // deterministic
        }
        catch (Exception e)
        {
            throw new XunitException($"{what}: {e.Message}\nspec: {Describe(spec)}\ndiagnostics:\n{string.Join("\n", result.Diagnostics)}");
        }
        return result;
    }

    private static void CheckInvariants(NetworkSpec spec, CompileResult result)
    {
        var layers = spec.Layers;
        foreach (var d in result.Diagnostics)
        {
            var rule = DiagnosticIds.All.SingleOrDefault(r => r.Id == d.Id);
            Assert.True(rule is not null, "unknown id " + d.Id);
            Assert.Equal(rule!.Severity, d.Severity);
            Assert.False(string.IsNullOrWhiteSpace(d.Message));
            Assert.True(d.Site.Argument is null || d.Site.Argument.Length > 0, "empty argument name");
            if (d.Site.LayerIndex == -1)
            {
                Assert.Equal(-1, d.Site.OpIndex);
                Assert.True(d.Site.Argument is null or "Channels" or "Height" or "Width", "network argument " + d.Site.Argument);
                continue;
            }
            Assert.InRange(d.Site.LayerIndex, 0, layers.Count - 1);
            var ops = layers[d.Site.LayerIndex]?.Ops ?? EquatableArray<OpSpec>.Empty;
            Assert.InRange(d.Site.OpIndex, -1, ops.Count - 1);
            if (d.Site.OpIndex >= 0 && d.Site.Argument is not null)
            {
                // An argument the attribute takes, or one that was written (unknown ones are reported at their name).
                var op = ops[d.Site.OpIndex];
                var written = op?.Arguments.Any(a => a?.Name == d.Site.Argument) ?? false;
                var known = op?.Kind is not null && OpInterpreter.KnownKinds.TryGetValue(op.Kind, out var names) && names.Contains(d.Site.Argument);
                Assert.True(written || known, $"argument {d.Site.Argument} on {op?.Kind}");
            }
        }
        Assert.Equal(result.HasErrors, result.Graph is null);
        if (result.Graph is not NetworkGraph graph)
            return;
        Assert.Equal(OpKind.Input, graph.Input.Kind);
        Assert.Equal(new Shape(spec.Channels ?? 0, spec.Height ?? 0, spec.Width ?? 0), graph.Input.Output);
        Assert.Equal(layers.Count, graph.LayerOutputs.Count);
        Assert.Equal(graph.Nodes.Count, graph.Nodes.Select(n => n.Name).Distinct().Count());
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            Assert.Equal(i, node.Index);
            Assert.All(node.Inputs, input => Assert.InRange(input, 0, i - 1));
            Assert.True(node.Output.Channels > 0 && node.Output.Height > 0 && node.Output.Width > 0, $"{node.Name} is {node.Output}");
            Assert.True(node.Output.Length <= int.MaxValue);
            Assert.True(node.Macs >= 0);
            Assert.All(node.Parameters, p => Assert.True(p.Length > 0 && p.Length <= int.MaxValue));
            Assert.Equal(node.Kind is OpKind.Conv or OpKind.MaxPool or OpKind.AvgPool, node.Window is not null);
        }
        Assert.True(graph.Parameters.Sum(p => p.Length) <= int.MaxValue);
        Assert.Equal(graph.Parameters.Count(), graph.Parameters.Select(p => p.Name).Distinct().Count());
        foreach (var layer in graph.LayerOutputs)
            Assert.InRange(layer.FirstNode, 1, layer.OutputNode);
    }

    private static string Describe(NetworkSpec spec)
    {
        string Arg(ArgSpec? a) => a is null ? "null" : $"{a.Name}={(a.Value is null ? "null" : SafeValue(a.Value))}";
        string Op(OpSpec? o) => o is null ? "null" : $"{o.Kind}({string.Join(", ", o.Arguments.Select(Arg))})";
        string Layer(LayerSpec? l) => l is null ? "null" : $"[{string.Join(", ", l.Ops.Select(Op))}] {l.Name}";
        var modules = spec.Modules.Select(m => m is null ? "null" : $"module {m.TypeName} {{ {string.Join("; ", m.Layers.Select(Layer))} }}");
        return $"{spec.Channels}x{spec.Height}x{spec.Width}: {string.Join("; ", spec.Layers.Select(Layer))} {string.Join(" ", modules)}";
    }

    private static string SafeValue(ArgValue value)
        => Enum.IsDefined(value.Kind) ? value.ToString() : "?";
}

/// <summary>
/// Random specs. About half are "clean" (unique names, backward references, sane values, no
/// conflicting argument pairs) so they reach shape inference and often compile; the rest are malformed
/// in every way the fuzzer knows (bad names and kinds, wrong value kinds, extreme values, cycles).
/// </summary>
internal sealed class SpecFuzzer(Random random)
{
    private static readonly string[] Kinds = OpInterpreter.KnownKinds.Keys.Concat(new[] { "Bogus", "" }).ToArray();
    private static readonly string[] KnownKindNames = OpInterpreter.KnownKinds.Keys.ToArray();
    private static readonly long[] Integers = { 1, 1, 2, 2, 3, 3, 4, 5, 7, 8, 16, 32, 0, -1, -7, 1 << 20, (1 << 20) + 1, int.MaxValue, long.MaxValue, long.MinValue };
    private static readonly long[] CleanIntegers = { 1, 1, 1, 2, 2, 3, 3, 4, 5, 8, 16 };
    private static readonly double[] Reals = { 0.5, 0.1, 1e-5, 0, 1, -1, 2, double.NaN, double.PositiveInfinity, double.Epsilon };
    private static readonly string[] Required =
    {
        "Channels", "Units", "Kernel", "Inputs", "Module", "Squeeze", "Expand", "Conv1x1", "Reduce3x3", "Conv3x3", "Reduce5x5", "Conv5x5", "PoolProjection",
    };
    // Arguments that say the same thing two ways; a clean spec uses at most one of each group.
    private static readonly string[][] Exclusive =
    {
        new[] { "Kernel", "KernelHeight", "KernelWidth" }, new[] { "Stride", "StrideHeight", "StrideWidth" },
        new[] { "Padding", "PadTop", "PadLeft", "PadBottom", "PadRight", "Same" }, new[] { "Depthwise", "Groups" },
        new[] { "Expand", "Expand1x1", "Expand3x3" }, new[] { "Reduction", "Squeeze" },
        new[] { "Channels", "Units", "WidthFactor", "Width" }, new[] { "In", "InFeatures" },
    };

    private bool _clean;

    public NetworkSpec NextNetwork()
    {
        _clean = random.Next(2) == 0;
        var moduleNames = Enumerable.Range(0, random.Next(0, 3)).Select(i => "My.M" + i).ToArray();
        var modules = moduleNames.Select(name => new ModuleSpec(name, name.Substring(3), Layers(random.Next(_clean ? 1 : 0, 4), inModule: true, moduleNames)))
            .ToList();
        if (!_clean && random.Next(10) == 0)
            modules.Add(modules.Count > 0 ? modules[0] : new ModuleSpec("My.Dup", "Dup", default)); // a repeated entry
        var valid = _clean || random.Next(10) < 8;
        return new NetworkSpec(
            "Fuzz",
            valid ? random.Next(1, 17) : (int)Pick(Integers),
            valid ? random.Next(1, 40) : (int)Pick(Integers),
            valid ? random.Next(1, 40) : (int)Pick(Integers),
            Layers(random.Next(_clean ? 1 : 0, 9), inModule: false, moduleNames),
            modules.ToEquatableArray());
    }

    private EquatableArray<LayerSpec> Layers(int count, bool inModule, string[] modules)
    {
        var names = Enumerable.Range(0, count).Select(Name).ToArray();
        var layers = new List<LayerSpec>();
        for (var i = 0; i < count; i++)
        {
            var opCount = _clean ? random.Next(1, 4) : random.Next(4) == 0 ? random.Next(0, 2) : random.Next(1, 4);
            // Clean layers refer only to layers above them.
            var visible = _clean ? names.Take(i).ToArray() : names;
            var ops = Enumerable.Range(0, opCount).Select(j => NextOp(visible, inModule, modules, isFirst: j == 0)).ToEquatableArray();
            layers.Add(new LayerSpec(names[i], ops));
        }
        return layers.ToEquatableArray();
    }

    public string Name(int index) => _clean ? "L" + index : random.Next(25) switch
    {
        0 => "Input",
        1 => "",
        2 => "Odd.Name",
        3 => "L0",
        4 => "Ünï_" + index,
        _ => "L" + index,
    };

    public OpSpec NextOp(string[] names, bool inModule, string[] modules, bool isFirst = true)
    {
        var kind = _clean ? Pick(KnownKindNames) : Pick(Kinds);
        if (_clean && kind == "Module" && (modules.Length == 0 || inModule))
            kind = "Relu"; // clean specs do not nest modules (the malformed ones do, with recursion)
        var known = OpInterpreter.KnownKinds.TryGetValue(kind, out var set) ? set.ToArray() : new[] { "Channels", "Kernel" };
        var args = new List<ArgSpec>();
        foreach (var name in known.OrderBy(_ => random.Next()))
        {
            var required = Required.Contains(name);
            var present = required ? random.Next(_clean ? 40 : 10) != 0 : random.Next(_clean ? 6 : 4) == 0;
            if (name == "WidthFactor")
                present = inModule ? random.Next(3) == 0 : random.Next(_clean ? 1000 : 4) == 0;
            if (name == "From" && _clean && !isFirst)
                present = false;
            if (_clean && name is "In" or "InFeatures")
                present = random.Next(20) == 0; // stated sizes rarely match random networks

            if (!present)
                continue;
            if (_clean && Exclusive.Any(g => g.Contains(name) && args.Any(a => g.Contains(a.Name))))
                continue;
            var value = name == "Module" && modules.Length > 0 && (_clean || random.Next(3) != 0) ? ArgValue.Type(Pick(modules)) : Value(name, names);
            args.Add(new ArgSpec(name, value, random.Next(2) == 0));
        }
        if (!_clean && random.Next(15) == 0)
            args.Add(new ArgSpec("Unheard", ArgValue.Int(1), false));
        return new OpSpec(kind, args.ToEquatableArray());
    }

    /// <summary>A value for the argument: usually of the right kind, sometimes not (never in clean specs).</summary>
    public ArgValue Value(string name, string[] names)
    {
        if (!_clean && random.Next(12) == 0)
            return AnyValue(names);
        return name switch
        {
            "Same" or "Depthwise" or "Bias" or "CeilMode" or "CountIncludePad" => ArgValue.Bool(random.Next(2) == 0),
            "Epsilon" or "Slope" or "Rate" or "Alpha" or "Beta" or "K" => ArgValue.Double(_clean ? Pick(new[] { 0.5, 0.1, 1e-5 }) : Pick(Reals)),
            "From" => ArgValue.String(Reference(names)),
            "Inputs" => ArgValue.StringArray(Enumerable.Range(0, random.Next(_clean ? 1 : 0, 4)).Select(_ => Reference(names)).ToArray()),
            "Mlp" => ArgValue.IntArray(Enumerable.Range(0, random.Next(0, 4)).Select(_ => Int()).ToArray()),
            "Module" => ArgValue.Type(random.Next(2) == 0 ? "My.M0" : "My.Unknown"),
            "Padding" or "PadTop" or "PadLeft" or "PadBottom" or "PadRight" => ArgValue.Int(!_clean && random.Next(4) == 0 ? Pick(Integers) : random.Next(0, 2)),
            _ => ArgValue.Int(Int()),
        };
    }

    private long Int() => _clean ? Pick(CleanIntegers) : Pick(Integers);

    private ArgValue AnyValue(string[] names) => random.Next(8) switch
    {
        0 => ArgValue.Int(Pick(Integers)),
        1 => ArgValue.Double(Pick(Reals)),
        2 => ArgValue.Bool(true),
        3 => ArgValue.String(random.Next(2) == 0 ? null : Reference(names)),
        4 => ArgValue.IntArray(),
        5 => ArgValue.StringArray(Reference(names)),
        6 => ArgValue.Type("Some.Type"),
        _ => new ArgValue((ArgKind)random.Next(7, 100), 0, 0, null, default, default),
    };

    private string Reference(string[] names)
    {
        if (_clean)
            return names.Length == 0 || random.Next(5) == 0 ? "Input" : Pick(names);
        return random.Next(8) switch
        {
            0 => "Input",
            1 => "Nowhere",
            2 => "",
            _ => names.Length > 0 ? Pick(names) : "Input",
        };
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
