using System;
using System.Runtime.CompilerServices;

namespace ConvForge.Kernels;

/// <summary>
/// Gradients of a dense layer with standard weights [Units][F], F = C*H*W features in NCHW order, and
/// an NCHWc input. Both walk the features in chunks: a chunk's sums (input gradient) or inputs (weight
/// gradient) sit in a small buffer in NCHW order, so the weight rows are read contiguously, and the
/// chunk is moved to or from the NCHWc activation once. Both are bound by reading the weights.
/// </summary>
internal static unsafe class DenseGradients<TVector, TOps>
    where TVector : struct
    where TOps : struct, IFamilyOps<TVector>
{
    /// <summary>Features per chunk: a multiple of every family's vector width, small enough for the stack.</summary>
    private const int Chunk = 256;

    /// <summary>inputGradient (NCHWc) += W^T outputGradient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardInput<TShape>(float* outputGradient, float* weights, float* inputGradient) where TShape : struct, IDenseShape
    {
        int b = TOps.BlockSize;
        int lanes = TOps.Lanes;
        int plane = TShape.InHeight * TShape.InWidth;
        int features = TShape.InChannels * plane;
        int units = TShape.Units;
        float* sums = stackalloc float[Chunk];
        for (int first = 0; first < features; first += Chunk)
        {
            int count = Math.Min(Chunk, features - first);
            int vectorCount = count - count % (4 * lanes);
            // Four vectors of features in registers, summed over every unit.
            for (int f = 0; f < vectorCount; f += 4 * lanes)
            {
                TVector a0 = default, a1 = default, a2 = default, a3 = default;
                float* w = weights + first + f;
                for (int u = 0; u < units; u++, w += features)
                {
                    TVector g = TOps.Splat(outputGradient[u]);
                    a0 = TOps.MultiplyAdd(g, TOps.Load(w), a0);
                    a1 = TOps.MultiplyAdd(g, TOps.Load(w + lanes), a1);
                    a2 = TOps.MultiplyAdd(g, TOps.Load(w + 2 * lanes), a2);
                    a3 = TOps.MultiplyAdd(g, TOps.Load(w + 3 * lanes), a3);
                }
                TOps.Store(sums + f, a0);
                TOps.Store(sums + f + lanes, a1);
                TOps.Store(sums + f + 2 * lanes, a2);
                TOps.Store(sums + f + 3 * lanes, a3);
            }
            for (int f = vectorCount; f < count; f++)
            {
                float sum = 0;
                float* w = weights + first + f;
                for (int u = 0; u < units; u++, w += features)
                    sum += outputGradient[u] * *w;
                sums[f] = sum;
            }
            for (int f = 0; f < count; f++)
            {
                int feature = first + f;
                int c = feature / plane, p = feature % plane;
                inputGradient[((c / b) * plane + p) * b + c % b] += sums[f];
            }
        }
    }

    /// <summary>weightGradient += outputGradient x input (NCHW feature order); biasGradient (null when none) += outputGradient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWeights<TShape>(float* input, float* outputGradient, float* weightGradient, float* biasGradient) where TShape : struct, IDenseShape
    {
        int b = TOps.BlockSize;
        int lanes = TOps.Lanes;
        int plane = TShape.InHeight * TShape.InWidth;
        int features = TShape.InChannels * plane;
        int units = TShape.Units;
        float* values = stackalloc float[Chunk];
        for (int first = 0; first < features; first += Chunk)
        {
            int count = Math.Min(Chunk, features - first);
            for (int f = 0; f < count; f++)
            {
                int feature = first + f;
                int c = feature / plane, p = feature % plane;
                values[f] = input[((c / b) * plane + p) * b + c % b];
            }
            int vectorCount = count - count % lanes;
            for (int u = 0; u < units; u++)
            {
                float scale = outputGradient[u];
                TVector g = TOps.Splat(scale);
                float* w = weightGradient + u * features + first;
                int f = 0;
                for (; f < vectorCount; f += lanes)
                    TOps.Store(w + f, TOps.MultiplyAdd(g, TOps.Load(values + f), TOps.Load(w + f)));
                for (; f < count; f++)
                    w[f] += scale * values[f];
            }
        }
        if (biasGradient != null)
            for (int u = 0; u < units; u++)
                biasGradient[u] += outputGradient[u];
    }
}
