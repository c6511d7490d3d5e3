using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace ConvForge.Generators.Tests.Infrastructure;

/// <summary>Emits a compilation (with the generated files) and loads it, to test what generated code does when it runs.</summary>
public static class RuntimeAssembly
{
    /// <summary>The loaded assembly; fails with the compiler's errors when it does not emit.</summary>
    public static Assembly Load(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        if (!result.Success)
            throw new InvalidOperationException("The test compilation does not emit:\n" + TestCompilation.Describe(result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return Assembly.Load(stream.ToArray());
    }

    /// <summary>An image of the compilation to reference from another compilation (a library of modules, say).</summary>
    public static MetadataReference Reference(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        if (!result.Success)
            throw new InvalidOperationException("The library does not emit:\n" + TestCompilation.Describe(result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return MetadataReference.CreateFromImage(stream.ToArray());
    }

    /// <summary>The value of a public constant or static property.</summary>
    public static object? Static(Type type, string name)
    {
        const BindingFlags Flags = BindingFlags.Public | BindingFlags.Static;
        if (type.GetField(name, Flags) is { } field)
            return field.IsLiteral ? field.GetRawConstantValue() : field.GetValue(null);
        if (type.GetProperty(name, Flags) is { } property)
            return property.GetValue(null);
        throw new InvalidOperationException($"{type.FullName} has no public static member {name}.");
    }

    /// <summary>The value of an instance property of any accessibility.</summary>
    public static object? Instance(object target, string name)
    {
        var property = target.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new InvalidOperationException($"{target.GetType().FullName} has no property {name}.");
        try
        {
            return property.GetValue(target);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            throw exception.InnerException;
        }
    }
}
