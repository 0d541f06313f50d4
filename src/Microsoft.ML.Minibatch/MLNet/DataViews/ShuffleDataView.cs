using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>
/// Streams the rows of a view through a pool of <c>poolSize</c> rows, emitting a random row of the pool each
/// time and refilling its slot — ML.NET's <c>ShuffleRows</c> scheme. A pool as large as the data gives a uniform
/// permutation. The order depends only on the seed (or the <see cref="Random"/> given to the cursor).
/// </summary>
internal sealed class ShuffleDataView : IDataView
{
    private readonly IDataView _input;
    private readonly int _seed;
    private readonly int _poolSize;
    private readonly bool _shuffleSource;

    public ShuffleDataView(IDataView input, int seed, int poolSize, bool shuffleSource)
    {
        _input = input;
        _seed = seed;
        _poolSize = poolSize;
        _shuffleSource = shuffleSource;
    }

    public bool CanShuffle => true;

    public DataViewSchema Schema => _input.Schema;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var random = rand ?? new Random(_seed);
        var needed = columnsNeeded.ToArray();
        var source = _input.GetRowCursor(needed, _shuffleSource && _input.CanShuffle ? new Random(random.Next()) : null);
        return new Cursor(Schema, needed, source, random, _poolSize);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : CursorBase
    {
        private readonly DataViewRowCursor _source;
        private readonly Random _random;
        private readonly ColumnStore?[] _stores;
        private readonly Action<int>[] _loaders;
        private readonly long[] _ids;
        private readonly ValueGetter<DataViewRowId> _sourceId;
        private readonly int _poolSize;
        private int _count;
        private int _current = -1;
        private bool _sourceDone;
        private bool _filled;

        public Cursor(DataViewSchema schema, DataViewSchema.Column[] needed, DataViewRowCursor source, Random random, int poolSize)
            : base(schema, needed)
        {
            _source = source;
            _random = random;
            _poolSize = poolSize;
            _stores = new ColumnStore?[schema.Count];
            var loaders = new List<Action<int>>();
            foreach (var c in needed.DistinctBy(c => c.Index))
            {
                var store = ColumnStore.Create(c.Type, poolSize);
                _stores[c.Index] = store;
                loaders.Add(store.MakeLoader(source, c));
            }
            _loaders = loaders.ToArray();
            _ids = new long[poolSize];
            _sourceId = source.GetIdGetter();
        }

        protected override long CurrentRowId => _ids[_current];

        public override ValueGetter<DataViewRowId> GetIdGetter()
        {
            var ids = _ids;
            return (ref DataViewRowId id) => id = new DataViewRowId((ulong)ids[_current], 0);
        }

        private bool LoadInto(int slot)
        {
            if (_sourceDone || !_source.MoveNext())
            {
                _sourceDone = true;
                return false;
            }
            foreach (var load in _loaders) load(slot);
            DataViewRowId id = default;
            _sourceId(ref id);
            _ids[slot] = (long)id.Low;
            return true;
        }

        protected override bool MoveNextCore()
        {
            if (!_filled)
            {
                _filled = true;
                while (_count < _poolSize && LoadInto(_count)) _count++;
            }
            else if (_current >= 0)
            {
                // The row just emitted leaves the pool: refill its slot, or close the gap with the last slot.
                if (!LoadInto(_current))
                {
                    _count--;
                    if (_current != _count)
                    {
                        foreach (var s in _stores) s?.Move(_count, _current);
                        _ids[_current] = _ids[_count];
                    }
                }
            }
            if (_count == 0)
            {
                _current = -1;
                return false;
            }
            _current = _random.Next(_count);
            return true;
        }

        protected override Delegate GetGetterCore(DataViewSchema.Column column)
            => _stores[column.Index]!.MakeGetter(() => _current);

        protected override void DisposeCore() => _source.Dispose();
    }
}
