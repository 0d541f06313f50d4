using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// The training rows kept in a file the user names (<see cref="MinibatchTrainer.Options.CacheFile"/>), trained on through
/// a memory map and reused by later fits when it holds the same rows.
/// </summary>
/// <remarks>
/// Layout, little-endian: a 64-byte header (the magic <c>MBROWS</c>, format 1, features per row, row count, classes; the
/// rest zero), the rows as float32, then the labels as int32. A later fit reuses the file only after comparing every
/// row and label of its data view with the file's, in one pass over both: what it trains on is then provably its data,
/// whatever happened to the file since it was written.
/// </remarks>
internal static class RowCacheFile
{
    private const int HeaderBytes = 64;
    private const int Format = 1;
    private static ReadOnlySpan<byte> Magic => "MBROWS\0\0"u8;
    private const string What = "training data";

    /// <summary>The rows of <paramref name="data"/> from the file at <paramref name="path"/>: reused when it holds them,
    /// written (or written anew) otherwise.</summary>
    /// <exception cref="IOException">The file exists but is not a row cache, or is damaged; or writing it failed.</exception>
    public static SpilledRows Open(string path, IDataView data, string featureColumn, string labelColumn, int dimension, int classes,
        IChannel channel, CancellationToken cancellation)
    {
        path = Path.GetFullPath(path);
        if (Directory.Exists(path))
            throw new IOException($"Options.CacheFile names {path}, which is a directory. Name a file, for example {Path.Combine(path, "training-rows.cache")}.");
        if (File.Exists(path))
        {
            var kept = Header.Read(path);
            string? differs = kept.Dimension != dimension ? $"rows of {kept.Dimension} features, not {dimension}"
                : kept.Classes != classes ? $"{kept.Classes} classes, not {classes}" : null;
            if (differs == null)
            {
                var rows = Map(path, kept, ReadLabels(path, kept));
                try
                {
                    differs = FirstDifference(rows, data, featureColumn, labelColumn, classes, cancellation);
                }
                catch
                {
                    rows.Dispose();
                    throw;
                }
                if (differs == null)
                {
                    channel.Info(MessageSensitivity.None, $"Training from the rows kept in {path}: the data view's {rows.Count:N0} rows, compared row by row.");
                    return rows;
                }
                rows.Dispose();
            }
            channel.Info(MessageSensitivity.None, $"{path} holds {differs}: writing it anew.");
        }
        return Write(path, data, featureColumn, labelColumn, dimension, classes, message => channel.Info(MessageSensitivity.None, message), cancellation);
    }

    /// <summary>Where the data view's labelled rows first differ from the file's, or null when they are the same rows.</summary>
    private static string? FirstDifference(SpilledRows kept, IDataView data, string featureColumn, string labelColumn, int classes,
        CancellationToken cancellation)
    {
        int width = kept.FeatureCount;
        var row = new float[width];
        var keptRow = new float[width];
        Span<int> keptLabel = stackalloc int[1];
        Span<int> index = stackalloc int[1];
        using var cursor = new LabeledRowCursor(data, featureColumn, labelColumn, classes, What, cancellation);
        for (index[0] = 0; cursor.MoveNext(row, out int label); index[0]++)
        {
            if (index[0] == kept.Count) return $"{kept.Count:N0} rows, fewer than the data view's";
            kept.Gather(index, keptRow, keptLabel);
            // Bits, not values: -0 and 0 (or two NaNs) are different rows to the training.
            if (label != keptLabel[0] || !MemoryMarshal.AsBytes(row.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(keptRow.AsSpan())))
                return string.Create(CultureInfo.InvariantCulture, $"other values or labels than the data view's at row {index[0]:N0}");
        }
        return index[0] < kept.Count ? string.Create(CultureInfo.InvariantCulture, $"{kept.Count:N0} rows, more than the data view's {index[0]:N0}") : null;
    }

    /// <summary>The labels section of a file whose header has been checked.</summary>
    private static int[] ReadLabels(string path, Header header)
    {
        var labels = new int[header.Rows];
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        file.Position = HeaderBytes + header.Rows * header.Dimension * sizeof(float);
        file.ReadExactly(MemoryMarshal.AsBytes(labels.AsSpan()));
        return labels;
    }

    /// <summary>Writes the rows to a new file beside <paramref name="path"/> and moves it there once complete, so that a
    /// failed or cancelled write leaves the old file (or none) and nothing else.</summary>
    private static SpilledRows Write(string path, IDataView data, string featureColumn, string labelColumn, int dimension, int classes,
        Action<string> log, CancellationToken cancellation)
    {
        string directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        string fix = "Set Options.CacheFile (--cache-file) to a path on a disk with room.";
        if (data.GetRowCount() is long expected)
            CacheDisk.RequireSpace(directory, HeaderBytes + expected * (dimension + 1L) * sizeof(float), What, fix);
        string partial = $"{path}.{Guid.NewGuid():N}.partial";
        Header header;
        int[] labels;
        var list = new List<int>();
        try
        {
            try
            {
                using var file = new RowFileWriter(new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0));
                var row = new float[dimension];
                var progress = new WriteProgress(log, What, path, dimension * sizeof(float));
                file.Write(new byte[HeaderBytes]);
                using (var cursor = new LabeledRowCursor(data, featureColumn, labelColumn, classes, What, cancellation))
                {
                    while (cursor.MoveNext(row, out int label))
                    {
                        file.Write(MemoryMarshal.AsBytes(row.AsSpan()));
                        list.Add(label);
                        progress.Written(list.Count);
                    }
                }
                progress.Done(list.Count);
                labels = list.ToArray();
                file.Write(MemoryMarshal.AsBytes(labels.AsSpan()));
                file.Flush();
                header = new Header(dimension, labels.Length, classes);
                file.File.Position = 0;
                file.File.Write(header.ToBytes());
                file.File.Flush(flushToDisk: true);
            }
            catch (IOException e)
            {
                throw CacheDisk.WriteFailed(What, partial, list.Count, e, fix);
            }
            File.Move(partial, path, overwrite: true);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
        return Map(path, header, labels);
    }

    private static SpilledRows Map(string path, Header header, int[] labels)
    {
        if (header.Rows > int.MaxValue)
            throw new IOException($"{path} holds {header.Rows} rows, more than one fit can index ({int.MaxValue}).");
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            return new SpilledRows(file, HeaderBytes, (int)header.Rows, header.Dimension, labels, ownsFile: true);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private sealed record Header(int Dimension, long Rows, int Classes)
    {
        public byte[] ToBytes()
        {
            var bytes = new byte[HeaderBytes];
            Magic.CopyTo(bytes);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), Format);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), Dimension);
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), Rows);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(24), Classes);
            return bytes;
        }

        /// <summary>The header of the file at <paramref name="path"/>, checked against the file's length.</summary>
        /// <exception cref="IOException">The file is not a row cache of this format, or its length disagrees with its header.</exception>
        public static Header Read(string path)
        {
            var bytes = new byte[HeaderBytes];
            long length;
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                length = file.Length;
                file.ReadAtLeast(bytes, HeaderBytes, throwOnEndOfStream: false);
            }
            string refuse = $"Options.CacheFile names {path}, which";
            string fix = "Delete it or name another file: it is left as it is.";
            if (!bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
                throw new IOException($"{refuse} is not a row cache written by this trainer. {fix}");
            int format = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
            if (format != Format)
                throw new IOException($"{refuse} is a row cache of format {format}; this version reads format {Format}. {fix}");
            var header = new Header(BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12)), BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16)),
                BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(24)));
            long expected = header.Dimension > 0 && header.Rows >= 0 && header.Rows <= long.MaxValue / 4 / (header.Dimension + 1L)
                ? HeaderBytes + header.Rows * (header.Dimension + 1L) * sizeof(float) : -1;
            if (length != expected)
                throw new IOException(string.Create(CultureInfo.InvariantCulture,
                    $"{refuse} is damaged: its header promises {header.Rows} rows of {header.Dimension} features ({expected} bytes) but it holds {length} bytes. {fix}"));
            return header;
        }
    }
}
