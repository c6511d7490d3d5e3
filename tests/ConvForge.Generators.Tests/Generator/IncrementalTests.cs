using System.Collections.Immutable;
using System.Linq;
using ConvForge.Generators.Models;
using ConvForge.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace ConvForge.Generators.Tests.Generator;

/// <summary>
/// The pipeline's caching: which steps an edit re-runs. Step names are <see cref="TrackingNames"/>; the
/// reasons come from the driver's step tracking.
/// </summary>
public class IncrementalTests
{
    private const string NetworkFile = """
        using ConvForge;
        namespace App;
        [Network(Channels = 3, Height = 16, Width = 16)]
        public partial class UsesBlock
        {
            [Conv(8, Kernel = 3, Padding = 1), Relu] public partial Layer Stem { get; }
            [Module(typeof(Block), Width = 4)]       public partial Layer Body { get; }
            [GlobalAvgPool, Flatten]                 public partial Layer Pool { get; }
        }
        """;

    private const string ModuleFile = """
        using ConvForge;
        namespace App;
        [NetworkModule]
        public partial class Block
        {
            [Conv(WidthFactor = 2, Kernel = 3, Padding = 1), Relu] public partial Layer A { get; }
            [Conv(WidthFactor = 1, Kernel = 1)]                    public partial Layer B { get; }
        }
        """;

    private const string IndependentFile = """
        using ConvForge;
        namespace App;
        [Network(Channels = 1, Height = 8, Width = 8)]
        public partial class Independent
        {
            [Conv(4, Kernel = 3), Relu] public partial Layer Conv1 { get; }
            [Flatten, Dense(2)]         public partial Layer Output { get; }
        }
        """;

    private const string UnrelatedFile = """
        namespace App;
        public static class Helpers { public static int Twice(int x) => 2 * x; }
        """;

    private static (Compilation Compilation, GeneratorRun Run) FirstRun()
    {
        var compilation = TestCompilation.Create(new[]
        {
            ("UsesBlock.cs", NetworkFile), ("Block.cs", ModuleFile), ("Independent.cs", IndependentFile), ("Helpers.cs", UnrelatedFile),
        });
        return (compilation, GeneratorHarness.Run(compilation));
    }

    private static Compilation Edit(Compilation compilation, string path, string newText)
    {
        var old = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        return compilation.ReplaceSyntaxTree(old, TestCompilation.Parse(newText, path));
    }

    private static ImmutableArray<IncrementalStepRunReason> Reasons(GeneratorRun run, string step) => GeneratorHarness.StepReasons(run, step);

    private static bool IsReused(IncrementalStepRunReason reason) => reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged;

    [Fact]
    public void The_first_run_compiles_both_networks_and_emits_three_files()
    {
        var (_, run) = FirstRun();

        Assert.Equal(2, Reasons(run, TrackingNames.CompiledNetworks).Count(r => r == IncrementalStepRunReason.New));
        Assert.Equal(2, Reasons(run, TrackingNames.ExecutionPlans).Count(r => r == IncrementalStepRunReason.New));
        Assert.All(PlannedNetworks(run), network => Assert.NotNull(network.Plan));
        Assert.Equal(2, Reasons(run, TrackingNames.TrainingPlans).Count(r => r == IncrementalStepRunReason.New));
        Assert.All(TrainingPlannedNetworks(run), network => Assert.NotNull(network.Training));
        Assert.Equal(3, run.GeneratorResult.GeneratedSources.Length);
    }

    /// <summary>The plan step's outputs of the last run.</summary>
    private static CompiledNetwork[] PlannedNetworks(GeneratorRun run)
        => run.GeneratorResult.TrackedSteps[TrackingNames.ExecutionPlans]
            .SelectMany(step => step.Outputs)
            .Select(output => (CompiledNetwork)output.Value)
            .ToArray();

    /// <summary>The training-plan step's outputs of the last run.</summary>
    private static CompiledNetwork[] TrainingPlannedNetworks(GeneratorRun run)
        => run.GeneratorResult.TrackedSteps[TrackingNames.TrainingPlans]
            .SelectMany(step => step.Outputs)
            .Select(output => (CompiledNetwork)output.Value)
            .ToArray();

    [Fact]
    public void The_training_plan_compares_by_value_so_a_plan_made_again_is_equal()
    {
        var first = TrainingPlannedNetworks(FirstRun().Run);
        var again = TrainingPlannedNetworks(FirstRun().Run);
        Assert.Equal(first.Length, again.Length);
        for (var i = 0; i < first.Length; i++)
        {
            Assert.NotSame(first[i].Training, again[i].Training);
            Assert.Equal(first[i].Training, again[i].Training);
            Assert.Equal(first[i].Training!.GetHashCode(), again[i].Training!.GetHashCode());
        }
    }

    [Fact]
    public void The_plan_compares_by_value_so_a_plan_made_again_is_equal()
    {
        var first = PlannedNetworks(FirstRun().Run);
        var again = PlannedNetworks(FirstRun().Run);
        Assert.Equal(first.Length, again.Length);
        for (var i = 0; i < first.Length; i++)
        {
            Assert.NotSame(first[i].Plan, again[i].Plan);
            Assert.Equal(first[i].Plan, again[i].Plan);
            Assert.Equal(first[i].Plan!.GetHashCode(), again[i].Plan!.GetHashCode());
        }
    }

    [Fact]
    public void Running_again_on_the_same_compilation_reuses_everything()
    {
        var (compilation, first) = FirstRun();

        var second = GeneratorHarness.Run(first.Driver, compilation);

        foreach (var step in new[] { TrackingNames.NetworkModels, TrackingNames.ModuleModels, TrackingNames.ResolvedNetworks, TrackingNames.CompiledNetworks, TrackingNames.ExecutionPlans, TrackingNames.TrainingPlans })
            Assert.All(Reasons(second, step), reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
        Assert.All(GeneratorHarness.OutputReasons(second), reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
    }

    [Fact]
    public void An_edit_to_an_unrelated_file_regenerates_nothing()
    {
        var (compilation, first) = FirstRun();

        var edited = Edit(compilation, "Helpers.cs", UnrelatedFile.Replace("2 * x", "x + x"));
        var second = GeneratorHarness.Run(first.Driver, edited);

        Assert.All(Reasons(second, TrackingNames.NetworkModels), reason => Assert.True(IsReused(reason), reason.ToString()));
        Assert.All(Reasons(second, TrackingNames.ModuleModels), reason => Assert.True(IsReused(reason), reason.ToString()));
        Assert.All(Reasons(second, TrackingNames.CompiledNetworks), reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
        Assert.All(Reasons(second, TrackingNames.ExecutionPlans), reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
        Assert.All(Reasons(second, TrackingNames.TrainingPlans), reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
        Assert.All(GeneratorHarness.OutputReasons(second), reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
        Assert.Equal(first.Sources, second.Sources);
    }

    [Fact]
    public void Changing_a_kernel_size_regenerates_that_network_only()
    {
        var (compilation, first) = FirstRun();

        var edited = Edit(compilation, "Independent.cs", IndependentFile.Replace("[Conv(4, Kernel = 3)", "[Conv(4, Kernel = 5)"));
        var second = GeneratorHarness.Run(first.Driver, edited);

        var networks = Reasons(second, TrackingNames.NetworkModels);
        Assert.Equal(1, networks.Count(r => r == IncrementalStepRunReason.Modified));
        var compiled = Reasons(second, TrackingNames.CompiledNetworks);
        Assert.Equal(1, compiled.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, compiled.Count(r => r == IncrementalStepRunReason.Cached));
        var plans = Reasons(second, TrackingNames.ExecutionPlans);
        Assert.Equal(1, plans.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, plans.Count(r => r == IncrementalStepRunReason.Cached));
        Assert.Equal(1, GeneratorHarness.OutputReasons(second).Count(r => r == IncrementalStepRunReason.Modified));

        Assert.Equal(first.Source("App.UsesBlock.g.cs"), second.Source("App.UsesBlock.g.cs"));
        Assert.NotEqual(first.Source("App.Independent.g.cs"), second.Source("App.Independent.g.cs"));
    }

    [Fact]
    public void Editing_a_used_module_regenerates_the_network_that_uses_it()
    {
        var (compilation, first) = FirstRun();

        var edited = Edit(compilation, "Block.cs", ModuleFile.Replace("WidthFactor = 1, Kernel = 1", "WidthFactor = 3, Kernel = 1"));
        var second = GeneratorHarness.Run(first.Driver, edited);

        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(Reasons(second, TrackingNames.ModuleModels)));
        // The network's own declaration did not change ...
        Assert.All(Reasons(second, TrackingNames.NetworkModels), reason => Assert.True(IsReused(reason), reason.ToString()));
        // ... but the one that uses the module resolves and compiles again; the other stays cached.
        var resolved = Reasons(second, TrackingNames.ResolvedNetworks);
        Assert.Equal(1, resolved.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, resolved.Count(IsReused));
        var compiled = Reasons(second, TrackingNames.CompiledNetworks);
        Assert.Equal(1, compiled.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, compiled.Count(r => r == IncrementalStepRunReason.Cached));
        var plans = Reasons(second, TrackingNames.ExecutionPlans);
        Assert.Equal(1, plans.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, plans.Count(r => r == IncrementalStepRunReason.Cached));

        Assert.NotEqual(first.Source("App.UsesBlock.g.cs"), second.Source("App.UsesBlock.g.cs"));
        Assert.Equal(first.Source("App.Independent.g.cs"), second.Source("App.Independent.g.cs"));
    }

    [Fact]
    public void Editing_a_module_comment_regenerates_no_network()
    {
        var (compilation, first) = FirstRun();

        var edited = Edit(compilation, "Block.cs", ModuleFile.Replace("[NetworkModule]", "// A comment.\n[NetworkModule]"));
        var second = GeneratorHarness.Run(first.Driver, edited);

        Assert.All(Reasons(second, TrackingNames.ModuleModels), reason => Assert.True(IsReused(reason), reason.ToString()));
        Assert.All(Reasons(second, TrackingNames.CompiledNetworks), reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
        Assert.All(Reasons(second, TrackingNames.ExecutionPlans), reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
    }
}
