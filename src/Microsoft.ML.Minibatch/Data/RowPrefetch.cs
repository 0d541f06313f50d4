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
        fixed (T* p = values) Row((byte*)(p + start), (long)length * sizeof(T), readNext);
    }

    /// <summary><see cref="Row{T}"/> on <paramref name="bytes"/> bytes at <paramref name="row"/>: for rows addressed past
    /// what a span reaches (a memory-mapped file of more than 2 GB).</summary>
    public static unsafe void Row(byte* row, long bytes, bool readNext)
    {
        if (!Sse.IsSupported) return;
        for (byte* line = row, end = row + bytes; line < end; line += 64)
        {
            if (readNext) Sse.Prefetch0(line);
            else Sse.Prefetch1(line);
        }
    }

    /// <summary>The rows named by <paramref name="indices"/> (of <paramref name="rowLength"/> values each; indices
    /// outside 0 … <paramref name="rowCount"/> − 1 are skipped) into the second-level cache.</summary>
    public static unsafe void Rows<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> indices, int rowLength, int rowCount) where T : unmanaged
    {
        fixed (T* p = values) Rows((byte*)p, (long)rowLength * sizeof(T), indices, rowCount);
    }

    /// <summary><see cref="Rows{T}"/> on rows of <paramref name="rowBytes"/> bytes from <paramref name="first"/>.</summary>
    public static unsafe void Rows(byte* first, long rowBytes, ReadOnlySpan<int> indices, int rowCount)
    {
        if (!Sse.IsSupported) return;
        foreach (int row in indices)
        {
            if ((uint)row < (uint)rowCount) Row(first + row * rowBytes, rowBytes, readNext: false);
        }
    }
}
