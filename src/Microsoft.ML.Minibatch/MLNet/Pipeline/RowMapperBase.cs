namespace Microsoft.ML.Data;

/// <summary>
/// The per-schema part of a row-to-row transformer: for one input schema, the columns it appends and how each is
/// computed from the current input row. <see cref="RowToRowTransformerBase"/> turns it into a lazy data view and a
/// <see cref="IRowToRowMapper"/>.
/// </summary>
public abstract class RowMapperBase
{
    /// <summary>Creates a mapper for <paramref name="inputSchema"/>.</summary>
    /// <param name="inputSchema">The schema of the input rows.</param>
    protected RowMapperBase(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        InputSchema = inputSchema;
    }

    /// <summary>The schema of the input rows.</summary>
    public DataViewSchema InputSchema { get; }

    /// <summary>The columns appended to the input (a same-named input column becomes hidden).</summary>
    public abstract IReadOnlyList<DataViewSchema.DetachedColumn> OutputColumns { get; }

    /// <summary>The input columns output column <paramref name="outputIndex"/> is computed from.</summary>
    /// <param name="outputIndex">An index into <see cref="OutputColumns"/>.</param>
    /// <returns>Input columns.</returns>
    public abstract IEnumerable<DataViewSchema.Column> GetDependencies(int outputIndex);

    /// <summary>
    /// A <c>ValueGetter</c> of the raw type of output column <paramref name="outputIndex"/> that computes it from the
    /// current values of <paramref name="input"/> (whose dependencies are active).
    /// </summary>
    /// <param name="input">The input row.</param>
    /// <param name="outputIndex">An index into <see cref="OutputColumns"/>.</param>
    /// <returns>The getter.</returns>
    public abstract Delegate MakeGetter(DataViewRow input, int outputIndex);
}
