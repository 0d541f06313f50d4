using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// The labelled rows of an <see cref="IDataView"/> read through its cursor whenever they are asked for, holding at most
/// a pool's worth in memory: nothing is copied up front and nothing is written to disk. Rows asked for in the order of
/// a <see cref="ShufflePoolSampler"/> with a pool no larger than <c>poolRows</c>, or in ascending order (validation,
/// scans), cost one cursor pass per epoch; an index behind the cursor that is not held starts a new pass.
/// </summary>
/// <remarks>The row count, and the check of every label and feature, come from one pass when the dataset is made.</remarks>
internal sealed class StreamedRows : Dataset, IDisposable
{
    private readonly IDataView _data;
    private readonly string _featureColumn;
    private readonly string _labelColumn;
    private readonly int _classes;
    private readonly string _what;
    private readonly CancellationToken _cancellation;
    private readonly int _featureCount;
    // Rows read past the one asked for, waiting in slots until their turn.
    private readonly float[] _slotFeatures;
    private readonly int[] _slotLabels;
    private readonly Stack<int> _freeSlots;
    private readonly Dictionary<int, int> _slotOfRow;
    private readonly float[] _skipped;
    private LabeledRowCursor? _cursor;
    private int _nextRow;

    /// <summary>Counts and checks the rows in one pass; <paramref name="poolRows"/> rows may wait in memory later (the
    /// shuffle pool and a batch).</summary>
    public StreamedRows(IDataView data, string featureColumn, string labelColumn, int featureCount, int classes, string what,
        int poolRows, CancellationToken cancellation)
    {
        _data = data;
        _featureColumn = featureColumn;
        _labelColumn = labelColumn;
        _classes = classes;
        _what = what;
        _cancellation = cancellation;
        _featureCount = featureCount;
        _skipped = new float[featureCount];
        int count = 0;
        using (var pass = Open())
        {
            while (pass.MoveNext(_skipped, out _))
                count = count < int.MaxValue ? count + 1 : throw new InvalidOperationException(
                    $"The {what} has more than {int.MaxValue} labelled rows, more than one fit can index.");
        }
        Count = count;
        int slots = Math.Min(poolRows, count);
        if ((long)slots * featureCount > Array.MaxLength)
            throw new ArgumentOutOfRangeException("ShufflePoolSize", poolRows,
                $"A shuffle pool of {poolRows} rows of {featureCount} features is more than one array can hold; choose a smaller ShufflePoolSize.");
        _slotFeatures = new float[(long)slots * featureCount];
        _slotLabels = new int[slots];
        _freeSlots = new Stack<int>(Enumerable.Range(0, slots).Reverse());
        _slotOfRow = new Dictionary<int, int>(slots);
    }

    public override int Count { get; }

    public override int FeatureCount => _featureCount;

    private LabeledRowCursor Open() => new(_data, _featureColumn, _labelColumn, _classes, _what, _cancellation);

    protected override void GatherCore(ReadOnlySpan<int> indices, Span<float> features, Span<int> labels)
    {
        int f = _featureCount;
        for (int i = 0; i < indices.Length; i++)
        {
            int row = indices[i];
            var destination = features.Slice(i * f, f);
            if (_slotOfRow.Remove(row, out int slot))
            {
                _slotFeatures.AsSpan(slot * f, f).CopyTo(destination);
                labels[i] = _slotLabels[slot];
                _freeSlots.Push(slot);
                continue;
            }
            if (_cursor == null || row < _nextRow) Restart();
            while (_nextRow < row) Hold(_nextRow++);
            labels[i] = Read(destination);
            _nextRow++;
        }
    }

    /// <summary>Reads the row at the cursor into a free slot, or past it when every slot is taken (a later request for it
    /// then starts a new pass).</summary>
    private void Hold(int row)
    {
        if (_freeSlots.TryPop(out int slot))
        {
            _slotLabels[slot] = Read(_slotFeatures.AsSpan(slot * _featureCount, _featureCount));
            _slotOfRow.Add(row, slot);
        }
        else
        {
            Read(_skipped);
        }
    }

    private int Read(Span<float> destination) =>
        _cursor!.MoveNext(destination, out int label) ? label
            : throw new InvalidOperationException($"The {_what} gave fewer rows on this pass than the {Count} it gave before; a data view must give the same rows on every pass.");

    /// <summary>Starts a new pass from the first row; rows held from the last one are dropped.</summary>
    private void Restart()
    {
        _cursor?.Dispose();
        _cursor = Open();
        _nextRow = 0;
        foreach (int slot in _slotOfRow.Values) _freeSlots.Push(slot);
        _slotOfRow.Clear();
    }

    public void Dispose()
    {
        _cursor?.Dispose();
        _cursor = null;
    }
}
