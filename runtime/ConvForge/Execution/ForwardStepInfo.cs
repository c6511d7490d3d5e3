namespace ConvForge.Execution;

/// <summary>One step of a generated forward pass: one kernel call per image, with the graph nodes it computes fused.</summary>
/// <param name="Index">The step's position in the plan (the index <see cref="StepTimer"/> uses).</param>
/// <param name="Nodes">The graph nodes the step computes, e.g. "Res2a.Conv1 + Res2a.Bn1 + Res2a.Relu1".</param>
/// <param name="Operation">What the kernel does, e.g. "Conv 3x3 pad 1, Res2a.Bn1 folded in, Relu".</param>
/// <param name="Shapes">Input and output shapes, e.g. "64x56x56 -> 64x56x56".</param>
/// <param name="Macs">Multiply-accumulates of the step per image (0 for steps without any, such as pooling).</param>
public sealed record ForwardStepInfo(int Index, string Nodes, string Operation, string Shapes, long Macs);
