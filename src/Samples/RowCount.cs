namespace Microsoft.ML.Minibatch.Samples;

/// <summary>How many rows a data view has: the count it announces, else counted with a cursor that reads no column
/// (a TrainTestSplit or a filter announces none).</summary>
internal static class RowCount
{
    public static long Of(IDataView view)
    {
        if (view.GetRowCount() is long known) return known;
        long n = 0;
        using var cursor = view.GetRowCursor([]);
        while (cursor.MoveNext()) n++;
        return n;
    }
}
