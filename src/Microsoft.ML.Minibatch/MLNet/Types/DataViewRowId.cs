namespace Microsoft.ML.Data;

/// <summary>A 128-bit row identifier, unique within a data view and stable across cursors.</summary>
public readonly struct DataViewRowId : IEquatable<DataViewRowId>, IComparable<DataViewRowId>
{
    /// <summary>The low 64 bits.</summary>
    public readonly ulong Low;

    /// <summary>The high 64 bits.</summary>
    public readonly ulong High;

    /// <summary>Creates an identifier from its two halves.</summary>
    /// <param name="low">The low 64 bits.</param>
    /// <param name="high">The high 64 bits.</param>
    public DataViewRowId(ulong low, ulong high)
    {
        Low = low;
        High = high;
    }

    /// <inheritdoc/>
    public bool Equals(DataViewRowId other) => Low == other.Low && High == other.High;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DataViewRowId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Low, High);

    /// <inheritdoc/>
    public int CompareTo(DataViewRowId other) => High != other.High ? High.CompareTo(other.High) : Low.CompareTo(other.Low);

    /// <summary>Whether two identifiers are equal.</summary>
    /// <param name="left">The first identifier.</param>
    /// <param name="right">The second identifier.</param>
    /// <returns><see langword="true"/> when equal.</returns>
    public static bool operator ==(DataViewRowId left, DataViewRowId right) => left.Equals(right);

    /// <summary>Whether two identifiers differ.</summary>
    /// <param name="left">The first identifier.</param>
    /// <param name="right">The second identifier.</param>
    /// <returns><see langword="true"/> when different.</returns>
    public static bool operator !=(DataViewRowId left, DataViewRowId right) => !left.Equals(right);

    /// <summary>Orders identifiers by (High, Low).</summary>
    /// <param name="left">The first identifier.</param>
    /// <param name="right">The second identifier.</param>
    /// <returns><see langword="true"/> when <paramref name="left"/> sorts first.</returns>
    public static bool operator <(DataViewRowId left, DataViewRowId right) => left.CompareTo(right) < 0;

    /// <summary>Orders identifiers by (High, Low).</summary>
    /// <param name="left">The first identifier.</param>
    /// <param name="right">The second identifier.</param>
    /// <returns><see langword="true"/> when <paramref name="left"/> sorts last.</returns>
    public static bool operator >(DataViewRowId left, DataViewRowId right) => left.CompareTo(right) > 0;

    /// <summary>Orders identifiers by (High, Low).</summary>
    /// <param name="left">The first identifier.</param>
    /// <param name="right">The second identifier.</param>
    /// <returns><see langword="true"/> unless <paramref name="left"/> sorts last.</returns>
    public static bool operator <=(DataViewRowId left, DataViewRowId right) => left.CompareTo(right) <= 0;

    /// <summary>Orders identifiers by (High, Low).</summary>
    /// <param name="left">The first identifier.</param>
    /// <param name="right">The second identifier.</param>
    /// <returns><see langword="true"/> unless <paramref name="left"/> sorts first.</returns>
    public static bool operator >=(DataViewRowId left, DataViewRowId right) => left.CompareTo(right) >= 0;

    /// <inheritdoc/>
    public override string ToString() => $"{High:X16}{Low:X16}";
}
