namespace Microsoft.ML.Data;

/// <summary>The standard numeric types: signed and unsigned integers of 1 to 8 bytes, float and double.</summary>
public sealed class NumberDataViewType : PrimitiveDataViewType
{
    private NumberDataViewType(Type rawType) : base(rawType)
    {
    }

    /// <summary>8-bit signed integer.</summary>
    public static NumberDataViewType SByte { get; } = new(typeof(sbyte));
    /// <summary>8-bit unsigned integer.</summary>
    public static NumberDataViewType Byte { get; } = new(typeof(byte));
    /// <summary>16-bit signed integer.</summary>
    public static NumberDataViewType Int16 { get; } = new(typeof(short));
    /// <summary>16-bit unsigned integer.</summary>
    public static NumberDataViewType UInt16 { get; } = new(typeof(ushort));
    /// <summary>32-bit signed integer.</summary>
    public static NumberDataViewType Int32 { get; } = new(typeof(int));
    /// <summary>32-bit unsigned integer.</summary>
    public static NumberDataViewType UInt32 { get; } = new(typeof(uint));
    /// <summary>64-bit signed integer.</summary>
    public static NumberDataViewType Int64 { get; } = new(typeof(long));
    /// <summary>64-bit unsigned integer.</summary>
    public static NumberDataViewType UInt64 { get; } = new(typeof(ulong));
    /// <summary>Single-precision floating point.</summary>
    public static NumberDataViewType Single { get; } = new(typeof(float));
    /// <summary>Double-precision floating point.</summary>
    public static NumberDataViewType Double { get; } = new(typeof(double));

    /// <summary>The number type exchanged as <paramref name="type"/>, or <see langword="null"/> if there is none.</summary>
    /// <param name="type">A .NET numeric type.</param>
    /// <returns>The matching singleton or <see langword="null"/>.</returns>
    public static NumberDataViewType? FromType(Type type)
    {
        if (type == typeof(float)) return Single;
        if (type == typeof(double)) return Double;
        if (type == typeof(int)) return Int32;
        if (type == typeof(uint)) return UInt32;
        if (type == typeof(long)) return Int64;
        if (type == typeof(ulong)) return UInt64;
        if (type == typeof(short)) return Int16;
        if (type == typeof(ushort)) return UInt16;
        if (type == typeof(byte)) return Byte;
        if (type == typeof(sbyte)) return SByte;
        return null;
    }

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => ReferenceEquals(this, other);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    /// <inheritdoc/>
    public override int GetHashCode() => RawType.GetHashCode();

    /// <summary>The .NET name of the raw type, as ML.NET prints it (for example <c>Single</c>).</summary>
    /// <returns>The type name.</returns>
    public override string ToString() => RawType.Name;
}
