using System.Collections.Immutable;

namespace Microsoft.ML.Data;

/// <summary>The source column index (or range) of a member when loading text files; kept for ML.NET compatibility.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class LoadColumnAttribute : Attribute
{
    /// <summary>Loads the member from source column <paramref name="columnIndex"/>.</summary>
    /// <param name="columnIndex">The zero-based source column.</param>
    public LoadColumnAttribute(int columnIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(columnIndex);
        Start = columnIndex;
        End = columnIndex;
        ColumnIndexes = ImmutableArray.Create(columnIndex);
    }

    /// <summary>Loads the member from the source columns <paramref name="start"/>..<paramref name="end"/> (inclusive).</summary>
    /// <param name="start">The first source column.</param>
    /// <param name="end">The last source column.</param>
    public LoadColumnAttribute(int start, int end)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        if (end < start) throw new ArgumentOutOfRangeException(nameof(end), end, $"end must be at least start ({start}).");
        Start = start;
        End = end;
        ColumnIndexes = Enumerable.Range(start, end - start + 1).ToImmutableArray();
    }

    /// <summary>Loads the member from the listed source columns.</summary>
    /// <param name="columnIndexes">The source columns.</param>
    public LoadColumnAttribute(int[] columnIndexes)
    {
        ArgumentNullException.ThrowIfNull(columnIndexes);
        if (columnIndexes.Length == 0 || columnIndexes.Any(i => i < 0))
            throw new ArgumentException("columnIndexes must be non-empty and non-negative.", nameof(columnIndexes));
        ColumnIndexes = columnIndexes.ToImmutableArray();
        Start = columnIndexes.Min();
        End = columnIndexes.Max();
    }

    /// <summary>The first source column.</summary>
    public int Start { get; }

    /// <summary>The last source column.</summary>
    public int End { get; }

    /// <summary>All source columns.</summary>
    public ImmutableArray<int> ColumnIndexes { get; }
}
