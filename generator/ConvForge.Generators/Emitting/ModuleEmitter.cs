using System.Threading;
using ConvForge.Generators.Models;

namespace ConvForge.Generators.Emitting;

/// <summary>
/// Writes the generated part of a [NetworkModule] class. A module is a template: its layers only exist,
/// with shapes, inside the networks that use it, so its own Layer properties say so when called.
/// </summary>
internal static class ModuleEmitter
{
    /// <summary>The text of the file for <paramref name="module"/>.</summary>
    public static string Emit(ModuleModel module, CancellationToken cancellationToken)
    {
        var writer = new IndentedTextWriter();
        using (SourceFile.OpenType(writer, module.Hierarchy, module.Type))
        {
            writer.WriteLine("// A module's layers have shapes only where a network uses it, as '{Layer}.{Name}' nodes of that");
            writer.WriteLine("// network; the module class itself has none to return.");
            foreach (var property in NetworkEmitter.ImplementableProperties(module.LayerProperties))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var message = $"{module.Spec.Name} is a [NetworkModule]; its layer '{property.Name}' exists only in the networks that use it, "
                    + $"as '{{Layer}}.{property.Name}' where {{Layer}} is the property marked [Module(typeof({module.Spec.Name}))]";
                writer.WriteLine();
                writer.WriteLine($"/// <summary>Not available on the module: see '{{Layer}}.{CSharpNames.XmlEscape(property.Name)}' of a network that uses {CSharpNames.XmlEscape(module.Spec.Name)}.</summary>");
                writer.WriteLine("/// <exception cref=\"global::System.NotSupportedException\">Always.</exception>");
                writer.WriteLine($"{NetworkEmitter.ModifiersWithPartial(property)} global::ConvForge.Layer {property.Identifier} =>");
                using (writer.Indent())
                    writer.WriteLine($"throw new global::System.NotSupportedException({CSharpNames.Literal(message)});");
            }
        }
        return writer.ToString();
    }
}
