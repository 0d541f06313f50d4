namespace Microsoft.ML.Data;

/// <summary>
/// Base of transformers that append columns computed row by row. Derived classes validate the input schema and
/// describe the new columns in <see cref="MakeRowMapper"/>; this class provides <see cref="Transform"/> (lazy),
/// <see cref="GetOutputSchema"/> and <see cref="GetRowToRowMapper"/>.
/// </summary>
public abstract class RowToRowTransformerBase : ITransformer
{
    /// <summary>
    /// Validates <paramref name="inputSchema"/> (throwing ML.NET's schema-mismatch exceptions, see
    /// <see cref="SchemaErrors"/>) and returns the mapper for it.
    /// </summary>
    /// <param name="inputSchema">The input schema.</param>
    /// <returns>The mapper.</returns>
    protected abstract RowMapperBase MakeRowMapper(DataViewSchema inputSchema);

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return MappedDataView.BuildSchema(MakeRowMapper(inputSchema));
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new MappedDataView(input, MakeRowMapper(input.Schema));
    }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new MappedRowToRowMapper(MakeRowMapper(inputSchema));
    }

    /// <inheritdoc/>
    public abstract void Save(ModelSaveContext ctx);
}
