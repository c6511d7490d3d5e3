using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using ConvForge.Generators.Models;
using Microsoft.CodeAnalysis;

namespace ConvForge.Generators.Tests.Generator;

/// <summary>
/// The pipeline caches on equality, so its models must not hold Roslyn objects: a symbol, syntax node or
/// compilation differs on every edit (and keeps the whole compilation alive). This walks every type the
/// models can reach, through fields, generic arguments and array elements.
/// </summary>
public class ModelPurityTests
{
    private static readonly Type[] Forbidden =
    {
        typeof(ISymbol), typeof(Compilation), typeof(SyntaxNode), typeof(SyntaxTree), typeof(SyntaxToken),
        typeof(SyntaxReference), typeof(SemanticModel), typeof(Location), typeof(AttributeData), typeof(TypedConstant),
    };

    /// <summary>Each offending path ("NetworkModel.Spec -> ... : ISymbol"), empty when the type is pure.</summary>
    private static List<string> FindRoslynObjects(Type root)
    {
        var problems = new List<string>();
        var visited = new HashSet<Type>();
        Walk(root, root.Name);
        return problems;

        void Walk(Type type, string path)
        {
            if (!visited.Add(type))
                return;
            foreach (var forbidden in Forbidden)
            {
                if (forbidden.IsAssignableFrom(type) || type.IsInterface && type.IsAssignableFrom(forbidden))
                    problems.Add($"{path}: {type.Name} (a {forbidden.Name})");
            }
            if (type == typeof(object))
                problems.Add($"{path}: object (could hold anything)");
            if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal))
                return;
            if (type.IsArray)
            {
                Walk(type.GetElementType()!, path + "[]");
                return;
            }
            foreach (var argument in type.IsGenericType ? type.GetGenericArguments() : Type.EmptyTypes)
                Walk(argument, $"{path}<{argument.Name}>");

            // The framework's own collections hold what their generic arguments say; ours are walked field by field.
            if (type.Assembly != typeof(NetworkModel).Assembly && !(type.Namespace ?? "").StartsWith("ConvForge", StringComparison.Ordinal))
                return;
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
                Walk(field.FieldType, $"{path}.{field.Name}");
        }
    }

    private static IEnumerable<Type> ModelTypeList()
        => typeof(NetworkModel).Assembly.GetTypes().Where(t => t.Namespace == typeof(NetworkModel).Namespace && !t.IsNested).OrderBy(t => t.FullName, StringComparer.Ordinal);

    public static TheoryData<string> ModelTypes()
    {
        var data = new TheoryData<string>();
        foreach (var type in ModelTypeList())
            data.Add(type.FullName!);
        return data;
    }

    [Fact]
    public void The_models_namespace_holds_the_pipeline_models()
    {
        var names = ModelTypeList().Select(type => type.FullName).ToList();

        Assert.Contains(typeof(NetworkModel).FullName, names);
        Assert.Contains(typeof(ModuleModel).FullName, names);
        Assert.Contains(typeof(CompiledNetwork).FullName, names);
    }

    [Theory]
    [MemberData(nameof(ModelTypes))]
    public void A_model_holds_no_roslyn_objects(string typeName)
    {
        var type = typeof(NetworkModel).Assembly.GetType(typeName)!;

        var problems = FindRoslynObjects(type);

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void A_model_type_is_equatable_by_value()
    {
        foreach (var type in ModelTypeList())
        {
            var equatable = typeof(IEquatable<>).MakeGenericType(type);
            Assert.True(equatable.IsAssignableFrom(type), $"{type.Name} is not IEquatable<{type.Name}>");
        }
    }

    // The walk has to be able to fail: these hold what the models must not.
    private sealed record HoldsSymbol(string Name, ISymbol Symbol);
    private sealed record HoldsSyntaxDeep(Compiler.EquatableArray<Wrapper> Items);
    private sealed record Wrapper(Location? Where) ;
    private sealed record HoldsObject(object Anything);

    [Theory]
    [InlineData(typeof(HoldsSymbol), "ISymbol")]
    [InlineData(typeof(HoldsSyntaxDeep), "Location")]
    [InlineData(typeof(HoldsObject), "object")]
    public void The_walk_finds_roslyn_objects_nested_anywhere(Type type, string expected)
    {
        var problems = FindRoslynObjects(type);

        Assert.Contains(problems, problem => problem.Contains(expected, StringComparison.Ordinal));
    }
}
