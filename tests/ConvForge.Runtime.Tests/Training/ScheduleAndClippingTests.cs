using System;
using ConvForge.Training;

namespace ConvForge.Runtime.Tests.Training;

public sealed class ScheduleTests
{
    [Fact]
    public void Step_decay_multiplies_by_gamma_every_step_size()
    {
        var schedule = new StepDecaySchedule(0.1, stepSize: 30, gamma: 0.5);
        Assert.Equal(0.1, schedule.At(0), 1e-15);
        Assert.Equal(0.1, schedule.At(29), 1e-15);
        Assert.Equal(0.05, schedule.At(30), 1e-15);
        Assert.Equal(0.0125, schedule.At(95), 1e-15);
    }

    [Fact]
    public void Cosine_annealing_is_half_way_at_half_time_and_holds_its_floor()
    {
        var schedule = new CosineAnnealingSchedule(0.2, totalSteps: 100);
        Assert.Equal(0.2, schedule.At(0), 1e-15);
        Assert.Equal(0.1, schedule.At(50), 1e-12);
        Assert.Equal(0.2 * (1 + Math.Sqrt(0.5)) / 2, schedule.At(25), 1e-12);
        Assert.Equal(0.0, schedule.At(100), 1e-15);
        Assert.Equal(0.0, schedule.At(170), 1e-15);

        var floored = new CosineAnnealingSchedule(0.2, totalSteps: 100, minimumLearningRate: 0.02);
        Assert.Equal(0.11, floored.At(50), 1e-12);
        Assert.Equal(0.02, floored.At(100), 1e-15);
    }

    [Fact]
    public void One_cycle_rises_from_max_over_25_to_max_at_pct_start_then_falls_to_its_final_rate()
    {
        var schedule = new OneCycleSchedule(1.0, totalSteps: 100);
        Assert.Equal(0.04, schedule.At(0), 1e-15);
        Assert.Equal(1.0, schedule.At(29), 1e-15);   // PyTorch: end of phase one = 0.3 * 100 - 1
        Assert.Equal(0.04 / 1e4, schedule.At(99), 1e-15);
        // Half-way through a phase the cosine is half-way between its ends: phase two runs from step 29 to 99.
        Assert.Equal((1.0 + 4e-6) / 2, schedule.At(64), 1e-12);
        var shorter = new OneCycleSchedule(2.0, totalSteps: 70);   // phase one runs from step 0 to 20
        Assert.Equal((0.08 + 2.0) / 2, shorter.At(10), 1e-12);
        Assert.Equal(2.0, shorter.At(20), 1e-15);
        for (int step = 1; step < 100; step++)
        {
            if (step <= 29)
                Assert.True(schedule.At(step) > schedule.At(step - 1), $"step {step} should rise");
            else
                Assert.True(schedule.At(step) < schedule.At(step - 1), $"step {step} should fall");
        }
        Assert.Equal(schedule.FinalLearningRate, schedule.At(100));   // past the cycle the final rate holds
        Assert.Equal(schedule.FinalLearningRate, schedule.At(1000));
    }

    [Fact]
    public void Linear_warmup_scales_the_inner_schedule_from_its_start_factor_to_one()
    {
        var schedule = new LinearWarmupSchedule(new CosineAnnealingSchedule(0.1, 1000), warmupSteps: 10, startFactor: 0.1);
        var inner = new CosineAnnealingSchedule(0.1, 1000);
        Assert.Equal(0.1 * inner.At(0), schedule.At(0), 1e-15);
        Assert.Equal(0.55 * inner.At(5), schedule.At(5), 1e-15);
        Assert.Equal(inner.At(10), schedule.At(10), 1e-15);
        Assert.Equal(inner.At(500), schedule.At(500), 1e-15);
    }

    [Fact]
    public void Schedules_are_pure_functions_of_the_step()
    {
        var schedule = new LinearWarmupSchedule(new OneCycleSchedule(0.5, 200), 20);
        double[] forward = new double[200];
        for (int s = 0; s < 200; s++)
            forward[s] = schedule.At(s);
        for (int s = 199; s >= 0; s--)
            Assert.Equal(BitConverter.DoubleToInt64Bits(forward[s]), BitConverter.DoubleToInt64Bits(schedule.At(s)));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.At(-1));
    }

    [Fact]
    public void Bad_schedule_settings_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new CosineAnnealingSchedule(0.1, 0));
        Assert.Throws<ArgumentException>(() => new StepDecaySchedule(-0.1, 10));
        Assert.Throws<ArgumentException>(() => new OneCycleSchedule(1.0, 3, pctStart: 0.3));   // peak at step -0.1
    }
}

public sealed class ClippingTests
{
    private static readonly ParameterGroup[] Groups = { new(0, 13), new(13, 4, frozen: true), new(17, 3) };

    private static float[] Gradients()
    {
        var values = new float[21];   // index 20 lies outside every group
        for (int i = 0; i < values.Length; i++)
            values[i] = (i % 3 - 1) * (i + 1) * 0.5f;
        return values;
    }

    private static double NormOverGroups(float[] values)
    {
        double sum = 0;
        for (int i = 0; i < 13; i++)
            sum += (double)values[i] * values[i];
        for (int i = 17; i < 20; i++)
            sum += (double)values[i] * values[i];
        return Math.Sqrt(sum);
    }

    [Fact]
    public void Global_norm_clipping_scales_the_non_frozen_groups_to_the_largest_norm()
    {
        float[] gradients = Gradients();
        float[] original = (float[])gradients.Clone();
        double norm = NormOverGroups(original);

        float reported = GradientClipping.ClipByGlobalNorm(gradients, Groups, 2f);

        Assert.Equal(norm, reported, 1e-5 * norm);
        Assert.Equal(2.0, NormOverGroups(gradients), 1e-5);
        for (int i = 0; i < 13; i++)
            Assert.Equal(original[i] * 2.0 / (norm + 1e-6), gradients[i], 1e-6);
        for (int i = 13; i < 17; i++)
            Assert.Equal(original[i], gradients[i]);
        Assert.Equal(original[20], gradients[20]);
    }

    [Fact]
    public void Global_norm_clipping_leaves_a_small_gradient_unchanged()
    {
        float[] gradients = Gradients();
        float[] original = (float[])gradients.Clone();
        GradientClipping.ClipByGlobalNorm(gradients, Groups, 1e4f);
        Assert.Equal(original, gradients);
    }

    [Fact]
    public void Value_clipping_clamps_each_non_frozen_gradient()
    {
        float[] gradients = Gradients();
        float[] original = (float[])gradients.Clone();
        GradientClipping.ClipByValue(gradients, Groups, 3f);
        for (int i = 0; i < gradients.Length; i++)
        {
            bool clipped = i < 13 || (i >= 17 && i < 20);
            Assert.Equal(clipped ? Math.Clamp(original[i], -3f, 3f) : original[i], gradients[i]);
        }
        Assert.Contains(original, g => Math.Abs(g) > 3f);
    }
}
