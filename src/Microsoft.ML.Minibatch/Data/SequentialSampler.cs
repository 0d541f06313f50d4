namespace Microsoft.ML.Minibatch.Data;

/// <summary>The indices 0, 1, …, n − 1 in order, every epoch (PyTorch's <c>SequentialSampler</c>; for validation).</summary>
public sealed class SequentialSampler : Sampler
{
    private readonly int _count;

    /// <summary>Creates a sampler over <paramref name="count"/> rows.</summary>
    /// <param name="count">The number of rows; not negative.</param>
    public SequentialSampler(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _count = count;
    }

    /// <summary>Creates a sampler over the rows of <paramref name="dataset"/>.</summary>
    /// <param name="dataset">The dataset.</param>
    public SequentialSampler(Dataset dataset) : this(NotNull(dataset).Count)
    {
    }

    /// <inheritdoc />
    public override int Count => _count;

    /// <inheritdoc />
    protected override void SampleEpochCore(Span<int> destination)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = i;
    }

    private static Dataset NotNull(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return dataset;
    }
}
