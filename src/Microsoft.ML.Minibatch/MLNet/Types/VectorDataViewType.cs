using System.Collections.Immutable;

namespace Microsoft.ML.Data;

/// <summary>
/// A vector of a primitive item type, exchanged as <see cref="VBuffer{T}"/>. Dimensions of 0 mean variable size.
/// </summary>
public sealed class VectorDataViewType : StructuredDataViewType
{
    /// <summary>Creates a variable-size vector of <paramref name="itemType"/>.</summary>
    /// <param name="itemType">The item type.</param>
    public VectorDataViewType(PrimitiveDataViewType itemType) : this(itemType, 0)
    {
    }

    /// <summary>Creates a vector of <paramref name="itemType"/> with the given dimensions (0 = unknown).</summary>
    /// <param name="itemType">The item type.</param>
    /// <param name="dimensions">The dimensions; each non-negative, 0 meaning unknown.</param>
    public VectorDataViewType(PrimitiveDataViewType itemType, params int[] dimensions)
        : base(typeof(VBuffer<>).MakeGenericType((itemType ?? throw new ArgumentNullException(nameof(itemType))).RawType))
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        ItemType = itemType;
        foreach (var d in dimensions)
            if (d < 0)
                throw new ArgumentOutOfRangeException(nameof(dimensions), d, "Vector dimensions must be non-negative.");
        Dimensions = dimensions.Length == 0 ? ImmutableArray.Create(0) : dimensions.ToImmutableArray();
        long size = 1;
        foreach (var d in Dimensions)
        {
            size *= d;
            if (size > int.MaxValue)
                throw new ArgumentOutOfRangeException(nameof(dimensions), "The vector size exceeds Int32.MaxValue.");
        }
        Size = (int)size;
    }

    /// <summary>Creates a vector with the same item type and dimensions as another.</summary>
    /// <param name="type">The vector type to copy.</param>
    public VectorDataViewType(VectorDataViewType type) : this(type.ItemType, type.Dimensions.ToArray())
    {
    }

    /// <summary>The item type.</summary>
    public PrimitiveDataViewType ItemType { get; }

    /// <summary>The dimensions; a 0 means that dimension is unknown.</summary>
    public ImmutableArray<int> Dimensions { get; }

    /// <summary>The total number of items, or 0 when the size is not fixed.</summary>
    public int Size { get; }

    /// <summary>Whether every vector of this type has <see cref="Size"/> items.</summary>
    public bool IsKnownSize => Size > 0;

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is not VectorDataViewType v || !v.ItemType.Equals(ItemType) || v.Size != Size) return false;
        return v.Dimensions.SequenceEqual(Dimensions);
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DataViewType t && Equals(t);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(ItemType);
        foreach (var d in Dimensions) h.Add(d);
        return h.ToHashCode();
    }

    /// <summary>ML.NET's form: <c>Vector&lt;Single, 784&gt;</c>, or <c>Vector&lt;Single&gt;</c> for variable size, <c>*</c> for an unknown dimension among several.</summary>
    /// <returns>The type description.</returns>
    public override string ToString()
    {
        if (Dimensions.Length == 1)
            return Size > 0 ? $"Vector<{ItemType}, {Size}>" : $"Vector<{ItemType}>";
        return $"Vector<{ItemType}, {string.Join(", ", Dimensions.Select(d => d > 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : "*"))}>";
    }
}
