using System.Collections.Generic;
using System.Globalization;

namespace ConvForge.Compiler.WeightFiles;

/// <summary>How weight file messages write shapes and lists.</summary>
internal static class WeightFileText
{
    /// <summary>How many items a message lists before "and N more".</summary>
    public const int ItemsListed = 5;

    public static string Shape(EquatableArray<long> shape)
    {
        var parts = new string[shape.Count];
        for (var i = 0; i < parts.Length; i++)
            parts[i] = shape[i].ToString(CultureInfo.InvariantCulture);
        return "[" + string.Join(", ", parts) + "]";
    }

    public static string Shape(EquatableArray<int> shape)
    {
        var parts = new string[shape.Count];
        for (var i = 0; i < parts.Length; i++)
            parts[i] = shape[i].ToString(CultureInfo.InvariantCulture);
        return "[" + string.Join(", ", parts) + "]";
    }

    /// <summary>"a, b, c, d, e and 3 more".</summary>
    public static string List(IReadOnlyList<string> items)
    {
        if (items.Count <= ItemsListed)
            return string.Join(", ", items);
        var shown = new string[ItemsListed];
        for (var i = 0; i < ItemsListed; i++)
            shown[i] = items[i];
        return string.Join(", ", shown) + " and " + (items.Count - ItemsListed).ToString(CultureInfo.InvariantCulture) + " more";
    }

    public static string Count(int count, string noun) => count.ToString(CultureInfo.InvariantCulture) + " " + noun + (count == 1 ? "" : "s");
}
