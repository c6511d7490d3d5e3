using System.Collections.Generic;
using System.Linq;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Planning;

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

    /// <summary>Floats reserved: blocked tensors padded to the largest block, so the room fits every family.</summary>
    public long Length => Layout == Layout.Plain
        ? Shape.Length
        : (long)((Shape.Channels + ExecutionPlan.LargestBlock - 1) / ExecutionPlan.LargestBlock) * ExecutionPlan.LargestBlock * Shape.Height * Shape.Width;

    /// <summary>Float offset in its storage; set by <see cref="MemoryPlanPass"/>.</summary>
    public long Offset { get; set; }

    /// <summary>The constant naming its arena offset; set by <see cref="NamingPass"/>.</summary>
    public string Identifier { get; set; } = "";
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

    /// <summary>Shape struct ids, in argument order; set by <see cref="ShapePass"/>.</summary>
    public List<int> Shapes { get; } = new();

    /// <summary>Packed tensor ids; set by <see cref="PackingPass"/>.</summary>
    public int Weights { get; set; } = -1;
    public int Bias { get; set; } = -1;

    /// <summary>Slope struct id; set by <see cref="NamingPass"/>.</summary>
    public int SlopeType { get; set; } = -1;

    /// <summary>Every tensor the step touches: inputs, residual, output.</summary>
    public IEnumerable<WorkTensor> Touched
    {
        get
        {
            foreach (var input in Inputs)
                yield return input;
            if (Residual is not null)
                yield return Residual;
            yield return Output;
        }
    }
}

/// <summary>The plan while passes work on it.</summary>
internal sealed class WorkProgram
{
    public WorkProgram(NetworkGraph graph, ParameterLayout parameters)
    {
        Graph = graph;
        Parameters = parameters;
    }

    public NetworkGraph Graph { get; }
    public ParameterLayout Parameters { get; }
    public List<WorkTensor> Tensors { get; } = new();
    public List<WorkStep> Steps { get; } = new();

    /// <summary>Per graph node, the tensor holding its value in the layout it was produced in.</summary>
    public Dictionary<int, WorkTensor> Values { get; } = new();

    /// <summary>Flatten nodes whose alias has not been needed yet.</summary>
    public HashSet<int> PendingFlattens { get; } = new();

    /// <summary>Layout conversions made so far: (tensor id, layout) -> converted tensor.</summary>
    public Dictionary<(int, Layout), WorkTensor> Conversions { get; } = new();

    /// <summary>Floats in the arena; set by <see cref="MemoryPlanPass"/>.</summary>
    public long ArenaLength { get; set; }

    /// <summary>Set by <see cref="ShapePass"/>.</summary>
    public List<KernelShape> Shapes { get; } = new();

    /// <summary>Set by <see cref="PackingPass"/> (identifiers by <see cref="NamingPass"/>).</summary>
    public List<PackedTensor> Packed { get; } = new();
    public List<PackOperation> Packing { get; } = new();
    public long ScratchLength { get; set; }

    /// <summary>Set by <see cref="NamingPass"/>.</summary>
    public List<SlopeType> Slopes { get; } = new();

    public WorkTensor NewTensor(string name, Shape shape, Layout layout)
    {
        var tensor = new WorkTensor(Tensors.Count, name, shape, layout);
        Tensors.Add(tensor);
        return tensor;
    }
}

