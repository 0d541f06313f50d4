using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// The labelled rows of an <see cref="IDataView"/> copied, in one cursor pass, into two contiguous buffers:
/// features row-major [rows × dimension] and zero-based class indices. Rows whose key label is 0 (missing) are
/// skipped, as ML.NET trainers do.
/// </summary>
internal sealed class MaterializedData
{
    private MaterializedData(float[] features, int[] labels, int rows, int dimension)
    {
        Features = features;
        Labels = labels;
        Rows = rows;
        Dimension = dimension;
    }

    public float[] Features { get; }

    public int[] Labels { get; }

    public int Rows { get; }

    public int Dimension { get; }

    /// <summary>Reads <paramref name="data"/>, whose columns have been checked to be a known-size Single vector and a
    /// UInt32 key with <paramref name="classes"/> values.</summary>
    public static MaterializedData Read(IDataView data, string featureColumn, string labelColumn, int dimension, int classes,
        string what, CancellationToken cancellation)
    {
        var features = data.Schema[featureColumn];
        var label = data.Schema[labelColumn];
        long? known = data.GetRowCount();
        int capacity = known is > 0 and < int.MaxValue ? (int)known.Value : 1024;
        var x = new float[checked((long)capacity * dimension)];
        var y = new int[capacity];
        int rows = 0;
        using (var cursor = data.GetRowCursor(new[] { features, label }))
        {
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
                if (rows == y.Length)
                {
                    int grown = checked(y.Length * 2);
                    Array.Resize(ref y, grown);
                    Array.Resize(ref x, checked(grown * dimension));
                }
                var dst = x.AsSpan(rows * dimension, dimension);
                FeatureRow.CopyDense(vector, dst, featureColumn, row, what);
                for (int j = 0; j < dst.Length; j++)
                {
                    if (!float.IsFinite(dst[j]))
                        throw new ArgumentException(
                            $"Row {row} of the {what}: feature column '{featureColumn}' holds {dst[j].ToString(System.Globalization.CultureInfo.InvariantCulture)} at slot {j}; features must be finite.",
                            featureColumn);
                }
                y[rows] = (int)key - 1;
                rows++;
            }
        }
        if (x.Length != (long)rows * dimension)
        {
            Array.Resize(ref x, rows * dimension);
            Array.Resize(ref y, rows);
        }
        return new MaterializedData(x, y, rows, dimension);
    }

    /// <summary>The rows as a dataset of the engine room, sharing the buffers.</summary>
    public TensorDataset ToDataset() => new(Tensor.Wrap(Features, Rows, Dimension), new IntTensor(Labels));
}
