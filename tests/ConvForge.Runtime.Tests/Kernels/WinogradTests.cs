using System;
using System.Linq;
using ConvForge.Kernels;
using Xunit.Abstractions;
using static ConvForge.Runtime.Tests.Kernels.KernelTesting;

namespace ConvForge.Runtime.Tests.Kernels;

// Winograd shapes: 3x3 stride 1 with channels and output maps at or above WinogradRule's minimums.
// Channel counts that are and are not multiples of 8 and 16; output sizes not multiples of the tile (partial tiles).
#pragma warning disable CS1591
public readonly struct Winograd40To36 : IConvShape
{
    public static int InChannels => 40; public static int InHeight => 9; public static int InWidth => 11;
    public static int OutChannels => 36; public static int OutHeight => 9; public static int OutWidth => 11;
    public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
    public static int PadTop => 1; public static int PadLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1; public static int Groups => 1;
}

public readonly struct Winograd64Pad0 : IConvShape
{
    public static int InChannels => 64; public static int InHeight => 12; public static int InWidth => 10;
    public static int OutChannels => 64; public static int OutHeight => 10; public static int OutWidth => 8;
    public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
    public static int PadTop => 0; public static int PadLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1; public static int Groups => 1;
}

/// <summary>Pad 2, as the input gradient of a pad-0 3x3 layer runs (the transposed convolution).</summary>
public readonly struct Winograd32Pad2 : IConvShape
{
    public static int InChannels => 32; public static int InHeight => 7; public static int InWidth => 8;
    public static int OutChannels => 48; public static int OutHeight => 9; public static int OutWidth => 10;
    public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
    public static int PadTop => 2; public static int PadLeft => 2; public static int DilationHeight => 1; public static int DilationWidth => 1; public static int Groups => 1;
}

/// <summary>Many tiles (more than one chunk on every family) and odd sizes.</summary>
public readonly struct Winograd33Wide : IConvShape
{
    public static int InChannels => 33; public static int InHeight => 31; public static int InWidth => 45;
    public static int OutChannels => 35; public static int OutHeight => 31; public static int OutWidth => 45;
    public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
    public static int PadTop => 1; public static int PadLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1; public static int Groups => 1;
}

/// <summary>Deep: the error grows with the number of input channels summed.</summary>
public readonly struct Winograd256 : IConvShape
{
    public static int InChannels => 256; public static int InHeight => 8; public static int InWidth => 8;
    public static int OutChannels => 256; public static int OutHeight => 8; public static int OutWidth => 8;
    public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
    public static int PadTop => 1; public static int PadLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1; public static int Groups => 1;
}

/// <summary>F(4x4, 3x3) on every family: pad 0, unaligned channels, partial tiles (24 x 28 outputs in 4x4 tiles).</summary>
public readonly struct WinogradLargeTilesPad0 : IConvShape
{
    public static int InChannels => 48; public static int InHeight => 26; public static int InWidth => 31;
    public static int OutChannels => 40; public static int OutHeight => 24; public static int OutWidth => 29;
    public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
    public static int PadTop => 0; public static int PadLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1; public static int Groups => 1;
}

/// <summary>F(4x4, 3x3), deep: its error grows with the input channels summed.</summary>
public readonly struct WinogradLargeTiles256 : IConvShape
{
    public static int InChannels => 256; public static int InHeight => 24; public static int InWidth => 24;
    public static int OutChannels => 256; public static int OutHeight => 24; public static int OutWidth => 24;
    public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
    public static int PadTop => 1; public static int PadLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1; public static int Groups => 1;
}

/// <summary>3x3 stride 1 but too few channels: the direct path.</summary>
public readonly struct Narrow3x3 : IConvShape
{
    public static int InChannels => 8; public static int InHeight => 56; public static int InWidth => 56;
    public static int OutChannels => 64; public static int OutHeight => 56; public static int OutWidth => 56;
    public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
    public static int PadTop => 1; public static int PadLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1; public static int Groups => 1;
}

/// <summary>Enough channels, too small an output map: the direct path.</summary>
public readonly struct Small3x3 : IConvShape
{
    public static int InChannels => 64; public static int InHeight => 4; public static int InWidth => 4;
    public static int OutChannels => 64; public static int OutHeight => 4; public static int OutWidth => 4;
    public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
    public static int PadTop => 1; public static int PadLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1; public static int Groups => 1;
}

/// <summary>Enough channels, dilation 2: the direct path.</summary>
public readonly struct Dilated3x3Wide : IConvShape
{
    public static int InChannels => 64; public static int InHeight => 28; public static int InWidth => 28;
    public static int OutChannels => 64; public static int OutHeight => 28; public static int OutWidth => 28;
    public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
    public static int PadTop => 2; public static int PadLeft => 2; public static int DilationHeight => 2; public static int DilationWidth => 2; public static int Groups => 1;
}

/// <summary>Enough channels, stride 2: the direct path.</summary>
public readonly struct Strided3x3Wide : IConvShape
{
    public static int InChannels => 64; public static int InHeight => 28; public static int InWidth => 28;
    public static int OutChannels => 64; public static int OutHeight => 14; public static int OutWidth => 14;
    public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 2; public static int StrideWidth => 2;
    public static int PadTop => 1; public static int PadLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1; public static int Groups => 1;
}
#pragma warning restore CS1591

public class WinogradTests(ITestOutputHelper output)
{
    public static TheoryData<KernelFamily> Families => KernelTesting.Families;

    [Theory, MemberData(nameof(Families))]
    public void Unaligned_channels_partial_tiles_with_relu(KernelFamily family) =>
        Check(family, new WinogradCheck<Winograd40To36, Epilogue<Relu>>(Reference.Relu));

    [Theory, MemberData(nameof(Families))]
    public void Pad_0_with_residual_and_relu(KernelFamily family) =>
        Check(family, new WinogradCheck<Winograd64Pad0, ResidualEpilogue<Relu>>(Reference.Relu));

    [Theory, MemberData(nameof(Families))]
    public void Pad_2_with_residual_in_place(KernelFamily family) =>
        Check(family, new WinogradCheck<Winograd32Pad2, ResidualEpilogue<Identity>>(Reference.Identity, residualInPlace: true));

    [Theory, MemberData(nameof(Families))]
    public void Many_chunks_odd_sizes(KernelFamily family) =>
        Check(family, new WinogradCheck<Winograd33Wide, Epilogue<Identity>>(Reference.Identity));

    [Theory, MemberData(nameof(Families))]
    public void Deep_256_channels(KernelFamily family) =>
        Check(family, new WinogradCheck<Winograd256, ResidualEpilogue<Relu>>(Reference.Relu));

    [Theory, MemberData(nameof(Families))]
    public void Large_tiles_pad_0_with_residual_and_relu(KernelFamily family) =>
        Check(family, new WinogradCheck<WinogradLargeTilesPad0, ResidualEpilogue<Relu>>(Reference.Relu));

    [Theory, MemberData(nameof(Families))]
    public void Large_tiles_deep_256_channels(KernelFamily family) =>
        Check(family, new WinogradCheck<WinogradLargeTiles256, Epilogue<Identity>>(Reference.Identity));

    [Theory, MemberData(nameof(Families))]
    public void Splits_are_bit_identical_to_one_worker(KernelFamily family)
    {
        KernelTesting.Run(family, new SplitCheck<Winograd33Wide>());
        KernelTesting.Run(family, new SplitCheck<Winograd40To36>());
        KernelTesting.Run(family, new SplitCheck<WinogradLargeTilesPad0>());
        // Weights larger than the transformed map: split by output blocks (fewer block pairs than 3 or 5 workers here).
        KernelTesting.Run(family, new SplitCheck<Winograd256>());
        KernelTesting.Run(family, new SplitCheck<Winograd64Pad0>());
    }

    /// <summary>Training's input gradient of a stride-1 3x3 layer runs the forward convolution of the transposed shape, here as Winograd (pad 1 and pad 2).</summary>
    [Theory, MemberData(nameof(Families))]
    public void Input_gradients_through_the_transposed_winograd_convolution(KernelFamily family)
    {
        // The transposes: 36 -> 40 at 9x11 pad 1 and 64 -> 64 from 10x8 to 12x10 pad 2 (F(2x2)), 35 -> 33 at 31x45 pad 1 (F(4x4)).
        KernelTesting.Run(family, new Training.ConvGradientCheck<Winograd40To36>());
        KernelTesting.Run(family, new Training.ConvGradientCheck<Winograd64Pad0>());
        KernelTesting.Run(family, new Training.ConvGradientCheck<Winograd33Wide>());
    }

    [Theory, MemberData(nameof(Families))]
    public void Allocates_nothing_after_the_first_call(KernelFamily family) =>
        KernelTesting.Run(family, new WinogradAllocationCheck());

    private readonly struct Winograd512At7 : IConvShape
    {
        public static int InChannels => 512; public static int InHeight => 7; public static int InWidth => 7; public static int OutChannels => 512; public static int OutHeight => 7; public static int OutWidth => 7;
        public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1; public static int PadTop => 1; public static int PadLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1; public static int Groups => 1;
    }

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    public void Selection_follows_the_rule(int block)
    {
        Assert.Equal(ConvPath.Winograd, ConvPaths.Select<Winograd40To36>(block));
        Assert.Equal(ConvPath.Winograd, ConvPaths.Select<Winograd64Pad0>(block));
        Assert.Equal(ConvPath.Winograd, ConvPaths.Select<Winograd32Pad2>(block));
        Assert.Equal(ConvPath.Winograd, ConvPaths.Select<Winograd256>(block));
        Assert.Equal(ConvPath.Direct, ConvPaths.Select<Narrow3x3>(block));
        Assert.Equal(ConvPath.Direct, ConvPaths.Select<Small3x3>(block));
        Assert.Equal(ConvPath.Direct, ConvPaths.Select<Dilated3x3Wide>(block));
        Assert.Equal(ConvPath.Direct, ConvPaths.Select<Strided3x3Wide>(block));
        Assert.Equal(ConvPath.Direct, ConvPaths.Select<Direct3x3>(block));
        Assert.True(Small3x3.OutHeight * Small3x3.OutWidth < WinogradRule.MinOutputPixels);
        Assert.True(Narrow3x3.InChannels < WinogradRule.MinChannels);
        Assert.Equal(0, WinogradRule.TileSize<Narrow3x3>(block));
        // F(4x4) from MinLargeTileGroups register tiles' worth of 4x4 tiles: 6 x 8 = 48 here, 8 x 12 = 96, 3 x 3 = 9, 2 x 2 = 4.
        Assert.Equal(4, WinogradRule.TileSize<WinogradLargeTilesPad0>(block));
        Assert.Equal(4, WinogradRule.TileSize<Winograd33Wide>(block));
        Assert.Equal(2, WinogradRule.TileSize<Winograd40To36>(block));
        Assert.Equal(2, WinogradRule.TileSize<Winograd256>(block));
        Assert.Equal(block == 16 ? 14 : 6, WinogradRule.RegisterTilePixels(block));
        // 7-wide maps: the AVX-512 direct tile holds two whole rows and stays direct; AVX2's 6-pixel tile does not.
        Assert.Equal(block == 16 ? ConvPath.Direct : ConvPath.Winograd, ConvPaths.Select<Winograd512At7>(block));
        Assert.Equal(block == 16, WinogradRule.DirectTileSpansRows(7, block));
        Assert.False(WinogradRule.DirectTileSpansRows(8, block));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    public void Packed_weights_are_the_transformed_kernel(int block)
    {
        PackedWeights<Winograd40To36>(block, 2);
        PackedWeights<WinogradLargeTilesPad0>(block, 4);
    }

    private static void PackedWeights<TShape>(int block, int tileSize) where TShape : struct, IConvShape
    {
        // With one nonzero weight g(oc, ic, kh, kw) = 1, U = G e G^T = column kh of G times row kw of G^T.
        Assert.Equal(tileSize, WinogradRule.TileSize<TShape>(block));
        double[,] g = tileSize == 4
            ? new double[,] { { 0.25, 0, 0 }, { -1.0 / 6, -1.0 / 6, -1.0 / 6 }, { -1.0 / 6, 1.0 / 6, -1.0 / 6 }, { 1.0 / 24, 1.0 / 12, 1.0 / 6 }, { 1.0 / 24, -1.0 / 12, 1.0 / 6 }, { 0, 0, 1 } }
            : new double[,] { { 1, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.5, -0.5, 0.5 }, { 0, 0, 1 } };
        int alpha = tileSize + 2;
        int inChannels = TShape.InChannels, outChannels = TShape.OutChannels;
        int inBlocks = (inChannels + block - 1) / block, outBlocks = (outChannels + block - 1) / block;
        Assert.Equal(alpha * alpha * outBlocks * inBlocks * block * block, ConvWeights.PackedLength<TShape>(block));
        int oc = outChannels - 1, ic = 17, kh = 2, kw = 1;
        var weights = new float[ConvWeights.StandardLength<TShape>()];
        weights[((oc * inChannels + ic) * 3 + kh) * 3 + kw] = 1f;
        var packed = new float[ConvWeights.PackedLength<TShape>(block)];
        ConvWeights.Pack<TShape>(block, weights, packed);
        int elementStride = outBlocks * inBlocks * block * block;
        int offset = ((oc / block * inBlocks + ic / block) * block + ic % block) * block + oc % block;
        int nonzero = 0;
        for (int i = 0; i < alpha; i++)
            for (int j = 0; j < alpha; j++)
            {
                float expected = (float)(g[i, kh] * g[j, kw]);
                Assert.Equal(expected, packed[(i * alpha + j) * elementStride + offset]);
                nonzero += expected != 0 ? 1 : 0;
            }
        Assert.Equal(nonzero, packed.Count(v => v != 0));
    }

    private void Check(KernelFamily family, IWinogradCheck check)
    {
        KernelTesting.Run(family, check);
        output.WriteLine($"{family} {check.Name}: max |error| / max |expected| = {check.RelativeError:0.00e+0}");
    }
}

internal interface IWinogradCheck : IFamilyCheck
{
    string Name { get; }
    double RelativeError { get; }
}

/// <summary>One Winograd convolution against the double-precision direct reference; records the error relative to the output's scale.</summary>
internal sealed class WinogradCheck<TShape, TEpilogue>(Func<double, double> activation, bool residualInPlace = false) : IWinogradCheck
    where TShape : struct, IConvShape
    where TEpilogue : struct, IEpilogue
{
    public string Name => typeof(TShape).Name;
    public double RelativeError { get; private set; }

    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        Assert.Equal(ConvPath.Winograd, ConvPaths.Select<TShape>(TKernels.BlockSize));
        var p = ConvCheck<TShape, TEpilogue>.Params;
        int b = TKernels.BlockSize;
        var x = RandomArray(p.InChannels * p.InHeight * p.InWidth, 31);
        var w = RandomArray(ConvWeights.StandardLength<TShape>(), 32);
        var bias = RandomArray(p.OutChannels, 33);
        var residual = TEpilogue.AddsResidual ? RandomArray(p.OutChannels * p.OutHeight * p.OutWidth, 34) : null;
        var expected = Reference.Conv(p, x, w, bias, residual, activation);

        var packed = new float[TKernels.ConvWeightsLength<TShape>()];
        TKernels.PackConvWeights<TShape>(w, packed);
        var packedBias = new float[Nchwc.PaddedChannels(p.OutChannels, b)];
        TKernels.PackChannels(bias, packedBias);
        var blockedResidual = residual is null ? null : ToBlocked(residual, p.OutChannels, p.OutHeight, p.OutWidth, b, padding: -3f);
        var output = new float[TKernels.ActivationLength(p.OutChannels, p.OutHeight, p.OutWidth)];
        Array.Fill(output, float.NaN);
        if (residualInPlace)
        {
            blockedResidual!.CopyTo(output, 0);
            blockedResidual = output;
        }
        var input = ToBlocked(x, p.InChannels, p.InHeight, p.InWidth, b, padding: 7.5f);
        TKernels.Conv<TShape, TEpilogue>(input, packed, packedBias, blockedResidual, output);

        var actual = FromBlocked(output, p.OutChannels, p.OutHeight, p.OutWidth, b);
        AssertClose(expected, actual, $"{typeof(TKernels).Name} {typeof(TShape).Name}");
        double scale = expected.Max(v => Math.Abs((double)v));
        RelativeError = expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max() / scale;
    }
}

/// <summary>Every worker of splits into 2, 3 and 5 writes its share of one output: the result equals one worker's, bit for bit.</summary>
internal sealed class SplitCheck<TShape> : IFamilyCheck where TShape : struct, IConvShape
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        var p = ConvCheck<TShape, Epilogue<Relu>>.Params;
        int b = TKernels.BlockSize;
        var input = ToBlocked(RandomArray(p.InChannels * p.InHeight * p.InWidth, 41), p.InChannels, p.InHeight, p.InWidth, b);
        var packed = new float[TKernels.ConvWeightsLength<TShape>()];
        TKernels.PackConvWeights<TShape>(RandomArray(ConvWeights.StandardLength<TShape>(), 42), packed);
        var bias = new float[Nchwc.PaddedChannels(p.OutChannels, b)];
        TKernels.PackChannels(RandomArray(p.OutChannels, 43), bias);
        var residual = ToBlocked(RandomArray(p.OutChannels * p.OutHeight * p.OutWidth, 44), p.OutChannels, p.OutHeight, p.OutWidth, b);
        var whole = new float[TKernels.ActivationLength(p.OutChannels, p.OutHeight, p.OutWidth)];
        TKernels.Conv<TShape, ResidualEpilogue<Relu>>(input, packed, bias, residual, whole);
        foreach (int workers in new[] { 2, 3, 5 })
        {
            var split = new float[whole.Length];
            Array.Fill(split, float.NaN);
            // Workers in reverse order: no worker may rely on another having run first.
            for (int worker = workers - 1; worker >= 0; worker--)
                TKernels.Conv<TShape, ResidualEpilogue<Relu>>(input, packed, bias, residual, split, new WorkSplit(worker, workers));
            Assert.True(whole.AsSpan().SequenceEqual(split), $"{typeof(TKernels).Name} {typeof(TShape).Name}: {workers} workers differ from one.");
        }
    }
}

internal sealed class WinogradAllocationCheck : IFamilyCheck
{
    public void Run<TKernels>() where TKernels : struct, IKernelFamily
    {
        var p = ConvCheck<Winograd33Wide, Epilogue<Relu>>.Params;
        int b = TKernels.BlockSize;
        var input = new float[TKernels.ActivationLength(p.InChannels, p.InHeight, p.InWidth)];
        var packed = new float[TKernels.ConvWeightsLength<Winograd33Wide>()];
        var bias = new float[Nchwc.PaddedChannels(p.OutChannels, b)];
        var output = new float[TKernels.ActivationLength(p.OutChannels, p.OutHeight, p.OutWidth)];
        TKernels.Conv<Winograd33Wide, ResidualEpilogue<Relu>>(input, packed, bias, output, output);
        long before = GC.GetAllocatedBytesForCurrentThread();
        TKernels.Conv<Winograd33Wide, ResidualEpilogue<Relu>>(input, packed, bias, output, output);
        TKernels.Conv<Winograd33Wide, Epilogue<Sigmoid>>(input, packed, bias, default, output, new WorkSplit(1, 2));
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
