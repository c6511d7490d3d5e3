using System;
using System.Collections.Generic;
using System.Linq;
using ConvForge.Compiler.Spec;

namespace ConvForge.Compiler.Tests.Helpers;

/// <summary>Fluent construction of specs as the parser would produce them: Specs.Network("N", 3, 32, 32).Layer("Conv1", Op.Conv(16, kernel: 3)).</summary>
public static class Specs
{
    /// <summary>A network; a null dimension is one the [Network] attribute does not state.</summary>
    public static NetworkBuilder Network(string name, int? channels, int? height, int? width) => new(name, channels, height, width);

    public static ModuleBuilder Module(string typeName) => new(typeName);
}

public sealed class NetworkBuilder
{
    private readonly string _name;
    private readonly int? _channels;
    private readonly int? _height;
    private readonly int? _width;
    private readonly List<LayerSpec> _layers = new();
    private readonly List<ModuleSpec> _modules = new();

    public NetworkBuilder(string name, int? channels, int? height, int? width)
    {
        _name = name;
        _channels = channels;
        _height = height;
        _width = width;
    }

    public NetworkBuilder Layer(string name, params OpSpec[] ops)
    {
        _layers.Add(new LayerSpec(name, ops.ToEquatableArray()));
        return this;
    }

    public NetworkBuilder With(ModuleBuilder module)
    {
        _modules.Add(module.Build());
        return this;
    }

    public NetworkSpec Build() => new(_name, _channels, _height, _width, _layers.ToEquatableArray(), _modules.ToEquatableArray());

    public CompileResult Compile() => NetworkCompiler.Compile(Build());
}

public sealed class ModuleBuilder
{
    private readonly string _typeName;
    private readonly List<LayerSpec> _layers = new();

    public ModuleBuilder(string typeName) => _typeName = typeName;

    public ModuleBuilder Layer(string name, params OpSpec[] ops)
    {
        _layers.Add(new LayerSpec(name, ops.ToEquatableArray()));
        return this;
    }

    public ModuleSpec Build()
    {
        var dot = _typeName.LastIndexOf('.');
        return new ModuleSpec(_typeName, dot >= 0 ? _typeName[(dot + 1)..] : _typeName, _layers.ToEquatableArray());
    }
}

/// <summary>Layer attributes, with argument names as the parser gives them (positional ones flagged).</summary>
public static class Op
{
    public static OpSpec Conv(int? channels = null, int? kernel = null, int? stride = null, int? padding = null,
        int? kernelHeight = null, int? kernelWidth = null, int? strideHeight = null, int? strideWidth = null,
        int? padTop = null, int? padLeft = null, int? padBottom = null, int? padRight = null, bool? same = null,
        int? dilation = null, int? groups = null, bool? depthwise = null, bool? bias = null,
        int? @in = null, int? widthFactor = null, string? from = null)
        => Make("Conv", P("Channels", channels), N("Kernel", kernel), N("Stride", stride), N("Padding", padding),
            N("KernelHeight", kernelHeight), N("KernelWidth", kernelWidth), N("StrideHeight", strideHeight), N("StrideWidth", strideWidth),
            N("PadTop", padTop), N("PadLeft", padLeft), N("PadBottom", padBottom), N("PadRight", padRight), N("Same", same),
            N("Dilation", dilation), N("Groups", groups), N("Depthwise", depthwise), N("Bias", bias),
            N("In", @in), N("WidthFactor", widthFactor), N("From", from));

    public static OpSpec Conv1x1(int? channels = null, int? stride = null, int? groups = null, bool? bias = null, int? @in = null, int? widthFactor = null, string? from = null)
        => Make("Conv1x1", P("Channels", channels), N("Stride", stride), N("Groups", groups), N("Bias", bias), N("In", @in), N("WidthFactor", widthFactor), N("From", from));

    public static OpSpec Dense(int? units = null, bool? bias = null, int? inFeatures = null, int? @in = null, int? widthFactor = null, string? from = null)
        => Make("Dense", P("Units", units), N("Bias", bias), N("InFeatures", inFeatures), N("In", @in), N("WidthFactor", widthFactor), N("From", from));

    public static OpSpec MaxPool(int? kernel, int? stride = null, int? padding = null, bool? ceilMode = null,
        int? kernelHeight = null, int? kernelWidth = null, int? strideHeight = null, int? strideWidth = null,
        int? padTop = null, int? padLeft = null, int? padBottom = null, int? padRight = null, string? from = null)
        => Make("MaxPool", P("Kernel", kernel), N("Stride", stride), N("Padding", padding), N("CeilMode", ceilMode),
            N("KernelHeight", kernelHeight), N("KernelWidth", kernelWidth), N("StrideHeight", strideHeight), N("StrideWidth", strideWidth),
            N("PadTop", padTop), N("PadLeft", padLeft), N("PadBottom", padBottom), N("PadRight", padRight), N("From", from));

    public static OpSpec AvgPool(int? kernel, int? stride = null, int? padding = null, bool? ceilMode = null, bool? countIncludePad = null, string? from = null)
        => Make("AvgPool", P("Kernel", kernel), N("Stride", stride), N("Padding", padding), N("CeilMode", ceilMode), N("CountIncludePad", countIncludePad), N("From", from));

    public static OpSpec GlobalAvgPool(string? from = null) => Make("GlobalAvgPool", N("From", from));
    public static OpSpec GlobalMaxPool(string? from = null) => Make("GlobalMaxPool", N("From", from));
    public static OpSpec BatchNorm(double? epsilon = null, string? from = null) => Make("BatchNorm", N("Epsilon", epsilon), N("From", from));
    public static OpSpec Relu(string? from = null) => Make("Relu", N("From", from));
    public static OpSpec LeakyRelu(double? slope = null, string? from = null) => Make("LeakyRelu", N("Slope", slope), N("From", from));
    public static OpSpec Relu6(string? from = null) => Make("Relu6", N("From", from));
    public static OpSpec Sigmoid(string? from = null) => Make("Sigmoid", N("From", from));
    public static OpSpec Dropout(double? rate = null, string? from = null) => Make("Dropout", P("Rate", rate), N("From", from));
    public static OpSpec Flatten(string? from = null) => Make("Flatten", N("From", from));
    public static OpSpec Softmax(string? from = null) => Make("Softmax", N("From", from));

    public static OpSpec Lrn(int? size = null, double? alpha = null, double? beta = null, double? k = null, string? from = null)
        => Make("Lrn", N("Size", size), N("Alpha", alpha), N("Beta", beta), N("K", k), N("From", from));

    public static OpSpec Concat(params string[] inputs) => Make("Concat", P("Inputs", inputs));
    public static OpSpec Add(params string[] inputs) => Make("Add", P("Inputs", inputs));

    public static OpSpec Inception(int conv1x1, int reduce3x3, int conv3x3, int reduce5x5, int conv5x5, int poolProjection, int? @in = null, string? from = null)
        => Make("Inception", P("Conv1x1", conv1x1), P("Reduce3x3", reduce3x3), P("Conv3x3", conv3x3), P("Reduce5x5", reduce5x5),
            P("Conv5x5", conv5x5), P("PoolProjection", poolProjection), N("In", @in), N("From", from));

    public static OpSpec Fire(int squeeze, int expand, int? @in = null, string? from = null)
        => Make("Fire", P("Squeeze", squeeze), P("Expand", expand), N("In", @in), N("From", from));

    public static OpSpec Fire(int squeeze, int expand1x1, int expand3x3, int? @in = null, string? from = null)
        => Make("Fire", P("Squeeze", squeeze), P("Expand1x1", expand1x1), P("Expand3x3", expand3x3), N("In", @in), N("From", from));

    public static OpSpec MlpConv(int channels, int[]? mlp = null, int? kernel = null, int? stride = null, int? padding = null, int? @in = null, string? from = null)
        => Make("MlpConv", P("Channels", channels), P("Mlp", mlp ?? Array.Empty<int>()), N("Kernel", kernel), N("Stride", stride), N("Padding", padding), N("In", @in), N("From", from));

    public static OpSpec BasicBlock(int channels, int? stride = null, int? @in = null, string? from = null)
        => Make("BasicBlock", P("Channels", channels), N("Stride", stride), N("In", @in), N("From", from));

    public static OpSpec Bottleneck(int channels, int? stride = null, int? expansion = null, int? @in = null, string? from = null)
        => Make("Bottleneck", P("Channels", channels), N("Stride", stride), N("Expansion", expansion), N("In", @in), N("From", from));

    public static OpSpec SqueezeExcite(int? reduction = null, int? squeeze = null, int? @in = null, string? from = null)
        => Make("SqueezeExcite", N("Reduction", reduction), N("Squeeze", squeeze), N("In", @in), N("From", from));

    public static OpSpec Module(string typeName, int? width = null, int? widthFactor = null, int? @in = null, string? from = null)
        => Make("Module", P("Module", ArgValue.Type(typeName)), N("Width", width), N("WidthFactor", widthFactor), N("In", @in), N("From", from));

    /// <summary>Any attribute, arguments as given: for malformed specs.</summary>
    public static OpSpec Raw(string kind, params ArgSpec[] arguments) => new(kind, arguments.ToEquatableArray());

    /// <summary>The attribute with one more named argument.</summary>
    public static OpSpec With(this OpSpec op, string name, object value)
        => op with { Arguments = op.Arguments.Append(new ArgSpec(name, ToArg(value), false)).ToEquatableArray() };

    /// <summary>The attribute without the named argument.</summary>
    public static OpSpec Without(this OpSpec op, string name)
        => op with { Arguments = op.Arguments.Where(a => a.Name != name).ToEquatableArray() };

    public static ArgValue ToArg(object value) => value switch
    {
        ArgValue arg => arg,
        int i => ArgValue.Int(i),
        long l => ArgValue.Int(l),
        double d => ArgValue.Double(d),
        bool b => ArgValue.Bool(b),
        string s => ArgValue.String(s),
        string[] texts => ArgValue.StringArray(texts),
        int[] ints => ArgValue.IntArray(ints.Select(x => (long)x).ToArray()),
        long[] longs => ArgValue.IntArray(longs),
        _ => throw new ArgumentException("unsupported argument value " + value.GetType().Name),
    };

    private static (string Name, object? Value, bool Positional) P(string name, object? value) => (name, value, true);
    private static (string Name, object? Value, bool Positional) N(string name, object? value) => (name, value, false);

    private static OpSpec Make(string kind, params (string Name, object? Value, bool Positional)[] arguments)
    {
        var list = new List<ArgSpec>();
        foreach (var (name, value, positional) in arguments)
        {
            if (value is not null)
                list.Add(new ArgSpec(name, ToArg(value), positional));
        }
        return new OpSpec(kind, list.ToEquatableArray());
    }
}
