namespace Microsoft.ML;

/// <summary>A row that moves forward over the rows of a data view.</summary>
public abstract class DataViewRowCursor : DataViewRow
{
    /// <summary>Moves to the next row.</summary>
    /// <returns><see langword="false"/> when there are no more rows.</returns>
    public abstract bool MoveNext();
}
