using System.Collections.Generic;
using ConvForge.Compiler.Graph;

namespace ConvForge.Compiler.Planning.Training;

/// <summary>A value while the training plan is being built.</summary>
internal sealed class TrainingWorkValue
{
    public TrainingWorkValue(int id, string name, Shape shape, Layout layout)
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

    /// <summary>Floats reserved: blocked values padded to the largest block, so the room fits every family.</summary>
    public long Length => Layout == Layout.Plain
        ? Shape.Length
        : (long)((Shape.Channels + ExecutionPlan.LargestBlock - 1) / ExecutionPlan.LargestBlock) * ExecutionPlan.LargestBlock * Shape.Height * Shape.Width;

    /// <summary>Set by <see cref="ValuePlacementPass"/>.</summary>
    public long Offset { get; set; }

    /// <summary>Set by <see cref="TrainingNamingPass"/>.</summary>
    public string Identifier { get; set; } = "";
}

/// <summary>A step while the training plan is being built.</summary>
internal sealed class TrainingWorkStep
{
    public TrainingWorkStep(TrainingStepKind kind, Node node, List<int> inputs, int output)
    {
        Kind = kind;
        Node = node;
        Inputs = inputs;
        Output = output;
    }

    public TrainingStepKind Kind { get; }
    public Node Node { get; }
    public List<int> Inputs { get; }
    public int Output { get; }
    public List<int> Parameters { get; } = new();
    public int Mask { get; set; } = -1;
    public int SavedOffset { get; set; } = -1;
    public int SavedLength { get; set; }
    public Activation Activation { get; set; }

    /// <summary>Set by <see cref="TrainingShapePass"/>.</summary>
    public List<int> Shapes { get; } = new();

    /// <summary>Set by <see cref="TrainingPackingPass"/>.</summary>
    public List<int> Packed { get; } = new();

    /// <summary>Set by <see cref="TrainingNamingPass"/>.</summary>
    public int SlopeType { get; set; } = -1;
}

/// <summary>The training plan while passes work on it.</summary>
internal sealed class TrainingWork
{
    public TrainingWork(NetworkGraph graph, ExecutionPlan forward)
    {
        Graph = graph;
        Forward = forward;
        Shapes.AddRange(forward.Shapes);
        Slopes.AddRange(forward.Slopes);
    }

    public NetworkGraph Graph { get; }

    /// <summary>The forward plan: its parameter layout, shape structs, slope structs and identifiers are reused.</summary>
    public ExecutionPlan Forward { get; }

    public List<TrainingWorkValue> Values { get; } = new();
    public List<TrainingWorkStep> Steps { get; } = new();
    public int Input { get; set; }
    public int Logits { get; set; } = -1;

    /// <summary>Set by <see cref="ValuePlacementPass"/>.</summary>
    public long ImageLength { get; set; }

    public int SavedLength { get; set; }

    /// <summary>The forward plan's shape structs, then the training ones (<see cref="TrainingShapePass"/>).</summary>
    public List<KernelShape> Shapes { get; } = new();

    /// <summary>Set by <see cref="TrainingPackingPass"/>.</summary>
    public List<TrainingPackedTensor> Packed { get; } = new();

    /// <summary>The forward plan's slope structs, then the training ones (<see cref="TrainingNamingPass"/>).</summary>
    public List<SlopeType> Slopes { get; } = new();

    /// <summary>Set by <see cref="TrainingNamingPass"/>.</summary>
    public List<TrainingParameter> Parameters { get; } = new();

    public string Container { get; set; } = "";

    /// <summary>Why the network cannot be trained, once a pass finds out.</summary>
    public string? Problem { get; set; }

    public TrainingWorkValue NewValue(string name, Shape shape, Layout layout)
    {
        var value = new TrainingWorkValue(Values.Count, name, shape, layout);
        Values.Add(value);
        return value;
    }
}
