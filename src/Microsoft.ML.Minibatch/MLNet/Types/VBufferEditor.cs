namespace Microsoft.ML.Data;

/// <summary>Creates <see cref="VBufferEditor{T}"/> instances that fill a <see cref="VBuffer{T}"/> in place.</summary>
public static class VBufferEditor
{
    /// <summary>
    /// Starts editing <paramref name="destination"/> as a dense buffer of <paramref name="newLength"/> values,
    /// reusing its storage when it is large enough (values are then left as they were).
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="destination">The buffer whose storage may be reused.</param>
    /// <param name="newLength">The new logical length.</param>
    /// <returns>The editor; call <see cref="VBufferEditor{T}.Commit"/> to obtain the buffer.</returns>
    public static VBufferEditor<T> Create<T>(ref VBuffer<T> destination, int newLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(newLength);
        var raw = destination.RawValues;
        if (raw == null || raw.Length < newLength)
            raw = new T[newLength];
        return new VBufferEditor<T>(newLength, raw);
    }
}
