namespace Microsoft.ML.Data;

/// <summary>Row-to-row mappers applied in sequence.</summary>
internal sealed class CompositeRowToRowMapper : IRowToRowMapper
{
    private readonly IRowToRowMapper[] _mappers;

    public CompositeRowToRowMapper(DataViewSchema inputSchema, IRowToRowMapper[] mappers)
    {
        InputSchema = inputSchema;
        _mappers = mappers;
        OutputSchema = mappers.Length == 0 ? inputSchema : mappers[^1].OutputSchema;
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        IEnumerable<DataViewSchema.Column> cols = dependingColumns.ToArray();
        for (int i = _mappers.Length - 1; i >= 0; i--)
            cols = _mappers[i].GetDependencies(cols).ToArray();
        return cols;
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        if (_mappers.Length == 0) return input;
        // Work out, from the last mapper backwards, which columns each stage must produce.
        var needed = new IEnumerable<DataViewSchema.Column>[_mappers.Length];
        IEnumerable<DataViewSchema.Column> cols = activeColumns.ToArray();
        for (int i = _mappers.Length - 1; i >= 0; i--)
        {
            needed[i] = cols;
            cols = _mappers[i].GetDependencies(cols).ToArray();
        }
        var row = input;
        for (int i = 0; i < _mappers.Length; i++)
            row = _mappers[i].GetRow(row, needed[i]);
        return row;
    }
}
