using System;
using System.Collections.Generic;
using System.Numerics;

namespace ConvForge.Training;

/// <summary>
/// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay, as
/// <c>torch.optim.SGD</c> computes it: g = grad + wd * p; on the first step buf = g, later
/// buf = momentum * buf + (1 - dampening) * g; the step direction is g + momentum * buf with Nesterov, buf
/// without; p -= lr * direction. With zero momentum the direction is g and no state is kept in use.
/// </summary>
public sealed class Sgd : Optimizer
{
    /// <summary>The name of the momentum buffer in <see cref="Optimizer.ExportState"/>.</summary>
    public const string MomentumBufferName = "momentum_buffer";

    /// <summary>SGD over <paramref name="parameterCount"/> floats.</summary>
    /// <param name="parameterCount">Length of the parameter and gradient buffers.</param>
    /// <param name="groups">Non-overlapping ranges with their settings; null means one group over everything.</param>
    /// <param name="momentum">Momentum factor in [0, 1).</param>
    /// <param name="dampening">Dampening for momentum in [0, 1].</param>
    /// <param name="nesterov">Nesterov momentum; needs positive momentum and zero dampening, as in PyTorch.</param>
    /// <exception cref="ArgumentException">A setting out of range, or bad groups.</exception>
    public Sgd(int parameterCount, IEnumerable<ParameterGroup>? groups = null, float momentum = 0f, float dampening = 0f, bool nesterov = false)
        : base(parameterCount, groups, MomentumBufferName)
    {
        if (!(momentum >= 0f && momentum < 1f))
            throw new ArgumentException($"Momentum must be in [0, 1); it is {momentum}.", nameof(momentum));
        if (!(dampening >= 0f && dampening <= 1f))
            throw new ArgumentException($"Dampening must be in [0, 1]; it is {dampening}.", nameof(dampening));
        if (nesterov && (momentum == 0f || dampening != 0f))
            throw new ArgumentException($"Nesterov momentum needs positive momentum and zero dampening; they are {momentum} and {dampening}.", nameof(nesterov));
        Momentum = momentum;
        Dampening = dampening;
        Nesterov = nesterov;
    }

    /// <summary>Momentum factor.</summary>
    public float Momentum { get; }
    /// <summary>Dampening for momentum.</summary>
    public float Dampening { get; }
    /// <summary>Whether the momentum is Nesterov's.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc />
    protected override void UpdateRange(Span<float> parameters, ReadOnlySpan<float> gradients, int offset,
        double learningRate, float weightDecay, long step)
    {
        float lr = (float)learningRate;
        float momentum = Momentum;
        bool useMomentum = momentum != 0f;
        bool first = step == 1;
        // On the first step the buffer is the gradient itself: buf = 0 * buf + 1 * g.
        float keep = first ? 0f : momentum;
        float take = first ? 1f : 1f - Dampening;
        float nesterov = Nesterov ? momentum : 0f;
        Span<float> buffer = State(0, offset, parameters.Length);
        int n = parameters.Length;
        int width = Vector<float>.Count;
        int i = 0;
        for (; i <= n - width; i += width)
        {
            var p = new Vector<float>(parameters.Slice(i, width));
            var g = new Vector<float>(gradients.Slice(i, width)) + weightDecay * p;
            if (useMomentum)
            {
                Span<float> bufferSlice = buffer.Slice(i, width);
                var b = keep * new Vector<float>(bufferSlice) + take * g;
                b.CopyTo(bufferSlice);
                g = Nesterov ? g + nesterov * b : b;
            }
            (p - lr * g).CopyTo(parameters.Slice(i, width));
        }
        for (; i < n; i++)
        {
            float p = parameters[i];
            float g = gradients[i] + weightDecay * p;
            if (useMomentum)
            {
                float b = keep * buffer[i] + take * g;
                buffer[i] = b;
                g = Nesterov ? g + nesterov * b : b;
            }
            parameters[i] = p - lr * g;
        }
    }
}
