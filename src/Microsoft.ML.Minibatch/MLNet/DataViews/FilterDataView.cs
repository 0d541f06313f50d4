using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>The rows of a view that a per-row predicate keeps; the predicate sees the input cursor.</summary>
internal sealed class FilterDataView : IDataView
{
    private readonly IDataView _input;
    private readonly Func<DataViewRowCursor, Func<bool>> _makePredicate;
    private readonly DataViewSchema.Column[] _predicateColumns;

    /// <param name="input">The source.</param>
    /// <param name="predicateColumns">Input columns the predicate reads.</param>
    /// <param name="makePredicate">Given a cursor, returns a function telling whether its current row is kept.</param>
    public FilterDataView(IDataView input, IEnumerable<DataViewSchema.Column> predicateColumns, Func<DataViewRowCursor, Func<bool>> makePredicate)
    {
        _input = input;
        _predicateColumns = predicateColumns.ToArray();
        _makePredicate = makePredicate;
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema => _input.Schema;

    public long? GetRowCount() => null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.Concat(_predicateColumns).DistinctBy(c => c.Index).ToArray();
        var input = _input.GetRowCursor(needed);
        return new Cursor(input, _makePredicate(input), CursorBase.ActiveFlags(Schema, columnsNeeded));
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor _input;
        private readonly Func<bool> _keep;
        private readonly bool[] _active;
        private long _position = -1;

        public Cursor(DataViewRowCursor input, Func<bool> keep, bool[] active)
        {
            _input = input;
            _keep = keep;
            _active = active;
        }

        public override long Position => _position;

        public override long Batch => _input.Batch;

        public override DataViewSchema Schema => _input.Schema;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => (uint)column.Index < (uint)_active.Length && _active[column.Index];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column))
                throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
            return _input.GetGetter<TValue>(column);
        }

        public override bool MoveNext()
        {
            while (_input.MoveNext())
            {
                if (_keep())
                {
                    _position++;
                    return true;
                }
            }
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _input.Dispose();
            base.Dispose(disposing);
        }
    }
}
