using System;
using System.Collections.Generic;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Spec;

namespace ConvForge.Compiler.Interpretation;

/// <summary>Where an attribute sits, for messages and sites.</summary>
/// <param name="Label">The node name it becomes ("Conv1", "Conv1.Conv", "MyBlock.A").</param>
/// <param name="IsFirst">Whether it is the first attribute of its property (only that one may set From).</param>
/// <param name="InModule">Whether the property is in a [NetworkModule] class (WidthFactor allowed).</param>
/// <param name="Site">Maps an argument name (or null) to the site to report.</param>
internal sealed record OpContext(string Label, bool IsFirst, bool InModule, Func<string?, Site> Site);

/// <summary>
/// Stage 1: one attribute's arguments -> a typed <see cref="LayerOp"/>, with the attribute classes'
/// defaults applied (AttributeData does not show property initializers) and every argument checked.
/// Returns null when the attribute is unusable; the problems are reported.
/// </summary>
internal static class OpInterpreter
{
    private static readonly string[] PadArgs = { "PadTop", "PadLeft", "PadBottom", "PadRight" };

    /// <summary>Every layer kind and the arguments it takes (from <see cref="AttributeVocabulary"/>).</summary>
    public static readonly IReadOnlyDictionary<string, HashSet<string>> KnownKinds = BuildKnownKinds();

    /// <summary>Kinds that expand into several nodes.</summary>
    public static bool IsModuleKind(string kind) => kind is "Inception" or "Fire" or "MlpConv" or "BasicBlock" or "Bottleneck" or "SqueezeExcite" or "Module";

    private static Dictionary<string, HashSet<string>> BuildKnownKinds()
    {
        var kinds = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var attribute in AttributeVocabulary.Attributes.Values)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var argument in attribute.Arguments)
                names.Add(argument.Name);
            kinds.Add(attribute.Kind, names);
        }
        return kinds;
    }

    public static LayerOp? Interpret(OpSpec? spec, OpContext context, DiagnosticSink sink)
    {
        if (spec is null || spec.Kind is null)
        {
            sink.Report(DiagnosticIds.InvalidArgument, context.Site(null), $"{context.Label}: the attribute could not be read");
            return null;
        }
        if (!KnownKinds.TryGetValue(spec.Kind, out var known))
        {
            sink.Report(DiagnosticIds.InvalidArgument, context.Site(null), $"{context.Label}: '{spec.Kind}' is not a ConvForge layer");
            return null;
        }

        var args = new ArgumentReader(spec, spec.Kind, known, context.Label, context.InModule, context.Site, sink);
        var op = ReadKind(spec.Kind, args);
        op.Kind = spec.Kind;

        var from = args.String("From");
        if (args.Has("From") && from is not null)
        {
            if (context.IsFirst)
                op.From = from;
            else
                args.Conflict("From", $"{args.Label}: only the first attribute of a layer may set From; {spec.Kind} reads the attribute before it");
        }
        if (args.Has("In"))
            op.In = args.Size("In");

        return args.IsValid ? op : null;
    }

    private static LayerOp ReadKind(string kind, ArgumentReader args)
    {
        CheckWidthFactorPlacement(args);
        switch (kind)
        {
            case "Conv":
                return Conv(args);
            case "Conv1x1":
            {
                var stride = args.Size("Stride");
                return new ConvOp
                {
                    Channels = ReadWidth(args, "Channels", required: true, "Conv1x1(64)"),
                    StrideHeight = stride,
                    StrideWidth = stride,
                    Groups = args.Size("Groups"),
                    Bias = args.Flag("Bias"),
                };
            }
            case "Dense":
                return new DenseOp
                {
                    Units = ReadWidth(args, "Units", required: true, "Dense(10)"),
                    Bias = args.Flag("Bias"),
                    InFeatures = args.Size("InFeatures"),
                };
            case "MaxPool":
                return Pool(args, OpKind.MaxPool);
            case "AvgPool":
                return Pool(args, OpKind.AvgPool);
            case "GlobalAvgPool":
                return new ElementwiseOp { Op = OpKind.GlobalAvgPool };
            case "GlobalMaxPool":
                return new ElementwiseOp { Op = OpKind.GlobalMaxPool };
            case "BatchNorm":
            {
                var epsilon = args.Real("Epsilon");
                if (epsilon <= 0)
                {
                    args.Invalid("Epsilon", $"{args.Label}: Epsilon must be positive, got {Text.Real(epsilon)}");
                    epsilon = AttributeVocabulary.Default<double>("BatchNorm", "Epsilon");
                }
                return new ElementwiseOp { Op = OpKind.BatchNorm, Scalar = epsilon };
            }
            case "Relu":
                return new ElementwiseOp { Op = OpKind.Relu };
            case "LeakyRelu":
                return new ElementwiseOp { Op = OpKind.LeakyRelu, Scalar = args.Real("Slope") };
            case "Relu6":
                return new ElementwiseOp { Op = OpKind.Relu6 };
            case "Sigmoid":
                return new ElementwiseOp { Op = OpKind.Sigmoid };
            case "Dropout":
            {
                var rate = args.Real("Rate");
                if (!(rate >= 0 && rate < 1))
                {
                    args.Invalid("Rate", $"{args.Label}: the dropout Rate must be at least 0 and below 1, got {Text.Real(rate)}");
                    rate = AttributeVocabulary.Default<double>("Dropout", "Rate");
                }
                return new ElementwiseOp { Op = OpKind.Dropout, Scalar = rate };
            }
            case "Flatten":
                return new ElementwiseOp { Op = OpKind.Flatten };
            case "Softmax":
                return new ElementwiseOp { Op = OpKind.Softmax };
            case "Lrn":
                return Lrn(args);
            case "Concat":
                return Join(args, OpKind.Concat);
            case "Add":
                return Join(args, OpKind.Add);
            case "Inception":
                RejectWidthFactor(args, "Inception's widths are its six arguments");
                return new InceptionOp
                {
                    Conv1x1 = Required(args, "Conv1x1"),
                    Reduce3x3 = Required(args, "Reduce3x3"),
                    Conv3x3 = Required(args, "Conv3x3"),
                    Reduce5x5 = Required(args, "Reduce5x5"),
                    Conv5x5 = Required(args, "Conv5x5"),
                    PoolProjection = Required(args, "PoolProjection"),
                };
            case "Fire":
                return Fire(args);
            case "MlpConv":
                return MlpConv(args);
            case "BasicBlock":
                return new BasicBlockOp
                {
                    Channels = ReadWidth(args, "Channels", required: true, "BasicBlock(64)"),
                    Stride = args.Size("Stride"),
                };
            case "Bottleneck":
                return new BottleneckOp
                {
                    Channels = ReadWidth(args, "Channels", required: true, "Bottleneck(64)"),
                    Stride = args.Size("Stride"),
                    Expansion = args.Size("Expansion"),
                };
            case "SqueezeExcite":
            {
                RejectWidthFactor(args, "SqueezeExcite keeps its input's channels");
                if (args.Has("Reduction") && args.Has("Squeeze"))
                    args.Conflict("Squeeze", $"{args.Label}: Squeeze gives the bottleneck width directly; drop Reduction or Squeeze");
                return new SqueezeExciteOp { Reduction = args.Size("Reduction"), Squeeze = args.Size("Squeeze") };
            }
            case "Module":
                return Module(args);
            default:
                // KnownKinds and this switch list the same kinds.
                throw new InvalidOperationException("unhandled layer kind " + kind);
        }
    }

    private static void CheckWidthFactorPlacement(ArgumentReader args)
    {
        if (args.Has("WidthFactor") && !args.InModule)
        {
            args.Report(DiagnosticIds.InvalidModule, "WidthFactor",
                $"{args.Label}: WidthFactor only applies in a [NetworkModule] class, whose [Module] use gives the Width; give the channels here instead");
        }
    }

    private static void RejectWidthFactor(ArgumentReader args, string why)
    {
        if (args.Has("WidthFactor") && args.InModule)
            args.Conflict("WidthFactor", $"{args.Label}: {why}; WidthFactor does not apply");
    }

    /// <summary>Output channels written directly, or (in a module) as WidthFactor times the module's width.</summary>
    private static Width ReadWidth(ArgumentReader args, string name, bool required, string example)
    {
        var hasFixed = args.Has(name);
        var hasFactor = args.Has("WidthFactor") && args.InModule;
        var fixedValue = hasFixed ? args.Size(name, 0) : 0;
        var factor = hasFactor ? args.Size("WidthFactor") : 0;
        if (hasFixed && hasFactor)
        {
            args.Conflict("WidthFactor", $"{args.Label}: WidthFactor and {name} both give the output width; keep one");
            factor = 0;
        }
        if (!hasFixed && !args.Has("WidthFactor") && required)
        {
            var alternative = args.InModule ? " or WidthFactor" : "";
            args.Invalid(name, $"{args.Label}: {args.Kind} needs its {name}{alternative}, e.g. {example}");
        }
        return new Width(fixedValue, factor);
    }

    private static int Required(ArgumentReader args, string name)
    {
        if (!args.Has(name))
        {
            args.Invalid(name, $"{args.Label}: {args.Kind} needs {name}");
            return 1;
        }
        return args.Size(name, 1);
    }

    private static ConvOp Conv(ArgumentReader args)
    {
        var depthwise = args.Flag("Depthwise");
        // A depthwise convolution may leave out its channels: it then keeps the input's.
        var op = new ConvOp { Channels = ReadWidth(args, "Channels", required: !depthwise, "Conv(64, Kernel = 3)"), Depthwise = depthwise };
        ReadKernel(args, out var kh, out var kw, kernelRequired: false);
        op.KernelHeight = kh;
        op.KernelWidth = kw;
        ReadStride(args, 1, 1, out var sh, out var sw);
        op.StrideHeight = sh;
        op.StrideWidth = sw;
        op.Same = args.Flag("Same");
        if (op.Same && (args.Has("Padding") || AnyPad(args)))
            args.Conflict("Same", $"{args.Label}: Same computes the padding; drop Same or the explicit padding");
        ReadPadding(args, op.Same, out var top, out var left, out var bottom, out var right);
        op.PadTop = top;
        op.PadLeft = left;
        op.PadBottom = bottom;
        op.PadRight = right;
        op.DilationHeight = op.DilationWidth = args.Size("Dilation");
        // Keeps every padding and window span inside int, whatever the input.
        var span = Math.Max(WindowMath.EffectiveKernel(kh, op.DilationHeight), WindowMath.EffectiveKernel(kw, op.DilationWidth));
        if (span > Limits.MaxDimension)
            args.TooLarge("Dilation", $"{args.Label}: the dilated kernel spans {Text.Count(span)} pixels, over the limit of {Text.Count(Limits.MaxDimension)}");
        if (depthwise && args.Has("Groups"))
            args.Conflict("Groups", $"{args.Label}: Depthwise sets the groups to the input channels; drop Groups or Depthwise");
        op.Groups = args.Size("Groups");
        op.Bias = args.Flag("Bias");
        return op;
    }

    private static PoolOp Pool(ArgumentReader args, OpKind kind)
    {
        var op = new PoolOp { PoolKind = kind };
        ReadKernel(args, out var kh, out var kw, kernelRequired: true);
        op.KernelHeight = kh;
        op.KernelWidth = kw;
        ReadStride(args, kh, kw, out var sh, out var sw);
        op.StrideHeight = sh;
        op.StrideWidth = sw;
        ReadPadding(args, same: false, out var top, out var left, out var bottom, out var right);
        // As PyTorch: a window must never lie entirely in the padding. One report per argument written.
        var reported = new HashSet<string>(StringComparer.Ordinal);
        CheckPoolPad(args, top, kh, "PadTop", reported);
        CheckPoolPad(args, bottom, kh, "PadBottom", reported);
        CheckPoolPad(args, left, kw, "PadLeft", reported);
        CheckPoolPad(args, right, kw, "PadRight", reported);
        op.PadTop = top;
        op.PadLeft = left;
        op.PadBottom = bottom;
        op.PadRight = right;
        op.CeilMode = args.Flag("CeilMode");
        // Max pooling never counts padding; the flag is AvgPool's.
        op.CountIncludePad = kind == OpKind.AvgPool && args.Flag("CountIncludePad");
        return op;
    }

    private static void CheckPoolPad(ArgumentReader args, int pad, int kernel, string side, HashSet<string> reported)
    {
        if (pad * 2 <= kernel)
            return;
        var argument = args.Has(side) ? side : "Padding";
        if (!reported.Add(argument))
            return;
        args.Invalid(argument, $"{args.Label}: padding {Text.Int(pad)} is more than half the {Text.Int(kernel)}-pixel window, so a window could lie entirely in the padding");
    }

    private static void ReadKernel(ArgumentReader args, out int height, out int width, bool kernelRequired)
    {
        if (kernelRequired)
        {
            // Pools always have Kernel (constructor argument); KernelHeight/KernelWidth override one axis.
            if (!args.Has("Kernel"))
                args.Invalid("Kernel", $"{args.Label}: {args.Kind} needs its window size, e.g. {args.Kind}(2)");
        }
        else if (args.Has("Kernel") && (args.Has("KernelHeight") || args.Has("KernelWidth")))
        {
            args.Conflict(args.Has("KernelHeight") ? "KernelHeight" : "KernelWidth",
                $"{args.Label}: Kernel sets both axes; drop Kernel or KernelHeight/KernelWidth");
        }
        // Derived defaults (not in the vocabulary): each axis defaults to Kernel; a pool's stride to its window.
        var kernel = args.Size("Kernel", 1);
        height = args.Size("KernelHeight", kernel);
        width = args.Size("KernelWidth", kernel);
    }

    private static void ReadStride(ArgumentReader args, int defaultHeight, int defaultWidth, out int height, out int width)
    {
        if (args.Has("Stride") && (args.Has("StrideHeight") || args.Has("StrideWidth")))
        {
            args.Conflict(args.Has("StrideHeight") ? "StrideHeight" : "StrideWidth",
                $"{args.Label}: Stride sets both axes; drop Stride or StrideHeight/StrideWidth");
        }
        var stride = args.Size("Stride");
        height = args.Size("StrideHeight", stride > 0 ? stride : defaultHeight);
        width = args.Size("StrideWidth", stride > 0 ? stride : defaultWidth);
    }

    private static bool AnyPad(ArgumentReader args)
    {
        foreach (var name in PadArgs)
        {
            if (args.Has(name))
                return true;
        }
        return false;
    }

    private static void ReadPadding(ArgumentReader args, bool same, out int top, out int left, out int bottom, out int right)
    {
        if (!same && args.Has("Padding") && AnyPad(args))
        {
            foreach (var name in PadArgs)
            {
                if (args.Has(name))
                {
                    args.Conflict(name, $"{args.Label}: Padding sets all four sides; drop Padding or {name}");
                    break;
                }
            }
        }
        var padding = args.Padding("Padding");
        top = args.Padding("PadTop", padding);
        left = args.Padding("PadLeft", padding);
        bottom = args.Padding("PadBottom", padding);
        right = args.Padding("PadRight", padding);
        if (same)
            top = left = bottom = right = 0;
    }

    private static ElementwiseOp Lrn(ArgumentReader args)
    {
        var op = new ElementwiseOp
        {
            Op = OpKind.Lrn,
            Size = args.Size("Size"),
            Scalar = args.Real("Alpha"),
            Scalar2 = args.Real("Beta"),
            Scalar3 = args.Real("K"),
        };
        if (op.Scalar < 0)
            args.Invalid("Alpha", $"{args.Label}: Alpha cannot be negative, got {Text.Real(op.Scalar)}");
        if (op.Scalar2 < 0)
            args.Invalid("Beta", $"{args.Label}: Beta cannot be negative, got {Text.Real(op.Scalar2)}");
        // K > 0 keeps the base of the power positive, so the division is always defined.
        if (op.Scalar3 <= 0)
            args.Invalid("K", $"{args.Label}: K must be positive, got {Text.Real(op.Scalar3)}");
        return op;
    }

    private static JoinOp Join(ArgumentReader args, OpKind kind)
    {
        var op = new JoinOp { Op = kind };
        var names = args.Strings("Inputs");
        if (names is null && args.Has("Inputs"))
            return op; // wrong kind, reported
        if (names is null || names.Length == 0)
        {
            args.Invalid("Inputs", $"{args.Label}: {args.Kind} needs the layers it joins, e.g. {args.Kind}(nameof(A), nameof(B)), or one name to join with the layer before");
            return op;
        }
        var inputs = new string[names.Length];
        for (var i = 0; i < names.Length; i++)
            inputs[i] = names[i] ?? "";
        op.Inputs = inputs;
        if (names.Length >= 2 && args.Has("From"))
            args.Conflict("From", $"{args.Label}: {args.Kind} reads the layers it names; From does not apply");
        return op;
    }

    private static FireOp Fire(ArgumentReader args)
    {
        RejectWidthFactor(args, "Fire's widths are its arguments");
        var op = new FireOp { Squeeze = Required(args, "Squeeze") };
        if (args.Has("Expand"))
        {
            if (args.Has("Expand1x1") || args.Has("Expand3x3"))
                args.Conflict(args.Has("Expand1x1") ? "Expand1x1" : "Expand3x3", $"{args.Label}: Expand sets both expand widths; drop Expand or Expand1x1/Expand3x3");
            op.Expand1x1 = op.Expand3x3 = args.Size("Expand", 1);
        }
        else
        {
            op.Expand1x1 = Required(args, "Expand1x1");
            op.Expand3x3 = Required(args, "Expand3x3");
        }
        return op;
    }

    private static MlpConvOp MlpConv(ArgumentReader args)
    {
        var op = new MlpConvOp
        {
            Channels = ReadWidth(args, "Channels", required: true, "MlpConv(96, 96, 96, Kernel = 11, Stride = 4)"),
            Kernel = args.Size("Kernel"),
            Stride = args.Size("Stride"),
            Padding = args.Padding("Padding"),
        };
        var mlp = args.Integers("Mlp");
        if (mlp is not null)
        {
            var widths = new int[mlp.Length];
            for (var i = 0; i < mlp.Length; i++)
            {
                if (mlp[i] < 1)
                {
                    args.Invalid("Mlp", $"{args.Label}: Mlp entry {Text.Int(i + 1)} must be at least 1, got {Text.Int(mlp[i])}");
                    widths[i] = 1;
                }
                else if (mlp[i] > Limits.MaxDimension)
                {
                    args.TooLarge("Mlp", $"{args.Label}: Mlp entry {Text.Int(i + 1)} = {Text.Count(mlp[i])} is over the limit of {Text.Count(Limits.MaxDimension)}");
                    widths[i] = 1;
                }
                else
                {
                    widths[i] = (int)mlp[i];
                }
                if (!args.IsValid)
                    break;
            }
            op.Mlp = widths;
        }
        return op;
    }

    private static ModuleOp Module(ArgumentReader args)
    {
        var op = new ModuleOp();
        var type = args.TypeName("Module");
        if (string.IsNullOrEmpty(type))
        {
            if (type is not null || !args.Has("Module"))
                args.Invalid("Module", $"{args.Label}: Module needs the module class, e.g. Module(typeof(MyBlock))");
        }
        else
        {
            op.TypeName = type!;
        }
        op.Width = args.Size("Width");
        if (args.Has("WidthFactor") && args.InModule)
        {
            if (args.Has("Width"))
                args.Conflict("WidthFactor", $"{args.Label}: Width and WidthFactor both give the module's width; keep one");
            else
                op.WidthFactor = args.Size("WidthFactor");
        }
        return op;
    }
}
