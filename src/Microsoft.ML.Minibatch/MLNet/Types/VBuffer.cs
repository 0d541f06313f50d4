namespace Microsoft.ML.Data;

/// <summary>
/// The buffer through which vector values are exchanged. This implementation is always dense: the
/// <see cref="Length"/> logical values are stored in order (sparse input is expanded on construction).
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public readonly struct VBuffer<T>
{
    private readonly T[]? _values;

    /// <summary>Creates a dense buffer of <paramref name="length"/> values taken from <paramref name="values"/>.</summary>
    /// <param name="length">The logical length.</param>
    /// <param name="values">At least <paramref name="length"/> values; the array is used, not copied.</param>
    /// <param name="indices">Must be <see langword="null"/> (dense) — kept for ML.NET's signature.</param>
    public VBuffer(int length, T[] values, int[]? indices = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (indices != null)
            throw new ArgumentException("Use the constructor taking a count to build a sparse buffer.", nameof(indices));
        if ((values?.Length ?? 0) < length)
            throw new ArgumentException($"values holds {values?.Length ?? 0} items, fewer than the length {length}.", nameof(values));
        Length = length;
        _values = values;
    }

    /// <summary>
    /// Creates a buffer from <paramref name="count"/> explicit values. When <paramref name="indices"/> is given the
    /// values are sparse (at those strictly increasing positions, default elsewhere) and are expanded to dense storage.
    /// </summary>
    /// <param name="length">The logical length.</param>
    /// <param name="count">The number of explicit values.</param>
    /// <param name="values">The explicit values.</param>
    /// <param name="indices">The positions of the explicit values, or <see langword="null"/> when dense.</param>
    public VBuffer(int length, int count, T[] values, int[]? indices)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (count < 0 || count > length)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be in [0, {length}].");
        if (indices == null)
        {
            if (count != length)
                throw new ArgumentException($"A dense buffer needs count == length, got {count} and {length}.", nameof(count));
            this = new VBuffer<T>(length, values);
            return;
        }
        if ((values?.Length ?? 0) < count || indices.Length < count)
            throw new ArgumentException("values and indices must hold at least count items.", nameof(values));
        var dense = new T[length];
        int previous = -1;
        for (int i = 0; i < count; i++)
        {
            int index = indices[i];
            if (index <= previous || index >= length)
                throw new ArgumentException($"indices must be strictly increasing and below {length}; got {index} at {i}.", nameof(indices));
            dense[index] = values![i];
            previous = index;
        }
        Length = length;
        _values = dense;
    }

    /// <summary>The logical number of values.</summary>
    public int Length { get; }

    /// <summary>Always <see langword="true"/>: every value is stored explicitly.</summary>
    public bool IsDense => true;

    /// <summary>The explicitly stored values (all <see cref="Length"/> of them).</summary>
    /// <returns>A span over the values.</returns>
    public ReadOnlySpan<T> GetValues() => _values == null ? ReadOnlySpan<T>.Empty : new ReadOnlySpan<T>(_values, 0, Length);

    /// <summary>The positions of the stored values; empty, since the buffer is dense.</summary>
    /// <returns>An empty span.</returns>
    public ReadOnlySpan<int> GetIndices() => ReadOnlySpan<int>.Empty;

    /// <summary>Enumerates all <see cref="Length"/> values in order.</summary>
    /// <returns>The values.</returns>
    public IEnumerable<T> DenseValues()
    {
        for (int i = 0; i < Length; i++)
            yield return _values![i];
    }

    /// <summary>Enumerates (index, value) pairs; <paramref name="all"/> has no effect on a dense buffer.</summary>
    /// <param name="all">Include implicit defaults (there are none).</param>
    /// <returns>The pairs.</returns>
    public IEnumerable<KeyValuePair<int, T>> Items(bool all = false)
    {
        for (int i = 0; i < Length; i++)
            yield return new KeyValuePair<int, T>(i, _values![i]);
    }

    /// <summary>The value at <paramref name="index"/>.</summary>
    /// <param name="index">A position in [0, Length).</param>
    /// <returns>The value.</returns>
    public T GetItemOrDefault(int index)
    {
        if ((uint)index >= (uint)Length)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {Length}).");
        return _values![index];
    }

    /// <summary>Copies the values into <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="Length"/> items.</param>
    public void CopyTo(Span<T> destination) => CopyTo(destination, 0);

    /// <summary>Copies the values into <paramref name="destination"/> starting at <paramref name="destinationIndex"/>.</summary>
    /// <param name="destination">The target span.</param>
    /// <param name="destinationIndex">Where the first value goes.</param>
    /// <param name="defaultValue">Unused for dense buffers; kept for ML.NET's signature.</param>
    public void CopyTo(Span<T> destination, int destinationIndex, T defaultValue = default!)
    {
        if (destinationIndex < 0 || destination.Length - destinationIndex < Length)
            throw new ArgumentException($"The destination cannot hold {Length} values from index {destinationIndex}.", nameof(destination));
        GetValues().CopyTo(destination.Slice(destinationIndex));
    }

    /// <summary>Copies this buffer into <paramref name="destination"/>, reusing its storage when large enough.</summary>
    /// <param name="destination">The buffer to overwrite.</param>
    public void CopyTo(ref VBuffer<T> destination)
    {
        var editor = VBufferEditor.Create(ref destination, Length);
        GetValues().CopyTo(editor.Values);
        destination = editor.Commit();
    }

    /// <summary>Copies this buffer densely into <paramref name="destination"/> (same as <see cref="CopyTo(ref VBuffer{T})"/>).</summary>
    /// <param name="destination">The buffer to overwrite.</param>
    public void CopyToDense(ref VBuffer<T> destination) => CopyTo(ref destination);

    /// <summary>Copies <paramref name="length"/> items of <paramref name="source"/> from <paramref name="sourceIndex"/> into <paramref name="destination"/>.</summary>
    /// <param name="source">The source array.</param>
    /// <param name="sourceIndex">The first item to copy.</param>
    /// <param name="destination">The buffer to overwrite.</param>
    /// <param name="length">The number of items.</param>
    public static void Copy(T[] source, int sourceIndex, ref VBuffer<T> destination, int length)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (sourceIndex < 0 || length < 0 || sourceIndex + length > source.Length)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"[{sourceIndex}, {sourceIndex}+{length}) is outside the source of {source.Length} items.");
        var editor = VBufferEditor.Create(ref destination, length);
        source.AsSpan(sourceIndex, length).CopyTo(editor.Values);
        destination = editor.Commit();
    }

    /// <summary>The backing array (may be longer than <see cref="Length"/>), for editors that reuse storage.</summary>
    internal T[]? RawValues => _values;
}
