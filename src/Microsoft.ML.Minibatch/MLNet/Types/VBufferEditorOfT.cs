namespace Microsoft.ML.Data;

/// <summary>Writable access to the storage of a dense <see cref="VBuffer{T}"/> being built.</summary>
/// <typeparam name="T">The item type.</typeparam>
public readonly ref struct VBufferEditor<T>
{
    private readonly int _length;
    private readonly T[] _storage;

    internal VBufferEditor(int length, T[] storage)
    {
        _length = length;
        _storage = storage;
    }

    /// <summary>The values to fill in.</summary>
    public Span<T> Values => new(_storage, 0, _length);

    /// <summary>Finishes editing and returns the buffer.</summary>
    /// <returns>A dense buffer over the edited storage.</returns>
    public VBuffer<T> Commit() => new(_length, _storage);
}
