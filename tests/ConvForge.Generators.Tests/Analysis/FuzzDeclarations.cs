using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace ConvForge.Generators.Tests.Analysis;

/// <summary>
/// Random ConvForge declarations for the analyzer fuzz test: every layer attribute of the DSL with sizes from
/// zero and negative to past every limit, arguments missing or of the wrong type, references forward, backward,
/// to themselves and to nothing, modules that use each other in cycles, odd and clashing names, the wrong kinds
/// of classes and properties, and a share of sources then mangled into unbalanced syntax. Seeded, so a failure
/// reproduces.
/// </summary>
internal sealed class FuzzDeclarations
{
    private static readonly string[] Ints =
    {
        "0", "-1", "1", "2", "3", "4", "7", "16", "64", "224", "1000", "1 << 20", "(1 << 20) + 1", "int.MaxValue", "int.MinValue",
        "0x7fffffff", "-2147483648", "1 << 30",
    };

    private static readonly string[] Doubles = { "0.0", "0.5", "1.0", "1.5", "-0.1", "double.NaN", "double.PositiveInfinity", "1e-300", "1e300" };

    private static readonly string[] WrongTypes = { "\"64\"", "64.5", "true", "null", "nameof(Missing)", "typeof(int)", "new[] { 1, 2 }" };

    private static readonly string[] OddNames = { "Input", "@class", "Layer", "_", "__", "Ÿnïcode", "Conv1", "Output", new string('L', 200), "Layers" };

    private static readonly string[] Garbage = { "(", ")", "[", "]", "{", "}", ",", "=", ";", "\"", "typeof(", "nameof(", "partial", "@", "[Conv(", "/*", "#if X" };

    private readonly Random _random;

    /// <summary>
    /// Picks the weight file a plausible network names, from a stream of its own, so that naming files does not
    /// change which declarations the other draws produce.
    /// </summary>
    private readonly Random _weights;

    /// <summary>What <see cref="Plausible"/> networks may name as Weights: see AnalyzerFuzzTests.WeightFiles.</summary>
    public static readonly string[] WeightFileNames = { "fuzz.safetensors", "fuzz-corrupt.safetensors", "fuzz-absent.safetensors", "ResNet18.onnx" };
    private readonly string _prefix;
    private readonly List<string> _modules;

    public FuzzDeclarations(int seed, int moduleCount = 4)
    {
        _random = new Random(seed);
        _weights = new Random(seed + 1_000);
        _prefix = "Fuzz" + seed.ToString(CultureInfo.InvariantCulture);
        _modules = Enumerable.Range(0, moduleCount).Select(i => $"{_prefix}Module{i}").ToList();
    }

    /// <summary><paramref name="count"/> source files; the first ones declare the modules the others may use.</summary>
    public IReadOnlyList<string> Sources(int count)
    {
        var sources = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var source = i < _modules.Count ? Module(_modules[i]) : Class($"{_prefix}Net{i}");
            sources.Add(Chance(0.25) ? Mangle(source) : source);
        }
        return sources;
    }

    private string Module(string name) => Header() + $$"""
        [NetworkModule]
        public partial class {{name}}
        {
        {{Layers(Range(0, 5), inModule: true)}}
        }
        """;

    private string Class(string name)
    {
        if (Chance(0.45))
            return Plausible(name);
        var layers = Layers(Range(0, 9), inModule: false);
        var attribute = Pick(
            $"[Network(Channels = {Int()}, Height = {Int()}, Width = {Int()})]",
            $"[Network(Channels = {Small()}, Height = {Small()}, Width = {Small()})]",
            $"[Network(Channels = 3, Height = {Small()}, Width = {Small()})]",
            "[Network]",
            $"[Network(Height = {Int()})]",
            $"[Network(Channels = {Pick(WrongTypes)}, Height = 8, Width = 8)]",
            "[NetworkModule]",
            "[Network, NetworkModule]",
            "[Network(Channels = 3, Height = 8, Width = 8)] [Network(Channels = 1, Height = 4, Width = 4)]",
            "");
        var declaration = Pick("public partial class", "public partial class", "public partial class", "public class", "partial class",
            "public sealed partial class", "public partial record", "public partial struct", "public static partial class");
        var typeName = Chance(0.1) ? name + "<T>" : name;
        var body = $"{attribute}\n{declaration} {typeName}\n{{\n{layers}\n}}\n";
        if (Chance(0.15))
            body = $"public {Pick("static ", "", "partial ")}class {name}Outer\n{{\n{body}}}\n";
        return Header() + body;
    }

    private string Layers(int count, bool inModule)
    {
        var names = new List<string>();
        for (var i = 0; i < count; i++)
            names.Add(Chance(0.15) ? Pick(OddNames) : "L" + i.ToString(CultureInfo.InvariantCulture));

        var builder = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var attributes = Enumerable.Range(0, Chance(0.1) ? 0 : Range(1, 4)).Select(j => Attribute(names, i, inModule, j == 0));
            var type = Chance(0.05) ? Pick("int", "Layer?", "object", "Missing") : "Layer";
            var shape = Pick(
                "public partial {0} {1} {{ get; }}", "public partial {0} {1} {{ get; }}", "public partial {0} {1} {{ get; }}",
                "public partial {0} {1} {{ get; }}", "public {0} {1} {{ get; set; }}", "public static partial {0} {1} {{ get; }}",
                "public {0} {1} => null!;", "public partial {0} {1} {{ get; init; }}", "public {0} {1};");
            builder.Append("    [").Append(string.Join(", ", attributes)).Append("] ")
                .AppendFormat(CultureInfo.InvariantCulture, shape, type, names[i]).Append('\n');
        }
        return builder.ToString();
    }

    private string Attribute(List<string> names, int index, bool inModule, bool first)
    {
        var args = new List<string>();
        string kind;
        switch (Range(0, 26))
        {
            case 0:
            case 1:
            case 2:
                kind = "Conv";
                if (!inModule || Chance(0.5))
                    args.Add(Channels());
                Named(args, "Kernel", "KernelHeight", "KernelWidth", "Stride", "StrideHeight", "StrideWidth", "Padding", "PadTop",
                    "PadBottom", "PadLeft", "PadRight", "Dilation", "Groups", "In", "WidthFactor");
                if (Chance(0.2)) args.Add("Same = " + Bool());
                if (Chance(0.2)) args.Add("Depthwise = " + Bool());
                if (Chance(0.2)) args.Add("Bias = " + Bool());
                break;
            case 3:
                kind = "Conv1x1";
                if (!inModule || Chance(0.5))
                    args.Add(Channels());
                Named(args, "Stride", "Groups", "In", "WidthFactor");
                break;
            case 4:
                kind = "Dense";
                if (!inModule || Chance(0.5))
                    args.Add(Channels());
                Named(args, "InFeatures", "In", "WidthFactor");
                break;
            case 5:
            case 6:
                kind = Pick("MaxPool", "AvgPool");
                if (Chance(0.9)) args.Add(Small());
                Named(args, "Stride", "Padding", "KernelHeight", "StrideWidth", "PadRight");
                if (Chance(0.3)) args.Add("CeilMode = " + Bool());
                if (kind == "AvgPool" && Chance(0.3)) args.Add("CountIncludePad = " + Bool());
                break;
            case 7:
                kind = Pick("GlobalAvgPool", "GlobalMaxPool", "Flatten", "Softmax", "Relu", "Relu6", "Sigmoid");
                break;
            case 8:
                kind = "BatchNorm";
                if (Chance(0.3)) args.Add("Epsilon = " + Pick(Doubles));
                break;
            case 9:
                kind = "LeakyRelu";
                if (Chance(0.5)) args.Add("Slope = " + Pick(Doubles));
                break;
            case 10:
                kind = "Dropout";
                if (Chance(0.7)) args.Add(Pick(Doubles));
                break;
            case 11:
                kind = "Lrn";
                if (Chance(0.4)) args.Add("Size = " + Int());
                if (Chance(0.3)) args.Add("Alpha = " + Pick(Doubles));
                if (Chance(0.3)) args.Add("Beta = " + Pick(Doubles));
                if (Chance(0.3)) args.Add("K = " + Pick(Doubles));
                break;
            case 12:
            case 13:
            case 14:
                kind = Pick("Concat", "Add");
                for (var i = Range(0, 4); i > 0; i--)
                    args.Add(Reference(names, index));
                break;
            case 15:
                kind = "Inception";
                for (var i = Chance(0.9) ? 6 : Range(0, 8); i > 0; i--)
                    args.Add(Channels());
                break;
            case 16:
                kind = "Fire";
                for (var i = Range(1, 4); i > 0; i--)
                    args.Add(Channels());
                break;
            case 17:
                kind = "MlpConv";
                for (var i = Range(0, 5); i > 0; i--)
                    args.Add(Channels());
                Named(args, "Kernel", "Stride", "Padding");
                break;
            case 18:
                kind = Pick("BasicBlock", "Bottleneck");
                if (Chance(0.9)) args.Add(Channels());
                Named(args, "Stride", "Expansion", "In");
                break;
            case 19:
                kind = "SqueezeExcite";
                Named(args, "Reduction", "Squeeze");
                break;
            case 20:
            case 21:
                kind = "Module";
                args.Add("typeof(" + Pick(_modules[Range(0, _modules.Count)], _modules[0], "int", "Missing", "List<int>", "Layer", "NetworkAttribute") + ")");
                if (Chance(0.5)) args.Add("Width = " + Int());
                break;
            case 22:
                kind = Pick("Conv", "Dense", "Fire", "Inception", "MaxPool", "Dropout");
                args.Add(Pick(WrongTypes));
                break;
            case 23:
                kind = Pick("Obsolete", "Missing", "System.Serializable", "Network");
                break;
            default:
                kind = Pick("Conv", "BasicBlock", "Conv1x1");
                args.Add(Small());
                if (Chance(0.5)) args.Add("Kernel = " + Pick("1", "3", "5"));
                if (Chance(0.5)) args.Add("Padding = 1");
                break;
        }
        if ((first && Chance(0.25)) || Chance(0.05))
            args.Add("From = " + Reference(names, index));
        if (Chance(0.05))
            args.Add(Pick("Kernel = ", "In = ", "From = ") + Pick(WrongTypes));
        return args.Count == 0 && Chance(0.7) ? kind : $"{kind}({string.Join(", ", args)})";
    }

    /// <summary>
    /// A well-formed network of sane sizes whose layers may still disagree: wrong In and InFeatures, joins of
    /// mismatched branches, kernels too large for what is left, groups that do not divide. This is what
    /// reaches the shape checks, which malformed declarations stop short of.
    /// </summary>
    private string Plausible(string name)
    {
        var side = Pick("8", "16", "32", "56");
        var count = Range(2, 11);
        var builder = new StringBuilder();
        var weights = _weights.NextDouble() < 0.4 ? $", Weights = \"{WeightFileNames[_weights.Next(WeightFileNames.Length)]}\"" : "";
        builder.Append(Header()).Append($"[Network(Channels = 3, Height = {side}, Width = {side}{weights})]\npublic partial class {name}\n{{\n");
        for (var i = 0; i < count; i++)
        {
            builder.Append("    [").Append(PlausibleAttribute(i)).Append(Chance(0.4) ? ", " + Pick("Relu", "BatchNorm, Relu", "BatchNorm") : "")
                .Append("] public partial Layer L").Append(i.ToString(CultureInfo.InvariantCulture)).Append(" { get; }\n");
        }
        return builder.Append("}\n").ToString();
    }

    private string PlausibleAttribute(int index)
    {
        string Earlier() => index == 0 ? "Layers.Input" : $"nameof(L{Range(0, index).ToString(CultureInfo.InvariantCulture)})";
        string Width() => Pick("8", "16", "32", "64", "128", "256");
        string Optional(string argument, double probability = 0.25) => Chance(probability) ? ", " + argument : "";
        return Range(0, 12) switch
        {
            0 or 1 or 2 => $"Conv({Width()}, Kernel = {Pick("1", "3", "5", "7")}{Optional("Stride = 2", 0.3)}{Optional("Padding = " + Pick("0", "1", "2", "3"), 0.6)}"
                + $"{Optional("In = " + Width())}{Optional("Groups = " + Pick("2", "3", "4"), 0.1)}{Optional("From = " + Earlier(), 0.15)})",
            3 => $"MaxPool({Pick("2", "3")}{Optional("Stride = 2")}{Optional("CeilMode = true")})",
            4 => $"Concat({Earlier()}{Optional(Earlier(), 0.7)})",
            5 => $"Add({Earlier()}{Optional(Earlier(), 0.5)})",
            6 => $"Conv1x1({Width()}{Optional("Stride = 2")}{Optional("In = " + Width())})",
            7 => $"Fire({Pick("16", "32")}, {Pick("64", "128")}{Optional("In = " + Width())})",
            8 => $"BasicBlock({Width()}{Optional("Stride = 2")})",
            9 => $"Flatten, Dense(10{Optional("InFeatures = " + Pick("256", "512", "1024", "2048"), 0.6)})",
            10 => Pick("SqueezeExcite", "GlobalAvgPool", "Inception(64, 96, 128, 16, 32, 32)", "AvgPool(2)"),
            _ => $"Conv({Pick("128", "256")}, Kernel = 3, Padding = 1)",
        };
    }

    /// <summary>A layer reference: back, forward, to itself, to the input, or to nothing.</summary>
    private string Reference(List<string> names, int index)
    {
        return Range(0, 9) switch
        {
            0 or 1 when index > 0 => $"nameof({names[Range(0, index)]})",
            2 when index + 1 < names.Count => $"nameof({names[Range(index + 1, names.Count)]})",
            3 => $"nameof({names[index]})",
            4 => "Layers.Input",
            5 => "\"" + Pick("Missing", "", " ", "input", "L0.Conv", "Input", "L99") + "\"",
            6 => "null",
            7 => Pick(WrongTypes),
            _ => names.Count > 0 ? $"\"{names[Range(0, names.Count)]}\"" : "Layers.Input",
        };
    }

    private void Named(List<string> args, params string[] names)
    {
        foreach (var name in names)
        {
            if (Chance(0.12))
                args.Add($"{name} = {(Chance(0.6) ? Small() : Int())}");
        }
    }

    /// <summary>Deletes, inserts and truncates: brackets, strings and comments left open.</summary>
    private string Mangle(string source)
    {
        var text = source;
        for (var edits = Range(1, 4); edits > 0 && text.Length > 0; edits--)
        {
            var at = Range(0, text.Length);
            text = Range(0, 3) switch
            {
                0 => text.Remove(at, Math.Min(Range(1, 12), text.Length - at)),
                1 => text.Insert(at, Pick(Garbage)),
                _ => text.Substring(0, at),
            };
        }
        return text;
    }

    private static string Header() => "using System.Collections.Generic;\nusing ConvForge;\n\n";

    private string Channels() => Chance(0.7) ? Pick("8", "16", "32", "64", "3") : Int();

    private string Small() => Pick("1", "2", "3", "4", "5", "7", "8", "16", "32");

    private string Int() => Pick(Ints);

    private string Bool() => Pick("true", "false");

    private bool Chance(double probability) => _random.NextDouble() < probability;

    private int Range(int min, int max) => _random.Next(min, max);

    private string Pick(params string[] options) => options[_random.Next(options.Length)];
}
