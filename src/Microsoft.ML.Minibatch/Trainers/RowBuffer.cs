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
    private readonly Action<string>? _log;
    private float[] _memory = [];
    private int[] _labels = new int[1024];
    private RowFileWriter? _file;
    private SpilledRows? _spilled;
    private WriteProgress? _progress;

    /// <param name="dimension">Features per row.</param>
    /// <param name="expectedRows">The row count when the data view knows it, for sizing and the disk-space check.</param>
    /// <param name="limitBytes">The most bytes the rows may take in memory.</param>
    /// <param name="directory">Where the file goes when they take more.</param>
    /// <param name="what">"training data" or "validation set", for messages.</param>
    /// <param name="log">Where to say how the writing of a file goes, or null.</param>
    public RowBuffer(int dimension, long? expectedRows, long limitBytes, string directory, string what, Action<string>? log = null)
    {
        _log = log;
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

    /// <summary>Reads the labelled rows of <paramref name="data"/> (see <see cref="LabeledRowCursor"/>) in one cursor pass,
    /// into a buffer the caller disposes.</summary>
    public static RowBuffer Read(IDataView data, string featureColumn, string labelColumn, int dimension, int classes,
        string what, long memoryLimit, string cacheDirectory, Action<string>? log, CancellationToken cancellation)
    {
        var buffer = new RowBuffer(dimension, data.GetRowCount(), memoryLimit, cacheDirectory, what, log);
        try
        {
            var row = new float[dimension];
            using var cursor = new LabeledRowCursor(data, featureColumn, labelColumn, classes, what, cancellation);
            while (cursor.MoveNext(row, out int label)) buffer.Add(row, label);
            buffer._progress?.Done(buffer.Rows);
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
                throw CacheDisk.WriteFailed(_what, _directory, Rows, e, Fix);
            }
        }
        _labels[Rows++] = label;
        _progress?.Written(Rows);
    }

    /// <summary>Moves the rows so far into a new file and writes every later row there.</summary>
    private void Spill()
    {
        Directory.CreateDirectory(_directory);
        if (_expectedRows is long n) CacheDisk.RequireSpace(_directory, RowBytes(n), $"{_what} (more than Options.RowMemoryLimit allows in memory)", Fix);
        // The file goes when the buffer is disposed, whatever ends the fit (DeleteOnClose). Where an open file can lose its
        // name (not on Windows) it loses it at once, so that not even a killed process leaves it behind.
        string path = Path.Combine(_directory, $"minibatch-rows-{Guid.NewGuid():N}.f32");
        _file = new RowFileWriter(new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0, FileOptions.DeleteOnClose));
        if (!OperatingSystem.IsWindows()) File.Delete(path);
        try
        {
            _file.Write(MemoryMarshal.AsBytes(_memory.AsSpan(0, Rows * _dimension)));
        }
        catch (IOException e)
        {
            throw CacheDisk.WriteFailed(_what, _directory, 0, e, Fix);
        }
        _memory = [];
        _progress = new WriteProgress(_log, _what, _directory, _dimension * sizeof(float));
    }

    /// <summary>The rows as a dataset: over the memory, or over a map of the file.</summary>
    public Dataset ToDataset()
    {
        if (_file == null)
        {
            if (_memory.Length != Rows * _dimension) Array.Resize(ref _memory, Rows * _dimension);
            return new TensorDataset(Tensor.Wrap(_memory, Rows, _dimension), new IntTensor(_labels.AsSpan(0, Rows).ToArray()));
        }
        try
        {
            _file.Flush();
        }
        catch (IOException e)
        {
            throw CacheDisk.WriteFailed(_what, _directory, Rows, e, Fix);
        }
        return _spilled ??= new SpilledRows(_file.File, 0, Rows, _dimension, _labels.AsSpan(0, Rows).ToArray(), ownsFile: false);
    }

    public void Dispose()
    {
        _spilled?.Dispose();
        _file?.Dispose();
    }

    private const string Fix = "Set Options.CacheDirectory (--cache-dir) to a disk with room, or raise Options.RowMemoryLimit (--memory-limit).";

    private long RowBytes(long rows) => rows * _dimension * sizeof(float);
}
