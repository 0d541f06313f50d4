using System.Collections;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// Produces the row indices of one epoch (PyTorch's <c>torch.utils.data.Sampler[int]</c>). Each call to
/// <see cref="SampleEpoch"/> (or each enumeration) is one epoch; random samplers give a new order every time.
/// </summary>
public abstract class Sampler : IEnumerable<int>
{
    /// <summary>The number of indices per epoch (PyTorch's <c>len(sampler)</c>).</summary>
    public abstract int Count { get; }

    /// <summary>Writes the next epoch's indices into <paramref name="destination"/>, without allocating.</summary>
    /// <param name="destination">Exactly <see cref="Count"/> values long.</param>
    /// <exception cref="ArgumentException">The destination has the wrong length.</exception>
    public void SampleEpoch(Span<int> destination)
    {
        if (destination.Length != Count)
        {
            throw new ArgumentException(
                $"The destination holds {destination.Length} indices, but an epoch of this sampler has {Count}.", nameof(destination));
        }
        SampleEpochCore(destination);
    }

    /// <summary>Writes the next epoch's <see cref="Count"/> indices into a destination of exactly that length.</summary>
    /// <param name="destination">Receives the indices.</param>
    protected abstract void SampleEpochCore(Span<int> destination);

    /// <summary>Draws one epoch and enumerates its indices.</summary>
    public IEnumerator<int> GetEnumerator()
    {
        var indices = new int[Count];
        SampleEpochCore(indices);
        return ((IEnumerable<int>)indices).GetEnumerator();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
