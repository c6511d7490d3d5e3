using System.Collections.Generic;
using System.IO;
using System.Text;

namespace ConvForge.Compiler.WeightFiles;

/// <summary>
/// Reads a safetensors file's header: an 8-byte little-endian length, then that many bytes of JSON mapping
/// each tensor name to {"dtype", "shape", "data_offsets"} (and "__metadata__" to strings). The data after
/// it is never read; its length only bounds the offsets. The JSON is parsed by <see cref="HeaderJson"/>, as
/// an analyzer cannot count on System.Text.Json being loaded.
/// </summary>
internal static class SafeTensorsHeaderReader
{
    /// <summary>The largest header accepted (the reference implementation's limit).</summary>
    public const long MaxHeaderLength = 100_000_000;

    public static WeightFileTable Read(Stream stream)
    {
        var fileLength = stream.Length;
        var prefix = ReadExactly(stream, 8, "the 8-byte header length");
        ulong headerLength = 0;
        for (var i = 7; i >= 0; i--)
            headerLength = (headerLength << 8) | prefix[i];
        if (headerLength > MaxHeaderLength)
            throw new WeightFileException($"the header length {headerLength} is over the safetensors limit of {MaxHeaderLength} bytes (the file is corrupt or not safetensors)");
        if ((long)headerLength > fileLength - 8)
            throw new WeightFileException($"the header length {headerLength} runs past the end of the {fileLength}-byte file (the file is truncated or corrupt)");

        var json = Encoding.UTF8.GetString(ReadExactly(stream, (int)headerLength, "the header"));
        var dataLength = fileLength - 8 - (long)headerLength;
        return new WeightFileTable(WeightFileFormat.SafeTensors, HeaderJson.ReadTensors(json, dataLength).ToEquatableArray(), EquatableArray<OnnxWeightedNode>.Empty);
    }

    private static byte[] ReadExactly(Stream stream, int count, string what)
    {
        var bytes = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = stream.Read(bytes, read, count - read);
            if (n == 0)
                throw new WeightFileException($"the file ends after {read} of the {count} bytes of {what}");
            read += n;
        }
        return bytes;
    }

    /// <summary>Bytes per element of a safetensors dtype; 0 for one it does not define.</summary>
    public static int ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => 0,
    };
}

/// <summary>
/// The small JSON reader the safetensors header needs: objects, arrays, strings with escapes, integers,
/// and the other literals skipped over. Errors name the character offset.
/// </summary>
internal sealed class HeaderJson
{
    private const int MaxDepth = 64;

    private readonly string _text;
    private int _position;

    private HeaderJson(string text) => _text = text;

    /// <summary>The tensors of a safetensors header, in the order written; offsets are checked against <paramref name="dataLength"/>.</summary>
    public static List<WeightTensor> ReadTensors(string json, long dataLength)
    {
        var reader = new HeaderJson(json);
        var tensors = new List<WeightTensor>();
        var names = new HashSet<string>(System.StringComparer.Ordinal);
        reader.SkipWhitespace();
        reader.Expect('{');
        if (!reader.TryConsume('}'))
        {
            do
            {
                var name = reader.ReadString();
                reader.Expect(':');
                if (name == "__metadata__")
                    reader.SkipValue(0);
                else if (!names.Add(name))
                    throw Invalid($"the tensor '{name}' is listed twice");
                else
                    tensors.Add(reader.ReadTensor(name, dataLength));
            }
            while (reader.TryConsume(','));
            reader.Expect('}');
        }
        reader.SkipWhitespace();
        if (reader._position != json.Length && !IsPadding(json, reader._position))
            throw reader.Error("text after the header's object");
        return tensors;
    }

    // The format pads the header with spaces to an 8-byte boundary; some writers pad with NULs.
    private static bool IsPadding(string json, int from)
    {
        for (var i = from; i < json.Length; i++)
        {
            if (json[i] is not (' ' or '\0'))
                return false;
        }
        return true;
    }

    private WeightTensor ReadTensor(string name, long dataLength)
    {
        string? dtype = null;
        List<long>? shape = null;
        List<long>? offsets = null;
        Expect('{');
        if (!TryConsume('}'))
        {
            do
            {
                var key = ReadString();
                Expect(':');
                switch (key)
                {
                    case "dtype": dtype = ReadString(); break;
                    case "shape": shape = ReadIntegers(); break;
                    case "data_offsets": offsets = ReadIntegers(); break;
                    default: SkipValue(1); break;
                }
            }
            while (TryConsume(','));
            Expect('}');
        }
        if (dtype is null || shape is null || offsets is null)
            throw Invalid($"the tensor '{name}' lacks {(dtype is null ? "\"dtype\"" : shape is null ? "\"shape\"" : "\"data_offsets\"")}");
        if (offsets.Count != 2 || offsets[0] > offsets[1] || offsets[1] > dataLength)
            throw Invalid($"the tensor '{name}' has data_offsets [{string.Join(", ", offsets)}] outside the {dataLength} bytes of data (the file is truncated or corrupt)");
        var size = SafeTensorsHeaderReader.ElementSize(dtype);
        if (size > 0)
        {
            var bytes = (decimal)size;
            foreach (var dimension in shape)
                bytes *= dimension;
            if (bytes != offsets[1] - offsets[0])
                throw Invalid($"the tensor '{name}' ({dtype} [{string.Join(", ", shape)}]) needs {bytes} bytes but data_offsets give {offsets[1] - offsets[0]}");
        }
        return new WeightTensor(name, dtype, shape.ToEquatableArray());
    }

    private List<long> ReadIntegers()
    {
        var values = new List<long>();
        Expect('[');
        if (TryConsume(']'))
            return values;
        do
            values.Add(ReadInteger());
        while (TryConsume(','));
        Expect(']');
        return values;
    }

    private long ReadInteger()
    {
        SkipWhitespace();
        var start = _position;
        long value = 0;
        while (_position < _text.Length && _text[_position] is >= '0' and <= '9')
        {
            if (value > (long.MaxValue - 9) / 10)
                throw Error("an integer too large");
            value = value * 10 + (_text[_position++] - '0');
        }
        if (_position == start)
            throw Error("expected a non-negative integer");
        return value;
    }

    private string ReadString()
    {
        SkipWhitespace();
        if (_position >= _text.Length || _text[_position] != '"')
            throw Error("expected a string");
        _position++;
        var builder = new StringBuilder();
        while (true)
        {
            if (_position >= _text.Length)
                throw Error("the header ends inside a string");
            var c = _text[_position++];
            if (c == '"')
                return builder.ToString();
            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }
            if (_position >= _text.Length)
                throw Error("the header ends inside a string");
            var escaped = _text[_position++];
            switch (escaped)
            {
                case '"': builder.Append('"'); break;
                case '\\': builder.Append('\\'); break;
                case '/': builder.Append('/'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'u':
                    if (_position + 4 > _text.Length
                        || !int.TryParse(_text.Substring(_position, 4), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var code))
                        throw Error("a bad \\u escape");
                    builder.Append((char)code);
                    _position += 4;
                    break;
                default:
                    throw Error($"the escape \\{escaped}");
            }
        }
    }

    private void SkipValue(int depth)
    {
        if (depth > MaxDepth)
            throw Error($"values nested deeper than {MaxDepth}");
        SkipWhitespace();
        if (_position >= _text.Length)
            throw Error("the header ends where a value should be");
        switch (_text[_position])
        {
            case '"':
                ReadString();
                return;
            case '{':
                _position++;
                if (TryConsume('}'))
                    return;
                do
                {
                    ReadString();
                    Expect(':');
                    SkipValue(depth + 1);
                }
                while (TryConsume(','));
                Expect('}');
                return;
            case '[':
                _position++;
                if (TryConsume(']'))
                    return;
                do
                    SkipValue(depth + 1);
                while (TryConsume(','));
                Expect(']');
                return;
            default:
                // A number or a literal: the characters up to the next delimiter.
                var start = _position;
                while (_position < _text.Length && _text[_position] is not (',' or '}' or ']' or ' ' or '\t' or '\n' or '\r'))
                    _position++;
                var token = _text.Substring(start, _position - start);
                if (token is not ("true" or "false" or "null") && !double.TryParse(token, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
                    throw Error($"'{(token.Length > 20 ? token.Substring(0, 20) + "..." : token)}' is not a JSON value");
                return;
        }
    }

    private void Expect(char c)
    {
        if (!TryConsume(c))
            throw Error(_position < _text.Length ? $"expected '{c}', found '{_text[_position]}'" : $"expected '{c}', but the header ends");
    }

    private bool TryConsume(char c)
    {
        SkipWhitespace();
        if (_position < _text.Length && _text[_position] == c)
        {
            _position++;
            return true;
        }
        return false;
    }

    private void SkipWhitespace()
    {
        while (_position < _text.Length && _text[_position] is ' ' or '\t' or '\n' or '\r')
            _position++;
    }

    private WeightFileException Error(string what) => new($"the JSON header is malformed at character {_position}: {what}");

    /// <summary>Well-formed JSON that is not a valid safetensors header.</summary>
    private static WeightFileException Invalid(string what) => new("the header is invalid: " + what);
}
