namespace Microsoft.ML.Minibatch.NN;

/// <summary>
/// Writes a file atomically: the bytes go to a temporary file in the same directory, which replaces the target only
/// once it is completely written and flushed, so a failure at any point leaves the previous file untouched and no
/// temporary file behind.
/// </summary>
internal static class AtomicFile
{
    /// <param name="path">Destination file.</param>
    /// <param name="write">Writes the content.</param>
    /// <param name="wrapStream">Test seam: wraps the temporary file's stream (e.g. to inject a failure).</param>
    public static void Write(string path, Action<Stream> write, Func<Stream, Stream>? wrapStream = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{path}' has no directory.", nameof(path));
        // Same directory, so the final move is a rename on the same volume.
        string temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                Stream target = wrapStream is null ? file : wrapStream(file);
                write(target);
                target.Flush();
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original failure matters more than a leftover temporary file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
