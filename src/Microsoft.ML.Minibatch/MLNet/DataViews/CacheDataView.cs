using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>
/// Reads its input once, on first use (or at once for prefetched columns), keeps every column in memory and then
/// serves any number of cursors, concurrently, in order or in a random order.
/// </summary>
internal sealed class CacheDataView : IDataView
{
    private readonly IDataView _input;
    private readonly Lazy<(ColumnStore[] Stores, int Count)> _table;

    public CacheDataView(IDataView input, bool prefetch)
    {
        _input = input;
        _table = new Lazy<(ColumnStore[], int)>(Fill, LazyThreadSafetyMode.ExecutionAndPublication);
        if (prefetch) _ = _table.Value;
    }

    private (ColumnStore[] Stores, int Count) Fill()
    {
        var schema = _input.Schema;
        var stores = schema.Select(c => ColumnStore.Create(c.Type, 1024)).ToArray();
        int capacity = 1024;
        int count = 0;
        using var cursor = _input.GetRowCursor(schema);
        var loaders = schema.Select(c => stores[c.Index].MakeLoader(cursor, c)).ToArray();
        while (cursor.MoveNext())
        {
            if (count == capacity)
            {
                capacity *= 2;
                foreach (var s in stores) s.EnsureCapacity(capacity);
            }
            foreach (var load in loaders) load(count);
            count++;
        }
        return (stores, count);
    }

    public bool CanShuffle => true;

    public DataViewSchema Schema => _input.Schema;

    public long? GetRowCount() => _table.IsValueCreated ? _table.Value.Count : _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var (stores, count) = _table.Value;
        int[]? order = null;
        if (rand != null)
        {
            order = Enumerable.Range(0, count).ToArray();
            rand.Shuffle(order);
        }
        return new Cursor(Schema, columnsNeeded, stores, count, order);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : CursorBase
    {
        private readonly ColumnStore[] _stores;
        private readonly int _count;
        private readonly int[]? _order;
        private int _row = -1;

        public Cursor(DataViewSchema schema, IEnumerable<DataViewSchema.Column> needed, ColumnStore[] stores, int count, int[]? order)
            : base(schema, needed)
        {
            _stores = stores;
            _count = count;
            _order = order;
        }

        protected override long CurrentRowId => _row;

        protected override bool MoveNextCore()
        {
            if (PositionCore + 1 >= _count) return false;
            _row = _order == null ? (int)PositionCore + 1 : _order[PositionCore + 1];
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_row, 0);

        protected override Delegate GetGetterCore(DataViewSchema.Column column) => _stores[column.Index].MakeGetter(() => _row);
    }
}
