using System.Runtime.InteropServices;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// The labelled rows a fit reads from an <see cref="IDataView"/>, as float32: in memory while they fit the memory
/// limit, else written once to a temporary file in the cache directory that training then reads through a memory map
/// (<see cref="SpilledRows"/>): the same rows, so the same batches and the same bits. The file is deleted when the
/// buffer is disposed — when the fit ends, fails or is cancelled.
/// </summary>
internal sealed class RowBuffer : IDisposable
{
    private readonly int _dimension;
    private readonly long _limitBytes;
    private readonly string _directory;
    private readonly string _what;
    private readonly long? _expectedRows;
    private float[] _memory = [];
    private int[] _labels = new int[1024];
    private FileStream? _file;
    private SpilledRows? _spilled;

    /// <param name="dimension">Features per row.</param>
    /// <param name="expectedRows">The row count when the data view knows it, for sizing and the disk-space check.</param>
    /// <param name="limitBytes">The most bytes the rows may take in memory.</param>
    /// <param name="directory">Where the file goes when they take more.</param>
    /// <param name="what">"training data" or "validation set", for messages.</param>
    public RowBuffer(int dimension, long? expectedRows, long limitBytes, string directory, string what)
    {
        _dimension = dimension;
        _limitBytes = limitBytes;
        _directory = directory;
        _what = what;
        _expectedRows = expectedRows;
        // Beyond one array's reach the rows go to the file too, whatever the limit.
        if (expectedRows is long n && (RowBytes(n) > limitBytes || n * dimension > Array.MaxLength)) Spill();
        else if (expectedRows is > 0) _memory = new float[expectedRows.Value * dimension];
    }

    /// <summary>The rows added so far.</summary>
    public int Rows { get; private set; }

    /// <summary>Reads <paramref name="data"/>, whose columns have been checked to be a known-size Single vector and a
    /// UInt32 key with <paramref name="classes"/> values, in one cursor pass, into a buffer the caller disposes. Rows whose key
    /// label is 0 (missing) are skipped, as ML.NET trainers do.</summary>
    public static RowBuffer Read(IDataView data, string featureColumn, string labelColumn, int dimension, int classes,
        string what, long memoryLimit, string cacheDirectory, CancellationToken cancellation)
    {
        var features = data.Schema[featureColumn];
        var label = data.Schema[labelColumn];
        var buffer = new RowBuffer(dimension, data.GetRowCount(), memoryLimit, cacheDirectory, what);
        try
        {
            var dst = new float[dimension];
            using var cursor = data.GetRowCursor(new[] { features, label });
            var getLabel = cursor.GetGetter<uint>(label);
            var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
            uint key = 0;
            VBuffer<float> vector = default;
            long row = -1;
            while (cursor.MoveNext())
            {
                row++;
                if ((row & 1023) == 0) cancellation.ThrowIfCancellationRequested();
                getLabel(ref key);
                if (key == 0) continue;
                if (key > classes)
                    throw new ArgumentOutOfRangeException(labelColumn,
                        $"Row {row} of the {what}: label key {key} is outside 1..{classes}.");
                getFeatures(ref vector);
                FeatureRow.CopyDense(vector, dst, featureColumn, row, what);
                for (int j = 0; j < dst.Length; j++)
                {
                    if (!float.IsFinite(dst[j]))
                        throw new ArgumentException(
                            $"Row {row} of the {what}: feature column '{featureColumn}' holds {dst[j].ToString(System.Globalization.CultureInfo.InvariantCulture)} at slot {j}; features must be finite.",
                            featureColumn);
                }
                buffer.Add(dst, (int)key - 1);
            }
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>Appends one row.</summary>
    /// <exception cref="IOException">Writing the file failed (a full disk, say); the message says what to do.</exception>
    public void Add(ReadOnlySpan<float> row, int label)
    {
        if (Rows == _labels.Length) Array.Resize(ref _labels, checked(_labels.Length * 2));
        if (_file == null && (long)(Rows + 1) * _dimension > _memory.Length)
        {
            long capacity = Math.Max(1024, (long)Rows * 2);
            if (RowBytes(capacity) > _limitBytes || capacity * _dimension > Array.MaxLength) Spill();
            else Array.Resize(ref _memory, (int)(capacity * _dimension));
        }
        if (_file == null) row.CopyTo(_memory.AsSpan(Rows * _dimension, _dimension));
        else
        {
            try
            {
                _file.Write(MemoryMarshal.AsBytes(row));
            }
            catch (IOException e)
            {
                throw new IOException($"Writing the {_what} to {_directory} failed after {Rows} rows: {e.Message} Set Options.CacheDirectory to a disk with room, or raise Options.RowMemoryLimit.", e);
            }
        }
        _labels[Rows++] = label;
    }

    /// <summary>Moves the rows so far into a new file and writes every later row there.</summary>
    private void Spill()
    {
        if (_expectedRows is long n && new DriveInfo(Path.GetFullPath(_directory)).AvailableFreeSpace is var free && free < RowBytes(n))
            throw new IOException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"The {_what} needs {RowBytes(n) / 1e9:F2} GB on disk in {_directory} (more than Options.RowMemoryLimit allows in memory), which has {free / 1e9:F2} GB free. Set Options.CacheDirectory to a disk with room."));
        Directory.CreateDirectory(_directory);
        // DeleteOnClose: the file goes when the buffer is disposed, whatever ends the fit.
        _file = new FileStream(Path.Combine(_directory, $"minibatch-rows-{Guid.NewGuid():N}.f32"), FileMode.CreateNew, FileAccess.ReadWrite,
            FileShare.None, 1 << 20, FileOptions.DeleteOnClose);
        _file.Write(MemoryMarshal.AsBytes(_memory.AsSpan(0, Rows * _dimension)));
        _memory = [];
    }

    /// <summary>The rows as a dataset: over the memory, or over a map of the file.</summary>
    public Dataset ToDataset()
    {
        if (_file == null)
        {
            if (_memory.Length != Rows * _dimension) Array.Resize(ref _memory, Rows * _dimension);
            return new TensorDataset(Tensor.Wrap(_memory, Rows, _dimension), new IntTensor(_labels.AsSpan(0, Rows).ToArray()));
        }
        _file.Flush();
        return _spilled ??= new SpilledRows(_file, Rows, _dimension, _labels.AsSpan(0, Rows).ToArray());
    }

    public void Dispose()
    {
        _spilled?.Dispose();
        _file?.Dispose();
    }

    private long RowBytes(long rows) => rows * _dimension * sizeof(float);
}
