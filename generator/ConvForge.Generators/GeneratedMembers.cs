namespace ConvForge.Generators;

/// <summary>
/// The names of the members the generated part of a network class declares, besides the Layer properties and the
/// methods (Forward, UseKernels ..., which overload rather than clash). The class's own declaration may take them:
/// the parser records which it took, and the emitter then leaves the public ones out and renames the private ones.
/// </summary>
internal static class GeneratedMembers
{
    public static readonly System.Collections.Generic.IReadOnlyList<string> Names = new[]
    {
        "InputChannels", "InputHeight", "InputWidth", "InputLength",
        "OutputChannels", "OutputHeight", "OutputWidth", "OutputLength",
        "TrainableParameterCount", "ParameterLength", "Macs",
        "Shapes", "ParameterLayout", "Summary",
        "Definition", "Parameters", "KernelFamily", "DegreeOfParallelism", "StepTimer", "ForwardSteps",
        "ForwardPass", "_execution", "s_definition",
        // ITrainableNetwork's members (Emitting.TrainingEmitter.MemberNames): a class that takes one keeps it and does not get the interface.
        "TrainingProgram", "TrainingPackedLength", "TrainingPack", "TrainingForward", "TrainingBackwardInput", "TrainingBackwardParameters",
    };
}
