using System;
using ConvForge.Training;

namespace ConvForge.Runtime.Tests.Training;

/// <summary>Logistic regression (a linear layer written here) on a separable toy set, trained by each optimizer.</summary>
public sealed class EndToEndTests
{
    private const int Features = 2;
    private const int Classes = 3;
    private const int Samples = 60;
    private const int WeightCount = Classes * Features;

    // Three clusters around (2, 0), (-1, 1.7) and (-1, -1.7), radius 0.5: linearly separable.
    private static (float[] Inputs, int[] Labels) ToySet()
    {
        var random = new Random(21);
        var inputs = new float[Samples * Features];
        var labels = new int[Samples];
        for (int n = 0; n < Samples; n++)
        {
            int label = n % Classes;
            double angle = 2 * Math.PI * label / Classes;
            labels[n] = label;
            inputs[n * Features] = (float)(2 * Math.Cos(angle) + (random.NextDouble() - 0.5));
            inputs[n * Features + 1] = (float)(2 * Math.Sin(angle) + (random.NextDouble() - 0.5));
        }
        return (inputs, labels);
    }

    // Parameters: weights [Classes x Features] at 0, bias [Classes] after them.
    private static void Forward(float[] parameters, float[] inputs, float[] logits)
    {
        for (int n = 0; n < Samples; n++)
            for (int c = 0; c < Classes; c++)
            {
                float sum = parameters[WeightCount + c];
                for (int f = 0; f < Features; f++)
                    sum += parameters[c * Features + f] * inputs[n * Features + f];
                logits[n * Classes + c] = sum;
            }
    }

    private static void Backward(float[] inputs, float[] logitGradient, float[] gradients)
    {
        Array.Clear(gradients);
        for (int n = 0; n < Samples; n++)
            for (int c = 0; c < Classes; c++)
            {
                float d = logitGradient[n * Classes + c];
                gradients[WeightCount + c] += d;
                for (int f = 0; f < Features; f++)
                    gradients[c * Features + f] += d * inputs[n * Features + f];
            }
    }

    [Theory]
    [InlineData("sgd", 0.5)]
    [InlineData("momentum", 0.1)]
    [InlineData("nesterov", 0.1)]
    [InlineData("adam", 0.05)]
    [InlineData("adamw", 0.05)]
    public void Softmax_regression_converges_with_each_optimizer(string kind, double maxLearningRate)
    {
        const int Steps = 300;
        var (inputs, labels) = ToySet();
        var parameters = new float[WeightCount + Classes];
        var gradients = new float[parameters.Length];
        var logits = new float[Samples * Classes];
        var logitGradient = new float[logits.Length];
        var groups = new[] { new ParameterGroup(0, WeightCount, weightDecay: 1e-4f), new ParameterGroup(WeightCount, Classes) };
        Optimizer optimizer = OptimizerTests.Create(kind, parameters.Length, groups);
        var schedule = new LinearWarmupSchedule(new CosineAnnealingSchedule(maxLearningRate, Steps), 10);

        Forward(parameters, inputs, logits);
        float initialLoss = Losses.SoftmaxCrossEntropy(logits, labels, Classes, logitGradient);
        float loss = initialLoss;
        for (int step = 0; step < Steps; step++)
        {
            Forward(parameters, inputs, logits);
            loss = Losses.SoftmaxCrossEntropy(logits, labels, Classes, logitGradient);
            Backward(inputs, logitGradient, gradients);
            GradientClipping.ClipByGlobalNorm(gradients, groups, 5f);
            optimizer.Step(parameters, gradients, schedule.At(step));
        }
        Forward(parameters, inputs, logits);
        loss = Losses.SoftmaxCrossEntropy(logits, labels, Classes, logitGradient);

        Assert.Equal(Math.Log(Classes), initialLoss, 1e-6);
        Assert.True(loss < 0.1f, $"{kind}: loss {loss} after {Steps} steps (from {initialLoss})");
        Assert.Equal(1f, Losses.Accuracy(logits, labels, Classes));
    }

    [Fact]
    public void Hinge_regression_reaches_zero_loss_with_sgd()
    {
        var (inputs, labels) = ToySet();
        var parameters = new float[WeightCount + Classes];
        var gradients = new float[parameters.Length];
        var logits = new float[Samples * Classes];
        var logitGradient = new float[logits.Length];
        var optimizer = new Sgd(parameters.Length, momentum: 0.9f);
        float loss = float.NaN;
        for (int step = 0; step < 200; step++)
        {
            Forward(parameters, inputs, logits);
            loss = Losses.MulticlassHinge(logits, labels, Classes, logitGradient);
            if (loss == 0f)
                break;
            Backward(inputs, logitGradient, gradients);
            optimizer.Step(parameters, gradients, 0.05);
        }
        Assert.Equal(0f, loss);
        Assert.True(optimizer.StepCount > 0);
    }
}
