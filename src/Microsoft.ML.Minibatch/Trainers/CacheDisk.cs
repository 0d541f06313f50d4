using System.Globalization;

namespace Microsoft.ML.Minibatch;

/// <summary>The two ways writing rows to disk fails, each as one <see cref="IOException"/> that says what to do.</summary>
internal static class CacheDisk
{
    /// <summary>Throws when the disk of <paramref name="directory"/> has less than <paramref name="bytes"/> free; the
    /// message names <paramref name="what"/> ("training data") and ends with <paramref name="fix"/>, what to change.</summary>
    public static void RequireSpace(string directory, long bytes, string what, string fix)
    {
        long free = new DriveInfo(Path.GetFullPath(directory)).AvailableFreeSpace;
        if (free < bytes)
            throw new IOException(string.Create(CultureInfo.InvariantCulture,
                $"The {what} needs {bytes / 1e9:F2} GB on disk in {directory}, which has {free / 1e9:F2} GB free. {fix}"));
    }

    /// <summary>The error for a write that failed after <paramref name="rows"/> rows (a full disk, say).</summary>
    public static IOException WriteFailed(string what, string where, long rows, IOException cause, string fix) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Writing the {what} to {where} failed after {rows} rows: {cause.Message} {fix}"), cause);
}
