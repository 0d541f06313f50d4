using System.Numerics.Tensors;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>The rows of another dataset, each feature standardised as it is gathered: (x − mean) / scale.</summary>
internal sealed class StandardizedDataset : Dataset
{
    private readonly Dataset _rows;
    private readonly float[] _mean;
    private readonly float[] _inverseScale;

    public StandardizedDataset(Dataset rows, float[] mean, float[] scale)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (mean.Length != rows.FeatureCount || scale.Length != rows.FeatureCount)
            throw new ArgumentException($"The dataset has {rows.FeatureCount} features per row; the mean and scale have {mean.Length} and {scale.Length}.", nameof(rows));
        _rows = rows;
        _mean = mean;
        _inverseScale = scale.Select(s => 1f / s).ToArray();
    }

    public override int Count => _rows.Count;

    public override int FeatureCount => _rows.FeatureCount;

    public override void Prefetch(ReadOnlySpan<int> indices) => _rows.Prefetch(indices);

    protected override void GatherCore(ReadOnlySpan<int> indices, Span<float> features, Span<int> labels)
    {
        _rows.Gather(indices, features, labels);
        int width = _rows.FeatureCount;
        for (int i = 0; i < indices.Length; i++)
        {
            var row = features.Slice(i * width, width);
            TensorPrimitives.Subtract(row, _mean, row);
            TensorPrimitives.Multiply(row, _inverseScale, row);
        }
    }
}
