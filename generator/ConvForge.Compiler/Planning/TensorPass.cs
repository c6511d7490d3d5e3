using System.Collections.Generic;
using System.Linq;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Planning;

/// <summary>Pass 2: tensors, layouts, steps, conversions.</summary>
internal static class TensorPass
{
    public static WorkProgram Run(NetworkGraph graph, ParameterLayout parameters, List<FusedGroup> groups)
    {
        var program = new WorkProgram(graph, parameters);
        var input = program.NewTensor(graph.Input.Name, graph.Input.Output, Layout.Plain);
        input.Storage = Storage.Input;
        program.Values[graph.Input.Index] = input;

        // A group runs where its last node stands: by then every value it reads exists.
        foreach (var group in groups.OrderBy(g => g.Tail.Index))
            Lower(program, group);

        FinishOutput(program);
        return program;
    }

    private static void Lower(WorkProgram program, FusedGroup group)
    {
        var node = group.Head;
        var tail = group.Tail;
        switch (node.Kind)
        {
            case OpKind.Dropout:
                Alias(program, node, Read(program, node.Inputs[0]));
                return;
            case OpKind.Flatten:
                // Made when first read: a Dense reads the value before the Flatten (its packed weights
                // follow the NCHWc order), so most Flattens never need floats of their own.
                program.PendingFlattens.Add(node.Index);
                return;
        }

        var layout = LayoutOf(program, node);
        var output = program.NewTensor(tail.Name, tail.Output, layout);
        var kind = node.Kind switch
        {
            OpKind.Conv => StepKind.Conv,
            OpKind.MaxPool => StepKind.MaxPool,
            OpKind.AvgPool => StepKind.AvgPool,
            OpKind.GlobalAvgPool => StepKind.GlobalAvgPool,
            OpKind.GlobalMaxPool => StepKind.GlobalMaxPool,
            OpKind.BatchNorm => StepKind.BatchNorm,
            OpKind.Relu or OpKind.Relu6 or OpKind.LeakyRelu or OpKind.Sigmoid => StepKind.Activation,
            OpKind.Add => StepKind.Add,
            OpKind.ChannelScale => StepKind.ChannelScale,
            OpKind.Concat => StepKind.ConcatCopy,
            OpKind.Dense => StepKind.Dense,
            OpKind.Softmax => StepKind.Softmax,
            OpKind.Lrn => StepKind.Lrn,
            _ => throw new System.InvalidOperationException($"No kernel for {node.Kind} ({node.Name})."),
        };

        var inputs = new List<WorkTensor>();
        if (kind == StepKind.Conv)
        {
            // The first convolution reads the plain image directly: repacking 3 channels into a block of 8 or 16 wastes most
            // lanes. Decided against the largest block, so that every family runs the same steps.
            var source = Read(program, node.Inputs[0]);
            if (source.Layout == Layout.Plain && ReadsPlainInput(node, program.Graph.Nodes[node.Inputs[0]].Output)
                && !program.Conversions.ContainsKey((source.Id, Layout.Blocked)))
            {
                kind = StepKind.ConvFromPlain;
                inputs.Add(source);
            }
            else
            {
                inputs.Add(Read(program, node.Inputs[0], Layout.Blocked));
            }
        }
        else if (kind == StepKind.Dense)
        {
            inputs.Add(Read(program, BeforeFlatten(program.Graph, node.Inputs[0]), Layout.Blocked));
        }
        else
        {
            foreach (var i in node.Inputs)
                inputs.Add(Read(program, i, layout));
        }

        var step = new WorkStep(kind, node, inputs, output)
        {
            FoldedBatchNorm = group.BatchNorm,
        };
        if (group.Add is not null)
            step.Residual = Read(program, group.ResidualNode, Layout.Blocked);

        var activation = node.Kind is OpKind.Relu or OpKind.Relu6 or OpKind.LeakyRelu or OpKind.Sigmoid ? node : group.Activation;
        if (activation is not null)
        {
            step.Activation = activation.Kind switch
            {
                OpKind.Relu => Activation.Relu,
                OpKind.Relu6 => Activation.Relu6,
                OpKind.LeakyRelu => Activation.LeakyRelu,
                _ => Activation.Sigmoid,
            };
            step.Slope = activation.Kind == OpKind.LeakyRelu ? activation.Scalar : 0;
        }
        foreach (var fused in group.Nodes)
            step.FusedNodes.Add(fused.Name);
        program.Steps.Add(step);
        program.Values[tail.Index] = output;
    }

    /// <summary>
    /// Whether convolution <paramref name="conv"/>, reading a plain tensor (the network input) of shape <paramref name="input"/>, reads
    /// it as it is (ConvNchw) rather than converted to NCHWc: groups 1 and fewer channels than the largest block, so that
    /// every family runs the same steps. The training planner applies the same rule.
    /// </summary>
    internal static bool ReadsPlainInput(Node conv, Shape input) => conv.Groups == 1 && input.Channels < ExecutionPlan.LargestBlock;

    /// <summary>
    /// NCHWc everywhere but Softmax over more than one pixel (the kernel normalizes plain NCHW). A
    /// C x 1 x 1 NCHWc tensor starts with the plain vector, so Softmax after global pooling or Dense
    /// stays blocked. Lrn is blocked too: its kernel reads and writes NCHWc.
    /// </summary>
    private static Layout LayoutOf(WorkProgram program, Node node) => node.Kind switch
    {
        OpKind.Softmax when node.Output.Height * node.Output.Width != 1 => Layout.Plain,
        _ => Layout.Blocked,
    };

    /// <summary>The node a chain of Flattens starts from.</summary>
    private static int BeforeFlatten(NetworkGraph graph, int nodeIndex)
    {
        while (graph.Nodes[nodeIndex].Kind == OpKind.Flatten)
            nodeIndex = graph.Nodes[nodeIndex].Inputs[0];
        return nodeIndex;
    }

    /// <summary>A Flatten read for the first time: an alias of its input, plain unless the input is one pixel.</summary>
    private static WorkTensor MaterializeFlatten(WorkProgram program, int nodeIndex)
    {
        var node = program.Graph.Nodes[nodeIndex];
        var source = Read(program, node.Inputs[0]);
        if (source.Shape.Height * source.Shape.Width != 1)
            source = Read(program, node.Inputs[0], Layout.Plain);
        program.PendingFlattens.Remove(nodeIndex);
        Alias(program, node, source);
        return program.Values[nodeIndex];
    }

    private static void Alias(WorkProgram program, Node node, WorkTensor source)
    {
        var alias = program.NewTensor(node.Name, node.Output, source.Layout);
        alias.Parent = source;
        program.Values[node.Index] = alias;
    }

    /// <summary>The value of a node, in the layout it was produced in.</summary>
    private static WorkTensor Read(WorkProgram program, int nodeIndex) =>
        program.PendingFlattens.Contains(nodeIndex) ? MaterializeFlatten(program, nodeIndex) : program.Values[nodeIndex];

    /// <summary>The value of a node in <paramref name="layout"/>, converting once if needed.</summary>
    internal static WorkTensor Read(WorkProgram program, int nodeIndex, Layout layout)
    {
        var value = Read(program, nodeIndex);
        if (value.Layout == layout)
            return value;
        if (program.Conversions.TryGetValue((value.Id, layout), out var converted))
            return converted;
        var node = program.Graph.Nodes[nodeIndex];
        converted = program.NewTensor(node.Name + (layout == Layout.Blocked ? "@blocked" : "@plain"), value.Shape, layout);
        var step = new WorkStep(layout == Layout.Blocked ? StepKind.ToBlocked : StepKind.ToPlain, node, new List<WorkTensor> { value }, converted);
        step.FusedNodes.Add(node.Name);
        program.Steps.Add(step);
        program.Conversions[(value.Id, layout)] = converted;
        return converted;
    }

    /// <summary>The last value goes to the caller's output span, plain.</summary>
    private static void FinishOutput(WorkProgram program)
    {
        var last = program.Graph.Output;
        var value = Read(program, last.Index);
        var root = value.Root;
        var producedHere = program.Steps.Any(s => s.Output == root);
        if (value.Layout == Layout.Plain && root.Storage == Storage.Arena && producedHere && root.Length == value.Length)
        {
            root.Storage = Storage.Output;
            return;
        }
        var output = program.NewTensor(last.Name + "@output", last.Output, Layout.Plain);
        output.Storage = Storage.Output;
        var step = new WorkStep(value.Layout == Layout.Blocked ? StepKind.ToPlain : StepKind.Copy, last, new List<WorkTensor> { value }, output);
        step.FusedNodes.Add(last.Name);
        program.Steps.Add(step);
    }
}

