using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// A training loader and a validation loader (the seeds' <c>get_dls</c>): the training one shuffles, the validation one
/// goes in order with twice the batch size, since it keeps no activations for backward.
/// </summary>
public sealed class DataLoaders
{
    /// <summary>Pairs two existing loaders.</summary>
    /// <param name="train">The training loader.</param>
    /// <param name="valid">The validation loader.</param>
    public DataLoaders(DataLoader train, DataLoader valid)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(valid);
        Train = train;
        Valid = valid;
    }

    /// <summary>The training loader.</summary>
    public DataLoader Train { get; }

    /// <summary>The validation loader.</summary>
    public DataLoader Valid { get; }

    /// <summary>
    /// The seeds' <c>get_dls(train_ds, valid_ds, bs)</c>: <c>DataLoader(train, bs, shuffle: true)</c> and
    /// <c>DataLoader(valid, 2 × bs)</c>, both drawing from <paramref name="generator"/>.
    /// </summary>
    /// <param name="train">The training rows.</param>
    /// <param name="valid">The validation rows.</param>
    /// <param name="batchSize">The training batch size; at least 1.</param>
    /// <param name="generator">The random source (PyTorch's global generator role); null for <see cref="Generator.Default"/>.</param>
    /// <param name="shuffle">Whether the training loader shuffles (true as in the seeds; false for a sequential sampler).</param>
    public static DataLoaders Create(Dataset train, Dataset valid, int batchSize, Generator? generator = null, bool shuffle = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return new DataLoaders(
            new DataLoader(train, batchSize, shuffle: shuffle, generator: generator),
            new DataLoader(valid, checked(batchSize * 2), generator: generator));
    }
}
