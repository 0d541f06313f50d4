using System.IO.MemoryMappedFiles;
using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// Rows of float32 features in a file, read through a read-only memory map (the operating system pages them in and
/// out, so they need not fit in memory), with their labels in memory. Offsets are 64-bit: files past 2 GB work.
/// </summary>
/// <remarks>The file holds <c>count</c> rows of <c>featureCount</c> floats from <c>offset</c> on, row after row.</remarks>
internal sealed unsafe class SpilledRows : Dataset, IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly float* _rows;
    private readonly int[] _labels;
    private readonly int _featureCount;
    // A file larger than half the memory is mostly on disk whatever the page cache holds: the next batch's rows are
    // then requested from the disk, all at once, while this batch trains (random rows of such a file read about 7,000
    // pages a second one fault at a time, some 25,000 with many reads in flight, on this project's test machine).
    private readonly bool _mostlyOnDisk;
    private bool _disposed;

    /// <summary>Maps <paramref name="file"/>, which disposing the rows closes when <paramref name="ownsFile"/>.</summary>
    public SpilledRows(FileStream file, long offset, int count, int featureCount, int[] labels, bool ownsFile)
    {
        _map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: !ownsFile);
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* start = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        _rows = (float*)(start + _view.PointerOffset + offset);
        _labels = labels;
        _featureCount = featureCount;
        Count = count;
        _mostlyOnDisk = file.Length > GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;
    }

    public override int Count { get; }

    public override int FeatureCount => _featureCount;

    private ReadOnlySpan<float> Row(int index) => new(_rows + (long)index * _featureCount, _featureCount);

    protected override void GatherCore(ReadOnlySpan<int> indices, Span<float> features, Span<int> labels)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int f = _featureCount;
        for (int i = 0; i < indices.Length; i++)
        {
            if (i + 1 < indices.Length) RowPrefetch.Row(Row(indices[i + 1]), 0, f, readNext: true);
            Row(indices[i]).CopyTo(features.Slice(i * f, f));
            labels[i] = _labels[indices[i]];
        }
    }

    public override void Prefetch(ReadOnlySpan<int> indices)
    {
        if (_disposed) return;
        long rowBytes = (long)_featureCount * sizeof(float);
        if (!_mostlyOnDisk)
        {
            RowPrefetch.Rows((byte*)_rows, rowBytes, indices, Count);
            return;
        }
        foreach (int row in indices)
            if ((uint)row < (uint)Count) MappedPages.WillNeed((byte*)_rows + row * rowBytes, rowBytes);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
