using System.IO.Compression;
using Microsoft.ML.Minibatch.Onnx;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// Reads our network back out of a model zip that <c>ml.Model.Save</c> wrote: checks that every local header agrees
/// with the central directory and every entry's CRC-32 (neither of which .NET's <see cref="ZipArchive"/> nor ML.NET's
/// loader does), then finds the ONNX models among the entries and keeps the last one that is ours. Any damage becomes one <see cref="InvalidDataException"/> naming the file.
/// </summary>
internal static class ModelZip
{
    /// <summary>The name ML.NET gives the entry holding an <c>ApplyOnnxModel</c> transformer's ONNX bytes.</summary>
    private const string OnnxEntryName = "OnnxModel";

    /// <summary>Entries larger than this are not models this library wrote (its largest networks are far smaller).</summary>
    private const long MaxEntryBytes = 1L << 31;

    public static MinibatchTransformer ReadNetwork(Stream stream, string fileName)
    {
        OnnxMlpContents? found = null;
        byte[]? foundBytes = null;
        string? foundEntry = null;
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            stream = copy;
        }
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            ZipHeaders.Check(stream, fileName);
            foreach (var entry in zip.Entries)
            {
                bool isOnnx = entry.Name == OnnxEntryName;
                byte[]? bytes = ReadChecked(entry, fileName, keep: isOnnx);
                if (bytes is null) continue;
                var onnx = OnnxBytes(bytes, fileName, entry.FullName);
                var contents = OnnxMlp.Read(onnx, $"Model file '{fileName}', entry {entry.FullName}");
                if (!SavedNetwork.IsOurs(contents)) continue;
                found = contents;
                foundBytes = onnx.ToArray();
                foundEntry = entry.FullName;
            }
        }
        catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException)
        {
            throw new InvalidDataException($"Model file '{fileName}' is not a readable zip ({e.Message}).", e);
        }
        catch (InvalidDataException e) when (!e.Message.Contains(fileName, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Model file '{fileName}' is damaged or not a model zip ({e.Message}).", e);
        }
        if (found is null)
            throw new InvalidDataException($"Model file '{fileName}' holds no minibatch network.");
        var model = SavedNetwork.FromOnnx(found, $"Model file '{fileName}', entry {foundEntry}", out int format);
        // The graph is what ML.NET runs, while we rebuild from the weights and metadata: they must be one model. Our
        // writer is deterministic for a format version (SavedNetwork refuses other versions), so the model it writes
        // for the rebuilt network, under the file's own producer version and format, must be the stored one, byte for byte.
        if (!SavedNetwork.ToOnnx(model, OnnxLayout.Row, found.ProducerVersion, format).AsSpan().SequenceEqual(foundBytes))
            throw new InvalidDataException($"Model file '{fileName}', entry {foundEntry}: the ONNX graph is not the one this library writes for the network it holds (changed or damaged).");
        return model;
    }

    /// <summary>ML.NET stores the ONNX model as a little-endian int32 length followed by the model's bytes.</summary>
    private static ReadOnlySpan<byte> OnnxBytes(byte[] entry, string fileName, string entryName)
    {
        if (entry.Length < 4 || System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(entry) != entry.Length - 4)
            throw new InvalidDataException($"Model file '{fileName}': entry {entryName} does not hold one length-prefixed ONNX model.");
        return entry.AsSpan(4);
    }

    /// <summary>Reads an entry to its end, checking its length and CRC-32; returns the bytes when asked to keep them.</summary>
    private static byte[]? ReadChecked(ZipArchiveEntry entry, string fileName, bool keep)
    {
        if (entry.Length > MaxEntryBytes)
            throw new InvalidDataException($"Model file '{fileName}': entry {entry.FullName} claims {entry.Length} bytes, more than a model holds.");
        using var input = entry.Open();
        var kept = keep ? new MemoryStream((int)Math.Min(entry.Length, 1 << 20)) : null;
        var buffer = new byte[81920];
        var crc = new System.IO.Hashing.Crc32();
        long total = 0;
        int n;
        while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
        {
            total += n;
            if (total > entry.Length)
                throw new InvalidDataException($"Model file '{fileName}': entry {entry.FullName} is longer than its recorded {entry.Length} bytes.");
            crc.Append(buffer.AsSpan(0, n));
            kept?.Write(buffer, 0, n);
        }
        if (total != entry.Length)
            throw new InvalidDataException($"Model file '{fileName}': entry {entry.FullName} holds {total} bytes, not its recorded {entry.Length}.");
        if (crc.GetCurrentHashAsUInt32() != entry.Crc32)
            throw new InvalidDataException($"Model file '{fileName}': entry {entry.FullName} fails its CRC-32 check (damaged).");
        return kept?.ToArray();
    }
}
