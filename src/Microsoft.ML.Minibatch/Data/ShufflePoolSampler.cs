using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// A random order that a single forward pass over the rows can serve: the order of ML.NET's <c>ShuffleRows</c> (and of
/// the shuffle buffers of streaming datasets in PyTorch's ecosystem). A pool holds the first <c>poolSize</c> rows; each
/// step yields a row drawn uniformly from the pool and puts the next unread row in its place; once every row has been
/// read the pool drains. Row i is therefore never yielded before step i − poolSize + 1, so whoever reads the rows in
/// order needs to hold only about <c>poolSize</c> of them. It is not the order of a <see cref="RandomSampler"/>: rows
/// stay near their place in the source (with a pool of 1 the order is the source's), and a larger pool mixes more.
/// </summary>
/// <remarks>Each epoch draws one int64 seed from the generator, as <see cref="RandomSampler"/> does, and shuffles with a
/// generator of its own seeded by it; the same generator seed gives the same sequence of epochs.</remarks>
public sealed class ShufflePoolSampler : Sampler
{
    private readonly int _count;
    private readonly Generator? _generator;
    private readonly Generator _epochGenerator = new(0);
    private int[] _pool = [];

    /// <summary>Creates the sampler.</summary>
    /// <param name="count">The number of rows; not negative.</param>
    /// <param name="poolSize">The rows the pool holds; at least 1.</param>
    /// <param name="generator">The random source, in the role of PyTorch's global generator; null for <see cref="Generator.Default"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or <paramref name="poolSize"/> not positive.</exception>
    public ShufflePoolSampler(int count, int poolSize, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(poolSize);
        _count = count;
        PoolSize = poolSize;
        _generator = generator;
    }

    /// <summary>The rows the pool holds.</summary>
    public int PoolSize { get; }

    /// <inheritdoc />
    public override int Count => _count;

    /// <inheritdoc />
    protected override void SampleEpochCore(Span<int> destination)
    {
        _epochGenerator.ManualSeed(RandomSampler.DrawSeed(_generator));
        int live = Math.Min(PoolSize, _count);
        if (_pool.Length != live) _pool = new int[live];
        for (int i = 0; i < live; i++) _pool[i] = i;
        int next = live;
        for (int step = 0; step < destination.Length; step++)
        {
            int slot = (int)Math.BigMul(_epochGenerator.NextUInt64(), (ulong)live, out _);
            destination[step] = _pool[slot];
            // The next unread row takes the yielded row's place; when none is left the pool shrinks by its last slot.
            _pool[slot] = next < _count ? next++ : _pool[--live];
        }
    }
}
