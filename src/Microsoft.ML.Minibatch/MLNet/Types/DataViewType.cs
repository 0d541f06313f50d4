namespace Microsoft.ML;

/// <summary>
/// The type of a column or annotation in an <see cref="IDataView"/>: it names the .NET type its values are
/// exchanged as (<see cref="RawType"/>) and carries the extra information ML.NET attaches (key count, vector size).
/// </summary>
public abstract class DataViewType : IEquatable<DataViewType>
{
    /// <summary>Creates a type whose values are exchanged as <paramref name="rawType"/>.</summary>
    /// <param name="rawType">The .NET type of the values.</param>
    protected DataViewType(Type rawType)
    {
        ArgumentNullException.ThrowIfNull(rawType);
        RawType = rawType;
    }

    /// <summary>The .NET type used to exchange values of this type through getters.</summary>
    public Type RawType { get; }

    /// <summary>Whether <paramref name="other"/> describes the same type.</summary>
    /// <param name="other">The type to compare with.</param>
    /// <returns><see langword="true"/> when both describe the same type.</returns>
    public abstract bool Equals(DataViewType? other);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DataViewType t && Equals(t);

    /// <inheritdoc/>
    public override int GetHashCode() => RawType.GetHashCode();
}
