using System;
using System.Collections.Generic;
using System.Linq;

namespace ConvForge.Demo.Sections;

/// <summary>A plain fixed-width console table: text columns left-aligned, numeric columns right-aligned.</summary>
internal sealed class TextTable
{
    private readonly string[] _headers;
    private readonly bool[] _rightAligned;
    private readonly List<string[]> _rows = new();

    /// <summary>Columns whose header ends with '>' are right-aligned (the '>' is not printed).</summary>
    public TextTable(params string[] headers)
    {
        _rightAligned = headers.Select(h => h.EndsWith('>')).ToArray();
        _headers = headers.Select(h => h.TrimEnd('>')).ToArray();
    }

    public void Add(params string[] cells)
    {
        if (cells.Length != _headers.Length)
            throw new ArgumentException($"expected {_headers.Length} cells, got {cells.Length}", nameof(cells));
        _rows.Add(cells);
    }

    public void Print()
    {
        var widths = _headers.Select((h, c) => _rows.Select(r => r[c].Length).Append(h.Length).Max()).ToArray();
        PrintRow(_headers, widths);
        PrintRow(widths.Select(w => new string('-', w)).ToArray(), widths);
        foreach (var row in _rows)
            PrintRow(row, widths);
    }

    private void PrintRow(string[] cells, int[] widths)
    {
        var padded = cells.Select((cell, c) => _rightAligned[c] ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]));
        Console.WriteLine(string.Join("  ", padded).TrimEnd());
    }
}
