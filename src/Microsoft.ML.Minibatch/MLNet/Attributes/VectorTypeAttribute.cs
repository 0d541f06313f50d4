using System.Collections.Immutable;

namespace Microsoft.ML.Data;

/// <summary>Marks an array member as a vector column, optionally of fixed dimensions (for example <c>[VectorType(784)]</c>).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class VectorTypeAttribute : Attribute
{
    /// <summary>A vector of variable size.</summary>
    public VectorTypeAttribute()
    {
        Dimensions = ImmutableArray<int>.Empty;
    }

    /// <summary>A vector of <paramref name="size"/> items (0 = variable).</summary>
    /// <param name="size">The size.</param>
    public VectorTypeAttribute(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        Dimensions = ImmutableArray.Create(size);
    }

    /// <summary>A vector with the given dimensions.</summary>
    /// <param name="dimensions">The dimensions, each positive.</param>
    public VectorTypeAttribute(params int[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        foreach (var d in dimensions)
            if (d <= 0) throw new ArgumentOutOfRangeException(nameof(dimensions), d, "Vector dimensions must be positive.");
        Dimensions = dimensions.ToImmutableArray();
    }

    /// <summary>The dimensions; empty or a single 0 means variable size.</summary>
    public ImmutableArray<int> Dimensions { get; }
}
