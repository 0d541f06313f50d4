using System.Collections;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// Groups a sampler's indices into batches (PyTorch's <c>BatchSampler(sampler, batch_size, drop_last)</c>): consecutive
/// runs of <see cref="BatchSize"/> indices, the last one shorter unless <see cref="DropLast"/> drops it.
/// </summary>
/// <remarks>Enumerating yields each batch as a fresh array; <see cref="DataLoader"/> instead slices one reused epoch buffer.</remarks>
public sealed class BatchSampler : IEnumerable<int[]>
{
    /// <summary>Creates the batch sampler.</summary>
    /// <param name="sampler">The index source.</param>
    /// <param name="batchSize">Indices per batch; at least 1.</param>
    /// <param name="dropLast">Whether to drop a last batch shorter than <paramref name="batchSize"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    public BatchSampler(Sampler sampler, int batchSize, bool dropLast)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        if (batchSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize,
                $"batchSize should be a positive integer value, but got batchSize={batchSize}.");
        }
        Sampler = sampler;
        BatchSize = batchSize;
        DropLast = dropLast;
    }

    /// <summary>The index source.</summary>
    public Sampler Sampler { get; }

    /// <summary>Indices per full batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether a short last batch is dropped.</summary>
    public bool DropLast { get; }

    /// <summary>Batches per epoch: <c>n / batchSize</c> when dropping the last batch, else ⌈n / batchSize⌉ (PyTorch's rule).</summary>
    public int Count => DropLast ? Sampler.Count / BatchSize : (int)(((long)Sampler.Count + BatchSize - 1) / BatchSize);

    /// <summary>The length of batch <paramref name="batch"/> of an epoch.</summary>
    internal int BatchLength(int batch) => Math.Min(BatchSize, Sampler.Count - batch * BatchSize);

    /// <summary>Draws one epoch from the sampler and yields its batches.</summary>
    public IEnumerator<int[]> GetEnumerator()
    {
        var indices = new int[Sampler.Count];
        Sampler.SampleEpoch(indices);
        int batches = Count;
        for (int b = 0; b < batches; b++)
        {
            yield return indices.AsSpan(b * BatchSize, BatchLength(b)).ToArray();
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
