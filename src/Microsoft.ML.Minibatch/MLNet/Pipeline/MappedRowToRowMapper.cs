namespace Microsoft.ML.Data;

/// <summary>The <see cref="IRowToRowMapper"/> of a <see cref="RowMapperBase"/>.</summary>
internal sealed class MappedRowToRowMapper : IRowToRowMapper
{
    private readonly RowMapperBase _mapper;

    public MappedRowToRowMapper(RowMapperBase mapper)
    {
        _mapper = mapper;
        OutputSchema = MappedDataView.BuildSchema(mapper);
    }

    public DataViewSchema InputSchema => _mapper.InputSchema;

    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
        => MappedDataView.InputDependencies(_mapper, CursorBase.ActiveFlags(OutputSchema, dependingColumns));

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        var active = CursorBase.ActiveFlags(OutputSchema, activeColumns);
        return new MappedRow(OutputSchema, input, MappedRow.MakeGetters(_mapper, input, active), active);
    }
}
