using System.Collections.Concurrent;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// Checks files against a pinned SHA-256 of their decompressed content, and writes downloads so
/// that only verified content ever appears under its real name (temporary file in the same
/// directory, hash checked, then an atomic rename).
/// </summary>
internal static class VerifiedFile
{
    private const int ChunkBytes = 1 << 20;

    // Hashing 55 MB on every Load would cost more than reading it; a file already verified in this
    // process is trusted again while its length and write time are unchanged.
    private static readonly ConcurrentDictionary<string, (long Length, DateTime WrittenUtc, string Sha256)> _verified = new(StringComparer.Ordinal);

    public static void Verify(string path, string fileName, string expectedSha256)
    {
        string actual = Sha256Of(path);
        if (!string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException(
                $"{path}: SHA-256 of the content is {actual}, expected {expectedSha256.ToLowerInvariant()} for {fileName}; "
                + "the file is damaged or is not the original. Delete it and run again to download a fresh copy.");
        }
        Remember(path, actual);
    }

    /// <summary>The SHA-256 (lower-case hex) of a file's decompressed content; remembered while the file is unchanged.</summary>
    public static string Sha256Of(string path)
    {
        var info = new FileInfo(path);
        if (_verified.TryGetValue(path, out var known) && known.Length == info.Length && known.WrittenUtc == info.LastWriteTimeUtc)
        {
            return known.Sha256;
        }
        string actual;
        using (FileStream stream = IdxReader.OpenFile(path))
        {
            actual = CopyHashing(stream, Stream.Null, long.MaxValue, path);
        }
        Remember(path, actual);
        return actual;
    }

    /// <summary>Decompresses <paramref name="source"/> if it is gzip, checks size and hash, and only then renames it into place.</summary>
    public static string WriteAtomically(string directory, string fileName, Stream source, string expectedSha256, long maxBytes, string origin)
    {
        string final = Path.Combine(directory, fileName);
        string temp = Path.Combine(directory, $".{fileName}.{Guid.NewGuid():N}.partial");
        try
        {
            string actual;
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                actual = CopyHashing(source, output, maxBytes, origin);
                output.Flush(flushToDisk: true);
            }
            if (!string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException(
                    $"{origin}: SHA-256 of the content is {actual}, expected {expectedSha256.ToLowerInvariant()} for {fileName}; rejected");
            }
            File.Move(temp, final, overwrite: true);
            Remember(final, actual);
            return final;
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>Removes temporary files left by a process that died mid-download; call only while holding the directory lock.</summary>
    public static void DeleteLeftovers(string directory)
    {
        foreach (string path in Directory.EnumerateFiles(directory, ".*.partial")) TryDelete(path);
    }

    private static string CopyHashing(Stream source, Stream destination, long maxBytes, string origin)
    {
        Span<byte> sniff = stackalloc byte[2];
        int sniffed = source.ReadAtLeast(sniff, 2, throwOnEndOfStream: false);
        Stream content = new PrefixedStream(sniff[..sniffed], source);
        bool gzip = IdxReader.IsGzip(sniff[..sniffed]);
        if (gzip) content = new GZipStream(content, CompressionMode.Decompress);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[ChunkBytes];
        long total = 0;
        try
        {
            int n;
            while ((n = content.Read(buffer)) > 0)
            {
                total += n;
                if (total > maxBytes)
                {
                    throw new InvalidDataException($"{origin}: the content exceeds {maxBytes} bytes, more than any MNIST file; rejected");
                }
                hash.AppendData(buffer, 0, n);
                destination.Write(buffer, 0, n);
            }
        }
        catch (InvalidDataException e) when (gzip && !e.Message.StartsWith(origin, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{origin}: starts like gzip but is not a valid gzip stream ({e.Message})", e);
        }
        finally
        {
            if (gzip) content.Dispose();
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void Remember(string path, string sha256)
    {
        var info = new FileInfo(path);
        _verified[path] = (info.Length, info.LastWriteTimeUtc, sha256);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a leftover ".partial" never looks like a data file and is swept under the lock later.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
