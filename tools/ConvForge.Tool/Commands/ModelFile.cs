using System;
using System.IO;
using ConvForge.Onnx.Import;
using Spectre.Console;

namespace ConvForge.Tool.Commands;

/// <summary>Reads ONNX files, with a progress bar for large ones (a VGG or a ResNet-152 is hundreds of megabytes).</summary>
internal static class ModelFile
{
    private const long ProgressThreshold = 32L << 20;
    private const int Chunk = 4 << 20;

    public static OnnxModel Load(IAnsiConsole console, FileInfo file)
    {
        if (!file.Exists)
            throw new FileNotFoundException($"{file.FullName} does not exist.", file.FullName);
        if (file.Length > int.MaxValue)
            throw new NotSupportedException($"{file.Name} is {file.Length:N0} bytes; ConvForge reads ONNX files up to 2 GB (larger ones keep their weights in external files).");
        byte[] bytes;
        if (file.Length < ProgressThreshold || !console.Profile.Capabilities.Interactive)
        {
            bytes = File.ReadAllBytes(file.FullName);
        }
        else
        {
            bytes = new byte[file.Length];
            console.Progress().Start(context =>
            {
                var task = context.AddTask($"Reading {Markup.Escape(file.Name)}", maxValue: file.Length);
                using var stream = file.OpenRead();
                var read = 0;
                while (read < bytes.Length)
                {
                    var n = stream.Read(bytes, read, Math.Min(Chunk, bytes.Length - read));
                    if (n == 0)
                        throw new EndOfStreamException($"{file.Name} ended after {read:N0} of {bytes.Length:N0} bytes.");
                    read += n;
                    task.Value = read;
                }
            });
        }
        try
        {
            return OnnxModel.Parse(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{file.Name}: {e.Message}", e);
        }
    }
}
