using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// One forward pass over the labelled rows of an <see cref="IDataView"/> whose columns have been checked to be a
/// known-size Single vector and a UInt32 key: rows whose key is 0 (missing) are skipped, as ML.NET trainers do; every
/// other row is checked (key in range, features finite) and handed over as dense floats and a label in 0 … K − 1.
/// </summary>
internal sealed class LabeledRowCursor : IDisposable
{
    private readonly DataViewRowCursor _cursor;
    private readonly ValueGetter<uint> _getLabel;
    private readonly ValueGetter<VBuffer<float>> _getFeatures;
    private readonly string _featureColumn;
    private readonly string _labelColumn;
    private readonly int _classes;
    private readonly string _what;
    private readonly CancellationToken _cancellation;
    private VBuffer<float> _vector;
    private long _sourceRow = -1;

    /// <summary>Opens the pass; <paramref name="what"/> ("training data", "validation set") names the rows in messages.</summary>
    public LabeledRowCursor(IDataView data, string featureColumn, string labelColumn, int classes, string what, CancellationToken cancellation)
    {
        var features = data.Schema[featureColumn];
        var label = data.Schema[labelColumn];
        _cursor = data.GetRowCursor(new[] { features, label });
        _getLabel = _cursor.GetGetter<uint>(label);
        _getFeatures = _cursor.GetGetter<VBuffer<float>>(features);
        _featureColumn = featureColumn;
        _labelColumn = labelColumn;
        _classes = classes;
        _what = what;
        _cancellation = cancellation;
    }

    /// <summary>Moves to the next labelled row and copies it into <paramref name="features"/>; false at the end.</summary>
    /// <returns>Whether there was a row; <paramref name="label"/> is its class, 0 … K − 1.</returns>
    public bool MoveNext(Span<float> features, out int label)
    {
        uint key = 0;
        do
        {
            if (!_cursor.MoveNext())
            {
                label = -1;
                return false;
            }
            if ((++_sourceRow & 1023) == 0) _cancellation.ThrowIfCancellationRequested();
            _getLabel(ref key);
        }
        while (key == 0);
        if (key > _classes)
            throw new ArgumentOutOfRangeException(_labelColumn, $"Row {_sourceRow} of the {_what}: label key {key} is outside 1..{_classes}.");
        _getFeatures(ref _vector);
        FeatureRow.CopyDense(_vector, features, _featureColumn, _sourceRow, _what);
        int bad = System.Numerics.Tensors.TensorPrimitives.IndexOfMaxMagnitude<float>(features);
        if (bad >= 0 && !float.IsFinite(features[bad]))
            throw new ArgumentException(
                $"Row {_sourceRow} of the {_what}: feature column '{_featureColumn}' holds {features[bad].ToString(CultureInfo.InvariantCulture)} at slot {bad}; features must be finite.",
                _featureColumn);
        label = (int)key - 1;
        return true;
    }

    public void Dispose() => _cursor.Dispose();
}
