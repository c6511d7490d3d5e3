using System;
using System.Linq;
using ConvForge.Training;

namespace ConvForge.Runtime.Tests.Training.Engine;

public sealed class TrainingScheduleTests
{
    private static TrainingSchedule Plan(string[]? frozen = null, string? through = null) =>
        TrainingSchedule.Create(TinyTrainableNetwork.TrainingProgram, TinyTrainableNetwork.Definition, frozen, through);

    [Fact]
    public void The_test_double_places_its_parameters_where_its_steps_read_them()
    {
        var definition = TinyTrainableNetwork.Definition;
        Assert.Equal(TinyTrainableNetwork.ParameterLength, definition.ParameterLength);
        Assert.Equal(TinyTrainableNetwork.Gamma, definition.FindParameter("Norm.Gamma")!.Offset);
        Assert.Equal(TinyTrainableNetwork.HeadWeight, definition.FindParameter("Head.Weight")!.Offset);
        Assert.Equal(TinyTrainableNetwork.HeadBias, definition.FindParameter("Head.Bias")!.Offset);
    }

    [Fact]
    public void Nothing_frozen_runs_every_step_and_stops_backward_at_the_input()
    {
        var schedule = Plan();
        Assert.All(schedule.Steps, s => Assert.True(s.Forward));
        Assert.Equal(new[] { false, true, true, true, true }, schedule.Steps.Select(s => s.BackwardInput));
        Assert.Equal(new[] { true, true, false, false, true }, schedule.Steps.Select(s => s.BackwardParameters));
        Assert.Equal(StepMode.Training, schedule.Steps[1].Mode);
        Assert.True(schedule.Steps[1].BatchLevel);
        Assert.Equal(0, schedule.ParameterGradientOrigin);
        Assert.Equal(71, schedule.GradientLength);
        // Everything but the running mean and variance (8 floats).
        Assert.Equal(63, schedule.TrainableParameterCount);
        Assert.Equal(new[] { 0 }, schedule.FrozenBoundary);
    }

    [Fact]
    public void Freezing_through_the_BatchNorm_leaves_only_the_head_and_runs_that_BatchNorm_on_running_statistics()
    {
        var schedule = Plan(through: "Norm");
        Assert.Equal(new[] { true, true, false, false, false }, schedule.Steps.Select(s => s.Frozen));
        Assert.Equal(new[] { false, false, false, false, true }, schedule.Steps.Select(s => s.Backward));
        Assert.False(schedule.Steps[4].BackwardInput);
        Assert.Equal(StepMode.Inference, schedule.Steps[1].Mode);
        Assert.False(schedule.Steps[1].BatchLevel);
        Assert.Equal(TinyTrainableNetwork.HeadWeight, schedule.ParameterGradientOrigin);
        Assert.Equal(15, schedule.GradientLength);
        Assert.Equal(new[] { "Head.Weight", "Head.Bias" }, schedule.TrainableParameters.Select(p => p.Name));
        // The head reads the pooled features: the one value a cache keeps.
        Assert.Equal(new[] { 4 }, schedule.FrozenBoundary);
        Assert.Equal(new[] { false, false, false, false, true }, schedule.Steps.Select(s => s.DependsOnTrainable));
    }

    [Fact]
    public void Freezing_the_convolution_trains_BatchNorm_in_batch_mode_without_its_input_gradient()
    {
        var schedule = Plan(frozen: new[] { "Conv" });
        Assert.Equal(new[] { false, false, true, true, true }, schedule.Steps.Select(s => s.BackwardInput));
        Assert.Equal(new[] { false, true, false, false, true }, schedule.Steps.Select(s => s.BackwardParameters));
        Assert.Equal(StepMode.Training, schedule.Steps[1].Mode);
        Assert.True(schedule.Steps[1].BatchLevel);
        Assert.Equal(TinyTrainableNetwork.Gamma, schedule.ParameterGradientOrigin);
        Assert.Equal(new[] { "Norm.Gamma", "Norm.Beta", "Head.Weight", "Head.Bias" }, schedule.TrainableParameters.Select(p => p.Name));
        Assert.Equal(new[] { 1 }, schedule.FrozenBoundary);
    }

    [Fact]
    public void Freezing_only_the_head_keeps_the_trunk_trainable_and_the_head_passes_gradients_through()
    {
        var schedule = Plan(frozen: new[] { "Head" });
        Assert.Equal(new[] { true, true, false, false, false }, schedule.Steps.Select(s => s.BackwardParameters));
        Assert.Equal(new[] { false, true, true, true, true }, schedule.Steps.Select(s => s.BackwardInput));
        Assert.Equal(0, schedule.ParameterGradientOrigin);
        Assert.DoesNotContain(schedule.TrainableParameters, p => p.Name.StartsWith("Head", StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_freezing_options_are_named()
    {
        var prefix = Assert.Throws<ArgumentException>(() => Plan(frozen: new[] { "Conv2" }));
        Assert.Contains("Conv2", prefix.Message);
        Assert.Contains("Norm", prefix.Message);
        var through = Assert.Throws<ArgumentException>(() => Plan(through: "Trunk"));
        Assert.Contains("Trunk", through.Message);
        var everything = Assert.Throws<ArgumentException>(() => Plan(through: "Head"));
        Assert.Contains("frozen", everything.Message);
    }

    [Theory]
    [InlineData("Layer1", "Layer1", true)]
    [InlineData("Layer1.Conv", "Layer1", true)]
    [InlineData("Layer10", "Layer1", false)]
    [InlineData("Layer1.Conv", "Layer1.", true)]
    [InlineData("Layer", "Layer1", false)]
    public void Prefixes_match_whole_name_segments(string name, string prefix, bool matches) =>
        Assert.Equal(matches, TrainingSchedule.MatchesPrefix(name, prefix));
}
