using System.Runtime.CompilerServices;

namespace ConvForge.Kernels;

/// <summary>Backward of the elementwise layers on NCHWc activations; every method adds into its gradient outputs.</summary>
internal static unsafe class ElementwiseGradients<TVector, TOps>
    where TVector : struct
    where TOps : struct, IFamilyOps<TVector>
{
    /// <summary>inputGradient += outputGradient * act'(output).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Activation<TActivation>(float* output, float* outputGradient, float* inputGradient, int length) where TActivation : struct, IActivation
    {
        for (int i = 0; i < length; i += TOps.Lanes)
            TOps.Store(inputGradient + i, TOps.MultiplyAdd(TOps.Load(outputGradient + i), TOps.ActivationGradient<TActivation>(TOps.Load(output + i)), TOps.Load(inputGradient + i)));
    }

    /// <summary>into += gradient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate(float* gradient, float* into, int length)
    {
        for (int i = 0; i < length; i += TOps.Lanes)
            TOps.Store(into + i, TOps.Add(TOps.Load(into + i), TOps.Load(gradient + i)));
    }

    /// <summary>inputGradient += outputGradient * factor, elementwise (dropout's mask).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAccumulate(float* factor, float* outputGradient, float* inputGradient, int length)
    {
        for (int i = 0; i < length; i += TOps.Lanes)
            TOps.Store(inputGradient + i, TOps.MultiplyAdd(TOps.Load(outputGradient + i), TOps.Load(factor + i), TOps.Load(inputGradient + i)));
    }

    /// <summary>output = input * factor, elementwise (dropout's mask).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(float* input, float* factor, float* output, int length)
    {
        for (int i = 0; i < length; i += TOps.Lanes)
            TOps.Store(output + i, TOps.Multiply(TOps.Load(input + i), TOps.Load(factor + i)));
    }

    /// <summary>Squeeze-excite backward: inputGradient += outputGradient * gate[c]; gateGradient[c] += sum over pixels of outputGradient * input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ChannelScale<TShape>(float* input, float* gate, float* outputGradient, float* inputGradient, float* gateGradient) where TShape : struct, ITensorShape
    {
        int b = TOps.BlockSize;
        int plane = TShape.Height * TShape.Width;
        for (int cb = 0; cb < Nchwc.Blocks(TShape.Channels, b); cb++)
        {
            for (int part = 0; part < b; part += TOps.Lanes)
            {
                var g = TOps.Load(gate + cb * b + part);
                float* x = input + cb * plane * b + part;
                float* dy = outputGradient + cb * plane * b + part;
                float* dx = inputGradient + cb * plane * b + part;
                // Two partial sums: shorter dependency chains and less rounding over large planes.
                var sum0 = TOps.Splat(0f);
                var sum1 = sum0;
                int p = 0;
                for (; p + 2 <= plane; p += 2)
                {
                    var dy0 = TOps.Load(dy + p * b);
                    var dy1 = TOps.Load(dy + (p + 1) * b);
                    TOps.Store(dx + p * b, TOps.MultiplyAdd(dy0, g, TOps.Load(dx + p * b)));
                    TOps.Store(dx + (p + 1) * b, TOps.MultiplyAdd(dy1, g, TOps.Load(dx + (p + 1) * b)));
                    sum0 = TOps.MultiplyAdd(dy0, TOps.Load(x + p * b), sum0);
                    sum1 = TOps.MultiplyAdd(dy1, TOps.Load(x + (p + 1) * b), sum1);
                }
                if (p < plane)
                {
                    var dy0 = TOps.Load(dy + p * b);
                    TOps.Store(dx + p * b, TOps.MultiplyAdd(dy0, g, TOps.Load(dx + p * b)));
                    sum0 = TOps.MultiplyAdd(dy0, TOps.Load(x + p * b), sum0);
                }
                float* gg = gateGradient + cb * b + part;
                TOps.Store(gg, TOps.Add(TOps.Load(gg), TOps.Add(sum0, sum1)));
            }
        }
    }

    /// <summary>
    /// Concat backward for one part: partGradient += channels [offset, offset + C) of the concat's gradient. Whole
    /// blocks that line up are vector adds; the rest goes lane by lane, so the part's padding lanes are never touched.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateChannels<TShape>(float* concatGradient, int offset, float* partGradient) where TShape : struct, ITensorShape
    {
        int b = TOps.BlockSize;
        int plane = TShape.Height * TShape.Width;
        int channels = TShape.Channels;
        int c = 0;
        if (offset % b == 0)
        {
            int wholeBlocks = channels / b;
            Accumulate(concatGradient + (offset / b) * plane * b, partGradient, wholeBlocks * plane * b);
            c = wholeBlocks * b;
        }
        for (; c < channels; c++)
        {
            int d = offset + c;
            float* from = concatGradient + (d / b) * plane * b + d % b;
            float* to = partGradient + (c / b) * plane * b + c % b;
            for (int p = 0; p < plane; p++)
                to[p * b] += from[p * b];
        }
    }
}
