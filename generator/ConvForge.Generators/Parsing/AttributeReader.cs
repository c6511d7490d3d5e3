using System.Collections.Immutable;
using ConvForge.Compiler;
using ConvForge.Compiler.Spec;
using Microsoft.CodeAnalysis;

namespace ConvForge.Generators.Parsing;

/// <summary>
/// Turns one layer attribute application into an <see cref="OpSpec"/>: what was written, nothing more
/// (defaults are the compiler core's business, since property initializers are not visible here).
/// </summary>
internal static class AttributeReader
{
    private const string AttributeSuffix = "Attribute";

    /// <summary>
    /// The op for <paramref name="attribute"/>: its kind is the class name without "Attribute"; positional
    /// arguments are named after their constructor parameter (first letter capitalized), named arguments
    /// after their property. Arguments that did not bind, and null values, are left out.
    /// </summary>
    public static OpSpec ReadOp(AttributeData attribute)
    {
        var arguments = ImmutableArray.CreateBuilder<ArgSpec>();

        var constructor = attribute.AttributeConstructor;
        var positional = attribute.ConstructorArguments;
        if (constructor is not null)
        {
            for (var i = 0; i < positional.Length && i < constructor.Parameters.Length; i++)
            {
                if (ReadValue(positional[i]) is { } value)
                    arguments.Add(new ArgSpec(Capitalize(constructor.Parameters[i].Name), value, IsPositional: true));
            }
        }

        foreach (var named in attribute.NamedArguments)
        {
            if (ReadValue(named.Value) is { } value)
                arguments.Add(new ArgSpec(named.Key, value, IsPositional: false));
        }

        return new OpSpec(GetKind(attribute.AttributeClass), arguments.ToImmutable().ToEquatableArray());
    }

    /// <summary>"Conv" for ConvAttribute; the class name as it is when it does not end in "Attribute".</summary>
    public static string GetKind(INamedTypeSymbol? attributeClass)
    {
        var name = attributeClass?.Name ?? "";
        return name.Length > AttributeSuffix.Length && name.EndsWith(AttributeSuffix, System.StringComparison.Ordinal)
            ? name.Substring(0, name.Length - AttributeSuffix.Length)
            : name;
    }

    /// <summary>"channels" becomes "Channels"; "poolProjection" becomes "PoolProjection".</summary>
    public static string Capitalize(string name)
        => name.Length == 0 || char.IsUpper(name[0]) ? name : char.ToUpperInvariant(name[0]) + name.Substring(1);

    /// <summary>The constant as an <see cref="ArgValue"/>, or null when it did not bind or is null.</summary>
    public static ArgValue? ReadValue(TypedConstant constant)
    {
        switch (constant.Kind)
        {
            case TypedConstantKind.Primitive:
            case TypedConstantKind.Enum:
                return ReadScalar(constant.Value);

            case TypedConstantKind.Type:
                return constant.Value is ITypeSymbol { TypeKind: not TypeKind.Error } type
                    ? ArgValue.Type(NetworkParser.GetMetadataName(type.OriginalDefinition))
                    : null;

            case TypedConstantKind.Array:
                return ReadArray(constant);

            default:
                // TypedConstantKind.Error: the argument did not bind; the C# compiler already says why.
                return null;
        }
    }

    private static ArgValue? ReadScalar(object? value) => value switch
    {
        int i => ArgValue.Int(i),
        long l => ArgValue.Int(l),
        short s => ArgValue.Int(s),
        sbyte sb => ArgValue.Int(sb),
        byte b => ArgValue.Int(b),
        ushort us => ArgValue.Int(us),
        uint ui => ArgValue.Int(ui),
        ulong ul when ul <= long.MaxValue => ArgValue.Int((long)ul),
        double d => ArgValue.Double(d),
        float f => ArgValue.Double(f),
        bool flag => ArgValue.Bool(flag),
        string text => ArgValue.String(text),
        _ => null,
    };

    /// <summary>
    /// An int[] or string[] argument (params included: <c>[Concat("A", "B")]</c>). The whole argument is left
    /// out when it is null, of another element type, or holds an element that did not bind or is null:
    /// dropping one element would silently change which inputs a join reads.
    /// </summary>
    private static ArgValue? ReadArray(TypedConstant constant)
    {
        if (constant.IsNull || constant.Type is not IArrayTypeSymbol arrayType)
            return null;
        var elements = constant.Values;

        switch (arrayType.ElementType.SpecialType)
        {
            case SpecialType.System_String:
            {
                var texts = new string[elements.Length];
                for (var i = 0; i < elements.Length; i++)
                {
                    if (elements[i].Kind != TypedConstantKind.Primitive || elements[i].Value is not string text)
                        return null;
                    texts[i] = text;
                }
                return ArgValue.StringArray(texts);
            }

            case SpecialType.System_Int32:
            case SpecialType.System_Int64:
            case SpecialType.System_Int16:
            case SpecialType.System_SByte:
            case SpecialType.System_Byte:
            case SpecialType.System_UInt16:
            case SpecialType.System_UInt32:
            {
                var integers = new long[elements.Length];
                for (var i = 0; i < elements.Length; i++)
                {
                    if (ReadScalar(elements[i].Kind == TypedConstantKind.Error ? null : elements[i].Value) is not { Kind: ArgKind.Int } element)
                        return null;
                    integers[i] = element.Integer;
                }
                return ArgValue.IntArray(integers);
            }

            default:
                return null;
        }
    }
}
