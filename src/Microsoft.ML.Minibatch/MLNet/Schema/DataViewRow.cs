using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>A row of values, read column by column through typed getters.</summary>
public abstract class DataViewRow : IDisposable
{
    /// <summary>The index of the current row, -1 before the first; it only grows.</summary>
    public abstract long Position { get; }

    /// <summary>Identifies the cursor set this row belongs to; rows with equal batch come from the same cursor.</summary>
    public abstract long Batch { get; }

    /// <summary>The columns of the row.</summary>
    public abstract DataViewSchema Schema { get; }

    /// <summary>A getter of the identifier of the current row, unique within the data view.</summary>
    /// <returns>The getter.</returns>
    public abstract ValueGetter<DataViewRowId> GetIdGetter();

    /// <summary>Whether <paramref name="column"/> was requested and can be read.</summary>
    /// <param name="column">A column of <see cref="Schema"/>.</param>
    /// <returns><see langword="true"/> when a getter is available.</returns>
    public abstract bool IsColumnActive(DataViewSchema.Column column);

    /// <summary>A getter of <paramref name="column"/>; <typeparamref name="TValue"/> must be its raw type.</summary>
    /// <typeparam name="TValue">The raw type of the column.</typeparam>
    /// <param name="column">An active column of <see cref="Schema"/>.</param>
    /// <returns>The getter.</returns>
    public abstract ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column);

    /// <summary>Releases the row.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases resources held by the row.</summary>
    /// <param name="disposing">Whether called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }
}
