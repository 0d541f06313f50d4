using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// Random indices with PyTorch 1.13's <c>RandomSampler</c> semantics: without replacement, a fresh permutation every
/// epoch (several permutations concatenated, the last one truncated, when <c>numSamples</c> exceeds the row count);
/// with replacement, <c>numSamples</c> independent uniform draws.
/// </summary>
/// <remarks>
/// <para>The <c>generator</c> plays the role of PyTorch's <em>global</em> generator (what <c>torch.manual_seed</c>
/// seeds), and is consumed exactly as <c>RandomSampler(generator=None)</c> consumes it: at the start of every epoch one
/// int64 draw (<c>torch.empty((), dtype=torch.int64).random_()</c>, 64 bits modulo 2^63) seeds a fresh generator, and that
/// generator produces the epoch with <c>torch.randperm(n)</c> (or <c>torch.randint(n, (32,))</c> blocks with replacement).
/// So <c>new Generator(1)</c>, the same model initialisation and the same loaders give PyTorch's exact index sequence.</para>
/// <para>With no generator the process-wide <see cref="Generator.Default"/> is used (under a lock).
/// The same seed gives the same sequence of epochs; consecutive epochs differ.</para>
/// </remarks>
public sealed class RandomSampler : Sampler
{
    private readonly int _rowCount;
    private readonly int _numSamples;
    private readonly Generator? _generator;
    private readonly Generator _epochGenerator = new(0);
    private int[] _permutation = [];

    /// <summary>Creates the sampler.</summary>
    /// <param name="count">The number of rows to draw from; at least 1.</param>
    /// <param name="replacement">Whether rows are drawn with replacement.</param>
    /// <param name="numSamples">Indices per epoch (default: <paramref name="count"/>); at least 1.</param>
    /// <param name="generator">The random source, in the role of PyTorch's global generator; null for <see cref="Generator.Default"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> or <paramref name="numSamples"/> is not positive.</exception>
    public RandomSampler(int count, bool replacement = false, int? numSamples = null, Generator? generator = null)
    {
        if (count <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"count should be a positive integer, but got count={count}.");
        }
        if (numSamples is int n && n <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(numSamples), n,
                $"numSamples should be a positive integer value, but got numSamples={n}.");
        }
        _rowCount = count;
        _numSamples = numSamples ?? count;
        Replacement = replacement;
        _generator = generator;
    }

    /// <summary>Creates the sampler over the rows of <paramref name="dataset"/>.</summary>
    /// <param name="dataset">The dataset; not empty.</param>
    /// <param name="replacement">Whether rows are drawn with replacement.</param>
    /// <param name="numSamples">Indices per epoch (default: the row count).</param>
    /// <param name="generator">The random source (see the class remarks); null for <see cref="Generator.Default"/>.</param>
    public RandomSampler(Dataset dataset, bool replacement = false, int? numSamples = null, Generator? generator = null)
        : this(NotNull(dataset).Count, replacement, numSamples, generator)
    {
    }

    /// <summary>Whether rows are drawn with replacement.</summary>
    public bool Replacement { get; }

    /// <summary>The number of rows drawn from.</summary>
    public int RowCount => _rowCount;

    /// <inheritdoc />
    public override int Count => _numSamples;

    /// <inheritdoc />
    protected override void SampleEpochCore(Span<int> destination)
    {
        _epochGenerator.ManualSeed(DrawSeed(_generator));
        var g = _epochGenerator;
        int n = _rowCount;
        if (Replacement)
        {
            // torch.randint(high=n, size=(32,)) per block: one 32-bit draw modulo n per value (n < 2^32), drawn in order.
            for (int i = 0; i < destination.Length; i++) destination[i] = (int)(g.NextUInt32() % (uint)n);
            return;
        }
        if (_permutation.Length != n) _permutation = new int[n];
        int written = 0;
        while (written < destination.Length)
        {
            int take = Math.Min(n, destination.Length - written);
            if (take == n)
            {
                g.Permutation(destination.Slice(written, n));
            }
            else
            {
                g.Permutation(_permutation);
                _permutation.AsSpan(0, take).CopyTo(destination.Slice(written));
            }
            written += take;
        }
        // Like PyTorch's generator, this one is private to the epoch, so PyTorch's final randperm for a zero remainder
        // changes nothing observable and is skipped.
    }

    /// <summary>
    /// One seed as <c>torch.empty((), dtype=torch.int64).random_(generator=g).item()</c> draws it: 64 random bits
    /// (the first 32-bit draw is the high half) modulo 2^63.
    /// </summary>
    internal static ulong DrawSeed(Generator? generator)
    {
        if (generator is not null) return generator.NextUInt64() & long.MaxValue;
        var shared = Generator.Default;
        lock (shared)
        {
            return shared.NextUInt64() & long.MaxValue;
        }
    }

    private static Dataset NotNull(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return dataset;
    }
}
