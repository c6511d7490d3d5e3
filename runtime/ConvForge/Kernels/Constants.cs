namespace ConvForge.Kernels;

/// <summary>
/// An integer carried by a struct type, so a generic kernel can take a count (pixels in a register
/// tile, output blocks) as a JIT-time constant: code guarded by <c>if (TCount.Value &gt; k)</c>
/// disappears from instantiations where it is false.
/// </summary>
internal interface IConstant
{
    static abstract int Value { get; }
}

#pragma warning disable CS1591 // the names say it
internal readonly struct C1 : IConstant { public static int Value => 1; }
internal readonly struct C2 : IConstant { public static int Value => 2; }
internal readonly struct C3 : IConstant { public static int Value => 3; }
internal readonly struct C4 : IConstant { public static int Value => 4; }
internal readonly struct C5 : IConstant { public static int Value => 5; }
internal readonly struct C6 : IConstant { public static int Value => 6; }
internal readonly struct C7 : IConstant { public static int Value => 7; }
internal readonly struct C8 : IConstant { public static int Value => 8; }
internal readonly struct C9 : IConstant { public static int Value => 9; }
internal readonly struct C10 : IConstant { public static int Value => 10; }
internal readonly struct C11 : IConstant { public static int Value => 11; }
internal readonly struct C12 : IConstant { public static int Value => 12; }
internal readonly struct C13 : IConstant { public static int Value => 13; }
internal readonly struct C14 : IConstant { public static int Value => 14; }
internal readonly struct C16 : IConstant { public static int Value => 16; }
#pragma warning restore CS1591
