namespace Microsoft.ML;

/// <summary>
/// A lazy, re-readable table: a schema and any number of independent cursors over its rows.
/// </summary>
public interface IDataView
{
    /// <summary>Whether cursors can visit the rows in a random order when given a <see cref="Random"/>.</summary>
    bool CanShuffle { get; }

    /// <summary>The columns.</summary>
    DataViewSchema Schema { get; }

    /// <summary>The number of rows if it is known without reading the data, else <see langword="null"/>.</summary>
    /// <returns>The row count or <see langword="null"/>.</returns>
    long? GetRowCount();

    /// <summary>Opens a cursor over the rows, with getters available for <paramref name="columnsNeeded"/>.</summary>
    /// <param name="columnsNeeded">The columns the caller will read.</param>
    /// <param name="rand">Visits the rows in a random order when given and <see cref="CanShuffle"/>.</param>
    /// <returns>A cursor positioned before the first row.</returns>
    DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null);

    /// <summary>Opens up to <paramref name="n"/> cursors that together visit every row once.</summary>
    /// <param name="columnsNeeded">The columns the caller will read.</param>
    /// <param name="n">The suggested number of cursors.</param>
    /// <param name="rand">Visits the rows in a random order when given and <see cref="CanShuffle"/>.</param>
    /// <returns>The cursors.</returns>
    DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null);
}
