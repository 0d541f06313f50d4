namespace Microsoft.ML;

/// <summary>The rows of a view after skipping <c>skip</c> rows, at most <c>take</c> of them (TakeRows / SkipRows).</summary>
internal sealed class SkipTakeDataView : IDataView
{
    private readonly IDataView _input;
    private readonly long _skip;
    private readonly long _take;

    public SkipTakeDataView(IDataView input, long skip, long take)
    {
        _input = input;
        _skip = skip;
        _take = take;
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema => _input.Schema;

    public long? GetRowCount()
    {
        var n = _input.GetRowCount();
        if (n == null) return null;
        return Math.Min(Math.Max(n.Value - _skip, 0), _take);
    }

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        => new Cursor(this, _input.GetRowCursor(columnsNeeded));

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly SkipTakeDataView _view;
        private readonly DataViewRowCursor _input;
        private long _position = -1;
        private bool _skipped;
        private bool _done;

        public Cursor(SkipTakeDataView view, DataViewRowCursor input)
        {
            _view = view;
            _input = input;
        }

        public override long Position => _position;

        public override long Batch => _input.Batch;

        public override DataViewSchema Schema => _input.Schema;

        public override ValueGetter<Data.DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _input.IsColumnActive(column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _input.GetGetter<TValue>(column);

        public override bool MoveNext()
        {
            if (_done) return false;
            if (!_skipped)
            {
                _skipped = true;
                for (long i = 0; i < _view._skip; i++)
                    if (!_input.MoveNext()) { _done = true; return false; }
            }
            if (_position + 1 >= _view._take || !_input.MoveNext())
            {
                _done = true;
                return false;
            }
            _position++;
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _input.Dispose();
            base.Dispose(disposing);
        }
    }
}
