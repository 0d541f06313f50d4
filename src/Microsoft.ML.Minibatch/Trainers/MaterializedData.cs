using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// The labelled rows of an <see cref="IDataView"/> copied, in one cursor pass, into a <see cref="RowBuffer"/>:
/// features row-major [rows × dimension] and zero-based class indices, in memory or, beyond the memory limit, in a
/// memory-mapped file. Rows whose key label is 0 (missing) are skipped, as ML.NET trainers do.
/// </summary>
internal static class MaterializedData
{
    /// <summary>Reads <paramref name="data"/>, whose columns have been checked to be a known-size Single vector and a
    /// UInt32 key with <paramref name="classes"/> values, into a buffer the caller disposes.</summary>
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
}
