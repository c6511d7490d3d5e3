using System;
using ConvForge.Kernels;
using static ConvForge.Runtime.Tests.Kernels.KernelTesting;

namespace ConvForge.Runtime.Tests.Kernels;

public class PoolingTests
{
    public static TheoryData<KernelFamily> Families => KernelTesting.Families;

    [Theory, MemberData(nameof(Families))]
    public void Max_3x3_stride_2_ceil_mode(KernelFamily family) => Run(family, new PoolCheck<MaxCeil3x3>(max: true));

    [Theory, MemberData(nameof(Families))]
    public void Max_2x2_with_asymmetric_padding(KernelFamily family) => Run(family, new PoolCheck<MaxAsymmetric2x2>(max: true));

    [Theory, MemberData(nameof(Families))]
    public void Max_3x3_stride_1_same_size(KernelFamily family) => Run(family, new PoolCheck<MaxSameStride1>(max: true));

    [Theory, MemberData(nameof(Families))]
    public void Average_ceil_mode_counting_padding(KernelFamily family) => Run(family, new PoolCheck<AvgCeilIncludePad>(max: false));

    [Theory, MemberData(nameof(Families))]
    public void Average_ceil_mode_not_counting_padding(KernelFamily family) => Run(family, new PoolCheck<AvgCeilExcludePad>(max: false));

    [Theory, MemberData(nameof(Families))]
    public void Average_rectangular_window_with_asymmetric_padding(KernelFamily family) => Run(family, new PoolCheck<AvgAsymmetric>(max: false));

    [Theory, MemberData(nameof(Families))]
    public void Global_average(KernelFamily family) => Run(family, new GlobalPoolCheck<Image13x5x7>(max: false));

    [Theory, MemberData(nameof(Families))]
    public void Global_max(KernelFamily family) => Run(family, new GlobalPoolCheck<Image17x3x4>(max: true));

    [Fact]
    public void Counting_padding_changes_the_border_averages()
    {
        // Guards the two average tests against passing vacuously: the shapes differ only in CountIncludePad.
        var x = RandomArray(13 * 8 * 9, 31, 0.5f, 1f);
        var include = Reference.AvgPool(PoolCheck<AvgCeilIncludePad>.Params, x);
        var exclude = Reference.AvgPool(PoolCheck<AvgCeilExcludePad>.Params, x);
        Assert.NotEqual(include[0], exclude[0]);
    }

    private static void Run(KernelFamily family, IFamilyCheck check) => KernelTesting.Run(family, check);
}

/// <param name="nonFinite">Puts NaN or infinities into the input; the reference output must then hold NaN.</param>
internal sealed class PoolCheck<TShape>(bool max, Action<float[]>? nonFinite = null) : IFamilyCheck where TShape : struct, IPoolShape
{
    public static Reference.PoolParams Params => new(
        TShape.Channels, TShape.InHeight, TShape.InWidth, TShape.OutHeight, TShape.OutWidth, TShape.KernelHeight, TShape.KernelWidth,
        TShape.StrideHeight, TShape.StrideWidth, TShape.PadTop, TShape.PadLeft, TShape.PadBottom, TShape.PadRight, TShape.CountIncludePad);

    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        var p = Params;
        int b = TKernels.BlockSize;
        var x = RandomArray(p.Channels * p.InHeight * p.InWidth, 32);
        nonFinite?.Invoke(x);
        var expected = max ? Reference.MaxPool(p, x) : Reference.AvgPool(p, x);
        if (nonFinite is not null)
            AssertHasNonFinite(expected);
        var input = ToBlocked(x, p.Channels, p.InHeight, p.InWidth, b, padding: 5f);
        var output = new float[TKernels.ActivationLength(p.Channels, p.OutHeight, p.OutWidth)];
        Array.Fill(output, float.NaN);
        if (max)
            TKernels.MaxPool<TShape>(input, output);
        else
            TKernels.AvgPool<TShape>(input, output);
        AssertClose(expected, FromBlocked(output, p.Channels, p.OutHeight, p.OutWidth, b), $"{typeof(TKernels).Name} {typeof(TShape).Name}");
    }
}

/// <param name="nonFinite">Puts NaN or infinities into the input; the reference output must then hold NaN.</param>
internal sealed class GlobalPoolCheck<TShape>(bool max, Action<float[]>? nonFinite = null) : IFamilyCheck where TShape : struct, ITensorShape
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        int b = TKernels.BlockSize;
        var x = RandomArray(TShape.Channels * TShape.Height * TShape.Width, 33);
        nonFinite?.Invoke(x);
        var expected = Reference.GlobalPool(TShape.Channels, TShape.Height, TShape.Width, x, max);
        if (nonFinite is not null)
            AssertHasNonFinite(expected);
        var output = new float[TKernels.ActivationLength(TShape.Channels, 1, 1)];
        Array.Fill(output, float.NaN);
        var input = ToBlocked(x, TShape.Channels, TShape.Height, TShape.Width, b, padding: 2f);
        if (max)
            TKernels.GlobalMaxPool<TShape>(input, output);
        else
            TKernels.GlobalAvgPool<TShape>(input, output);
        AssertClose(expected, FromBlocked(output, TShape.Channels, 1, 1, b), $"{typeof(TKernels).Name} global {(max ? "max" : "average")}");
    }
}
