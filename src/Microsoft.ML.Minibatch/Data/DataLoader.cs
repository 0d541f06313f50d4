using System.Collections;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// Iterates a dataset in minibatches (PyTorch's <c>torch.utils.data.DataLoader</c> with <c>num_workers=0</c>): each
/// enumeration is one epoch; each batch is gathered by index straight into one contiguous <c>[B, F]</c> features tensor
/// and one <c>[B]</c> labels tensor.
/// </summary>
/// <remarks>
/// <para><b>Batches are valid until the next one is requested.</b> Without a collate function the loader reuses its batch
/// buffers from batch to batch and epoch to epoch (no per-row objects, no allocation per batch); clone a batch to keep
/// it, or pass a <see cref="CollateFunction"/> that builds fresh tensors.</para>
/// <para>Arguments follow PyTorch's rules: <c>sampler</c> excludes <c>shuffle</c>; <c>batchSampler</c> excludes
/// <c>batchSize</c>, <c>shuffle</c>, <c>sampler</c> and <c>dropLast</c>. Like PyTorch, every epoch starts by drawing one
/// int64 "base seed" from the generator (PyTorch's global generator when none is given; here
/// <see cref="Generator.Default"/>), so that the same seed, model initialisation and loaders consume the random stream
/// exactly as <c>torch.manual_seed</c> + <c>DataLoader(shuffle=True)</c> do.</para>
/// <para>Batches are gathered on the caller's thread. A background thread preparing the next batch was measured twice
/// and dropped: the second time (a polling worker, two alternating buffers) the lesson's gather fell from 15.4 to 2.5 µs
/// a batch but its forward pass rose from 41 to 53 µs, because the batch then has to cross from the other core's cache,
/// which costs here what gathering it from memory does (0.0789 → 0.0779 s per epoch). Instead, right after gathering a
/// batch the loader passes the next batch's indices to <see cref="Dataset.Prefetch"/>, so that the rows travel from
/// memory while this batch trains, on the same core.</para>
/// </remarks>
public sealed class DataLoader : IEnumerable<Batch>
{
    private readonly Generator? _generator;
    private BatchBuffers? _cachedBuffers;

    /// <summary>Creates a data loader.</summary>
    /// <param name="dataset">The rows to load.</param>
    /// <param name="batchSize">Rows per batch; at least 1. Must stay 1 when <paramref name="batchSampler"/> is given.</param>
    /// <param name="shuffle">Whether to draw a new random permutation every epoch (a <see cref="RandomSampler"/>).</param>
    /// <param name="sampler">The index source; excludes <paramref name="shuffle"/>.</param>
    /// <param name="batchSampler">The batch source; excludes <paramref name="batchSize"/>, <paramref name="shuffle"/>,
    /// <paramref name="sampler"/> and <paramref name="dropLast"/>.</param>
    /// <param name="dropLast">Whether to drop a last batch shorter than <paramref name="batchSize"/>.</param>
    /// <param name="collate">Builds each batch instead of the reused-buffer gather; null for the gather.</param>
    /// <param name="generator">The random source, in the role of PyTorch's global generator; null for <see cref="Generator.Default"/>.</param>
    /// <exception cref="ArgumentException">The arguments break one of PyTorch's rules.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    public DataLoader(Dataset dataset, int batchSize = 1, bool shuffle = false, Sampler? sampler = null,
        BatchSampler? batchSampler = null, bool dropLast = false, CollateFunction? collate = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (sampler is not null && shuffle)
        {
            throw new ArgumentException("sampler option is mutually exclusive with shuffle.", nameof(sampler));
        }
        if (batchSampler is not null)
        {
            if (batchSize != 1 || shuffle || sampler is not null || dropLast)
            {
                throw new ArgumentException(
                    "batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast "
                    + $"(got batchSize={batchSize}, shuffle={shuffle}, sampler={(sampler is null ? "null" : sampler.GetType().Name)}, dropLast={dropLast}).",
                    nameof(batchSampler));
            }
        }
        else if (batchSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize,
                $"batchSize should be a positive integer value, but got batchSize={batchSize}.");
        }
        Dataset = dataset;
        _generator = generator;
        Collate = collate;
        if (batchSampler is null)
        {
            if (shuffle && dataset.Count == 0)
            {
                throw new ArgumentException("shuffle needs a dataset with at least one row.", nameof(dataset));
            }
            sampler ??= shuffle ? new RandomSampler(dataset.Count, generator: generator) : new SequentialSampler(dataset.Count);
            batchSampler = new BatchSampler(sampler, batchSize, dropLast);
        }
        BatchSampler = batchSampler;
    }

    /// <summary>The dataset.</summary>
    public Dataset Dataset { get; }

    /// <summary>The batch source (built from the batch size, sampler and drop-last arguments unless given).</summary>
    public BatchSampler BatchSampler { get; }

    /// <summary>The index source.</summary>
    public Sampler Sampler => BatchSampler.Sampler;

    /// <summary>Rows per full batch.</summary>
    public int BatchSize => BatchSampler.BatchSize;

    /// <summary>Whether a short last batch is dropped.</summary>
    public bool DropLast => BatchSampler.DropLast;

    /// <summary>The collate function, or null for the reused-buffer gather.</summary>
    public CollateFunction? Collate { get; }

    /// <summary>Batches per epoch (PyTorch's <c>len(loader)</c>).</summary>
    public int Count => BatchSampler.Count;

    /// <summary>Starts an epoch: draws the base seed, then (at the first batch) the epoch's indices.</summary>
    public IEnumerator<Batch> GetEnumerator()
    {
        // PyTorch's _BaseDataLoaderIter draws its base seed before the sampler runs, whatever the sampler.
        RandomSampler.DrawSeed(_generator);
        return new Enumerator(this);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The loader's buffers, or fresh ones while another enumeration of this loader holds them.</summary>
    private BatchBuffers RentBuffers() =>
        Interlocked.Exchange(ref _cachedBuffers, null) ?? new BatchBuffers(BatchSize, Dataset.FeatureCount);

    private void ReturnBuffers(BatchBuffers buffers) => Volatile.Write(ref _cachedBuffers, buffers);

    private int[] SampleEpoch(BatchBuffers buffers)
    {
        int n = Sampler.Count;
        if (buffers.EpochIndices.Length != n) buffers.EpochIndices = new int[n];
        Sampler.SampleEpoch(buffers.EpochIndices);
        return buffers.EpochIndices;
    }

    private Batch Load(int[] epochIndices, int batch, BatchBuffers buffers)
    {
        int size = BatchSampler.BatchLength(batch);
        var indices = new ReadOnlySpan<int>(epochIndices, batch * BatchSize, size);
        if (Collate is not null) return Collate(Dataset, indices);
        var (features, labels) = buffers.For(size);
        Dataset.Gather(indices, features.AsSpan(), labels.AsSpan());
        // Name the next batch's rows to the dataset now, so that their memory latency overlaps this batch's training.
        if (batch + 1 < Count)
        {
            Dataset.Prefetch(new ReadOnlySpan<int>(epochIndices, (batch + 1) * BatchSize, BatchSampler.BatchLength(batch + 1)));
        }
        return new Batch(features, labels);
    }

    /// <summary>One batch's reusable storage: a full-size pair of tensors and, once needed, a pair for the short last batch.</summary>
    private sealed class BatchBuffers
    {
        private readonly int _featureCount;
        private readonly float[] _features;
        private readonly int _featuresOffset;
        private readonly Tensor _fullFeatures;
        private readonly IntTensor _fullLabels;
        private Tensor? _tailFeatures;
        private IntTensor? _tailLabels;

        public BatchBuffers(int batchSize, int featureCount)
        {
            _featureCount = featureCount;
            (_features, _featuresOffset) = AlignedStorage.Allocate(checked(batchSize * featureCount));
            _fullFeatures = new Tensor(_features, _featuresOffset, [batchSize, featureCount]);
            _fullLabels = new IntTensor(new int[batchSize]);
        }

        public int[] EpochIndices { get; set; } = [];

        public (Tensor Features, IntTensor Labels) For(int size)
        {
            if (size == _fullLabels.ElementCount) return (_fullFeatures, _fullLabels);
            if (_tailLabels is null || _tailLabels.ElementCount != size)
            {
                _tailFeatures = new Tensor(_features, _featuresOffset, [size, _featureCount]);
                _tailLabels = new IntTensor(new int[size]);
            }
            return (_tailFeatures!, _tailLabels);
        }
    }

    /// <summary>Gathers each batch on the caller's thread when it is requested.</summary>
    private sealed class Enumerator(DataLoader loader) : IEnumerator<Batch>
    {
        private BatchBuffers? _buffers = loader.RentBuffers();
        private int[]? _epochIndices;
        private int _next;
        private Batch _current;

        public Batch Current => _current;

        object IEnumerator.Current => _current;

        public bool MoveNext()
        {
            ObjectDisposedException.ThrowIf(_buffers is null, this);
            _epochIndices ??= loader.SampleEpoch(_buffers);
            if (_next >= loader.Count) return false;
            _current = loader.Load(_epochIndices, _next++, _buffers);
            return true;
        }

        public void Reset() => throw new NotSupportedException("Start a new epoch by enumerating the loader again.");

        public void Dispose()
        {
            if (_buffers is null) return;
            loader.ReturnBuffers(_buffers);
            _buffers = null;
        }
    }
}
