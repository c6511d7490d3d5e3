extern alias Runtime;

using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using ConvForge.Compiler.Interpretation;

namespace ConvForge.Compiler.Tests;

/// <summary>
/// The interpreter's attribute vocabulary (names, types, defaults) against the attribute classes users write
/// (runtime/ConvForge/Attributes), by reflection: neither can change without the other.
/// </summary>
public class AttributeVocabularyTests
{
    private static readonly Assembly s_runtime = typeof(Runtime::ConvForge.LayerAttribute).Assembly;

    public static TheoryData<string> Kinds()
    {
        var data = new TheoryData<string>();
        foreach (var kind in AttributeVocabulary.Attributes.Keys.OrderBy(k => k, StringComparer.Ordinal))
            data.Add(kind);
        return data;
    }

    [Fact]
    public void Every_layer_attribute_class_has_an_entry_and_every_entry_a_class()
    {
        var classes = s_runtime.GetExportedTypes()
            .Where(t => !t.IsAbstract && typeof(Runtime::ConvForge.LayerAttribute).IsAssignableFrom(t))
            .Select(t => t.Name.Substring(0, t.Name.Length - "Attribute".Length))
            .OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(classes, AttributeVocabulary.Attributes.Keys.OrderBy(k => k, StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_arguments_are_the_class_s_properties_and_constructor_parameters(string kind)
    {
        var type = AttributeType(kind);
        var properties = Properties(type);
        var parameters = type.GetConstructors().SelectMany(c => c.GetParameters())
            .GroupBy(p => Capitalized(p.Name!)).ToDictionary(g => g.Key, g => g.First().ParameterType);
        var vocabulary = AttributeVocabulary.Attributes[kind].Arguments;

        Assert.Equal(properties.Keys.OrderBy(n => n, StringComparer.Ordinal),
            vocabulary.Select(a => a.Name).Where(properties.ContainsKey).OrderBy(n => n, StringComparer.Ordinal));
        foreach (var argument in vocabulary)
        {
            var declared = properties.TryGetValue(argument.Name, out var property) ? property.PropertyType
                : parameters.TryGetValue(argument.Name, out var parameter) ? parameter
                : throw new Xunit.Sdk.XunitException($"{kind}Attribute has no property or constructor parameter {argument.Name}");
            Assert.True(ClrType(argument.Type) == declared, $"{kind}.{argument.Name} is {declared.Name} in the class, {argument.Type} in the vocabulary");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_defaults_are_what_a_new_attribute_holds(string kind)
    {
        var type = AttributeType(kind);
        var attribute = New(type);
        var properties = Properties(type);
        foreach (var argument in AttributeVocabulary.Attributes[kind].Arguments)
        {
            // Required arguments have no default; a constructor parameter only (Fire's Expand) has no property to read.
            if ((argument.Default is null && argument.ClassDefault is null) || IsRequired(type, argument.Name)
                || !properties.TryGetValue(argument.Name, out var property))
                continue;
            Assert.True(Equals(argument.ClassDefault, property.GetValue(attribute)),
                $"{kind}.{argument.Name}: a new {type.Name} holds {property.GetValue(attribute) ?? "null"}, the vocabulary says {argument.ClassDefault ?? "null"}");
        }
    }

    [Fact]
    public void Defaults_the_interpreter_applies_are_the_classes()
    {
        // The ones the issue named: LeakyRelu's slope, BatchNorm's epsilon, Dropout's rate, LRN's constants, AvgPool's divisor.
        Assert.Equal(new Runtime::ConvForge.LeakyReluAttribute().Slope, AttributeVocabulary.Default<double>("LeakyRelu", "Slope"));
        Assert.Equal(new Runtime::ConvForge.BatchNormAttribute().Epsilon, AttributeVocabulary.Default<double>("BatchNorm", "Epsilon"));
        Assert.Equal(new Runtime::ConvForge.DropoutAttribute().Rate, AttributeVocabulary.Default<double>("Dropout", "Rate"));
        Assert.Equal(new Runtime::ConvForge.LrnAttribute().Beta, AttributeVocabulary.Default<double>("Lrn", "Beta"));
        Assert.Equal(new Runtime::ConvForge.AvgPoolAttribute(2).CountIncludePad, AttributeVocabulary.Default<bool>("AvgPool", "CountIncludePad"));
    }

    private static Type AttributeType(string kind) => s_runtime.GetType("ConvForge." + kind + "Attribute", throwOnError: true)!;

    private static Dictionary<string, PropertyInfo> Properties(Type type)
        => type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.Name != nameof(Attribute.TypeId))
            .ToDictionary(p => p.Name, StringComparer.Ordinal);

    // Set by every constructor: the constructor gives it, there is no default to compare.
    private static bool IsRequired(Type type, string name)
        => type.GetConstructors().All(c => c.GetParameters().Any(p => Capitalized(p.Name!) == name));

    private static object New(Type type)
    {
        var constructor = type.GetConstructors().OrderBy(c => c.GetParameters().Length).First();
        var arguments = constructor.GetParameters().Select(p => p.ParameterType switch
        {
            var t when t == typeof(int) => (object)1,
            var t when t == typeof(Type) => typeof(object),
            var t when t.IsArray => Array.CreateInstance(t.GetElementType()!, 0),
            var t => throw new InvalidOperationException("no sample value for " + t),
        }).ToArray();
        return constructor.Invoke(arguments);
    }

    private static Type ClrType(ArgType type) => type switch
    {
        ArgType.Size or ArgType.Padding => typeof(int),
        ArgType.Real => typeof(double),
        ArgType.Flag => typeof(bool),
        ArgType.Text => typeof(string),
        ArgType.Texts => typeof(string[]),
        ArgType.Sizes => typeof(int[]),
        _ => typeof(Type),
    };

    private static string Capitalized(string name) => char.ToUpperInvariant(name[0]) + name.Substring(1);
}
