using ConvForge.Kernels;
using static ConvForge.Runtime.Tests.Kernels.KernelTesting;

namespace ConvForge.Runtime.Tests.Kernels;

/// <summary>
/// NaN and infinities behave as in PyTorch, on every family: an activation of NaN is
/// NaN, a pooling window holding a NaN gives NaN, infinities follow IEEE arithmetic (the double
/// reference's), and no padding lane turns non-finite (it would reach real channels through the next
/// layer's zero weights: 0 x NaN is NaN). Inputs carry NaN, +Inf and -Inf at scattered positions
/// (<see cref="KernelTesting.WithNonFinite"/>); every output that the reference gives as NaN or
/// infinite must be exactly that.
/// </summary>
public class NonFiniteTests
{
    public static TheoryData<KernelFamily> Families => KernelTesting.Families;

    [Theory, MemberData(nameof(Families))]
    public void Relu(KernelFamily family) =>
        Run(family, new ActivationCheck<Relu>(Reference.Relu, x => WithNonFinite(x, every: 5)));

    [Theory, MemberData(nameof(Families))]
    public void Relu6(KernelFamily family) =>
        Run(family, new ActivationCheck<Relu6>(Reference.Relu6, x => WithNonFinite(x, every: 5)));

    [Theory, MemberData(nameof(Families))]
    public void Leaky_relu(KernelFamily family) =>
        Run(family, new ActivationCheck<LeakyRelu<DefaultLeakyReluSlope>>(Reference.LeakyRelu(0.01), x => WithNonFinite(x, every: 5)));

    [Theory, MemberData(nameof(Families))]
    public void Leaky_relu_with_a_slope_above_1(KernelFamily family) =>
        Run(family, new ActivationCheck<LeakyRelu<SteepSlope>>(Reference.LeakyRelu(1.5), x => WithNonFinite(x, every: 5)));

    [Theory, MemberData(nameof(Families))]
    public void Sigmoid(KernelFamily family) =>
        Run(family, new ActivationCheck<Sigmoid>(Reference.Sigmoid, x => WithNonFinite(x, every: 5)));

    [Theory, MemberData(nameof(Families))]
    public void Conv_with_relu(KernelFamily family) =>
        Run(family, new ConvCheck<Direct3x3, Epilogue<Relu>>(Reference.Relu, nonFinite: x => WithNonFinite(x, every: 160)));

    [Theory, MemberData(nameof(Families))]
    public void Conv_without_activation_keeps_its_padding_lanes_finite(KernelFamily family) =>
        Run(family, new ConvCheck<Direct3x3, Epilogue<Identity>>(Reference.Identity, nonFinite: x => WithNonFinite(x, every: 160)));

    [Theory, MemberData(nameof(Families))]
    public void Conv_with_leaky_relu(KernelFamily family) =>
        Run(family, new ConvCheck<Wide5x5, Epilogue<LeakyRelu<SlopeTwoTenths>>>(Reference.LeakyRelu(0.2), nonFinite: x => WithNonFinite(x, every: 1000)));

    [Theory, MemberData(nameof(Families))]
    public void Pointwise_conv_with_residual_and_relu6(KernelFamily family) =>
        Run(family, new ConvCheck<Pointwise, ResidualEpilogue<Relu6>>(Reference.Relu6, nonFinite: x => WithNonFinite(x, every: 400)));

    [Theory, MemberData(nameof(Families))]
    public void Depthwise_conv_with_relu(KernelFamily family) =>
        Run(family, new ConvCheck<Depthwise3x3, Epilogue<Relu>>(Reference.Relu, nonFinite: x => WithNonFinite(x, every: 200)));

    [Theory, MemberData(nameof(Families))]
    public void First_layer_conv_from_nchw_with_relu(KernelFamily family) =>
        Run(family, new ConvCheck<FirstLayer3x3, Epilogue<Relu>>(Reference.Relu, nchwInput: true, nonFinite: x => WithNonFinite(x, every: 150)));

    [Theory, MemberData(nameof(Families))]
    public void Max_pool_3x3_stride_2_ceil_mode(KernelFamily family) =>
        Run(family, new PoolCheck<MaxCeil3x3>(max: true, x => WithNonFinite(x, every: 7)));

    [Theory, MemberData(nameof(Families))]
    public void Max_pool_2x2_with_asymmetric_padding(KernelFamily family) =>
        Run(family, new PoolCheck<MaxAsymmetric2x2>(max: true, x => WithNonFinite(x, every: 5)));

    [Theory, MemberData(nameof(Families))]
    public void Max_pool_3x3_stride_1(KernelFamily family) =>
        Run(family, new PoolCheck<MaxSameStride1>(max: true, x => WithNonFinite(x, every: 11)));

    [Theory, MemberData(nameof(Families))]
    public void Average_pool(KernelFamily family) =>
        Run(family, new PoolCheck<AvgCeilIncludePad>(max: false, x => WithNonFinite(x, every: 13)));

    [Theory, MemberData(nameof(Families))]
    public void Global_max_pool(KernelFamily family) =>
        Run(family, new GlobalPoolCheck<Image17x3x4>(max: true, x => WithNonFinite(x, every: 17)));

    [Theory, MemberData(nameof(Families))]
    public void Dense_keeps_its_padding_lanes_finite(KernelFamily family) =>
        Run(family, new DenseCheck<Dense13x3x2To10, Identity>(Reference.Identity, x => x[7] = float.PositiveInfinity));

    private static void Run(KernelFamily family, IFamilyCheck check) => KernelTesting.Run(family, check);
}
