using System.Collections.Generic;
using System.Linq;

namespace ConvForge.Compiler.Planning;

/// <summary>
/// Pass 4: the static memory plan. Every root tensor in the arena lives from the first step that writes
/// it (or any slice or alias of it) to the last step that reads it; tensors whose lifetimes do not overlap
/// share floats. Placement is greedy, largest first, lowest fitting offset, aligned to 64 bytes. Lengths are
/// those of 16-channel blocks, so the offsets serve every family.
/// </summary>
internal static class MemoryPlanPass
{
    private const int AlignmentFloats = 16;

    public static void Run(WorkProgram program)
    {
        var first = new Dictionary<WorkTensor, int>();
        var last = new Dictionary<WorkTensor, int>();
        for (var s = 0; s < program.Steps.Count; s++)
        {
            foreach (var tensor in program.Steps[s].Touched)
            {
                var root = tensor.Root;
                if (root.Storage != Storage.Arena)
                    continue;
                if (!first.ContainsKey(root) || s < first[root])
                    first[root] = s;
                if (!last.ContainsKey(root) || s > last[root])
                    last[root] = s;
            }
        }

        var placed = new List<(long Offset, long Length, int First, int Last)>();
        var offsets = new Dictionary<WorkTensor, long>();
        long arena = 0;
        foreach (var root in first.Keys.OrderByDescending(t => t.Length).ThenBy(t => t.Id))
        {
            var length = Align(root.Length);
            long offset = 0;
            foreach (var other in placed.Where(p => p.First <= last[root] && first[root] <= p.Last).OrderBy(p => p.Offset))
            {
                if (offset + length <= other.Offset)
                    break;
                offset = System.Math.Max(offset, Align(other.Offset + other.Length));
            }
            placed.Add((offset, length, first[root], last[root]));
            offsets[root] = offset;
            arena = System.Math.Max(arena, offset + length);
        }

        long OffsetOf(WorkTensor t)
        {
            if (t.Parent is not null)
                return OffsetOf(t.Parent) + t.OffsetInParent;
            return offsets.TryGetValue(t, out var o) ? o : 0;
        }

        foreach (var tensor in program.Tensors)
            tensor.Offset = OffsetOf(tensor);
        program.ArenaLength = arena;
    }

    private static long Align(long floats) => (floats + AlignmentFloats - 1) / AlignmentFloats * AlignmentFloats;
}
