using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>
/// ML.NET's lazy per-column cache: a column is read from the input the first time a cursor asks for it (prefetched
/// columns whenever anything is read), kept in memory, and served from there to any number of cursors, concurrently,
/// in order or in a random order.
/// </summary>
internal sealed class CacheDataView : IDataView
{
    private readonly IDataView _input;
    private readonly int[] _prefetch;
    private readonly ColumnStore?[] _stores;
    private readonly object _fillLock = new();
    private int _count = -1;

    public CacheDataView(IDataView input, int[] prefetch)
    {
        _input = input;
        _prefetch = prefetch;
        _stores = new ColumnStore?[input.Schema.Count];
    }

    public bool CanShuffle => true;

    public DataViewSchema Schema => _input.Schema;

    public long? GetRowCount()
    {
        int count = Volatile.Read(ref _count);
        return count >= 0 ? count : _input.GetRowCount();
    }

    /// <summary>Reads, in one pass over the input, every requested column not cached yet.</summary>
    private (ColumnStore?[] Stores, int Count) Ensure(IEnumerable<DataViewSchema.Column> columns)
    {
        lock (_fillLock)
        {
            var missing = columns.Select(c => c.Index).Concat(_prefetch).Distinct().Where(i => _stores[i] == null)
                .Select(i => Schema[i]).ToArray();
            if (missing.Length > 0 || _count < 0)
            {
                int capacity = 1024;
                var stores = missing.Select(c => ColumnStore.Create(c.Type, capacity)).ToArray();
                int count = 0;
                using (var cursor = _input.GetRowCursor(missing))
                {
                    var loaders = missing.Select((c, k) => stores[k].MakeLoader(cursor, c)).ToArray();
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
                }
                if (_count >= 0 && count != _count)
                    throw new InvalidOperationException($"The cached data changed: {count} rows now, {_count} before.");
                for (int k = 0; k < missing.Length; k++)
                    _stores[missing[k].Index] = stores[k];
                Volatile.Write(ref _count, count);
            }
            return ((ColumnStore?[])_stores.Clone(), _count);
        }
    }

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToArray();
        var (stores, count) = Ensure(needed);
        int[]? order = null;
        if (rand != null)
        {
            order = Enumerable.Range(0, count).ToArray();
            rand.Shuffle(order);
        }
        return new Cursor(Schema, needed, stores, count, order);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : CursorBase
    {
        private readonly ColumnStore?[] _stores;
        private readonly int _count;
        private readonly int[]? _order;
        private int _row = -1;

        public Cursor(DataViewSchema schema, IEnumerable<DataViewSchema.Column> needed, ColumnStore?[] stores, int count, int[]? order)
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

        protected override Delegate GetGetterCore(DataViewSchema.Column column) => _stores[column.Index]!.MakeGetter(() => _row);
    }
}
