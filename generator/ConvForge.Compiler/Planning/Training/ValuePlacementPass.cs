namespace ConvForge.Compiler.Planning.Training;

/// <summary>
/// Training pass 2: every value at its own offset of one image's slice, one after another in value order (the input
/// first), with no reuse: the backward pass reads every output of the forward pass, so nothing dies before the batch
/// is done. The image length is the sum of the values' lengths. Blocked lengths are multiples of 16 floats, so every
/// value after a 16-float-aligned start stays aligned; the plain input is the one value whose length may not be.
/// </summary>
internal static class ValuePlacementPass
{
    public static void Run(TrainingWork work)
    {
        long offset = 0;
        foreach (var value in work.Values)
        {
            value.Offset = offset;
            offset += value.Length;
        }
        work.ImageLength = offset;
        if (offset > int.MaxValue)
            work.Problem ??= "one image's training values do not fit the int offsets of the generated code.";
    }
}
