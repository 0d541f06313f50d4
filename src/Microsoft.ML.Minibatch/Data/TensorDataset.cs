using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// A dataset over a features tensor <c>[N, F]</c> and a labels tensor <c>[N]</c> (PyTorch's <c>TensorDataset(x, y)</c>).
/// The tensors are not copied: later writes to them are visible.
/// </summary>
public sealed class TensorDataset : Dataset
{
    private readonly Tensor _features;
    private readonly IntTensor _labels;
    private readonly int _featureCount;

    /// <summary>Creates the dataset.</summary>
    /// <param name="features">The rows, <c>[N, F]</c>.</param>
    /// <param name="labels">The labels, <c>[N]</c>.</param>
    /// <exception cref="ArgumentException">The shapes are not <c>[N, F]</c> and <c>[N]</c>.</exception>
    public TensorDataset(Tensor features, IntTensor labels)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.Rank != 2)
        {
            throw new ArgumentException($"The features tensor must be [N, F], got {features.ShapeString}.", nameof(features));
        }
        if (labels.Rank != 1 || labels.ElementCount != features.Size(0))
        {
            throw new ArgumentException(
                $"The labels tensor must be [{features.Size(0)}] to match features {features.ShapeString}, got {labels.ShapeString}.", nameof(labels));
        }
        _features = features;
        _labels = labels;
        _featureCount = features.Size(1);
    }

    /// <summary>The features tensor.</summary>
    public Tensor Features => _features;

    /// <summary>The labels tensor.</summary>
    public IntTensor Labels => _labels;

    /// <inheritdoc />
    public override int Count => _labels.ElementCount;

    /// <inheritdoc />
    public override int FeatureCount => _featureCount;

    /// <inheritdoc />
    protected override void GatherCore(ReadOnlySpan<int> indices, Span<float> features, Span<int> labels)
    {
        ReadOnlySpan<float> source = _features.AsSpan();
        ReadOnlySpan<int> sourceLabels = _labels.AsSpan();
        int f = _featureCount;
        for (int i = 0; i < indices.Length; i++)
        {
            int row = indices[i];
            // Random rows miss the cache: request the next row's lines while this one copies.
            if (i + 1 < indices.Length) RowPrefetch.Row(source, indices[i + 1] * f, f, readNext: true);
            source.Slice(row * f, f).CopyTo(features.Slice(i * f, f));
            labels[i] = sourceLabels[row];
        }
    }

    /// <inheritdoc />
    public override void Prefetch(ReadOnlySpan<int> indices) => RowPrefetch.Rows(_features.AsSpan(), indices, _featureCount, Count);
}
