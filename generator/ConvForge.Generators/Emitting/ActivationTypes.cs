using System;
using ConvForge.Compiler;
using ConvForge.Compiler.Planning;

namespace ConvForge.Generators.Emitting;

/// <summary>The kernels' activation type arguments (Identity, Relu, ...), with the plan's slope structs for LeakyRelu.</summary>
internal static class ActivationTypes
{
    private const string Kernels = "global::ConvForge.Kernels.";

    /// <summary>"global::ConvForge.Kernels.Relu" and so on; a LeakyRelu gets its slope struct, or the default one.</summary>
    public static string TypeOf(ExecutionPlan plan, Step step) => TypeOf(step.Activation, step.SlopeType, plan.Slopes);

    /// <summary>The type argument of <paramref name="activation"/>; a LeakyRelu's slope struct is <paramref name="slopes"/>[<paramref name="slopeType"/>], or the default one when -1.</summary>
    public static string TypeOf(Activation activation, int slopeType, EquatableArray<SlopeType> slopes) => activation switch
    {
        Activation.None => Kernels + "Identity",
        Activation.Relu => Kernels + "Relu",
        Activation.Relu6 => Kernels + "Relu6",
        Activation.Sigmoid => Kernels + "Sigmoid",
        Activation.LeakyRelu => Kernels + "LeakyRelu<" + (slopeType < 0 ? Kernels + "DefaultLeakyReluSlope" : slopes[slopeType].Identifier) + ">",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };

    /// <summary>"Relu", "LeakyRelu 0.2", for comments; empty for none.</summary>
    public static string Describe(Activation activation, double slope) => StepDescription.ActivationText(activation, slope);
}
