using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace ConvForge.Parity.Tests.Infrastructure;

/// <summary>One random network declaration: C# source for the generator, and what it exercises.</summary>
/// <param name="ClassName">The [Network] class (namespace <see cref="RandomNetworkWriter.Namespace"/>).</param>
/// <param name="Seed">The seed it was written from.</param>
/// <param name="Source">The file: the network class and the [NetworkModule] classes it uses.</param>
/// <param name="Features">The features of <see cref="RandomNetworkWriter.AllFeatures"/> it uses.</param>
/// <param name="Input">Its input shape.</param>
/// <param name="Output">The output shape the writer computed (the generated Definition must agree).</param>
public sealed record RandomNetwork(string ClassName, ulong Seed, string Source, IReadOnlySet<string> Features, TensorShape Input, TensorShape Output)
{
    /// <summary>The class's full metadata name.</summary>
    public string MetadataName => RandomNetworkWriter.Namespace + "." + ClassName;

    /// <summary>"Random17 (seed 17): 5x13x9 -> 10x1x1".</summary>
    public override string ToString() => FormattableString.Invariant($"{ClassName} (seed {Seed}): {Input} -> {Output}");
}

/// <summary>
/// Writes random network declarations in the attribute DSL, small enough to run on the scalar path in
/// milliseconds but built from every layer attribute and module, with the settings kernels get wrong:
/// channel counts that are not multiples of 8 or 16, odd and unequal spatial sizes, stride 2, ceil mode,
/// groups and depthwise, dilation, asymmetric and Same padding, rectangular windows, joins whose parts
/// start at unaligned channel offsets, custom and nested modules, and heads that end in 2-D values.
/// </summary>
/// <remarks>
/// The writer tracks every layer's shape with the DSL's rules, so it only writes valid declarations (the
/// generated Definition is checked against its output shape). Each network is built around one feature of
/// <see cref="AllFeatures"/> in turn (seed modulo the list) and adds random layers around it, so any run
/// of <c>AllFeatures.Count</c> consecutive seeds covers the whole list.
/// </remarks>
public sealed class RandomNetworkWriter
{
    /// <summary>The namespace of the written classes.</summary>
    public const string Namespace = "ConvForge.Parity.Random";

    /// <summary>Everything the random networks must exercise between them.</summary>
    public static readonly IReadOnlyList<string> AllFeatures = new[]
    {
        "Conv", "Conv.Groups", "Conv.Depthwise", "Conv.Dilation", "Conv.Same", "Conv.AsymmetricPadding",
        "Conv.RectangularKernel", "Conv.Stride2", "Conv.NoBias",
        "Conv1x1", "Conv1x1.Stride2", "Conv1x1.Groups",
        "MaxPool", "MaxPool.Ceil", "AvgPool", "AvgPool.Ceil", "AvgPool.ExcludePad", "Pool.AsymmetricPadding",
        "GlobalAvgPool", "GlobalMaxPool",
        "BatchNorm", "Relu", "LeakyRelu", "Relu6", "Sigmoid", "Dropout", "Lrn",
        "Flatten", "Dense", "Dense.NoBias", "Softmax", "Softmax.Spatial", "ConvAfterDense",
        "Concat", "Concat.Input", "Add", "Add.Three",
        "Inception", "Fire", "MlpConv", "BasicBlock", "BasicBlock.Stride2", "Bottleneck", "Bottleneck.Stride2",
        "SqueezeExcite", "Module", "Module.Nested",
    };

    private readonly string className;
    private readonly List<string> properties = new();
    private readonly List<string> modules = new();
    private readonly HashSet<string> features = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorShape> shapes = new(StringComparer.Ordinal);
    private DeterministicRandom random;
    private string? wanted;
    private string previous = "Input";
    private TensorShape shape;
    private int layerIndex;

    private RandomNetworkWriter(ulong seed)
    {
        // A named stream: plain SplitMix64 from consecutive seeds gives shifted copies of one sequence.
        random = DeterministicRandom.ForStream(seed, nameof(RandomNetworkWriter));
        className = "Random" + seed.ToString(CultureInfo.InvariantCulture);
        wanted = AllFeatures[(int)(seed % (ulong)AllFeatures.Count)];
    }

    /// <summary>The network for <paramref name="seed"/>; the same seed always gives the same source.</summary>
    public static RandomNetwork Write(ulong seed) => new RandomNetworkWriter(seed).Build(seed);

    private RandomNetwork Build(ulong seed)
    {
        var input = new TensorShape(
            random.NextInt(3) == 0 ? 3 : Between(1, 6),
            Between(9, 23),
            Between(9, 23));
        shape = input;
        shapes["Input"] = input;

        // The wanted feature first, where the input is largest, then random layers around it.
        var head = IsHeadFeature(wanted!);
        if (!head)
            Body(wanted!);
        var count = Between(2, 5);
        for (var i = 0; i < count; i++)
            Body(null);
        // A wanted setting the first try could not take (groups of a prime channel count, say) gets more tries.
        for (var i = 0; i < 4 && wanted is not null && !head; i++)
            Body(wanted);
        if (head || random.NextInt(3) != 0)
            Head(wanted);

        var source = new StringBuilder();
        source.AppendLine("using ConvForge;");
        source.AppendLine();
        source.AppendLine("namespace " + Namespace + ";");
        source.AppendLine();
        foreach (var module in modules)
            source.AppendLine(module);
        source.AppendLine(FormattableString.Invariant($"[Network(Channels = {input.Channels}, Height = {input.Height}, Width = {input.Width})]"));
        source.AppendLine("public partial class " + className);
        source.AppendLine("{");
        foreach (var property in properties)
            source.AppendLine("    " + property);
        source.AppendLine("}");
        return new RandomNetwork(className, seed, source.ToString(), features, input, shape);
    }

    private static bool IsHeadFeature(string feature) =>
        feature is "GlobalAvgPool" or "GlobalMaxPool" or "Flatten" or "Dense" or "Dense.NoBias" or "Softmax" or "Softmax.Spatial" or "ConvAfterDense";

    // ---- body: layers on C x H x W ----

    private void Body(string? feature)
    {
        var kind = feature is null ? RandomBodyKind() : feature.Split('.')[0];
        switch (kind)
        {
            case "Conv": Conv(feature); break;
            case "Conv1x1": Conv1x1(feature); break;
            case "MaxPool" or "AvgPool" or "Pool": Pool(feature); break;
            case "BatchNorm" or "Relu" or "LeakyRelu" or "Relu6" or "Sigmoid" or "Dropout" or "Lrn": Elementwise(feature); break;
            case "Concat": Concat(feature); break;
            case "Add": Add(feature); break;
            case "Inception": Inception(); break;
            case "Fire": Fire(); break;
            case "MlpConv": MlpConv(); break;
            case "BasicBlock": BasicBlock(feature); break;
            case "Bottleneck": Bottleneck(feature); break;
            case "SqueezeExcite": SqueezeExcite(); break;
            case "Module": Module(feature); break;
            default: throw new InvalidOperationException("No writer for " + kind);
        }
        if (wanted == kind)
            wanted = null;
    }

    private string RandomBodyKind()
    {
        var kinds = new[]
        {
            "Conv", "Conv", "Conv", "Conv1x1", "Pool", "Pool", "BatchNorm", "Concat", "Add",
            "Inception", "Fire", "MlpConv", "BasicBlock", "Bottleneck", "SqueezeExcite", "Module",
        };
        // Keep the maps from shrinking below what windows need, and the channel counts small.
        while (true)
        {
            var kind = kinds[random.NextInt(kinds.Length)];
            if (kind == "Pool" && Math.Min(shape.Height, shape.Width) < 4)
                continue;
            if (shape.Channels > 48 && kind is "Bottleneck" or "Concat" or "Inception" or "Fire")
                continue;
            return kind;
        }
    }

    private bool Want(string feature, double probability)
    {
        if (wanted == feature)
        {
            wanted = null;
            return true;
        }
        return random.NextDouble() < probability;
    }

    private void Conv(string? feature)
    {
        var allowStride = Math.Min(shape.Height, shape.Width) >= 6;
        for (var attempt = 0; ; attempt++)
        {
            Guard(attempt, "Conv");
            var args = new List<string>();
            var used = new List<string> { "Conv" };
            var channels = Channels();
            var groups = 1;
            string? channelsArg = null;
            if (Want("Conv.Depthwise", feature is null ? 0.12 : 0))
            {
                args.Add("Depthwise = true");
                used.Add("Conv.Depthwise");
                groups = shape.Channels;
                // Depthwise keeps the channels, or multiplies them.
                channels = random.NextInt(2) == 0 ? shape.Channels : shape.Channels * 2;
                channelsArg = channels == shape.Channels ? null : Int(channels);
            }
            else if (Divisors(shape.Channels).Length > 0 && Want("Conv.Groups", feature is null ? 0.15 : 0))
            {
                var divisors = Divisors(shape.Channels);
                groups = divisors[random.NextInt(divisors.Length)];
                channels = groups * Between(1, 5);
                args.Add("Groups = " + Int(groups));
                used.Add("Conv.Groups");
                channelsArg = Int(channels);
            }
            else
            {
                channelsArg = Int(channels);
            }

            int kh, kw;
            if (Want("Conv.RectangularKernel", feature is null ? 0.15 : 0))
            {
                kh = Between(1, 4);
                kw = kh == 3 ? 1 : 3;
                args.Add(FormattableString.Invariant($"KernelHeight = {kh}, KernelWidth = {kw}"));
                used.Add("Conv.RectangularKernel");
            }
            else
            {
                kh = kw = new[] { 1, 3, 3, 3, 5, 2 }[random.NextInt(6)];
                if (kh != 1 || random.NextInt(2) == 0)
                    args.Add("Kernel = " + Int(kh));
            }

            int sh = 1, sw = 1;
            if (allowStride && Want("Conv.Stride2", feature is null ? 0.25 : 0))
            {
                sh = sw = 2;
                args.Add("Stride = 2");
                used.Add("Conv.Stride2");
            }
            else if (allowStride && random.NextDouble() < 0.08)
            {
                sw = 2;
                args.Add("StrideHeight = 1, StrideWidth = 2");
                used.Add("Conv.Stride2");
            }

            int dilation = 1;
            if ((kh > 1 || kw > 1) && Want("Conv.Dilation", feature is null ? 0.12 : 0))
            {
                dilation = 2;
                args.Add("Dilation = 2");
                used.Add("Conv.Dilation");
            }

            int top = 0, left = 0, bottom = 0, right = 0;
            var same = false;
            if (Want("Conv.Same", feature is null ? 0.15 : 0))
            {
                same = true;
                args.Add("Same = true");
                used.Add("Conv.Same");
            }
            else if (Want("Conv.AsymmetricPadding", feature is null ? 0.15 : 0))
            {
                top = random.NextInt(3);
                bottom = (top + 1 + random.NextInt(2)) % 3;
                left = random.NextInt(3);
                right = random.NextInt(3);
                args.Add(FormattableString.Invariant($"PadTop = {top}, PadBottom = {bottom}, PadLeft = {left}, PadRight = {right}"));
                used.Add("Conv.AsymmetricPadding");
            }
            else
            {
                var padding = dilation * (Math.Max(kh, kw) - 1) / 2;
                if (random.NextInt(4) == 0)
                    padding = random.NextInt(padding + 1);
                if (padding > 0)
                    args.Add("Padding = " + Int(padding));
                top = left = bottom = right = padding;
            }

            if (Want("Conv.NoBias", feature is null ? 0.25 : 0))
            {
                args.Add("Bias = false");
                used.Add("Conv.NoBias");
            }

            var height = same ? Ceil(shape.Height, sh) : new KernelWindow(kh, kw, sh, sw, top, left, bottom, right, dilation, dilation, false).OutputHeight(shape.Height);
            var width = same ? Ceil(shape.Width, sw) : new KernelWindow(kh, kw, sh, sw, top, left, bottom, right, dilation, dilation, false).OutputWidth(shape.Width);
            // At least 2x2 where the input allows (a 1-pixel map only keeps its size).
            if (height < Math.Min(2, shape.Height) || width < Math.Min(2, shape.Width))
            {
                // Too large a window for this map: try again (the wanted feature stays wanted).
                foreach (var f in used.Where(f => f != "Conv" && AllFeatures.Contains(f)))
                    wanted ??= f;
                continue;
            }

            var attribute = "Conv(" + string.Join(", ", new[] { channelsArg }.Where(a => a is not null).Concat(args)) + ")";
            var tail = Activations(allowBatchNorm: true);
            Emit("Conv", attribute + tail.Text, new TensorShape(channels, height, width), used.Concat(tail.Features));
            return;
        }
    }

    private void Conv1x1(string? feature)
    {
        var args = new List<string>();
        var used = new List<string> { "Conv1x1" };
        var channels = Channels();
        var height = shape.Height;
        var width = shape.Width;
        if (Math.Min(height, width) >= 5 && Want("Conv1x1.Stride2", feature is null ? 0.2 : 0))
        {
            args.Add("Stride = 2");
            used.Add("Conv1x1.Stride2");
            height = Ceil(height, 2);
            width = Ceil(width, 2);
        }
        if (Divisors(shape.Channels).Length > 0 && Want("Conv1x1.Groups", feature is null ? 0.2 : 0))
        {
            var divisors = Divisors(shape.Channels);
            var groups = divisors[random.NextInt(divisors.Length)];
            channels = groups * Between(1, 4);
            args.Add("Groups = " + Int(groups));
            used.Add("Conv1x1.Groups");
        }
        if (random.NextInt(4) == 0)
            args.Add("Bias = false");
        var tail = Activations(allowBatchNorm: true);
        var attribute = "Conv1x1(" + string.Join(", ", new[] { Int(channels) }.Concat(args)) + ")";
        Emit("Project", attribute + tail.Text, new TensorShape(channels, height, width), used.Concat(tail.Features));
    }

    private void Pool(string? feature)
    {
        var max = feature switch
        {
            "MaxPool" or "MaxPool.Ceil" => true,
            "AvgPool" or "AvgPool.Ceil" or "AvgPool.ExcludePad" => false,
            _ => random.NextInt(2) == 0,
        };
        var kind = max ? "MaxPool" : "AvgPool";
        if (wanted == kind)
            wanted = null;
        for (var attempt = 0; ; attempt++)
        {
            Guard(attempt, kind);
            var args = new List<string>();
            var used = new List<string> { kind };
            var kh = Between(2, 3);
            var kw = kh;
            var kernelArg = Int(kh);
            if (random.NextInt(5) == 0)
            {
                kw = 5 - kh;
                args.Add("KernelWidth = " + Int(kw));
            }
            int sh = kh, sw = kw;
            switch (random.NextInt(4))
            {
                case 0: sh = sw = 1; args.Add("Stride = 1"); break;
                case 1: sh = sw = 2; args.Add("Stride = 2"); break;
                case 2: break;   // the kernel
                default: sh = 1; sw = 2; args.Add("StrideHeight = 1, StrideWidth = 2"); break;
            }
            int top = 0, left = 0, bottom = 0, right = 0;
            if (Want("Pool.AsymmetricPadding", feature is null ? 0.15 : 0))
            {
                top = random.NextInt(kh / 2 + 1);
                bottom = kh / 2 - top;
                left = kw / 2;
                right = random.NextInt(kw / 2 + 1);
                args.Add(FormattableString.Invariant($"PadTop = {top}, PadBottom = {bottom}, PadLeft = {left}, PadRight = {right}"));
                used.Add("Pool.AsymmetricPadding");
            }
            else if (random.NextInt(3) == 0)
            {
                var padding = Math.Min(kh, kw) / 2;
                top = left = bottom = right = padding;
                args.Add("Padding = " + Int(padding));
            }
            var ceil = Want(kind + ".Ceil", feature is null ? 0.4 : 0);
            if (ceil)
            {
                args.Add("CeilMode = true");
                used.Add(kind + ".Ceil");
            }
            if (!max && Want("AvgPool.ExcludePad", feature is null ? 0.3 : 0))
            {
                args.Add("CountIncludePad = false");
                used.Add("AvgPool.ExcludePad");
            }
            var height = new KernelWindow(kh, kw, sh, sw, top, left, bottom, right, 1, 1, ceil).OutputHeight(shape.Height);
            var width = new KernelWindow(kh, kw, sh, sw, top, left, bottom, right, 1, 1, ceil).OutputWidth(shape.Width);
            if (height < 1 || width < 1)
            {
                foreach (var f in used.Where(f => f != kind))
                    wanted ??= f;
                continue;
            }
            var attribute = kind + "(" + string.Join(", ", new[] { kernelArg }.Concat(args)) + ")";
            Emit("Pool", attribute, shape with { Height = height, Width = width }, used);
            return;
        }
    }

    private void Elementwise(string? feature)
    {
        var kinds = new[] { "BatchNorm", "Relu", "LeakyRelu", "Relu6", "Sigmoid", "Dropout", "Lrn" };
        var kind = feature ?? kinds[random.NextInt(kinds.Length)];
        if (wanted == kind)
            wanted = null;
        var attribute = ElementwiseAttribute(kind);
        Emit(kind, attribute, shape, new[] { kind });
    }

    private string ElementwiseAttribute(string kind) => kind switch
    {
        "BatchNorm" => random.NextInt(2) == 0 ? "BatchNorm" : "BatchNorm(Epsilon = 0.001)",
        "LeakyRelu" => random.NextInt(2) == 0 ? "LeakyRelu" : "LeakyRelu(Slope = " + Real(Math.Round(random.NextDouble(0.05, 0.3), 2)) + ")",
        "Dropout" => "Dropout(" + Real(Math.Round(random.NextDouble(0.1, 0.6), 1)) + ")",
        "Lrn" => random.NextInt(2) == 0
            ? "Lrn"
            : FormattableString.Invariant($"Lrn(Size = {Between(2, 5)}, Alpha = {Real(Math.Round(random.NextDouble(0.05, 1), 2))}, Beta = 0.75, K = {Real(Math.Round(random.NextDouble(1, 2), 1))})"),
        _ => kind,
    };

    /// <summary>Attributes that may follow a conv on the same property: ", BatchNorm, Relu" and the like.</summary>
    private (string Text, IEnumerable<string> Features) Activations(bool allowBatchNorm)
    {
        var parts = new List<string>();
        var used = new List<string>();
        if (allowBatchNorm && Want("BatchNorm", 0.3))
        {
            parts.Add(ElementwiseAttribute("BatchNorm"));
            used.Add("BatchNorm");
        }
        var activations = new[] { "Relu", "Relu", "Relu", "LeakyRelu", "Relu6", "Sigmoid" };
        if (random.NextDouble() < 0.7)
        {
            var activation = activations[random.NextInt(activations.Length)];
            if (wanted == activation)
                wanted = null;
            parts.Add(ElementwiseAttribute(activation));
            used.Add(activation);
        }
        return (string.Concat(parts.Select(p => ", " + p)), used);
    }

    // ---- joins ----

    private void Concat(string? feature)
    {
        if (wanted is "Concat")
            wanted = null;
        var anchor = previous;
        var anchorShape = shape;
        var names = new List<string>();
        var used = new List<string> { "Concat" };

        // Two or three branches that keep the anchor's size, of widths that rarely align to a block.
        var branches = Between(2, 3);
        for (var i = 0; i < branches; i++)
        {
            var from = i == 0 ? "" : ", From = " + Reference(anchor);
            var channels = Channels();
            string attribute;
            switch (random.NextInt(3))
            {
                case 0:
                    attribute = FormattableString.Invariant($"Conv({channels}, Kernel = 3, Padding = 1{from}), Relu");
                    break;
                case 1:
                    attribute = FormattableString.Invariant($"Conv1x1({channels}{from})");
                    break;
                default:
                    channels = anchorShape.Channels;
                    attribute = FormattableString.Invariant($"MaxPool(3, Stride = 1, Padding = 1{from})");
                    break;
            }
            shape = anchorShape;
            names.Add(Emit("Branch", attribute, anchorShape with { Channels = channels }, Array.Empty<string>()));
        }
        if (random.NextInt(3) == 0)
            names.Add(anchor);
        var inputShape = shapes["Input"];
        if (inputShape.Height == anchorShape.Height && inputShape.Width == anchorShape.Width && !names.Contains("Input")
            && Want("Concat.Input", feature is null ? 0.3 : 0))
        {
            names.Add("Input");
            used.Add("Concat.Input");
        }
        var total = names.Sum(n => shapes[n].Channels);
        var list = string.Join(", ", names.Select(Reference));
        Emit("Concat", "Concat(" + list + ")", anchorShape with { Channels = total }, used);
    }

    private void Add(string? feature)
    {
        if (wanted == "Add")
            wanted = null;
        var anchor = previous;
        var anchorShape = shape;
        var three = Want("Add.Three", feature is null ? 0.25 : 0);
        var first = Emit("Residual", FormattableString.Invariant($"Conv({anchorShape.Channels}, Kernel = 3, Padding = 1, Bias = false), BatchNorm, Relu"), anchorShape, new[] { "BatchNorm", "Relu" });
        if (three)
        {
            var second = Emit("Residual", FormattableString.Invariant($"Conv({anchorShape.Channels}, Kernel = 1, From = {Reference(anchor)}), Relu6"), anchorShape, new[] { "Relu6" });
            Emit("Sum", FormattableString.Invariant($"Add({Reference(first)}, {Reference(second)}, {Reference(anchor)}), Relu"), anchorShape, new[] { "Add", "Add.Three", "Relu" });
        }
        else
        {
            // One name: the layer before plus the named one.
            Emit("Sum", FormattableString.Invariant($"Add({Reference(anchor)})"), anchorShape, new[] { "Add" });
        }
    }

    // ---- modules of the literature ----

    private void Inception()
    {
        var widths = Enumerable.Range(0, 6).Select(_ => Between(1, 12)).ToArray();
        Emit("Inception", "Inception(" + string.Join(", ", widths.Select(Int)) + ")",
            shape with { Channels = widths[0] + widths[2] + widths[4] + widths[5] }, new[] { "Inception" });
    }

    private void Fire()
    {
        var squeeze = Between(1, 12);
        if (random.NextInt(2) == 0)
        {
            var expand = Between(1, 20);
            Emit("Fire", FormattableString.Invariant($"Fire({squeeze}, {expand})"), shape with { Channels = 2 * expand }, new[] { "Fire" });
        }
        else
        {
            var e1 = Between(1, 20);
            var e3 = Between(1, 20);
            Emit("Fire", FormattableString.Invariant($"Fire({squeeze}, {e1}, {e3})"), shape with { Channels = e1 + e3 }, new[] { "Fire" });
        }
    }

    private void MlpConv()
    {
        var channels = Channels();
        var mlp = Enumerable.Range(0, random.NextInt(4)).Select(_ => Channels()).ToArray();
        var kernel = new[] { 1, 3, 5 }[random.NextInt(3)];
        var padding = kernel / 2;
        var stride = Math.Min(shape.Height, shape.Width) >= 6 && random.NextInt(3) == 0 ? 2 : 1;
        var args = new List<string> { Int(channels) };
        args.AddRange(mlp.Select(Int));
        if (kernel != 1)
            args.Add("Kernel = " + Int(kernel));
        if (stride != 1)
            args.Add("Stride = " + Int(stride));
        if (padding != 0)
            args.Add("Padding = " + Int(padding));
        var output = mlp.Length == 0 ? channels : mlp[^1];
        Emit("MlpConv", "MlpConv(" + string.Join(", ", args) + ")", new TensorShape(output,
            KernelWindow.Square(kernel, stride, padding).OutputHeight(shape.Height),
            KernelWindow.Square(kernel, stride, padding).OutputWidth(shape.Width)), new[] { "MlpConv" });
    }

    private void BasicBlock(string? feature)
    {
        var stride = Math.Min(shape.Height, shape.Width) >= 5 && Want("BasicBlock.Stride2", feature is null ? 0.4 : 0) ? 2 : 1;
        // Often the input's width, so the shortcut is the identity; otherwise a projection.
        var channels = random.NextInt(2) == 0 ? shape.Channels : Channels();
        var used = new List<string> { "BasicBlock" };
        if (stride == 2)
            used.Add("BasicBlock.Stride2");
        Emit("Res", FormattableString.Invariant($"BasicBlock({channels}{(stride == 2 ? ", Stride = 2" : "")})"),
            ResidualShape(channels, stride), used);
    }

    private void Bottleneck(string? feature)
    {
        var stride = Math.Min(shape.Height, shape.Width) >= 5 && Want("Bottleneck.Stride2", feature is null ? 0.4 : 0) ? 2 : 1;
        var channels = Between(1, 12);
        var expansion = random.NextInt(2) == 0 ? 4 : Between(1, 3);
        var args = Int(channels) + (stride == 2 ? ", Stride = 2" : "") + (expansion != 4 ? ", Expansion = " + Int(expansion) : "");
        var used = new List<string> { "Bottleneck" };
        if (stride == 2)
            used.Add("Bottleneck.Stride2");
        Emit("Res", "Bottleneck(" + args + ")", ResidualShape(channels * expansion, stride), used);
    }

    private TensorShape ResidualShape(int channels, int stride) => new(channels,
        KernelWindow.Square(3, stride, 1).OutputHeight(shape.Height),
        KernelWindow.Square(3, stride, 1).OutputWidth(shape.Width));

    private void SqueezeExcite()
    {
        var attribute = random.NextInt(3) switch
        {
            0 => "SqueezeExcite",
            1 => "SqueezeExcite(Reduction = " + Int(Between(2, 8)) + ")",
            _ => "SqueezeExcite(Squeeze = " + Int(Between(1, 6)) + ")",
        };
        Emit("Attention", attribute, shape, new[] { "SqueezeExcite" });
    }

    // ---- custom modules ----

    private void Module(string? feature)
    {
        var nested = Want("Module.Nested", feature is null ? 0.3 : 0);
        if (wanted == "Module")
            wanted = null;
        var width = Between(1, 12);
        TensorShape output;
        string name;
        if (nested)
        {
            // Outer: [Module(Inner, WidthFactor = 2)], a squeeze-excite, then a 1x1 back to the width.
            var inner = ResidualModule(className + "Inner" + Int(layerIndex), out var innerStride);
            name = className + "Outer" + Int(layerIndex);
            modules.Add(ModuleClass(name, new[]
            {
                $"[Module(typeof({inner}), WidthFactor = 2)]",
                "[SqueezeExcite(Squeeze = 3)]",
                "[Conv1x1(WidthFactor = 1), Relu6]",
            }));
            output = new TensorShape(width, Ceil(shape.Height, innerStride), Ceil(shape.Width, innerStride));
        }
        else if (random.NextInt(2) == 0)
        {
            name = ResidualModule(className + "Block" + Int(layerIndex), out var stride);
            output = new TensorShape(width, Ceil(shape.Height, stride), Ceil(shape.Width, stride));
        }
        else
        {
            // Branches of the module's input concatenated: WidthFactor, fixed widths and the input's own.
            var fixedWidth = Channels();
            name = className + "Branches" + Int(layerIndex);
            modules.Add(ModuleClass(name, new[]
            {
                "[Conv(WidthFactor = 1, Kernel = 1)]",
                $"[Conv({fixedWidth}, Kernel = 3, Padding = 1, From = Layers.Input), LeakyRelu(Slope = 0.1)]",
                "[AvgPool(3, Stride = 1, Padding = 1, From = Layers.Input)]",
                "[Concat(nameof(L1), nameof(L2), nameof(L3))]",
            }));
            output = shape with { Channels = width + fixedWidth + shape.Channels };
        }
        var used = new List<string> { "Module" };
        if (nested)
            used.Add("Module.Nested");
        Emit("Block", FormattableString.Invariant($"Module(typeof({name}), Width = {width})"), output, used);
    }

    /// <summary>A residual module (conv, conv + BN, 1x1 shortcut, add, ReLU) with a random kernel and stride.</summary>
    private string ResidualModule(string name, out int stride)
    {
        var kernel = new[] { 1, 3, 5 }[random.NextInt(3)];
        stride = Math.Min(shape.Height, shape.Width) >= 6 && random.NextInt(2) == 0 ? 2 : 1;
        var strideArg = stride == 2 ? ", Stride = 2" : "";
        modules.Add(ModuleClass(name, new[]
        {
            FormattableString.Invariant($"[Conv(WidthFactor = 2, Kernel = {kernel}, Padding = {kernel / 2}{strideArg}), Relu]"),
            "[Conv(WidthFactor = 1, Kernel = 3, Padding = 1, Bias = false), BatchNorm]",
            $"[Conv1x1(WidthFactor = 1, Bias = false, From = Layers.Input{strideArg})]",
            "[Add(nameof(L2), nameof(L3)), Relu]",
        }));
        return name;
    }

    private static string ModuleClass(string name, IReadOnlyList<string> layers)
    {
        var text = new StringBuilder();
        text.AppendLine("[NetworkModule]");
        text.AppendLine("public partial class " + name);
        text.AppendLine("{");
        for (var i = 0; i < layers.Count; i++)
            text.AppendLine(FormattableString.Invariant($"    {layers[i]} public partial Layer {(i == layers.Count - 1 ? "Output" : "L" + (i + 1))} {{ get; }}"));
        text.AppendLine("}");
        return text.ToString();
    }

    // ---- head: what ends the network ----

    private void Head(string? feature)
    {
        var choice = feature switch
        {
            "GlobalAvgPool" or "Dense" or "Dense.NoBias" or "Flatten" or "Softmax" => 0,
            "GlobalMaxPool" => 1,
            "Softmax.Spatial" => 2,
            "ConvAfterDense" => 3,
            _ => random.NextInt(5),
        };
        wanted = null;
        switch (choice)
        {
            case 0:
            {
                // A classifier: global average pool (or a dense layer over the whole map), dense layers, softmax.
                if (shape.Length > 3000 || feature == "GlobalAvgPool" || random.NextInt(2) == 0)
                    Emit("Pool", "GlobalAvgPool, Flatten", shape with { Height = 1, Width = 1 }, new[] { "GlobalAvgPool", "Flatten" });
                else
                    Emit("Flat", "Flatten", new TensorShape(shape.Length, 1, 1), new[] { "Flatten" });
                var units = Between(2, 20);
                var noBias = feature == "Dense.NoBias" || random.NextInt(4) == 0;
                var used = new List<string> { "Dense" };
                if (noBias)
                    used.Add("Dense.NoBias");
                var hidden = random.NextInt(2) == 0;
                if (hidden)
                {
                    var hiddenUnits = Between(3, 40);
                    Emit("Hidden", FormattableString.Invariant($"Dense({hiddenUnits}), Relu"), new TensorShape(hiddenUnits, 1, 1), new[] { "Dense", "Relu" });
                }
                var softmax = feature == "Softmax" || random.NextInt(2) == 0;
                if (softmax)
                    used.Add("Softmax");
                Emit("Classifier", FormattableString.Invariant($"Dense({units}{(noBias ? ", Bias = false" : "")}){(softmax ? ", Softmax" : "")}"), new TensorShape(units, 1, 1), used);
                break;
            }
            case 1:
                Emit("Pool", "GlobalMaxPool", shape with { Height = 1, Width = 1 }, new[] { "GlobalMaxPool" });
                break;
            case 2:
            {
                // Softmax over the channels at every pixel.
                var classes = Between(2, 12);
                Emit("Scores", FormattableString.Invariant($"Conv({classes}, Kernel = 1), Softmax"), shape with { Channels = classes }, new[] { "Conv", "Softmax", "Softmax.Spatial" });
                break;
            }
            case 3:
            {
                // 2-D values (a dense layer's) into a 1x1 convolution and a batch norm.
                Emit("Pool", "GlobalMaxPool", shape with { Height = 1, Width = 1 }, new[] { "GlobalMaxPool" });
                var units = Between(2, 20);
                Emit("Dense", FormattableString.Invariant($"Dense({units}), Sigmoid"), new TensorShape(units, 1, 1), new[] { "Dense", "Sigmoid" });
                var channels = Between(2, 20);
                Emit("Mix", FormattableString.Invariant($"Conv1x1({channels}), BatchNorm"), new TensorShape(channels, 1, 1), new[] { "Conv1x1", "BatchNorm", "ConvAfterDense" });
                break;
            }
            default:
                break;   // ends on the body's last map
        }
    }

    // ---- helpers ----

    /// <summary>Adds a property; returns its name.</summary>
    private string Emit(string stem, string attributes, TensorShape output, IEnumerable<string> used)
    {
        layerIndex++;
        var name = stem + Int(layerIndex);
        properties.Add($"[{attributes}] public partial Layer {name} {{ get; }}");
        foreach (var feature in used)
            features.Add(feature);
        shapes[name] = output;
        shape = output;
        previous = name;
        return name;
    }

    /// <summary>Random settings that keep not fitting the map would loop forever; fail instead, naming the case.</summary>
    private void Guard(int attempt, string kind)
    {
        if (attempt >= 200)
            throw new InvalidOperationException($"{className}: no {kind} setting fits the {shape} map (wanted: {wanted ?? "none"}).");
    }

    /// <summary>How a join or From names a layer: nameof(X), or Layers.Input for the input.</summary>
    private static string Reference(string layer) => layer == "Input" ? "Layers.Input" : "nameof(" + layer + ")";

    /// <summary>A channel count: mostly not a multiple of 8, sometimes one of 8 or 16.</summary>
    private int Channels() => random.NextInt(5) == 0 ? 8 * Between(1, 3) : Between(1, 29);

    private int[] Divisors(int n) => Enumerable.Range(2, Math.Max(0, n - 1)).Where(d => n % d == 0).ToArray();

    private int Between(int low, int high) => low + random.NextInt(high - low + 1);

    private static int Ceil(int value, int divisor) => (value + divisor - 1) / divisor;

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Real(double value) => value.ToString("0.0##", CultureInfo.InvariantCulture);
}
