using System;
using System.Text;

namespace ConvForge.Generators.Emitting;

/// <summary>
/// Builds C# text line by line with four-space indentation and '\n' line ends, so generated files are the
/// same byte for byte on every machine.
/// </summary>
internal sealed class IndentedTextWriter
{
    private const string IndentUnit = "    ";

    private readonly StringBuilder _text = new();
    private int _indent;

    /// <summary>Writes one line at the current indentation; an empty line has no trailing spaces.</summary>
    public void WriteLine(string line = "")
    {
        if (line.Length > 0)
        {
            for (var i = 0; i < _indent; i++)
                _text.Append(IndentUnit);
            _text.Append(line);
        }
        _text.Append('\n');
    }

    /// <summary>Writes every line of <paramref name="text"/> (written by another writer from indentation 0) at the current indentation.</summary>
    public void WriteLines(string text)
    {
        var lines = text.Split('\n');
        var count = lines[lines.Length - 1].Length == 0 ? lines.Length - 1 : lines.Length;
        for (var i = 0; i < count; i++)
            WriteLine(lines[i]);
    }

    /// <summary>Writes "{" and indents until the returned scope is disposed, which writes "}" (plus <paramref name="closingSuffix"/>).</summary>
    public Block OpenBlock(string closingSuffix = "")
    {
        WriteLine("{");
        _indent++;
        return new Block(this, closingSuffix);
    }

    /// <summary>Indents the following lines one more level until the returned scope is disposed.</summary>
    public Indentation Indent()
    {
        _indent++;
        return new Indentation(this);
    }

    public override string ToString() => _text.ToString();

    private void Unindent()
    {
        if (_indent > 0)
            _indent--;
    }

    /// <summary>A brace block; disposing it closes the brace.</summary>
    public readonly struct Block : IDisposable
    {
        private readonly IndentedTextWriter _writer;
        private readonly string _closingSuffix;

        internal Block(IndentedTextWriter writer, string closingSuffix)
        {
            _writer = writer;
            _closingSuffix = closingSuffix;
        }

        public void Dispose()
        {
            _writer.Unindent();
            _writer.WriteLine("}" + _closingSuffix);
        }
    }

    /// <summary>One level of indentation without braces (continued expressions).</summary>
    public readonly struct Indentation : IDisposable
    {
        private readonly IndentedTextWriter _writer;

        internal Indentation(IndentedTextWriter writer) => _writer = writer;

        public void Dispose() => _writer.Unindent();
    }
}
