using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>Software prefetches of dataset rows, for gathers and <see cref="Dataset.Prefetch"/>: a batch's rows sit at
/// random places in tens of megabytes, where the hardware prefetcher cannot guess them.</summary>
internal static class RowPrefetch
{
    /// <summary>Requests the cache lines of <paramref name="values"/>[<paramref name="start"/> … + <paramref name="length"/>):
    /// into the first-level cache when the row is read next, else into the second-level cache, where it can wait while
    /// other work runs without crowding the first.</summary>
    public static unsafe void Row<T>(ReadOnlySpan<T> values, long start, int length, bool readNext) where T : unmanaged
    {
        if (!Sse.IsSupported) return;
        fixed (T* p = values)
        {
            for (byte* line = (byte*)(p + start), end = (byte*)(p + start + length); line < end; line += 64)
            {
                if (readNext) Sse.Prefetch0(line);
                else Sse.Prefetch1(line);
            }
        }
    }

    /// <summary>The rows named by <paramref name="indices"/> (of <paramref name="rowLength"/> values each; indices
    /// outside 0 … <paramref name="rowCount"/> − 1 are skipped) into the second-level cache.</summary>
    public static void Rows<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> indices, int rowLength, int rowCount) where T : unmanaged
    {
        foreach (int row in indices)
        {
            if ((uint)row < (uint)rowCount) Row(values, (long)row * rowLength, rowLength, readNext: false);
        }
    }
}
