using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch.Tests.Trainers;

/// <summary>A data view that passes another's rows through unchanged while it counts the cursors opened on it (the
/// passes a trainer makes) and calls <see cref="OnRow"/> with each row's position as a cursor reaches it; it can
/// announce another row count than it has.</summary>
internal sealed class WatchedDataView(IDataView inner) : IDataView
{
    public int Cursors { get; private set; }

    public Action<long>? OnRow { get; set; }

    public bool CanShuffle => false;

    public DataViewSchema Schema => inner.Schema;

    /// <summary>The row count to announce in place of the inner view's.</summary>
    public long? AnnouncedRows { get; init; }

    public long? GetRowCount() => AnnouncedRows ?? inner.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        Cursors++;
        return new Cursor(inner.GetRowCursor(columnsNeeded), this);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(DataViewRowCursor inner, WatchedDataView view) : DataViewRowCursor
    {
        public override DataViewSchema Schema => inner.Schema;

        public override long Position => inner.Position;

        public override long Batch => inner.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => inner.GetGetter<TValue>(column);

        public override bool MoveNext()
        {
            if (!inner.MoveNext()) return false;
            view.OnRow?.Invoke(inner.Position);
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
