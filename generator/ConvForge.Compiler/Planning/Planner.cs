using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Planning;

/// <summary>
/// Turns a checked graph into an <see cref="ExecutionPlan"/> for one block size, as a sequence of
/// small passes (the order matters and is the order below):
/// <list type="number">
/// <item><see cref="FusionPass"/>: fold BatchNorm into the convolution before it, and fuse a residual Add and an activation into its epilogue.</item>
/// <item><see cref="TensorPass"/>: give every value a tensor and a layout (NCHWc inside, plain at the edges and for Softmax over more than one pixel), alias Dropout and Flatten, insert layout conversions.</item>
/// <item><see cref="ConcatPass"/>: let the producers of a Concat write straight into channel slices of its tensor when the slices start on a block boundary.</item>
/// <item><see cref="MemoryPlanPass"/>: place every intermediate tensor in one arena by lifetime.</item>
/// </list>
/// </summary>
public static class Planner
{
    /// <summary>The block sizes plans are made for: AVX-512 (16) and AVX2 / portable (8).</summary>
    public static readonly ImmutableArray<int> BlockSizes = ImmutableArray.Create(16, 8);

    public static ExecutionPlan Plan(NetworkGraph graph, int blockSize)
    {
        var groups = FusionPass.Run(graph);
        var program = TensorPass.Run(graph, groups, blockSize);
        ConcatPass.Run(program);
        return MemoryPlanPass.Run(program);
    }
}

/// <summary>A run of graph nodes that one kernel computes: a head node plus what was fused into it.</summary>
internal sealed class FusedGroup
{
    public FusedGroup(Node head) => Head = head;

    public Node Head { get; }
    public Node? BatchNorm { get; set; }
    public Node? Add { get; set; }
    /// <summary>The graph node whose value the Add adds to the convolution's.</summary>
    public int ResidualNode { get; set; } = -1;
    public Node? Activation { get; set; }

    /// <summary>The node whose value the group produces.</summary>
    public Node Tail => Activation ?? Add ?? BatchNorm ?? Head;

    public IEnumerable<Node> Nodes
    {
        get
        {
            yield return Head;
            if (BatchNorm is not null)
                yield return BatchNorm;
            if (Add is not null)
                yield return Add;
            if (Activation is not null)
                yield return Activation;
        }
    }
}

/// <summary>Pass 1: which nodes run inside another node's kernel.</summary>
internal static class FusionPass
{
    public static List<FusedGroup> Run(NetworkGraph graph)
    {
        var consumers = Consumers(graph);
        var output = graph.Nodes.Count - 1;
        var absorbed = new bool[graph.Nodes.Count];
        var groups = new List<FusedGroup>();

        foreach (var node in graph.Nodes)
        {
            if (node.Kind == OpKind.Input || absorbed[node.Index])
                continue;
            var group = new FusedGroup(node);
            groups.Add(group);

            if (node.Kind != OpKind.Conv && node.Kind != OpKind.Add)
                continue;

            // Each fusion needs the value it swallows to have no other reader and not be the network's output.
            Node? Next(Node tail) =>
                tail.Index != output && consumers[tail.Index].Count == 1 && !absorbed[consumers[tail.Index][0]]
                    ? graph.Nodes[consumers[tail.Index][0]]
                    : null;

            if (node.Kind == OpKind.Conv)
            {
                if (Next(group.Tail) is { Kind: OpKind.BatchNorm } bn)
                {
                    group.BatchNorm = bn;
                    absorbed[bn.Index] = true;
                }
                if (Next(group.Tail) is { Kind: OpKind.Add } add && add.Inputs.Count == 2 && add.Inputs[0] != add.Inputs[1])
                {
                    var residual = add.Inputs[0] == group.Tail.Index ? add.Inputs[1] : add.Inputs[0];
                    group.Add = add;
                    group.ResidualNode = residual;
                    absorbed[add.Index] = true;
                }
            }
            if (Next(group.Tail) is { } act && IsActivation(act.Kind))
            {
                group.Activation = act;
                absorbed[act.Index] = true;
            }
        }
        return groups;
    }

    public static bool IsActivation(OpKind kind) => kind is OpKind.Relu or OpKind.Relu6 or OpKind.LeakyRelu or OpKind.Sigmoid;

    public static List<int>[] Consumers(NetworkGraph graph)
    {
        var consumers = new List<int>[graph.Nodes.Count];
        for (var i = 0; i < consumers.Length; i++)
            consumers[i] = new List<int>();
        foreach (var node in graph.Nodes)
        {
            foreach (var input in node.Inputs.Distinct())
                consumers[input].Add(node.Index);
        }
        return consumers;
    }
}

/// <summary>A tensor while the plan is being built.</summary>
internal sealed class WorkTensor
{
    public WorkTensor(int id, string name, Shape shape, Layout layout)
    {
        Id = id;
        Name = name;
        Shape = shape;
        Layout = layout;
    }

    public int Id { get; }
    public string Name { get; }
    public Shape Shape { get; }
    public Layout Layout { get; }
    public Storage Storage { get; set; } = Storage.Arena;

    /// <summary>The tensor whose floats this one shares (an alias or a concat slice), or null for a root.</summary>
    public WorkTensor? Parent { get; set; }

    /// <summary>Float offset inside <see cref="Parent"/>.</summary>
    public long OffsetInParent { get; set; }

    public WorkTensor Root => Parent?.Root ?? this;

    public long Length(int blockSize) => Layout == Layout.Plain
        ? Shape.Length
        : (long)((Shape.Channels + blockSize - 1) / blockSize) * blockSize * Shape.Height * Shape.Width;
}

/// <summary>A step while the plan is being built.</summary>
internal sealed class WorkStep
{
    public WorkStep(StepKind kind, Node node, List<WorkTensor> inputs, WorkTensor output)
    {
        Kind = kind;
        Node = node;
        Inputs = inputs;
        Output = output;
    }

    public StepKind Kind { get; set; }
    public Node Node { get; }
    public List<WorkTensor> Inputs { get; }
    public WorkTensor Output { get; }
    public Node? FoldedBatchNorm { get; set; }
    public WorkTensor? Residual { get; set; }
    public Activation Activation { get; set; }
    public double Slope { get; set; }
    public List<string> FusedNodes { get; } = new();
}

/// <summary>The plan while passes work on it.</summary>
internal sealed class WorkProgram
{
    public WorkProgram(NetworkGraph graph, int blockSize)
    {
        Graph = graph;
        BlockSize = blockSize;
    }

    public NetworkGraph Graph { get; }
    public int BlockSize { get; }
    public List<WorkTensor> Tensors { get; } = new();
    public List<WorkStep> Steps { get; } = new();

    /// <summary>Per graph node, the tensor holding its value in the layout it was produced in.</summary>
    public Dictionary<int, WorkTensor> Values { get; } = new();

    /// <summary>Flatten nodes whose alias has not been needed yet.</summary>
    public HashSet<int> PendingFlattens { get; } = new();

    /// <summary>Layout conversions made so far: (tensor id, layout) -> converted tensor.</summary>
    public Dictionary<(int, Layout), WorkTensor> Conversions { get; } = new();

    public WorkTensor NewTensor(string name, Shape shape, Layout layout)
    {
        var tensor = new WorkTensor(Tensors.Count, name, shape, layout);
        Tensors.Add(tensor);
        return tensor;
    }
}

/// <summary>Pass 2: tensors, layouts, steps, conversions.</summary>
internal static class TensorPass
{
    public static WorkProgram Run(NetworkGraph graph, List<FusedGroup> groups, int blockSize)
    {
        var program = new WorkProgram(graph, blockSize);
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
            // The first convolution reads the plain image directly: repacking 3 channels into a block of 8 or 16 wastes most lanes.
            var source = Read(program, node.Inputs[0]);
            if (source.Layout == Layout.Plain && node.Groups == 1 && program.Graph.Nodes[node.Inputs[0]].Output.Channels < program.BlockSize
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
        if (value.Layout == Layout.Plain && root.Storage == Storage.Arena && producedHere && root.Length(program.BlockSize) == value.Length(program.BlockSize))
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

/// <summary>
/// Pass 3: zero-copy concat. When every part but the last has a multiple of B channels, each part starts
/// on a block boundary of the concat's NCHWc tensor, and the steps that produce the parts write there
/// directly; the copy step goes away.
/// </summary>
internal static class ConcatPass
{
    public static void Run(WorkProgram program)
    {
        foreach (var step in program.Steps.ToList())
        {
            if (step.Kind != StepKind.ConcatCopy || !CanSlice(program, step))
                continue;
            long offset = 0;
            foreach (var part in step.Inputs)
            {
                part.Parent = step.Output;
                part.OffsetInParent = offset;
                offset += part.Length(program.BlockSize);
            }
            program.Steps.Remove(step);
        }
    }

    private static bool CanSlice(WorkProgram program, WorkStep concat)
    {
        var parts = concat.Inputs;
        if (parts.Distinct().Count() != parts.Count)
            return false;
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            if (part.Layout != Layout.Blocked || part.Parent is not null || part.Storage != Storage.Arena)
                return false;
            if (i < parts.Count - 1 && part.Shape.Channels % program.BlockSize != 0)
                return false;
            // The part must be written by exactly one step of this program (not an alias of something else).
            if (program.Steps.Count(s => s.Output == part) != 1)
                return false;
        }
        return true;
    }
}

/// <summary>
/// Pass 4: the static memory plan. Every root tensor in the arena lives from the first step that writes
/// it (or any slice or alias of it) to the last step that reads it; tensors whose lifetimes do not overlap
/// share floats. Placement is greedy, largest first, lowest fitting offset, aligned to 64 bytes.
/// </summary>
internal static class MemoryPlanPass
{
    private const int AlignmentFloats = 16;

    public static ExecutionPlan Run(WorkProgram program)
    {
        var b = program.BlockSize;
        var first = new Dictionary<WorkTensor, int>();
        var last = new Dictionary<WorkTensor, int>();
        void Touch(WorkTensor t, int step)
        {
            var root = t.Root;
            if (root.Storage != Storage.Arena)
                return;
            if (!first.ContainsKey(root) || step < first[root])
                first[root] = step;
            if (!last.ContainsKey(root) || step > last[root])
                last[root] = step;
        }
        for (var s = 0; s < program.Steps.Count; s++)
        {
            var step = program.Steps[s];
            Touch(step.Output, s);
            foreach (var input in step.Inputs)
                Touch(input, s);
            if (step.Residual is not null)
                Touch(step.Residual, s);
        }

        var placed = new List<(long Offset, long Length, int First, int Last)>();
        var offsets = new Dictionary<WorkTensor, long>();
        long arena = 0;
        foreach (var root in first.Keys.OrderByDescending(t => t.Length(b)).ThenBy(t => t.Id))
        {
            var length = Align(root.Length(b));
            long offset = 0;
            foreach (var other in placed.Where(p => p.First <= last[root] && first[root] <= p.Last).OrderBy(p => p.Offset))
            {
                if (offset + length <= other.Offset)
                    break;
                offset = System.Math.Max(offset, Align(other.Offset + other.Length));
            }
            placed.Add((offset, length, first[root], last[root]));
            offsets[root] = offset;
            arena = System.Math.Max(arena, offset + length);
        }

        long OffsetOf(WorkTensor t)
        {
            if (t.Parent is not null)
                return OffsetOf(t.Parent) + t.OffsetInParent;
            return offsets.TryGetValue(t, out var o) ? o : 0;
        }

        var tensors = program.Tensors
            .Select(t => new Tensor(t.Id, t.Name, t.Shape, t.Layout, t.Root.Storage, OffsetOf(t), t.Length(b), t.Root.Id))
            .ToEquatableArray();
        var steps = program.Steps
            .Select((s, i) => new Step(
                i, s.Kind, s.Node,
                s.Inputs.Select(t => t.Id).ToEquatableArray(),
                s.Output.Id,
                s.FoldedBatchNorm,
                s.Residual?.Id ?? -1,
                s.Activation,
                s.Slope,
                s.FusedNodes.ToEquatableArray()))
            .ToEquatableArray();
        return new ExecutionPlan(b, tensors, steps, arena);
    }

    private static long Align(long floats) => (floats + AlignmentFloats - 1) / AlignmentFloats * AlignmentFloats;
}
