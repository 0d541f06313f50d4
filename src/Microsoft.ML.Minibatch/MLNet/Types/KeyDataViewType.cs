namespace Microsoft.ML.Data;

/// <summary>
/// Categorical values stored as unsigned integers: 0 means missing, 1..<see cref="Count"/> are the categories.
/// </summary>
public sealed class KeyDataViewType : PrimitiveDataViewType
{
    /// <summary>Creates a key type over <paramref name="type"/> with <paramref name="count"/> categories.</summary>
    /// <param name="type">byte, ushort, uint (usual) or ulong.</param>
    /// <param name="count">The number of categories; positive and within the range of <paramref name="type"/>.</param>
    public KeyDataViewType(Type type, ulong count) : base(type)
    {
        if (!IsValidDataType(type))
            throw new ArgumentException($"Type '{type.Name}' is not valid for a key, it must be Byte, UInt16, UInt32, or UInt64.", nameof(type));
        if (count == 0 || count > MaxOf(type))
            throw new ArgumentOutOfRangeException(nameof(count), count,
                $"The cardinality of a KeyDataViewType must be strictly positive and not exceed {type.Name}.MaxValue, but got {count}.");
        Count = count;
    }

    /// <summary>Creates a key type over <paramref name="type"/> with <paramref name="count"/> categories.</summary>
    /// <param name="type">byte, ushort, uint (usual) or ulong.</param>
    /// <param name="count">The number of categories; strictly positive.</param>
    public KeyDataViewType(Type type, int count) : this(type, count > 0 ? (ulong)count
        : throw new ArgumentOutOfRangeException(nameof(count), count, "The cardinality of a KeyDataViewType must be strictly positive."))
    {
    }

    /// <summary>The number of categories; valid values are 1..Count, 0 is missing.</summary>
    public ulong Count { get; }

    /// <summary>Whether <paramref name="type"/> can store keys (the unsigned integer types).</summary>
    /// <param name="type">The candidate raw type.</param>
    /// <returns><see langword="true"/> for byte, ushort, uint and ulong.</returns>
    public static bool IsValidDataType(Type type)
        => type == typeof(uint) || type == typeof(ulong) || type == typeof(ushort) || type == typeof(byte);

    private static ulong MaxOf(Type type)
        => type == typeof(byte) ? byte.MaxValue : type == typeof(ushort) ? ushort.MaxValue
            : type == typeof(uint) ? uint.MaxValue : ulong.MaxValue;

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other)
        => ReferenceEquals(this, other) || other is KeyDataViewType k && k.RawType == RawType && k.Count == Count;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DataViewType t && Equals(t);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(RawType, Count);

    /// <summary>ML.NET's form, for example <c>Key&lt;UInt32, 0-9&gt;</c> for ten categories.</summary>
    /// <returns>The type description.</returns>
    public override string ToString() => $"Key<{RawType.Name}, 0-{Count - 1}>";
}
