using System.Runtime.InteropServices;

namespace Microsoft.ML.Minibatch;

/// <summary>Asks the operating system to start reading pages of a memory-mapped file from disk now, without waiting for
/// them (<c>madvise(MADV_WILLNEED)</c>), so that the reads of many rows run together instead of one page fault at a
/// time when the rows are touched. On Linux and macOS; elsewhere it does nothing.</summary>
internal static unsafe class MappedPages
{
    private const int WillNeedAdvice = 3; // MADV_WILLNEED on Linux and macOS.
    private static readonly bool Supported = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();
    private static readonly long PageMask = ~((long)Environment.SystemPageSize - 1);

    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(void* address, nuint length, int advice);

    /// <summary>Requests the pages holding <paramref name="length"/> bytes at <paramref name="start"/>.</summary>
    public static void WillNeed(byte* start, long length)
    {
        if (!Supported) return;
        byte* page = (byte*)((long)start & PageMask);
        // Advice only: a failure leaves the pages to be read when touched.
        _ = Madvise(page, (nuint)(start + length - page), WillNeedAdvice);
    }
}
