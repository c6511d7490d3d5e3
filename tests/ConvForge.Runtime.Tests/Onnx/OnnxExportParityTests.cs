using System;
using System.Collections.Generic;
using System.Linq;

namespace ConvForge.Runtime.Tests.Onnx;

/// <summary>
/// Exported models run in ONNX Runtime and agree with <see cref="ReferenceInterpreter"/>:
/// max abs error &lt;= 1e-4 x max |reference| (<see cref="OnnxRuntimeHarness.RelativeTolerance"/>),
/// batch 2 so the symbolic batch dimension is exercised.
/// </summary>
public sealed class OnnxExportParityTests
{
    [Theory]
    [MemberData(nameof(ParityNetworks.Names), MemberType = typeof(ParityNetworks))]
    public void Exported_network_matches_the_reference_interpreter(string name)
    {
        var network = ParityNetworks.All[name]();
        var parameters = OnnxRuntimeHarness.TestParameters(network, seed: 42);
        // Inputs in [-4, 4) so Relu6 clips and Sigmoid saturates somewhere.
        OnnxRuntimeHarness.AssertMatchesReference(network, parameters, batch: 2, inputSeed: 7, inputScale: 4);
    }

    [Fact]
    public void The_parity_networks_use_every_op_kind()
    {
        var used = new HashSet<OpKind>();
        foreach (var build in ParityNetworks.All.Values)
        {
            foreach (var node in build().Nodes)
                used.Add(node.Kind);
        }
        var missing = Enum.GetValues<OpKind>().Where(kind => !used.Contains(kind)).ToList();
        Assert.True(missing.Count == 0, "Not covered: " + string.Join(", ", missing));
    }

    [Fact]
    public void Ceil_mode_adds_a_window_in_the_cases_that_test_it()
    {
        // Guards the cases above: each ceil-mode network must really produce a larger output than floor mode.
        foreach (var name in ParityNetworks.All.Keys.Where(n => n.Contains("Ceil", StringComparison.Ordinal)))
        {
            var network = ParityNetworks.All[name]();
            var node = network.Nodes.Single(n => n.Window.CeilMode);
            var input = network.Nodes[node.Inputs[0]].Output;
            var floor = node.Window with { CeilMode = false };
            Assert.True(
                node.Output.Height > floor.OutputHeight(input.Height) || node.Output.Width > floor.OutputWidth(input.Width),
                $"{name}: ceil mode changes nothing for input {input} and window {node.Window}.");
        }
    }

    [Fact]
    public void Batch_size_is_symbolic_so_one_model_runs_any_batch()
    {
        var network = ParityNetworks.All["ResidualBlockWithSqueezeExcite"]();
        var parameters = OnnxRuntimeHarness.TestParameters(network, seed: 3);
        foreach (var batch in new[] { 1, 3 })
            OnnxRuntimeHarness.AssertMatchesReference(network, parameters, batch, inputSeed: (ulong)batch);
    }
}
