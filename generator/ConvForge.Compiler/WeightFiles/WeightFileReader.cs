using System;
using System.Collections.Concurrent;
using System.IO;

namespace ConvForge.Compiler.WeightFiles;

/// <summary>A weight file's table, or why it could not be read.</summary>
/// <param name="Table">Null when <paramref name="Problem"/> says why.</param>
/// <param name="Problem">"it does not exist", "the file is truncated at byte 12: ...".</param>
public sealed record WeightFileReadResult(WeightFileTable? Table, string? Problem)
{
    public static WeightFileReadResult Failed(string problem) => new(null, problem);
}

/// <summary>
/// Reads the tensor table of a weight file: the format from the extension (.safetensors, .onnx), then the
/// header alone. Never throws for a bad file: every problem becomes <see cref="WeightFileReadResult.Problem"/>.
/// </summary>
public static class WeightFileReader
{
    /// <summary>How many files' tables are kept; a build names a handful.</summary>
    private const int CacheCapacity = 32;

    /// <summary>
    /// Tables by full path, valid while the file keeps its length and last write time. Plain data only (no
    /// Roslyn object), small (names and shapes), and bounded, so an editor session does not grow it forever.
    /// </summary>
    private static readonly ConcurrentDictionary<string, CacheEntry> Cache = new(StringComparer.Ordinal);

    /// <summary>The format a path's extension names, or null.</summary>
    public static WeightFileFormat? FormatOf(string path)
    {
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            return WeightFileFormat.SafeTensors;
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            return WeightFileFormat.Onnx;
        return null;
    }

    /// <summary>Reads a header from <paramref name="stream"/> (seekable, at the file's start).</summary>
    public static WeightFileReadResult Read(Stream stream, WeightFileFormat format)
    {
        try
        {
            var table = format == WeightFileFormat.Onnx ? OnnxHeaderReader.Read(stream) : SafeTensorsHeaderReader.Read(stream);
            return new WeightFileReadResult(table, null);
        }
        catch (WeightFileException e)
        {
            return WeightFileReadResult.Failed(e.Message);
        }
        catch (IOException e)
        {
            return WeightFileReadResult.Failed(e.Message);
        }
    }

    /// <summary>
    /// Reads the file at <paramref name="path"/>, or answers from the cache when the file has the length and
    /// last write time it had when read.
    /// </summary>
    public static WeightFileReadResult ReadFile(string path)
    {
        if (FormatOf(path) is not { } format)
            return WeightFileReadResult.Failed("ConvForge reads .safetensors and .onnx files, and the extension says neither");

        // RS1035 bans file access in analyzers because a build does not know to rerun them when a file they read
        // changes. This file is one of the compilation's AdditionalFiles, which the build does track; its text
        // (the only way Roslyn offers it) would be a lossy decoding of binary data, so the bytes come from disk.
#pragma warning disable RS1035
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
                return WeightFileReadResult.Failed("the file does not exist");
            var stamp = new CacheEntry(info.Length, info.LastWriteTimeUtc.Ticks, null!);
            if (Cache.TryGetValue(path, out var cached) && cached.Length == stamp.Length && cached.LastWriteTicks == stamp.LastWriteTicks)
                return cached.Result;

            WeightFileReadResult result;
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.RandomAccess))
                result = Read(stream, format);

            if (Cache.Count >= CacheCapacity)
                Cache.Clear();
            Cache[path] = stamp with { Result = result };
            return result;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException or System.Security.SecurityException)
        {
            return WeightFileReadResult.Failed(e.Message);
        }
#pragma warning restore RS1035
    }

    /// <summary>Forgets every cached table (for measurements of a cold read).</summary>
    public static void ClearCache() => Cache.Clear();

    private sealed record CacheEntry(long Length, long LastWriteTicks, WeightFileReadResult Result);
}
