using System;
using System.Collections.Generic;
using ConvForge.Compiler.Diagnostics;
using ConvForge.Compiler.Spec;

namespace ConvForge.Compiler.Interpretation;

/// <summary>
/// Reads one attribute's arguments by name with their expected kinds, reporting wrong kinds,
/// out-of-range values, unknown and repeated arguments. A value that fails a check is reported
/// once and replaced by its default so reading can go on; <see cref="IsValid"/> turns false.
/// </summary>
internal sealed class ArgumentReader
{
    private readonly Dictionary<string, ArgValue?> _args = new(StringComparer.Ordinal);
    private readonly Func<string?, Site> _site;
    private readonly DiagnosticSink _sink;

    public ArgumentReader(OpSpec op, string kind, ICollection<string> known, string label, bool inModule, Func<string?, Site> site, DiagnosticSink sink)
    {
        Kind = kind;
        Label = label;
        InModule = inModule;
        _site = site;
        _sink = sink;
        foreach (var arg in op.Arguments)
        {
            // The parser leaves out arguments that did not bind; anything else unnamed is unreadable.
            if (arg is null || string.IsNullOrEmpty(arg.Name))
                continue;
            if (!known.Contains(arg.Name))
            {
                Invalid(arg.Name, $"{Label}: {Kind} has no argument '{arg.Name}'");
                continue;
            }
            if (_args.ContainsKey(arg.Name))
            {
                Conflict(arg.Name, $"{Label}: {arg.Name} is given twice");
                continue;
            }
            _args.Add(arg.Name, arg.Value);
        }
    }

    /// <summary>The attribute kind ("Conv").</summary>
    public string Kind { get; }

    /// <summary>The node name the attribute becomes, for messages ("Conv1", "Conv1.Conv").</summary>
    public string Label { get; }

    /// <summary>True when the attribute sits in a [NetworkModule] class.</summary>
    public bool InModule { get; }

    /// <summary>False once any argument was reported.</summary>
    public bool IsValid { get; private set; } = true;

    public bool Has(string name) => _args.ContainsKey(name);

    public Site SiteOf(string? argument) => _site(argument);

    public void Invalid(string? argument, string message) => Report(DiagnosticIds.InvalidArgument, argument, message);

    public void Conflict(string? argument, string message) => Report(DiagnosticIds.ConflictingArguments, argument, message);

    public void TooLarge(string? argument, string message) => Report(DiagnosticIds.TooLarge, argument, message);

    public void Report(DiagnosticRule rule, string? argument, string message)
    {
        _sink.Report(rule, _site(argument), message);
        if (rule.Severity == Severity.Error)
            IsValid = false;
    }

    /// <summary>An integer argument as written, or null when absent or of the wrong kind.</summary>
    public long? Integer(string name)
    {
        var value = Value(name, ArgKind.Int, "an integer");
        return value?.Integer;
    }

    /// <summary>A size: at least 1 and at most <see cref="Limits.MaxDimension"/>.</summary>
    public int Size(string name, int fallback) => Ranged(name, fallback, 1);

    /// <summary>A size, or its default from <see cref="AttributeVocabulary"/>.</summary>
    public int Size(string name) => Size(name, AttributeVocabulary.Default<int>(Kind, name));

    /// <summary>A padding, or its default from <see cref="AttributeVocabulary"/>.</summary>
    public int Padding(string name) => Padding(name, AttributeVocabulary.Default<int>(Kind, name));

    /// <summary>A flag, or its default from <see cref="AttributeVocabulary"/>.</summary>
    public bool Flag(string name) => Flag(name, AttributeVocabulary.Default<bool>(Kind, name));

    /// <summary>A number, or its default from <see cref="AttributeVocabulary"/>.</summary>
    public double Real(string name) => Real(name, AttributeVocabulary.Default<double>(Kind, name));

    /// <summary>A padding: at least 0 and at most <see cref="Limits.MaxDimension"/>.</summary>
    public int Padding(string name, int fallback) => Ranged(name, fallback, 0);

    private int Ranged(string name, int fallback, int minimum)
    {
        var value = Integer(name);
        if (value is null)
            return fallback;
        if (value.Value < minimum)
        {
            Invalid(name, minimum == 0
                ? $"{Label}: {name} cannot be negative, got {Text.Int(value.Value)}"
                : $"{Label}: {name} must be at least {Text.Int(minimum)}, got {Text.Int(value.Value)}");
            return fallback;
        }
        if (value.Value > Limits.MaxDimension)
        {
            TooLarge(name, $"{Label}: {name} = {Text.Count(value.Value)} is over the limit of {Text.Count(Limits.MaxDimension)}");
            return fallback;
        }
        return (int)value.Value;
    }

    public bool Flag(string name, bool fallback)
    {
        var value = Value(name, ArgKind.Bool, "true or false");
        return value is null ? fallback : value.Integer != 0;
    }

    /// <summary>A finite number; integers are accepted too.</summary>
    public double Real(string name, double fallback)
    {
        if (!_args.TryGetValue(name, out var value))
            return fallback;
        double real;
        if (value is not null && value.Kind == ArgKind.Double)
            real = value.Real;
        else if (value is not null && value.Kind == ArgKind.Int)
            real = value.Integer;
        else
        {
            WrongKind(name, value, "a number");
            return fallback;
        }
        if (double.IsNaN(real) || double.IsInfinity(real))
        {
            Invalid(name, $"{Label}: {name} must be a finite number, got {Text.Real(real)}");
            return fallback;
        }
        return real;
    }

    public string? String(string name) => Value(name, ArgKind.String, "a string")?.Text;

    /// <summary>A string array; a single string is read as an array of one.</summary>
    public string?[]? Strings(string name)
    {
        if (!_args.TryGetValue(name, out var value))
            return null;
        if (value is not null && value.Kind == ArgKind.StringArray)
        {
            var items = new string?[value.Texts.Count];
            for (var i = 0; i < items.Length; i++)
                items[i] = value.Texts[i];
            return items;
        }
        if (value is not null && value.Kind == ArgKind.String)
            return new[] { value.Text };
        WrongKind(name, value, "layer names");
        return null;
    }

    public long[]? Integers(string name)
    {
        var value = Value(name, ArgKind.IntArray, "an array of integers");
        if (value is null)
            return null;
        var items = new long[value.Integers.Count];
        for (var i = 0; i < items.Length; i++)
            items[i] = value.Integers[i];
        return items;
    }

    public string? TypeName(string name) => Value(name, ArgKind.Type, "a typeof(...) type")?.Text;

    private ArgValue? Value(string name, ArgKind kind, string expected)
    {
        if (!_args.TryGetValue(name, out var value))
            return null;
        if (value is null || value.Kind != kind)
        {
            WrongKind(name, value, expected);
            return null;
        }
        return value;
    }

    private void WrongKind(string name, ArgValue? value, string expected)
        => Invalid(name, $"{Label}: {name} must be {expected}, got {Describe(value)}");

    private static string Describe(ArgValue? value)
    {
        if (value is null)
            return "no value";
        switch (value.Kind)
        {
            case ArgKind.Int:
                return "the integer " + Text.Int(value.Integer);
            case ArgKind.Double:
                return "the number " + Text.Real(value.Real);
            case ArgKind.Bool:
                return value.Integer != 0 ? "true" : "false";
            case ArgKind.String:
                return value.Text is null ? "null" : "\"" + value.Text + "\"";
            case ArgKind.Type:
                return "the type " + (value.Text ?? "?");
            case ArgKind.IntArray:
                return "an array of integers";
            case ArgKind.StringArray:
                return "an array of strings";
            default:
                return "an unreadable value";
        }
    }
}
