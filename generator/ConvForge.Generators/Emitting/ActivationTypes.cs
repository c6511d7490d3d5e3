using System;
using System.Collections.Generic;
using ConvForge.Compiler.Graph;
using ConvForge.Compiler.Planning;

namespace ConvForge.Generators.Emitting;

/// <summary>
/// The kernels' activation type arguments (Identity, Relu, ...), and the slope structs a LeakyRelu other than the
/// default 0.01 needs: one per distinct slope, named after the first node that uses it.
/// </summary>
internal sealed class ActivationTypes
{
    private const string Kernels = "global::ConvForge.Kernels.";
    private const float DefaultSlope = 0.01f;

    private readonly IdentifierSet _names;
    private readonly Dictionary<float, string> _slopeStructs = new();

    public ActivationTypes(IdentifierSet names) => _names = names;

    /// <summary>The slope structs to declare: name, slope literal, the node it was named after.</summary>
    public List<(string Name, string Slope, string Node)> SlopeStructs { get; } = new();

    /// <summary>"global::ConvForge.Kernels.Relu" and so on; a LeakyRelu gets its slope struct.</summary>
    public string TypeOf(Activation activation, double slope, Node node) => activation switch
    {
        Activation.None => Kernels + "Identity",
        Activation.Relu => Kernels + "Relu",
        Activation.Relu6 => Kernels + "Relu6",
        Activation.Sigmoid => Kernels + "Sigmoid",
        Activation.LeakyRelu => Kernels + "LeakyRelu<" + SlopeType((float)slope, node) + ">",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };

    /// <summary>"Relu", "LeakyRelu 0.2", for comments; empty for none.</summary>
    public static string Describe(Activation activation, double slope) => activation switch
    {
        Activation.None => "",
        Activation.LeakyRelu => "LeakyRelu " + DefinitionEmitter.Double(slope),
        _ => activation.ToString(),
    };

    private string SlopeType(float slope, Node node)
    {
        if (slope == DefaultSlope)
            return Kernels + "DefaultLeakyReluSlope";
        if (!_slopeStructs.TryGetValue(slope, out var name))
        {
            name = _names.Allocate(node.Name, "Slope");
            _slopeStructs.Add(slope, name);
            SlopeStructs.Add((name, DefinitionEmitter.Float(slope), node.Name));
        }
        return name;
    }
}
