using System;

namespace ConvForge.Compiler.WeightFiles;

/// <summary>A weight file's header is truncated or malformed; the message says where and what.</summary>
internal sealed class WeightFileException : Exception
{
    public WeightFileException(string message)
        : base(message)
    {
    }
}
