namespace Microsoft.ML.Data;

/// <summary>Marks an unsigned integer member as a key column with a given number of categories.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class KeyTypeAttribute : Attribute
{
    /// <summary>A key whose count is the maximum of the member's type.</summary>
    public KeyTypeAttribute()
    {
    }

    /// <summary>A key with <paramref name="count"/> categories (values 1..count, 0 = missing).</summary>
    /// <param name="count">The number of categories.</param>
    public KeyTypeAttribute(ulong count)
    {
        if (count == 0) throw new ArgumentOutOfRangeException(nameof(count), count, "A key count must be positive.");
        KeyCount = count;
    }

    /// <summary>The number of categories, or <see langword="null"/> for the maximum of the raw type.</summary>
    internal ulong? KeyCount { get; }
}
