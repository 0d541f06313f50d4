namespace Microsoft.ML.Data;

/// <summary>The lazy output of a <see cref="RowMapperBase"/> over an input view: input columns plus appended ones.</summary>
internal sealed class MappedDataView : IDataView
{
    private readonly IDataView _input;
    private readonly RowMapperBase _mapper;

    public MappedDataView(IDataView input, RowMapperBase mapper)
    {
        _input = input;
        _mapper = mapper;
        Schema = BuildSchema(mapper);
    }

    public static DataViewSchema BuildSchema(RowMapperBase mapper)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(mapper.InputSchema);
        builder.AddColumns(mapper.OutputColumns);
        return builder.ToSchema();
    }

    public bool CanShuffle => _input.CanShuffle;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = CursorBase.ActiveFlags(Schema, columnsNeeded);
        var inputNeeded = InputDependencies(_mapper, active);
        var input = _input.GetRowCursor(inputNeeded, rand);
        return new Cursor(Schema, input, MappedRow.MakeGetters(_mapper, input, active), active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => new[] { GetRowCursor(columnsNeeded, rand) };

    public static DataViewSchema.Column[] InputDependencies(RowMapperBase mapper, bool[] active)
    {
        int inputCount = mapper.InputSchema.Count;
        var needed = new Dictionary<int, DataViewSchema.Column>();
        for (int i = 0; i < inputCount; i++)
            if (active[i]) needed[i] = mapper.InputSchema[i];
        for (int j = 0; j < mapper.OutputColumns.Count; j++)
            if (active[inputCount + j])
                foreach (var d in mapper.GetDependencies(j))
                    needed[d.Index] = d;
        return needed.Values.ToArray();
    }

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor _input;
        private readonly Delegate?[] _getters;
        private readonly bool[] _active;

        public Cursor(DataViewSchema schema, DataViewRowCursor input, Delegate?[] getters, bool[] active)
        {
            Schema = schema;
            _input = input;
            _getters = getters;
            _active = active;
        }

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override DataViewSchema Schema { get; }

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => (uint)column.Index < (uint)_active.Length && _active[column.Index];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            => MappedRow.CastGetter<TValue>(Schema, _getters, _active, column);

        public override bool MoveNext() => _input.MoveNext();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _input.Dispose();
            base.Dispose(disposing);
        }
    }
}
