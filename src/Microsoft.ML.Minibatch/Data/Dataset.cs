using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// A labelled dataset of fixed-length float32 feature rows (PyTorch's map-style <c>torch.utils.data.Dataset</c>
/// specialised to classification): <see cref="Count"/> rows of <see cref="FeatureCount"/> features and an integer label each.
/// </summary>
/// <remarks>
/// Implementations provide one primitive, <see cref="Gather(ReadOnlySpan{int}, Span{float}, Span{int})"/>, which copies
/// the rows named by an index list into caller-owned buffers. A <see cref="DataLoader"/> calls it once per batch into
/// reused buffers, so a batch costs no per-row objects and no allocation. The item and batch accessors below are
/// conveniences built on it that allocate their result.
/// </remarks>
public abstract class Dataset
{
    /// <summary>The number of rows (PyTorch's <c>len(dataset)</c>).</summary>
    public abstract int Count { get; }

    /// <summary>The number of features in each row (784 for MNIST).</summary>
    public abstract int FeatureCount { get; }

    /// <summary>
    /// Copies the rows named by <paramref name="indices"/> into <paramref name="features"/> (row-major,
    /// <c>indices.Length × FeatureCount</c> values) and their labels into <paramref name="labels"/>.
    /// </summary>
    /// <param name="indices">Row indices in [0, <see cref="Count"/>); repeats are allowed.</param>
    /// <param name="features">Receives the rows; exactly <c>indices.Length × FeatureCount</c> values long.</param>
    /// <param name="labels">Receives the labels; exactly <c>indices.Length</c> values long.</param>
    /// <exception cref="ArgumentException">A destination has the wrong length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, <see cref="Count"/>).</exception>
    public void Gather(ReadOnlySpan<int> indices, Span<float> features, Span<int> labels)
    {
        CheckDestinations(indices.Length, features.Length, labels.Length);
        int count = Count;
        foreach (int index in indices)
        {
            if ((uint)index >= (uint)count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), index,
                    $"Index {index} is out of range for a dataset of {count} rows.");
            }
        }
        GatherCore(indices, features, labels);
    }

    /// <summary>
    /// Copies the rows named by <paramref name="indices"/> into a <c>[indices.Length, FeatureCount]</c> tensor
    /// and a <c>[indices.Length]</c> label tensor that the caller owns.
    /// </summary>
    /// <param name="indices">Row indices in [0, <see cref="Count"/>).</param>
    /// <param name="features">A contiguous tensor of shape <c>[indices.Length, FeatureCount]</c>.</param>
    /// <param name="labels">A tensor of shape <c>[indices.Length]</c>.</param>
    /// <exception cref="ArgumentException">A destination has the wrong shape.</exception>
    public void Gather(ReadOnlySpan<int> indices, Tensor features, IntTensor labels)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.Rank != 2 || features.Size(0) != indices.Length || features.Size(1) != FeatureCount)
        {
            throw new ArgumentException(
                $"The features tensor has shape {features.ShapeString}, expected [{indices.Length}, {FeatureCount}].", nameof(features));
        }
        if (labels.Rank != 1 || labels.ElementCount != indices.Length)
        {
            throw new ArgumentException(
                $"The labels tensor has shape {labels.ShapeString}, expected [{indices.Length}].", nameof(labels));
        }
        Gather(indices, features.AsSpan(), labels.AsSpan());
    }

    /// <summary>One row as a <c>[FeatureCount]</c> tensor and its label (PyTorch's <c>dataset[i]</c>).</summary>
    /// <param name="index">The row index in [0, <see cref="Count"/>).</param>
    public (Tensor Features, int Label) this[int index]
    {
        get
        {
            var features = new float[FeatureCount];
            Span<int> label = stackalloc int[1];
            Gather([index], features, label);
            return (Tensor.Wrap(features, FeatureCount), label[0]);
        }
    }

    /// <summary>
    /// The rows named by <paramref name="indices"/> as a new <c>[n, FeatureCount]</c> tensor and a new <c>[n]</c>
    /// label tensor (the seeds' <c>train_ds[0:5]</c> when given 0…4).
    /// </summary>
    /// <param name="indices">Row indices in [0, <see cref="Count"/>).</param>
    public Batch GetBatch(ReadOnlySpan<int> indices)
    {
        var features = new float[checked(indices.Length * FeatureCount)];
        var labels = new int[indices.Length];
        Gather(indices, features, labels);
        return new Batch(Tensor.Wrap(features, indices.Length, FeatureCount), new IntTensor(labels));
    }

    /// <summary>The rows <paramref name="start"/> … <paramref name="start"/> + <paramref name="length"/> − 1 as a new batch.</summary>
    /// <param name="start">The first row.</param>
    /// <param name="length">The number of rows; the range must lie inside the dataset.</param>
    public Batch GetBatch(int start, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if ((long)start + length > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length,
                $"Rows {start}…{start + length - 1} are out of range for a dataset of {Count} rows.");
        }
        var indices = new int[length];
        for (int i = 0; i < length; i++) indices[i] = start + i;
        return GetBatch(indices);
    }

    /// <summary>
    /// Hints that the rows named by <paramref name="indices"/> will be gathered soon, so that an implementation can start
    /// bringing them into the cache while other work runs. Does nothing by default; indices out of range are ignored.
    /// </summary>
    /// <param name="indices">Row indices that a coming <see cref="Gather(ReadOnlySpan{int}, Span{float}, Span{int})"/> will name.</param>
    public virtual void Prefetch(ReadOnlySpan<int> indices)
    {
    }

    /// <summary>
    /// Copies the rows named by <paramref name="indices"/>, already checked to be in range, into destinations of the right length.
    /// </summary>
    /// <param name="indices">Row indices, each in [0, <see cref="Count"/>).</param>
    /// <param name="features">Receives <c>indices.Length × FeatureCount</c> values.</param>
    /// <param name="labels">Receives <c>indices.Length</c> labels.</param>
    protected abstract void GatherCore(ReadOnlySpan<int> indices, Span<float> features, Span<int> labels);

    private void CheckDestinations(int rows, int featureLength, int labelLength)
    {
        long expected = (long)rows * FeatureCount;
        if (featureLength != expected)
        {
            throw new ArgumentException(
                $"The features destination holds {featureLength} values, expected {expected} ({rows} rows × {FeatureCount} features).", "features");
        }
        if (labelLength != rows)
        {
            throw new ArgumentException($"The labels destination holds {labelLength} values, expected {rows}.", "labels");
        }
    }
}
