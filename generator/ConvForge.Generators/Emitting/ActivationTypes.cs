using System;
using ConvForge.Compiler.Planning;

namespace ConvForge.Generators.Emitting;

/// <summary>The kernels' activation type arguments (Identity, Relu, ...), with the plan's slope structs for LeakyRelu.</summary>
internal static class ActivationTypes
{
    private const string Kernels = "global::ConvForge.Kernels.";

    /// <summary>"global::ConvForge.Kernels.Relu" and so on; a LeakyRelu gets its slope struct, or the default one.</summary>
    public static string TypeOf(ExecutionPlan plan, Step step) => step.Activation switch
    {
        Activation.None => Kernels + "Identity",
        Activation.Relu => Kernels + "Relu",
        Activation.Relu6 => Kernels + "Relu6",
        Activation.Sigmoid => Kernels + "Sigmoid",
        Activation.LeakyRelu => Kernels + "LeakyRelu<" + (step.SlopeType < 0 ? Kernels + "DefaultLeakyReluSlope" : plan.Slopes[step.SlopeType].Identifier) + ">",
        _ => throw new ArgumentOutOfRangeException(nameof(step), step.Activation, null),
    };

    /// <summary>"Relu", "LeakyRelu 0.2", for comments; empty for none.</summary>
    public static string Describe(Activation activation, double slope) => activation switch
    {
        Activation.None => "",
        Activation.LeakyRelu => "LeakyRelu " + DefinitionEmitter.Double(slope),
        _ => activation.ToString(),
    };
}
