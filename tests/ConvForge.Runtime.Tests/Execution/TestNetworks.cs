using System;
using System.IO;
using ConvForge;
using ConvForge.Kernels;

namespace ConvForge.Runtime.Tests.Execution;

/// <summary>
/// The members the generator gives every network, as an interface the test networks declare: the generated
/// members implement it, so one test body serves every network (and a user can do the same).
/// </summary>
public interface IGeneratedNetwork
{
    ParameterStore Parameters { get; }
    KernelFamily KernelFamily { get; }
    int DegreeOfParallelism { get; set; }
    ConvForge.Execution.StepTimer? StepTimer { get; set; }
    void UseKernels(KernelFamily family);
    void InitializeParameters(ulong seed);
    void Forward(ReadOnlySpan<float> input, Span<float> output);
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize);
    void LoadWeights(string path);
    void LoadWeights(Stream stream);
    void SaveWeights(string path);
    void SaveWeights(Stream stream);
    void ExportOnnx(string path);
    void ExportOnnx(Stream stream);
}

/// <summary>The static side: the generated Definition.</summary>
public interface IGeneratedNetworkType
{
    static abstract NetworkDefinition Definition { get; }
    static abstract System.Collections.Generic.IReadOnlyList<ConvForge.Execution.ForwardStepInfo> ForwardSteps { get; }
}

// Small networks declared in source, so the generator emits their forward passes into this test assembly.
// Between them they use every layer type and module of the DSL, with channel counts that are not multiples of
// 8 or 16, odd spatial sizes, stride 2, ceil mode, groups, depthwise, dilation, "same" padding, concatenations
// that are zero-copy for one block size and copied for the other, fused and unfused BatchNorms, residual adds
// and activations, and both softmax layouts.

/// <summary>A chain of single layers: every primitive that is not a join.</summary>
[Network(Channels = 3, Height = 23, Width = 21)]
public partial class EveryLayerNet : IGeneratedNetwork, IGeneratedNetworkType
{
    [Conv(13, Kernel = 3, Stride = 2, Padding = 1, Bias = false), BatchNorm, Relu] public partial Layer Stem { get; }
    [MaxPool(3, Stride = 2, CeilMode = true)]                                     public partial Layer Pool1 { get; }
    [Conv(26, Kernel = 3, Padding = 1, Groups = 13), LeakyRelu(Slope = 0.2)]     public partial Layer Grouped { get; }
    [Conv(26, Kernel = 3, Padding = 2, Dilation = 2, Depthwise = true), Relu6]   public partial Layer Depthwise { get; }
    [Conv(18, Kernel = 1), Sigmoid]                                               public partial Layer Mix { get; }
    [AvgPool(3, Stride = 2, Padding = 1, CountIncludePad = false)]                public partial Layer Pool2 { get; }
    [Lrn(Size = 3, Alpha = 0.5, Beta = 0.75, K = 1.5)]                             public partial Layer Norm { get; }
    [BatchNorm, LeakyRelu]                                                        public partial Layer Scale { get; }
    [Dropout(0.3)]                                                                public partial Layer Drop { get; }
    [Flatten, Dense(11), Softmax]                                                 public partial Layer Output { get; }
}

/// <summary>Joins and the built-in modules: concatenations, Fire, Inception, residual blocks, squeeze-excite, NIN.</summary>
[Network(Channels = 5, Height = 15, Width = 13)]
public partial class JoinNet : IGeneratedNetwork, IGeneratedNetworkType
{
    [Conv(8, Kernel = 3, Padding = 1), Relu]                public partial Layer A { get; }
    [Conv(5, Kernel = 1, From = Layers.Input)]             public partial Layer B { get; }
    [Conv(7, Kernel = 3, Padding = 1, From = Layers.Input)] public partial Layer C { get; }
    [Concat(nameof(A), nameof(B), nameof(C))]              public partial Layer Joined { get; }
    [Fire(6, 8, 8)]                                        public partial Layer Fire1 { get; }
    [Inception(4, 3, 5, 2, 3, 3)]                          public partial Layer Mixed { get; }
    [BasicBlock(12, Stride = 2)]                           public partial Layer Res { get; }
    [Bottleneck(3, Expansion = 4)]                         public partial Layer Bottle { get; }
    [SqueezeExcite(Reduction = 4)]                         public partial Layer Excite { get; }
    [Add(nameof(Res), nameof(Bottle), nameof(Excite))]     public partial Layer Sum { get; }
    [MlpConv(10, 6, Kernel = 3, Padding = 1)]              public partial Layer Nin { get; }
    [GlobalMaxPool, Flatten]                               public partial Layer Pool { get; }
    [Dense(7)]                                             public partial Layer Output { get; }
}

/// <summary>A custom module with a residual join: the second branch's convolution absorbs the Add and the ReLU.</summary>
[NetworkModule]
public partial class TwoBranchBlock
{
    [Conv(WidthFactor = 1, Kernel = 3, Padding = 1), BatchNorm, Relu]   public partial Layer Left { get; }
    [Conv(WidthFactor = 1, Kernel = 1, From = Layers.Input, Bias = false)] public partial Layer Right { get; }
    [Add(nameof(Left), nameof(Right)), Relu]                            public partial Layer Output { get; }
}

/// <summary>
/// Twelve input channels (a block of 8 needs a conversion, a block of 16 does not), "same" padding, a custom
/// module, ceil-mode average pooling that counts padding, a strided bottleneck with its projection shortcut,
/// Conv1x1, and a softmax over every pixel (the plain layout).
/// </summary>
[Network(Channels = 12, Height = 11, Width = 9)]
public partial class ModuleNet : IGeneratedNetwork, IGeneratedNetworkType
{
    [Conv(9, Kernel = 4, Stride = 2, Same = true), Relu]                        public partial Layer Stem { get; }
    [Module(typeof(TwoBranchBlock), Width = 10)]                                public partial Layer Block1 { get; }
    [Module(typeof(TwoBranchBlock), Width = 17)]                                public partial Layer Block2 { get; }
    [AvgPool(2, Stride = 2, Padding = 1, CeilMode = true)]                      public partial Layer Pool { get; }
    [Bottleneck(2, Stride = 2, Expansion = 3)]                                  public partial Layer Bottle { get; }
    [Conv1x1(5), Relu6]                                                         public partial Layer Project { get; }
    [Conv(6, Kernel = 1), Softmax]                                              public partial Layer Output { get; }
}

/// <summary>A network whose first layer reads the flattened image: Dense straight on the input.</summary>
[Network(Channels = 2, Height = 5, Width = 3)]
public partial class DenseOnlyNet : IGeneratedNetwork, IGeneratedNetworkType
{
    [Flatten, Dense(9), Relu] public partial Layer Hidden { get; }
    [Dense(4)]                public partial Layer Output { get; }
}

/// <summary>
/// A network with constructors of its own (the generated state uses field initializers only) and members named
/// like generated ones: the generator leaves Parameters and Definition to the class and moves its private
/// state (_execution, the ForwardPass class) aside.
/// </summary>
[Network(Channels = 1, Height = 6, Width = 7)]
public partial class OwnMembersNet
{
    public OwnMembersNet() { }

    public OwnMembersNet(KernelFamily family) => UseKernels(family);

    /// <summary>Not the generated ParameterStore.</summary>
    public string Parameters => "the class's own";

    /// <summary>Not the generated NetworkDefinition.</summary>
    public static string Definition => "the class's own";

    /// <summary>A field with the name the generated state would take.</summary>
    private readonly int _execution = 42;

    public int Execution => _execution;

    [Conv(3, Kernel = 3), Relu] public partial Layer Conv1 { get; }
    [GlobalAvgPool, Flatten]    public partial Layer ForwardPass { get; }
}
