namespace Microsoft.ML.Data;

/// <summary>The type of row identifiers; values are exchanged as <see cref="DataViewRowId"/>.</summary>
public sealed class RowIdDataViewType : PrimitiveDataViewType
{
    private RowIdDataViewType() : base(typeof(DataViewRowId))
    {
    }

    /// <summary>The single instance of the row-id type.</summary>
    public static RowIdDataViewType Instance { get; } = new();

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => ReferenceEquals(this, other);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    /// <inheritdoc/>
    public override int GetHashCode() => RawType.GetHashCode();

    /// <summary>Returns <c>DataViewRowId</c>, as ML.NET does.</summary>
    /// <returns>The type name.</returns>
    public override string ToString() => "DataViewRowId";
}
